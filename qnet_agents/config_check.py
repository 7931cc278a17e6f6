"""Every agent's config checked like an env config: a wrong key, type or range is one
``ValueError`` naming the field, the value and what is allowed, before any training step.

The types come from the config dataclass's annotations, the element type of a list field from
its default (``hidden: tuple = (128, 128)`` takes positive integers), and the ranges from
:data:`RANGES` by field name, shared by every agent (a learning rate is a learning rate).
"""

from __future__ import annotations

import math
import types
import typing
from dataclasses import MISSING, fields

from qnet_envs.config import check_range, did_you_mean

# field name -> (low, high, low_open, high_open); integers not named here must be >= 0
RANGES = {
    "lr": (0.0, 1.0, True, True),
    "learning_rate": (0.0, 1.0, True, True),
    "gamma": (0.0, 1.0, False, False),
    "gae_lambda": (0.0, 1.0, False, False),
    "clip": (0.0, 1.0, True, False),
    "clip_range": (0.0, 1.0, True, False),
    "tau": (0.0, 1.0, True, False),
    "dropout": (0.0, 1.0, False, True),
    "eps_start": (0.0, 1.0, False, False),
    "eps_end": (0.0, 1.0, False, False),
    "eps_fraction": (0.0, 1.0, True, False),
    "max_grad_norm": (0.0, 1e6, True, False),
    "grad_clip": (0.0, 1e6, True, False),
    "return_scale": (0.0, 1e12, True, False),
    "weight_decay": (0.0, 1.0, False, False),
    "ent_coef": (0.0, 10.0, False, False),
    "value_coef": (0.0, 100.0, False, False),
    "entropy_start": (0.0, 10.0, False, False),
    "entropy_end": (0.0, 10.0, False, False),
}
# integer fields that must be at least 1 (a count of zero would divide or loop forever)
POSITIVE = {"total_steps", "train_steps", "batch_size", "buffer_size", "n_envs", "n_steps",
            "n_epochs", "epochs", "minibatches", "rollout", "context", "embed", "layers",
            "heads", "hidden", "eval_episodes", "train_freq", "gradient_steps",
            "target_update_freq", "bc_episodes", "bc_epochs", "torch_threads"}  # fmt: skip


def _describe(tp) -> str:
    args = typing.get_args(tp)
    if args and type(None) in args:
        inner = [a for a in args if a is not type(None)]
        return " or ".join(_describe(a) for a in inner) + " or null"
    return {bool: "true or false", int: "an integer", float: "a number", str: "a string",
            dict: "a JSON object", tuple: "a list", list: "a list"}.get(tp, str(tp))  # fmt: skip


def _accepts(tp, value) -> bool:
    args = typing.get_args(tp)
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return any(_accepts(a, value) for a in args)
    if tp is type(None):
        return value is None
    if tp is bool:
        return isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if tp is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return ok and math.isfinite(value)
    if tp in (tuple, list) or typing.get_origin(tp) in (tuple, list):
        return isinstance(value, (list, tuple))
    return isinstance(value, tp) if isinstance(tp, type) else True


def _default(f):
    if f.default is not MISSING:
        return f.default
    return f.default_factory() if f.default_factory is not MISSING else None


def check_field(name: str, tp, value, default) -> None:
    """Raise ``ValueError`` if ``value`` is not what field ``name`` (annotation ``tp``) takes."""
    if not _accepts(tp, value):
        if name in RANGES:  # says the range too: "must be a number with 0.0 < lr < 1.0"
            low, high, low_open, high_open = RANGES[name]
            check_range(f"config field {name}", value, low, high, low_open=low_open,
                        high_open=high_open)  # fmt: skip
        raise ValueError(f"config field {name}={value!r} must be {_describe(tp)}")
    if isinstance(value, (list, tuple)) and isinstance(default, (list, tuple)) and default:
        if all(isinstance(d, int) for d in default):  # layer widths
            if not value:
                raise ValueError(f"config field {name}={value!r} must be a non-empty list")
            for i, width in enumerate(value):
                check_range(f"config field {name}[{i}]", width, 1, 1_000_000, integer=True)
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if number and name in RANGES:
        low, high, low_open, high_open = RANGES[name]
        check_range(f"config field {name}", value, low, high, low_open=low_open,
                    high_open=high_open)  # fmt: skip
    elif isinstance(value, int) and not isinstance(value, bool):
        check_range(f"config field {name}", value, 1 if name in POSITIVE else 0, 10**12,
                    integer=True)  # fmt: skip


def checked(cls, values: dict, base=None):
    """``cls`` (a config dataclass) built from ``base`` (or the defaults) with ``values`` on top,
    every value checked first; unknown keys raise ``ValueError`` listing the allowed ones."""
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        hint = did_you_mean(unknown[0], known)
        raise ValueError(f"unknown config keys {unknown}{hint}; allowed: {sorted(known)}")
    hints = typing.get_type_hints(cls)
    for name, value in values.items():
        check_field(name, hints[name], value, _default(known[name]))
    merged = {f.name: getattr(base, f.name) for f in fields(cls)} if base is not None else {}
    cfg = cls(**{**merged, **values})
    if hasattr(cfg, "validate"):
        cfg.validate()
    return cfg
