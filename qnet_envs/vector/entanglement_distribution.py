"""``gym.make_vec("qnet/EntanglementDistribution-v2", num_envs=N)``: the batch-first repeater
core with N envs. No second implementation: the step, masks, views and rewards are the core's
(:class:`qnet_envs.core.repeater_chain.core.RepeaterChainCore`), exactly what the scalar env runs
with N = 1. Env i seeded ``seed + i`` reproduces the scalar env seeded ``seed + i``, through
autoresets, by construction of the counter-based random streams."""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from ..config import merge_config
from ..core.counter_rng import reset_keys
from ..core.repeater_chain.config import preset_defaults
from ..core.repeater_chain.core import RepeaterChainCore
from ..core.repeater_chain.layout import N_FEATURES
from .base import check_count


class EntanglementDistributionVectorEnv(VectorEnv):
    """N repeater chains in one core; NEXT_STEP autoreset (the step after an env's episode ends
    resets it, ignoring its action). ``infos`` holds the scalar env's info keys as arrays, row
    i env i's; ``infos["action_mask"]`` is (N, n_nodes * K) bool. ``num_threads`` > 1 spreads
    the envs over that many threads (numba's ``prange``); every env's trajectory is the same
    for any thread count. With more than one thread, numba starts its thread pool; under GNU
    OpenMP (numba's default on Linux when present) a process must not fork after that: start
    worker processes with ``spawn``, or set ``NUMBA_THREADING_LAYER=workqueue`` or ``tbb``.
    One thread (the default) never starts it."""

    metadata = {"autoreset_mode": AutoresetMode.NEXT_STEP, "render_modes": []}

    def __init__(
        self,
        num_envs: int = 1,
        config: dict | None = None,
        render_mode=None,
        num_threads: int = 1,
        **kw,
    ):
        if render_mode is not None:
            raise ValueError(f"render_mode={render_mode!r}: the vector env does not render")
        if kw:
            raise ValueError(f"unknown arguments {sorted(kw)}")
        check_count("num_envs", num_envs)
        check_count("num_threads", num_threads)
        preset = config.get("preset") if isinstance(config, dict) else None
        self.config = cfg = merge_config(preset_defaults(preset), config)
        self.num_envs = num_envs
        self.core = RepeaterChainCore(cfg, num_envs, num_threads=num_threads)
        self.codec = self.core.codec
        n_obs = cfg.n_nodes * 2 * cfg.memories_per_side * N_FEATURES
        self.single_action_space = spaces.MultiDiscrete(self.codec.nvec)
        self.single_observation_space = spaces.Box(0.0, 4.0, (n_obs,), np.float32)
        self.action_space = batch_space(self.single_action_space, num_envs)
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self._pending = np.zeros(num_envs, dtype=bool)
        self._keyed = False

    def reset(self, *, seed: int | list | None = None, options: dict[str, Any] | None = None):
        if options:
            raise ValueError("options are not supported by the vector env; pass config= at make")
        keys = reset_keys(seed, self.num_envs, self._keyed)
        self._keyed = True
        self.core.reset_rows(np.arange(self.num_envs), keys)
        self._pending[:] = False
        zero = np.zeros(self.num_envs, dtype=bool)
        return self._obs(), self._infos(zero)

    def step(self, actions):
        acts = self.codec.check_batch(actions, self.num_envs)
        resetting = self._pending
        # NEXT_STEP autoreset: the envs whose episode ended start over instead of stepping
        if resetting.any():
            self.core.step(acts, np.flatnonzero(~resetting))
            self.core.reset_rows(np.flatnonzero(resetting))
        else:
            self.core.step(acts)
        out = self.core.outcome()  # the reset envs' rows read as just reset
        self._pending = out["terminated"] | out["truncated"]
        return (
            self._obs(),
            out["reward"].copy(),
            out["terminated"].copy(),
            out["truncated"].copy(),
            self._infos(out["invalid"]),
        )

    def action_masks(self) -> np.ndarray:
        """(N, n_nodes * K) flat boolean masks, one row per env."""
        return self.core.masks().reshape(self.num_envs, -1).copy()

    def _obs(self) -> np.ndarray:
        return self.core.local_views().reshape(self.num_envs, -1).copy()

    def _infos(self, invalid) -> dict:
        infos = self.core.infos()
        infos["action_mask"] = self.core.masks().astype(bool).reshape(self.num_envs, -1)
        infos["invalid_action"] = np.asarray(invalid, dtype=bool).copy()
        return infos
