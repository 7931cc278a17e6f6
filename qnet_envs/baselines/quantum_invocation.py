"""Invocation rules for ``qnet/QuantumInvocation-v0``: the two fixed paths and a model-based rule
that compares each path's expected reward from the calibration table (what a hand-written QIP
with full knowledge of the table, but not of the draw, would do)."""

from __future__ import annotations

import numpy as np

from ..core.invocation_model import CLASSICAL, QUANTUM
from .base import Policy


class AlwaysClassical(Policy):
    name = "always-classical"

    def act(self, obs, info) -> int:
        return CLASSICAL if info["action_mask"][CLASSICAL] else QUANTUM


class AlwaysQuantum(Policy):
    name = "always-quantum"

    def act(self, obs, info) -> int:
        return QUANTUM if info["action_mask"][QUANTUM] else CLASSICAL


class ExpectedReward(Policy):
    """Pick the path with the higher expected reward (quality, reliability and energy terms)."""

    name = "expected-reward"

    def act(self, obs, info) -> int:
        mask = info["action_mask"]
        if not (mask[CLASSICAL] and mask[QUANTUM]):
            return int(np.argmax(mask))
        q, c = self.env.expected_reward(QUANTUM), self.env.expected_reward(CLASSICAL)
        return QUANTUM if q > c else CLASSICAL


POLICIES = {
    "random-valid": None,
    "always-classical": AlwaysClassical,
    "always-quantum": AlwaysQuantum,
    "expected-reward": ExpectedReward,
}
