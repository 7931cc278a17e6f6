"""Typed env configs: defaults as dataclasses, user overrides deep-merged, values validated.

Every env exposes ``default_config()`` returning a dataclass. ``gym.make(id, config={...})``
and ``reset(options={"config": {...}})`` merge a (possibly nested) dict into it with
:func:`merge_config`; unknown keys and out-of-range values raise ``ValueError`` naming the field,
the value and the allowed range.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import types
import typing
from collections.abc import Mapping
from typing import Any, TypeVar

import numpy as np

C = TypeVar("C")


def merge_config(config: C, overrides: Mapping[str, Any] | None, prefix: str = "") -> C:
    """Return a copy of dataclass ``config`` with ``overrides`` deep-merged into it.

    Nested dataclasses and dict-valued fields merge key by key; other values are replaced.
    The top-level result's ``validate()`` is called before it is returned; it validates its
    nested parts itself, so that their errors carry the full field name.
    """
    merged = _merge_fields(config, overrides, prefix)
    if hasattr(merged, "validate"):
        merged.validate()
    return merged


def _merge_fields(config, overrides, prefix):
    if overrides is None:
        overrides = {}
    if dataclasses.is_dataclass(overrides):
        overrides = dataclasses.asdict(overrides)
    if not isinstance(overrides, Mapping):
        raise ValueError(f"config{prefix and ' ' + prefix} must be a mapping, got {overrides!r}")
    fields = {f.name for f in dataclasses.fields(config)}
    changes = {}
    for key, value in overrides.items():
        name = f"{prefix}{key}"
        if key not in fields:
            raise ValueError(f"unknown config field {name!r}; allowed fields: {sorted(fields)}")
        current = getattr(config, key)
        _check_type(name, value, _hints(type(config)).get(key))
        nested = dataclasses.is_dataclass(current) or isinstance(current, dict)
        if nested and not (isinstance(value, Mapping) or dataclasses.is_dataclass(value)):
            raise ValueError(f"{name}={value!r} must be a mapping of its fields")
        if dataclasses.is_dataclass(current) and isinstance(value, Mapping):
            value = _merge_fields(current, value, prefix=f"{name}.")
        elif isinstance(current, dict) and isinstance(value, Mapping):
            value = _merge_dict(current, value)
        changes[key] = value
    return dataclasses.replace(config, **changes)


@functools.cache
def _hints(cls) -> dict:
    return typing.get_type_hints(cls)


_DESCRIBE = {bool: "True or False", int: "an integer", float: "a number", str: "a string",
             tuple: "a list", dict: "a mapping", type(None): "null"}  # fmt: skip


def _accepts(kind, value) -> bool:
    if kind is object:
        return True
    if kind is type(None):
        return value is None
    if kind is bool:
        return isinstance(value, (bool, np.bool_))
    if isinstance(value, (bool, np.bool_)):
        return False  # True is an int to Python, never a count or a quantity here
    if kind is int:
        return isinstance(value, (int, np.integer))
    if kind is float:
        return isinstance(value, (int, float, np.integer, np.floating))
    if kind is tuple:
        return isinstance(value, (list, tuple))
    if kind is dict or dataclasses.is_dataclass(kind):
        return isinstance(value, Mapping) or dataclasses.is_dataclass(value)
    return isinstance(value, kind)


def _describe(kind) -> str:
    if dataclasses.is_dataclass(kind):
        return "a mapping of its fields"
    return _DESCRIBE.get(kind, getattr(kind, "__name__", str(kind)))


def _check_type(name: str, value, hint) -> None:
    """Type-check a config value against its field's annotation (unions allowed), so that a
    string, None or bool where a number belongs is refused here, not met later."""
    if hint is None:
        return
    kinds = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    if not any(_accepts(k, value) for k in kinds):
        allowed = " or ".join(_describe(k) for k in kinds)
        raise ValueError(f"{name}={value!r} must be {allowed}")


def _merge_dict(base: Mapping, override: Mapping) -> dict:
    out = dict(base)
    for key, value in override.items():
        if isinstance(out.get(key), Mapping) and isinstance(value, Mapping):
            out[key] = _merge_dict(out[key], value)
        else:
            out[key] = value
    return out


PHYSICAL_FLOOR = 1e-6
"""The smallest value of a quantity that divides or scales others (a load, a holding time, a
bandwidth, an energy scale, a throughput), where its range would otherwise start just above 0:
a denormal value like 5e-324 turns a quotient infinite or a product zero. 1e-6 of any of the
suite's units (erlang, s, Gbit/s, J, TFLOP/s, TFLOP) is far below any physical device or
load, and keeps every derived quantity a finite positive number."""


def did_you_mean(value: str, choices) -> str:
    """`` (did you mean 'x'?)`` for the choice closest to a mistyped ``value``, else ``""``."""
    import difflib

    close = difflib.get_close_matches(str(value), [str(c) for c in choices], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def check_range(
    field: str,
    value: Any,
    low: float | None = None,
    high: float | None = None,
    *,
    integer: bool = False,
    low_open: bool = False,
    high_open: bool = False,
) -> None:
    """Raise ``ValueError`` naming ``field``, ``value`` and the allowed range if out of range."""
    lo_sym = "<" if low_open else "<="
    hi_sym = "<" if high_open else "<="
    allowed = " ".join(
        part
        for part in (
            f"{low} {lo_sym}" if low is not None else "",
            field,
            f"{hi_sym} {high}" if high is not None else "",
        )
        if part
    )
    kind = "an integer" if integer else "a number"
    if isinstance(value, (np.integer, np.floating)):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{field}={value!r} must be {kind} with {allowed}")
    if integer and not isinstance(value, int):
        # 4.0 would pass a range check and then fail later as an index or a count
        raise ValueError(f"{field}={value!r} must be an integer (not a float) with {allowed}")
    if not integer and not math.isfinite(value):
        raise ValueError(f"{field}={value!r} must be finite with {allowed}")
    if value == 0 and math.copysign(1.0, value) < 0 and low is not None and low >= 0:
        # -0.0 passes `>= 0` but its sign reaches numpy (a negative scale) later
        raise ValueError(f"{field}=-0.0 has a negative sign; give 0.0 ({allowed})")
    bad_low = low is not None and (value <= low if low_open else value < low)
    bad_high = high is not None and (value >= high if high_open else value > high)
    if bad_low or bad_high:
        raise ValueError(f"{field}={value!r} is out of range; allowed: {allowed}")


def check_choice(field: str, value: Any, choices) -> None:
    """Raise ``ValueError`` if ``value`` is not one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{field}={value!r} is not allowed; choose one of {list(choices)}")


