"""The policy interface every baseline implements, and the random-valid policy all envs share."""

from __future__ import annotations

import numpy as np

from ..masks import component_masks


class Policy:
    """A policy maps (observation, info) to an action. ``reset(seed)`` starts an episode.

    Heuristics may read the env's nominal (believed) state through ``env.unwrapped``, never the
    hidden true fidelities, so they see what a real controller would.
    """

    name = "policy"

    def __init__(self, env):
        self.env = env.unwrapped
        self.rng = np.random.default_rng()

    def reset(self, seed: int | None = None) -> None:
        self.rng = np.random.default_rng(seed)

    def act(self, obs, info) -> int:
        raise NotImplementedError


class RandomValid(Policy):
    """Uniformly random among the actions that ``info["action_mask"]`` allows; for
    ``MultiDiscrete`` envs (the per-component masks concatenated) each component independently."""

    name = "random-valid"

    def act(self, obs, info):
        mask = component_masks(self.env.action_space, info["action_mask"])
        if isinstance(mask, tuple):
            return np.array([self.rng.choice(np.flatnonzero(m)) for m in mask], dtype=np.int64)
        return int(self.rng.choice(np.flatnonzero(mask)))
