"""Batched ``qnet/QuantumResourceAllocation-v0``: N request streams served as arrays.

The same code as the scalar env: :class:`qnet_envs.core.resource_allocation.ResourceAllocation`
holds every env's state with a leading env axis (the scalar env is its batch of one), so what
this class adds is only the per-env random streams and the autoreset. Every reset and step
reads the core's ``width`` uniforms from env i's stream, so env i reproduces the scalar env
seeded ``seed + i`` step for step (``tests/test_vector_envs.py``, through autoresets).

Autoreset mode NEXT_STEP: the step after an env's episode ends resets it (its action is
ignored, its reward is 0). ``infos`` holds the scalar env's info keys as arrays; ``success``
is -1 where the step made no allocation, else 0 or 1.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from ..config import merge_config
from ..core.resource_allocation import ResourceAllocation, ResourceAllocationConfig
from ..core.resource_allocation_layout import NO_ALLOCATION
from .base import BatchedEnv, check_num_envs


class QuantumResourceAllocationVectorEnv(BatchedEnv):
    def __init__(
        self, num_envs: int = 1, config: dict | None = None, render_mode=None, slots: int = 32, **kw
    ):
        cfg = merge_config(ResourceAllocationConfig(), config)
        if cfg.observe_candidates:
            raise ValueError(
                "observe_candidates=True: the batched env does not compute the candidate block; "
                "allowed: False (use gym.make_vec(..., vectorization_mode='sync') for the block)"
            )
        if not isinstance(slots, int) or slots < 1:
            raise ValueError(f"slots={slots!r} must be an integer >= 1")
        check_num_envs(num_envs)
        self.config = cfg
        self.core = core = ResourceAllocation(cfg, num_envs, slots=slots)
        single = (
            spaces.Discrete(core.n_actions),
            spaces.Box(0.0, 1.0, shape=(core.template.shape[1],), dtype=np.float32),
        )
        self._setup(num_envs, single, core.width, render_mode, kw)

    # -- episodes -------------------------------------------------------------------------------
    def reset(self, *, seed: int | list | None = None, options: dict[str, Any] | None = None):
        self._seed(seed, options)
        self.core.reset_rows(self._rows, self.streams.next())
        none = np.zeros(self.num_envs, dtype=bool)
        return self.core.observations(), self._infos(
            none, np.full(self.num_envs, NO_ALLOCATION, np.int8)
        )

    def action_masks(self) -> np.ndarray:
        """(N, A) validity of every action in each env's current request."""
        return self.core.mask

    def step(self, actions):
        actions = self._check_actions(actions)
        N = self.num_envs
        u = self.streams.next()
        resetting = self._pending.copy()
        act = np.flatnonzero(~resetting)
        reward = np.zeros(N)
        success = np.full(N, NO_ALLOCATION, np.int8)
        invalid = np.zeros(N, dtype=bool)
        truncated = np.zeros(N, dtype=bool)
        if act.size:
            out = self.core.step(act, actions[act], u[act])
            reward[act], success[act], invalid[act], truncated[act] = out
        if resetting.any():  # NEXT_STEP autoreset: these envs start over instead
            rows = np.flatnonzero(resetting)
            self.core.reset_rows(rows, u[rows])
        self._pending = truncated.copy()
        terminated = np.zeros(N, dtype=bool)
        obs = self.core.observations()
        return obs, reward, terminated, truncated, self._infos(invalid, success)

    def _infos(self, invalid: np.ndarray, success: np.ndarray) -> dict:
        info = {
            "action_mask": self.core.mask.astype(np.int8),
            "invalid_action": invalid,
            "success": success,
        }
        info.update(self.core.metrics())
        return info
