"""``gym.make_vec("qnet/MobileEdgeCloud-v0", num_envs=N)``: N offloading networks in one
batch-first core (:class:`qnet_envs.core.offloading.OffloadingCore`), the core the centralised
scalar env runs as a batch of one. Env i seeded ``seed + i`` reproduces the scalar env seeded
``seed + i`` step for step, through autoresets, infos included."""

from __future__ import annotations

import numpy as np
from gymnasium import spaces

from ..config import merge_config
from ..core.offloading import LEVELS, SMALL_PRESET, OffloadingConfig, OffloadingCore
from .base import CoreVectorEnv, check_arguments


class MobileEdgeCloudVectorEnv(CoreVectorEnv):
    """N offloading networks; NEXT_STEP autoreset (the step after an env's episode ends resets
    it, ignoring its action). Actions: (N, M + E) flat choices, ``target * 5 + level`` per
    mobile and ``forward * 5 + level`` per edge, as the scalar env's ``MultiDiscrete``;
    ``infos["action_mask"]`` is (N, A) bool, the scalar env's flat masks. ``num_threads`` > 1
    spreads the envs over threads (numba's ``prange``; identical results; see the repeater
    chain's vector env about forking after threads start)."""

    MASK_DTYPE = bool

    def __init__(
        self, num_envs: int = 1, config: dict | None = None, render_mode=None,
        num_threads: int = 1, **kw,
    ):  # fmt: skip
        check_arguments(render_mode, kw, num_envs=num_envs, num_threads=num_threads)
        self.config = merge_config(self.default_config(), config)
        self.core = core = OffloadingCore(self.config, num_envs, num_threads=num_threads)
        m, e = core.n_mobile, core.n_edge
        self.nvec = np.array([(e + 2) * LEVELS] * m + [2 * LEVELS] * e, dtype=np.int64)
        self.single_action_space = spaces.MultiDiscrete(self.nvec)
        size = core.observations().shape[1]
        self.single_observation_space = spaces.Box(0.0, 1.0, (size,), np.float32)
        self._ready(num_envs)

    @classmethod
    def default_config(cls) -> OffloadingConfig:
        return OffloadingConfig()

    def _check_actions(self, actions) -> np.ndarray:
        actions = np.asarray(actions)
        shape = (self.num_envs, len(self.nvec))
        if actions.shape != shape or not np.issubdtype(actions.dtype, np.integer):
            raise ValueError(
                f"actions must be an integer array of shape {shape}, got "
                f"{actions.dtype} {actions.shape}"
            )
        if actions.min() < 0 or np.any(actions >= self.nvec):
            raise ValueError(f"actions must lie in {self.single_action_space}")
        return actions


class MobileEdgeCloudSmallVectorEnv(MobileEdgeCloudVectorEnv):
    """``gym.make_vec("qnet/MobileEdgeCloud-small-v0", num_envs=N)``: 3 mobile, 2 edge nodes."""

    @classmethod
    def default_config(cls) -> OffloadingConfig:
        return OffloadingConfig(**SMALL_PRESET)
