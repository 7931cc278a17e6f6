"""What every single-agent front shares: config handling, render-mode checking, reset options."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from ..config import merge_config
from ..core.counter_rng import reset_keys
from ..rendering import check_render_mode
from ._actions import discrete_action


class QnetEnv(gym.Env):
    """Subclasses define ``default_config()`` (a dataclass) and ``_configure(config)`` (builds
    the core and the spaces); ``config={...}`` deep-merges into the defaults, and
    ``reset(options={"config": {...}})`` re-merges into the current config between episodes."""

    metadata = {"render_modes": ["ansi", "rgb_array"], "render_fps": 4}

    def __init__(
        self,
        config: dict | None = None,
        render_mode: str | None = None,
        preset_config: dict | None = None,
    ):
        check_render_mode(self.metadata, render_mode)
        self.render_mode = render_mode
        # An id's registered values (``preset_config``) are merged first and the user's config
        # on top, so a user's config never silently replaces what makes the id what it is.
        defaults = self.defaults_for(config)
        if preset_config:
            defaults = merge_config(defaults, preset_config)
        self._configure(merge_config(defaults, config))

    @classmethod
    def default_config(cls):
        raise NotImplementedError

    @classmethod
    def defaults_for(cls, overrides: dict | None):
        """The defaults that ``overrides`` merge into (an env with presets picks one here)."""
        return cls.default_config()

    def _configure(self, config) -> None:
        raise NotImplementedError

    def action_mask(self):
        """The mask that ``info["action_mask"]`` carries now: int8 for ``Discrete`` envs (what
        ``Discrete.sample`` takes); for ``MultiDiscrete`` envs the per-component masks
        concatenated in component order, as bool (:mod:`qnet_envs.masks`;
        :func:`qnet_envs.component_masks` splits it for ``MultiDiscrete.sample``). Each env
        defines it once."""
        raise NotImplementedError

    def action_masks(self):
        """Flat boolean mask, what sb3-contrib's MaskablePPO reads: ``info["action_mask"]`` as
        bool (for MultiDiscrete envs the per-component masks concatenated)."""
        return np.asarray(self.action_mask(), dtype=bool).ravel()

    def check_invariants(self) -> None:
        """Raise AssertionError if the model's state breaks one of its conservation laws or
        capacities (each core's ``check_invariants`` says which: every request, task, job or
        pair ends exactly once, nothing beyond its capacity, states are distributions). The
        tests and ``scripts/soak.py`` call it after every step."""
        model = getattr(self, "core", None)
        if model is not None:
            model.check_invariants()

    def _begin_reset(self, seed: int | None, options: dict[str, Any] | None) -> None:
        """Seed ``self.np_random`` and apply ``options["config"]`` if given."""
        super().reset(seed=seed)
        if options and "config" in options:
            new = options["config"]
            base = self.config
            if (
                isinstance(new, dict)
                and "preset" in new
                and new["preset"] != getattr(base, "preset", None)
            ):
                base = self.defaults_for(new)  # a different preset starts from its defaults
            self._configure(merge_config(base, new))


ROW = np.zeros(1, dtype=np.int64)  # a scalar env is env 0 of a batch of one


class CompiledCoreEnv(QnetEnv):
    """A front over a compiled batch-first core (``self.core``, one env: env 0 of a batch of
    one) whose kernels draw their randomness from each env's key and counter
    (:mod:`qnet_envs.core.counter_rng`). The core provides ``reset_rows(rows, keys)``,
    ``step(actions, rows)`` (an outcome dict: reward, invalid, terminated, truncated),
    ``observations``, ``flat_masks`` and ``row_info``; the vector env
    (:class:`qnet_envs.vector.base.CoreVectorEnv`) runs the same core with N rows. A subclass
    turns one action into a batch of one in :meth:`_batch_action`; ``MASK_DTYPE`` is the
    dtype of ``info["action_mask"]`` (int8 for ``Discrete``, bool for ``MultiDiscrete``)."""

    MASK_DTYPE = np.int8

    def _adopt(self, core) -> None:
        """Take ``core`` as the model; a reconfigured env keeps its random stream."""
        old = getattr(self, "core", None)
        if old is not None:
            core.key[:], core.counter[:] = old.key, old.counter
        self.core = core

    def _batch_action(self, action) -> np.ndarray:
        raise NotImplementedError

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        self._begin_reset(seed, options)
        keys = reset_keys(seed, 1, getattr(self, "_keyed", False), self.np_random)
        self._keyed = True
        self.core.reset_rows(ROW, keys)
        return self._observation(), self._info(False)

    def step(self, action):
        out = self.core.step(self._batch_action(action), ROW)
        info = self._info(bool(out["invalid"][0]))
        terminated, truncated = bool(out["terminated"][0]), bool(out["truncated"][0])
        return self._observation(), float(out["reward"][0]), terminated, truncated, info

    def _observation(self) -> np.ndarray:
        return self.core.observations()[0].copy()

    def action_mask(self) -> np.ndarray:
        return self.core.flat_masks()[0].astype(self.MASK_DTYPE)

    def _info(self, invalid: bool) -> dict:
        info = self.core.row_info(0)
        info["action_mask"] = self.action_mask()
        info["invalid_action"] = invalid
        return info


class CompiledRequestEnv(CompiledCoreEnv):
    """A front over a compiled request core: ``Discrete`` actions."""

    def _batch_action(self, action) -> np.ndarray:
        self._action[0] = discrete_action(action, self.action_space.n)
        return self._action

    def _adopt(self, core) -> None:
        super()._adopt(core)
        self._action = np.zeros(1, dtype=np.int64)  # the batch of one, reused every step
