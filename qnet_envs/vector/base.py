"""What the batched request envs share: argument checks, per-env seeding, action validation,
and reset/step over a batch-first request core (the core the scalar env runs as a batch of
one: :class:`qnet_envs.envs.base.RequestCoreEnv`)."""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from ..config import merge_config
from ..core.counter_rng import CounterStreams, reset_keys


def check_count(name: str, value) -> None:
    """``value`` must be an integer >= 1 (``num_envs``, ``slots``)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name}={value!r} must be an integer >= 1")


class BatchedEnv(VectorEnv):
    """A numpy-batched vector env over a batch-first request core ``self.core`` (N rows):
    env i seeded ``seed + i`` draws the core's ``width`` uniforms per call from the
    counter-based generator (:class:`qnet_envs.core.counter_rng.CounterStreams`), so env i
    reproduces the scalar env seeded alike by construction, NEXT_STEP autoreset (the step
    after an env's episode ends resets it, ignoring its action, with reward 0). ``infos``
    holds the scalar env's info keys as arrays."""

    metadata = {"autoreset_mode": AutoresetMode.NEXT_STEP, "render_modes": []}
    CORE: type  # the batch-first request core class; its config class is CONFIG
    CONFIG: type

    def __init__(
        self, num_envs: int = 1, config: dict | None = None, render_mode=None, slots: int = 32, **kw
    ):
        if render_mode is not None:
            raise ValueError(f"render_mode={render_mode!r}: the batched env does not render")
        if kw:
            raise ValueError(f"unknown arguments {sorted(kw)}")
        check_count("num_envs", num_envs)
        check_count("slots", slots)
        self.config = merge_config(self.CONFIG(), config)
        self._check_config(self.config)
        self._setup(self.CORE(self.config, num_envs, slots=slots))

    def _check_config(self, config) -> None:
        """Refuse what the batched env does not support (nothing by default)."""

    def _setup(self, core) -> None:
        self.core = core
        self.num_envs = num_envs = core.num_envs
        self.single_action_space = spaces.Discrete(core.n_actions)
        self.single_observation_space = spaces.Box(
            0.0, 1.0, shape=(core.observation_size,), dtype=np.float32
        )
        self.action_space = batch_space(self.single_action_space, num_envs)
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self.streams = CounterStreams(num_envs)
        self._rows = np.arange(num_envs)
        self._seeded = False
        self._pending = np.zeros(num_envs, dtype=bool)

    def _seed(self, seed, options) -> None:
        """Seed env i with ``seed + i`` (or ``seed[i]`` for a list) on the first reset or when a
        seed is given; later resets continue each env's stream like a scalar env's."""
        if options:
            raise ValueError("options are not supported by the batched env; pass config= at make")
        self.streams.restart(reset_keys(seed, self.num_envs, self._seeded))
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

    # -- episodes -------------------------------------------------------------------------------
    def reset(self, *, seed: int | list | None = None, options: dict[str, Any] | None = None):
        self._seed(seed, options)
        self.core.reset_rows(self._rows, self.streams.draw(self.core.width))
        none = np.zeros(self.num_envs, dtype=bool)
        return self.core.observations(), self._infos(none, self._idle_extras())

    def _idle_extras(self) -> dict[str, np.ndarray]:
        return {k: np.full(self.num_envs, v) for k, v in self.core.STEP_DEFAULTS.items()}

    def action_masks(self) -> np.ndarray:
        """(N, A) validity of every action in each env's current request."""
        return self.core.flat_masks()

    def step(self, actions):
        actions = self._check_actions(actions)
        N = self.num_envs
        u = self.streams.draw(self.core.width)
        resetting = self._pending.copy()
        act = np.flatnonzero(~resetting)
        reward = np.zeros(N)
        invalid = np.zeros(N, dtype=bool)
        truncated = np.zeros(N, dtype=bool)
        extras = self._idle_extras()
        if act.size:
            reward[act], invalid[act], truncated[act], out = self.core.step(
                act, actions[act], u[act]
            )
            for key, value in out.items():
                extras[key][act] = value
        if resetting.any():  # NEXT_STEP autoreset: these envs start over instead
            rows = np.flatnonzero(resetting)
            self.core.reset_rows(rows, u[rows])
        self._pending = truncated.copy()
        terminated = np.zeros(N, dtype=bool)
        obs = self.core.observations()
        return obs, reward, terminated, truncated, self._infos(invalid, extras)

    def _infos(self, invalid: np.ndarray, extras: dict) -> dict:
        info = {
            "action_mask": self.core.flat_masks().astype(np.int8),
            "invalid_action": invalid,
            **extras,
        }
        info.update(self.core.metrics())
        return info
