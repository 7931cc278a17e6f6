"""``gym.make_vec("qnet/EntanglementDistribution-v2", num_envs=N)``: the batch-first repeater
core with N envs. No second implementation: the step, masks, views and rewards are the core's
(:class:`qnet_envs.core.repeater_chain.core.RepeaterChainCore`), exactly what the scalar env runs
with N = 1. Env i seeded ``seed + i`` reproduces the scalar env seeded ``seed + i``, through
autoresets, by construction of the counter-based random streams."""

from __future__ import annotations

import numpy as np
from gymnasium import spaces

from ..config import merge_config
from ..core.repeater_chain.config import preset_defaults
from ..core.repeater_chain.core import RepeaterChainCore
from ..core.repeater_chain.layout import N_FEATURES
from .base import CoreVectorEnv, check_arguments


class EntanglementDistributionVectorEnv(CoreVectorEnv):
    """N repeater chains in one core; NEXT_STEP autoreset (the step after an env's episode ends
    resets it, ignoring its action). ``infos`` holds the scalar env's info keys as arrays, row
    i env i's; ``infos["action_mask"]`` is (N, n_nodes * K) bool. ``num_threads`` > 1 spreads
    the envs over that many threads (numba's ``prange``); every env's trajectory is the same
    for any thread count. With more than one thread, numba starts its thread pool; under GNU
    OpenMP (numba's default on Linux when present) a process must not fork after that: start
    worker processes with ``spawn``, or set ``NUMBA_THREADING_LAYER=workqueue`` or ``tbb``.
    One thread (the default) never starts it."""

    MASK_DTYPE = bool

    def __init__(
        self,
        num_envs: int = 1,
        config: dict | None = None,
        render_mode=None,
        num_threads: int = 1,
        **kw,
    ):
        check_arguments(render_mode, kw, num_envs=num_envs, num_threads=num_threads)
        preset = config.get("preset") if isinstance(config, dict) else None
        self.config = cfg = merge_config(preset_defaults(preset), config)
        self.core = RepeaterChainCore(cfg, num_envs, num_threads=num_threads)
        self.codec = self.core.codec
        n_obs = cfg.n_nodes * 2 * cfg.memories_per_side * N_FEATURES
        self.single_action_space = spaces.MultiDiscrete(self.codec.nvec)
        self.single_observation_space = spaces.Box(0.0, 4.0, (n_obs,), np.float32)
        self._ready(num_envs)

    def _check_actions(self, actions) -> np.ndarray:
        return self.codec.check_batch(actions, self.num_envs)
