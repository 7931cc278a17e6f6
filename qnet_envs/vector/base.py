"""What the vector envs share: argument checks, and reset/step over a compiled batch-first
request core (the core the scalar env runs as a batch of one:
:class:`qnet_envs.envs.base.CompiledRequestEnv`)."""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from ..config import merge_config
from ..core.counter_rng import reset_keys


def check_count(name: str, value) -> None:
    """``value`` must be an integer >= 1 (``num_envs``, ``slots``)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name}={value!r} must be an integer >= 1")


class CompiledRequestVectorEnv(VectorEnv):
    """N episodes of a compiled batch-first request core (``self.core``): the core the scalar
    env runs as a batch of one (:class:`qnet_envs.envs.base.CompiledRequestEnv`), its kernels
    drawing each env's randomness from its key and counter, so env i seeded ``seed + i``
    reproduces the scalar env seeded alike by construction. NEXT_STEP autoreset (the step
    after an env's episode ends resets it, ignoring its action, with reward 0). ``infos``
    holds the scalar env's info keys as arrays. ``num_threads`` > 1 spreads the envs over
    threads (numba's ``prange``; results identical to one thread; see the repeater chain's
    vector env about forking after threads start)."""

    metadata = {"autoreset_mode": AutoresetMode.NEXT_STEP, "render_modes": []}
    CORE: type  # the compiled request core class; its config class is CONFIG
    CONFIG: type

    def __init__(
        self, num_envs: int = 1, config: dict | None = None, render_mode=None, slots: int = 32,
        num_threads: int = 1, **kw,
    ):  # fmt: skip
        if render_mode is not None:
            raise ValueError(f"render_mode={render_mode!r}: the vector env does not render")
        if kw:
            raise ValueError(f"unknown arguments {sorted(kw)}")
        check_count("num_envs", num_envs)
        check_count("slots", slots)
        check_count("num_threads", num_threads)
        self.config = merge_config(self.CONFIG(), config)
        self._check_config(self.config)
        self.core = core = self.CORE(self.config, num_envs, slots=slots, num_threads=num_threads)
        self.num_envs = num_envs
        self.single_action_space = spaces.Discrete(core.n_actions)
        self.single_observation_space = spaces.Box(
            0.0, 1.0, shape=(core.observation_size,), dtype=np.float32
        )
        self.action_space = batch_space(self.single_action_space, num_envs)
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self._pending = np.zeros(num_envs, dtype=bool)
        self._keyed = False

    def _check_config(self, config) -> None:
        """Refuse what the vector env does not support (nothing by default)."""

    def reset(self, *, seed: int | list | None = None, options: dict[str, Any] | None = None):
        if options:
            raise ValueError("options are not supported by the vector env; pass config= at make")
        keys = reset_keys(seed, self.num_envs, self._keyed)
        self._keyed = True
        self.core.reset_rows(np.arange(self.num_envs), keys)
        self._pending[:] = False
        return self.core.observations().copy(), self._infos()

    def action_masks(self) -> np.ndarray:
        """(N, A) validity of every action in each env's current request."""
        return self.core.flat_masks().copy()

    def step(self, actions):
        actions = self._check_actions(actions)
        resetting = self._pending
        if resetting.any():  # NEXT_STEP autoreset: these envs start over instead of stepping
            self.core.step(actions, np.flatnonzero(~resetting))
            self.core.reset_rows(np.flatnonzero(resetting))
        else:
            self.core.step(actions)
        out = self.core.outcome()  # the reset envs' rows read as just reset
        self._pending = out["truncated"].copy()
        terminated = np.zeros(self.num_envs, dtype=bool)
        return (self.core.observations().copy(), out["reward"].copy(), terminated,
                self._pending.copy(), self._infos())  # fmt: skip

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

    def _infos(self) -> dict:
        infos = self.core.infos()
        infos["action_mask"] = self.core.flat_masks().astype(np.int8)
        infos["invalid_action"] = self.core.outcome()["invalid"].copy()
        return infos
