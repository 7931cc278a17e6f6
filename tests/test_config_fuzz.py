"""Nothing accepted silently: every top-level config field of every env, given a bad value of
each kind, either raises ValueError naming the field or gives an env that runs with finite,
in-bounds observations and rewards."""

import dataclasses
import math
import warnings

import gymnasium as gym
import numpy as np
import pytest

import qnet_envs
from qnet_envs import component_masks

BAD = [None, "x", float("nan"), float("inf"), -1, 0, 1e12, 4.0, [], {}, True]


def _fields(env_id):
    return [f.name for f in dataclasses.fields(gym.make(env_id).unwrapped.config)]


CASES = [(spec.id, name) for spec in qnet_envs.ENVS for name in _fields(spec.id)]


@pytest.mark.parametrize("env_id,field", CASES)
def test_bad_values_raise_naming_the_field_or_run_cleanly(env_id, field):
    for value in BAD:
        try:
            env = gym.make(env_id, config={field: value})
        except ValueError as exc:
            assert field in str(exc), (value, str(exc))
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            obs, info = env.reset(seed=0)
            for _ in range(10):
                obs, r, te, tr, info = env.step(
                    env.action_space.sample(
                        mask=component_masks(env.action_space, info["action_mask"])
                    )
                )
                assert math.isfinite(r), (field, value)
                assert np.all(np.isfinite(np.asarray(obs, dtype=float))), (field, value)
                assert env.observation_space.contains(obs), (field, value)
                if te or tr:
                    obs, info = env.reset()