def check_interval(
    field: str,
    value: Any,
    low: float,
    high: float,
    *,
    integer: bool = False,
    low_open: bool = False,
) -> tuple:
    """Check a (low, high) pair with low <= high inside [low, high] of the allowed range;
    returns the pair as numbers. Raises ``ValueError`` naming the field otherwise."""
    try:
        lo, hi = value
    except (TypeError, ValueError):
        raise ValueError(f"{field}={value!r} must be a (low, high) pair") from None
    check_range(f"{field}[0]", lo, low, high, integer=integer, low_open=low_open)
    check_range(f"{field}[1]", hi, lo, high, integer=integer)
    return lo, hi


def load_config_arg(value: str | None, option: str = "--config") -> dict | None:
    """A command-line config: a JSON object given inline, or the path of a JSON or YAML file
    holding one. Raises ``ValueError`` naming ``option`` and what is wrong."""
    from pathlib import Path

    if value is None or value == "":
        return None
    path = Path(value)
    looks_like_path = not value.lstrip().startswith("{")
    if looks_like_path:
        if not path.is_file():
            raise ValueError(f"{option} {value}: no such file (give a JSON object or a file path)")
        text = path.read_text()
        if path.suffix.lower() in (".yaml", ".yml"):
            try:
                import yaml
            except ImportError:
                raise ValueError(
                    f"{option} {value}: YAML needs PyYAML (pip install pyyaml)"
                ) from None
            try:
                data = yaml.safe_load(text)
            except yaml.YAMLError as exc:
                raise ValueError(f"{option} {value}: not valid YAML ({exc})") from None
        else:
            data = _json_object(text, f"{option} {value}")
    else:
        data = _json_object(value, option)
    if not isinstance(data, Mapping):
        raise ValueError(f"{option} {value}: expected a JSON/YAML object (a mapping of fields)")
    return dict(data)


def _json_object(text: str, where: str):
    import json

    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{where}: not valid JSON ({exc.msg} at line {exc.lineno})") from None


def make_configured(env_id: str, config: dict | None = None, **kwargs):
    """``gym.make(env_id, config=config, **kwargs)`` for a user's config: a ``ValueError``
    passes unchanged (it names the field), and any other failure while building the env
    becomes one ``ValueError`` naming the config, so that a command-line user sees one line."""
    import gymnasium as gym

    if config:
        kwargs["config"] = config
    try:
        return gym.make(env_id, **kwargs)
    except ValueError:
        raise
    except Exception as exc:  # noqa: BLE001 - whatever a config breaks: one line, not a trace
        raise ValueError(f"config {config!r} of {env_id}: {type(exc).__name__}: {exc}") from None
