"""What the vector envs share: argument checks, and seeding, reset, step with autoreset and
infos over a compiled batch-first core (the core the scalar env runs as a batch of one)."""

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


def check_arguments(render_mode, extra: dict, **counts) -> None:
    """What every vector env refuses at construction: rendering, unknown arguments, and
    counts (``num_envs``, ``num_threads``, ...) that are not integers >= 1."""
    if render_mode is not None:
        raise ValueError(f"render_mode={render_mode!r}: the vector env does not render")
    if extra:
        raise ValueError(f"unknown arguments {sorted(extra)}")
    for name, value in counts.items():
        check_count(name, value)


class CoreVectorEnv(VectorEnv):
    """N envs of one compiled batch-first core (``self.core``, the core the scalar env runs as
    a batch of one): env i seeded ``seed + i`` reproduces the scalar env seeded alike, by
    construction of the counter-based random streams, through autoresets. NEXT_STEP autoreset
    (the step after an env's episode ends resets it, ignoring its action, with reward 0).
    ``infos`` holds the scalar env's info keys as arrays, row i env i's, and
    ``infos["action_mask"]`` the flat masks as ``MASK_DTYPE`` (int8 for ``Discrete`` spaces,
    bool for ``MultiDiscrete``, as the scalar env's). A subclass builds the core and the
    single spaces, then calls :meth:`_ready`; it checks a batch of actions in
    :meth:`_check_actions`. The core provides ``reset_rows``, ``step``, ``outcome``
    (reward, invalid, terminated, truncated), ``observations``, ``flat_masks`` and
    ``infos``."""

    metadata = {"autoreset_mode": AutoresetMode.NEXT_STEP, "render_modes": []}
    MASK_DTYPE = np.int8

    def _ready(self, num_envs: int) -> None:
        self.num_envs = num_envs
        self.action_space = batch_space(self.single_action_space, num_envs)
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self._pending = np.zeros(num_envs, dtype=bool)
        self._keyed = False

    def _check_actions(self, actions) -> np.ndarray:
        raise NotImplementedError

    def reset(self, *, seed: int | list | None = None, options: dict[str, Any] | None = None):
        if options:
            raise ValueError("options are not supported by the vector env; pass config= at make")
        keys = reset_keys(seed, self.num_envs, self._keyed)
        self._keyed = True
        self.core.reset_rows(np.arange(self.num_envs), keys)
        self._pending[:] = False
        return self.core.observations().copy(), self._infos(self.core.outcome())

    def step(self, actions):
        actions = self._check_actions(actions)
        resetting = self._pending
        if resetting.any():  # NEXT_STEP autoreset: these envs start over instead of stepping
            self.core.step(actions, np.flatnonzero(~resetting))
            self.core.reset_rows(np.flatnonzero(resetting))
        else:
            self.core.step(actions)
        out = self.core.outcome()  # the reset envs' rows read as just reset
        self._pending = out["terminated"] | out["truncated"]
        return (self.core.observations().copy(), out["reward"].copy(),
                out["terminated"].copy(), out["truncated"].copy(), self._infos(out))  # fmt: skip

    def action_masks(self) -> np.ndarray:
        """(N, A) flat boolean masks, one row per env."""
        return self.core.flat_masks().astype(bool)

    def _infos(self, out: dict) -> dict:
        infos = self.core.infos()
        infos["action_mask"] = self.core.flat_masks().astype(self.MASK_DTYPE)
        infos["invalid_action"] = out["invalid"].copy()
        return infos


class CompiledRequestVectorEnv(CoreVectorEnv):
    """The vector env of a compiled request core (``CORE``, configured by ``CONFIG``):
    ``Discrete`` actions, observations in [0, 1]. ``num_threads`` > 1 spreads the envs over
    threads (numba's ``prange``; results identical to one thread; see the repeater chain's
    vector env about forking after threads start)."""

    CORE: type
    CONFIG: type

    def __init__(
        self, num_envs: int = 1, config: dict | None = None, render_mode=None, slots: int = 32,
        num_threads: int = 1, **kw,
    ):  # fmt: skip
        check_arguments(render_mode, kw, num_envs=num_envs, slots=slots, num_threads=num_threads)
        self.config = merge_config(self.CONFIG(), config)
        self._check_config(self.config)
        self.core = core = self.CORE(self.config, num_envs, slots=slots, num_threads=num_threads)
        self.single_action_space = spaces.Discrete(core.n_actions)
        self.single_observation_space = spaces.Box(
            0.0, 1.0, shape=(core.observation_size,), dtype=np.float32
        )
        self._ready(num_envs)

    def _check_config(self, config) -> None:
        """Refuse what the vector env does not support (nothing by default)."""

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
