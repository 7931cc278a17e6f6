"""What the batched envs share: argument checks, per-env seeding and action validation."""

from __future__ import annotations

import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from .streams import BlockStreams


def check_num_envs(num_envs) -> None:
    if isinstance(num_envs, bool) or not isinstance(num_envs, int) or num_envs < 1:
        raise ValueError(f"num_envs={num_envs!r} must be an integer >= 1")


class BatchedEnv(VectorEnv):
    """A numpy-batched vector env over a batch-first core: one env's spaces given,
    env i seeded ``seed + i`` through :class:`BlockStreams` of ``width`` uniforms per call,
    NEXT_STEP autoreset (the step after an env's episode ends resets it)."""

    metadata = {"autoreset_mode": AutoresetMode.NEXT_STEP, "render_modes": []}

    def _setup(self, num_envs, spaces: tuple, width: int, render_mode, kw) -> None:
        """``spaces``: one env's (action space, observation space)."""
        if render_mode is not None:
            raise ValueError(f"render_mode={render_mode!r}: the batched env does not render")
        if kw:
            raise ValueError(f"unknown arguments {sorted(kw)}")
        check_num_envs(num_envs)
        self.num_envs = num_envs
        self.single_action_space, self.single_observation_space = spaces
        self.action_space = batch_space(self.single_action_space, num_envs)
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self.streams = BlockStreams(width)
        self._rows = np.arange(num_envs)
        self._seeded = False
        self._pending = np.zeros(num_envs, dtype=bool)

    def _seed(self, seed, options) -> None:
        """Seed env i with ``seed + i`` (or ``seed[i]`` for a list) on the first reset or when a
        seed is given; later resets continue each env's stream like a scalar env's."""
        if options:
            raise ValueError("options are not supported by the batched env; pass config= at make")
        if seed is not None or not self._seeded:
            if seed is None:
                seeds = [None] * self.num_envs
            elif isinstance(seed, int):
                seeds = [seed + i for i in range(self.num_envs)]
            else:
                seeds = list(seed)
            self.streams.seed(seeds)
            self._seeded = True
        self._pending[:] = False

    def _check_actions(self, actions) -> np.ndarray:
        actions = np.asarray(actions)
        if actions.shape != (self.num_envs,) or not np.issubdtype(actions.dtype, np.integer):
            raise ValueError(
                f"actions must be an integer array of shape ({self.num_envs},), got "
                f"{actions.dtype} {actions.shape}"
            )
        n = self.single_action_space.n
        if actions.min() < 0 or actions.max() >= n:
            raise ValueError(f"actions must lie in Discrete({n}): allowed 0 <= action < {n}")
        return actions
