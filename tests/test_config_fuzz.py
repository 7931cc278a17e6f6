"""Nothing accepted silently: every leaf of every env's config tree (nested dataclass fields,
mapping entries and the elements of interval tuples), given a bad or edge value of each kind
(wrong types, non-finite, out of range, the smallest positive float, -0.0), either raises
ValueError naming the field or gives an env that runs 300 random valid steps with finite
float rewards, finite observations in the space, its invariants after every step and no step
slower than a second; and a hypothesis fuzz over several leaves at once, with values drawn
around the defaults, where an accepted config must run 100 such steps."""

import dataclasses
import math
import re
import time
import warnings

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import qnet_envs
from qnet_envs import component_masks

# wrong types, non-finite, out-of-range, and the edges of a range: the smallest positive float
# (a denormal) and a negative zero
BAD = [None, "x", float("nan"), float("inf"), -1, 0, 1e12, 4.0, 2.5, [], {}, True, 5e-324, -0.0]
IDS = [spec.id for spec in qnet_envs.ENVS]


def leaves(value, path=()):
    """(path, default) for every leaf of a config tree; a path step is a field name, a mapping
    key or a tuple index."""
    if dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            yield from leaves(getattr(value, f.name), (*path, f.name))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, (*path, key))
    elif isinstance(value, tuple) and value and all(isinstance(v, (int, float)) for v in value):
        yield path, value
        for i, item in enumerate(value):
            yield (*path, i), item
    else:
        yield path, value


def override(config, path, value) -> dict:
    """The nested override dict that sets ``path`` to ``value`` (a tuple element replaces the
    whole tuple with that element changed)."""
    if isinstance(path[-1], int):
        items = list(_get(config, path[:-1]))
        items[path[-1]] = value
        path, value = path[:-1], items
    out = value
    for step in reversed(path):
        out = {step: out}
    return out


def _get(config, path):
    for step in path:
        config = config[step] if isinstance(config, dict) else getattr(config, step)
    return config


def _name(path) -> str:
    return ".".join(str(p) for p in path if not isinstance(p, int))


def _merge(a: dict, b: dict) -> dict:
    out = dict(a)
    for k, v in b.items():
        out[k] = _merge(out[k], v) if isinstance(out.get(k), dict) and isinstance(v, dict) else v
    return out


