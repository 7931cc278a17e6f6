"""Invocation rules for ``qnet/QuantumInvocation-v0``: the two fixed paths and a model-based rule
that compares each path's expected reward from the calibration table (what a hand-written QIP
with full knowledge of the table, but not of the draw, would do)."""

from __future__ import annotations

import numpy as np

from ..core import invocation as inv
from ..envs.quantum_invocation import CLASSICAL, QUANTUM
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
        env = self.env
        cfg, job, mask = env.config, env._job, info["action_mask"]
        if not (mask[CLASSICAL] and mask[QUANTUM]):
            return int(np.argmax(mask))
        row, support = job["row"], job["row"]["support_arr"]

        def value(dist, shots, energy):
            cdf = inv.best_of_cdf(dist, shots)
            pmf = np.diff(cdf, prepend=0.0)
            below = float(pmf[support < job["target"]].sum())
            return (
                float(np.dot(pmf, support))
                - cfg.reliability_penalty * below
                - cfg.energy_weight * energy / job["budget"]
            )

        _, p, shots, tau = job["plan"]
        q = value(inv.quantum_distribution(row, p, job["e2"]), shots, cfg.qpu_power_w * shots * tau)
        s = job["sweeps"]
        if s is None:
            c = -cfg.miss_penalty
        else:
            a = row["annealing"][s]
            t = int(s) * a["time_per_sweep_s"] * cfg.classical_slowdown
            c = value(a["p_arr"], 1, cfg.cpu_power_w * t)
        return QUANTUM if q > c else CLASSICAL


POLICIES = {
    "random-valid": None,
    "always-classical": AlwaysClassical,
    "always-quantum": AlwaysQuantum,
    "expected-reward": ExpectedReward,
}