def run_clean(env, steps: int, label) -> None:
    """``steps`` random valid steps: finite float rewards, finite observations in the space,
    the invariants after every step, and no step slower than a second (a loop that does not
    end shows here)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        obs, info = env.reset(seed=0)
        for _ in range(steps):
            mask = component_masks(env.action_space, info["action_mask"])
            start = time.perf_counter()
            obs, r, te, tr, info = env.step(env.action_space.sample(mask=mask))
            assert time.perf_counter() - start < 1.0, label
            assert isinstance(r, float) and math.isfinite(r), label
            assert np.all(np.isfinite(np.asarray(obs, dtype=float))), label
            assert env.observation_space.contains(obs), label
            env.unwrapped.check_invariants()
            if te or tr:
                obs, info = env.reset()


def _defaults(env_id):
    return gym.make(env_id).unwrapped.config


CASES = [(env_id, path) for env_id in IDS for path, _ in leaves(_defaults(env_id))]


@pytest.mark.parametrize("env_id,path", CASES, ids=[f"{e}:{_name(p)}" for e, p in CASES])
def test_bad_leaf_values_raise_naming_the_field_or_run_cleanly(env_id, path):
    config = _defaults(env_id)
    for value in BAD:
        try:
            env = gym.make(env_id, config=override(config, path, value))
        except ValueError as exc:
            assert _name(path) in str(exc), (value, str(exc))
            continue
        run_clean(env, 300, (path, value))


PLAUSIBLE = [0.5, 0.8, 0.9, 1.1, 1.25, 2.0, 3.0]
EXTREME = [0.0, 1e-9, 10.0, 1e6, -1.0, 5e-324, -0.0]
WRONG = [float("nan"), float("inf"), None, "1"]


def _near(default):
    """Values around a leaf's default: mostly plausible (scaled by 0.5-3), sometimes extreme
    (zero, tiny, huge, negative), now and then non-finite or of the wrong type."""
    if isinstance(default, bool):
        return st.sampled_from([True, False, True, False, 0, "yes"])
    if not isinstance(default, (int, float)):
        return st.sampled_from([default, default, *BAD])

    def scaled(factor):
        value = default * factor
        if isinstance(default, int):
            return int(round(value)) if math.isfinite(value) else default
        return value

    factors = st.sampled_from(PLAUSIBLE * 3 + EXTREME)
    return st.one_of(factors.map(scaled), factors.map(scaled), st.sampled_from(WRONG))


@pytest.mark.parametrize("env_id", IDS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_config_trees_raise_naming_a_field_or_run_100_steps(env_id, data):
    config = _defaults(env_id)
    tree = [(p, d) for p, d in leaves(config) if not isinstance(d, tuple)]
    picks = data.draw(
        st.lists(st.sampled_from(tree), min_size=1, max_size=3, unique_by=lambda x: x[0])
    )
    overrides = {}
    for path, default in picks:
        overrides = _merge(overrides, override(config, path, data.draw(_near(default))))
    try:
        env = gym.make(env_id, config=overrides)
    except ValueError as exc:
        assert any(_name(p) in str(exc) for p, _ in picks), (overrides, str(exc))
        event("rejected")
        return
    event("accepted")
    run_clean(env, 100, overrides)


# Quantities that divide or scale others: their floor (qnet_envs.config.PHYSICAL_FLOOR), a
# denormal value just above 0 that the floor refuses, and -0.0 where 0 is allowed.
FLOORED = [
    ("qnet/Com2Net-v0", {"bandwidth_gbps": "{}"}, "bandwidth_gbps"),
    ("qnet/Com2Net-v0", {"fl_local_tflop": "{}"}, "fl_local_tflop"),
    ("qnet/Com2Net-joint-v1", {"devices": {"cpu": {"tflops": "{}"}}}, "devices.cpu.tflops"),
    ("qnet/QKDProvisioning-v0", {"load_erlang": "{}"}, "load_erlang"),
    ("qnet/QKDProvisioning-v0", {"mean_holding": "{}"}, "mean_holding"),
    ("qnet/QuantumResourceAllocation-v0", {"load_erlang": "{}"}, "load_erlang"),
    ("qnet/QuantumResourceAllocation-v0", {"mean_holding": "{}"}, "mean_holding"),
    ("qnet/MobileEdgeCloud-v0", {"energy_scale_j": "{}"}, "energy_scale_j"),
    ("qnet/QPUScheduling-v0", {"instance": {"load": "{}"}}, "instance.load"),
]


def _with(template, value):
    if isinstance(template, dict):
        return {k: _with(v, value) for k, v in template.items()}
    return value if template == "{}" else template


@pytest.mark.parametrize("env_id, template, field", FLOORED)
def test_a_denormal_scale_is_refused_naming_its_field(env_id, template, field):
    with pytest.raises(ValueError, match=re.escape(field)):
        gym.make(env_id, config=_with(template, 5e-324))


@pytest.mark.parametrize("env_id, template, field", FLOORED)
def test_the_floor_of_a_scale_runs_with_finite_rewards_and_observations(env_id, template, field):
    from qnet_envs.config import PHYSICAL_FLOOR

    env = gym.make(env_id, config=_with(template, PHYSICAL_FLOOR)).unwrapped
    obs, info = env.reset(seed=0)
    rng = np.random.default_rng(0)
    for _ in range(300):
        masks = component_masks(env.action_space, info["action_mask"])
        obs, reward, terminated, truncated, info = env.step(env.action_space.sample(mask=masks))
        assert np.isfinite(reward) and np.all(np.isfinite(obs)), field
        env.check_invariants()
        if terminated or truncated:
            obs, info = env.reset(seed=int(rng.integers(1000)))


def test_negative_zero_is_refused_where_its_sign_would_reach_numpy():
    with pytest.raises(ValueError, match="straggler_sigma=-0.0"):
        gym.make("qnet/Com2Net-v0", config={"straggler_sigma": -0.0})
