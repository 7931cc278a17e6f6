"""Baselines for ``qnet/QuantumResourceAllocation-v0``, including the stochastic-programming
reference that learned agents are measured against."""

from __future__ import annotations

import numpy as np

from .base import Policy


class _Allocator(Policy):
    def candidates(self, info) -> np.ndarray:
        return np.flatnonzero(info["action_mask"][1:]) + 1

    def costs(self, actions) -> np.ndarray:
        """Each action's resource cost for the head request (the core's expectation)."""
        return self.env.core.action_costs(actions)


class Greedy(_Allocator):
    """The feasible allocation that uses the least resources (cheapest), whatever its risk."""

    name = "greedy"

    def act(self, obs, info) -> int:
        cands = self.candidates(info)
        if not cands.size:
            return 0
        return int(cands[np.argmin(self.costs(cands))])


class Conservative(_Allocator):
    """Maximum protection and purification that fits, cheapest among those."""

    name = "conservative"

    def act(self, obs, info) -> int:
        cands = self.candidates(info)
        if not cands.size:
            return 0
        sim = self.env.core
        _, level, depth = sim.decode(cands)
        strength = level + depth
        best = cands[strength == strength.max()]
        return int(best[np.argmin(self.costs(best))])


class SampleAverageApproximation(_Allocator):
    """Per request, the two-stage stochastic program of seed 002 (Sec. III) solved by sample
    average approximation (Kleywegt, Shapiro & Homem-de-Mello, SIAM J. Optim. 12(2), 2002):
    first stage, the allocation; second stage, the realised fidelity. Draw ``n_scenarios``
    fidelity scenarios from the observed distributions, estimate each feasible allocation's
    success probability, and pick the largest expected utility - failure penalty - cost by
    enumeration (at most 9k + 1 candidates), all on the same scenarios; reject when nothing has
    positive expected value.
    Myopic: it does not price the capacity a request takes from future ones."""

    name = "saa"

    def __init__(self, env, n_scenarios: int = 64):
        super().__init__(env)
        self.n_scenarios = n_scenarios

    def expected_values(self, cands) -> np.ndarray:
        """Each candidate's sample-average value over one common set of scenarios (SAA's sample
        is drawn once and shared by every first-stage decision, Kleywegt et al. Sec. 2), so
        candidates are compared on the same fidelity draws."""
        sim = self.env.core
        return sim.candidate_values(cands, sim.scenarios(self.rng, self.n_scenarios))[1]

    def act(self, obs, info) -> int:
        cands = self.candidates(info)
        if not cands.size:
            return 0
        values = self.expected_values(cands)
        best = int(np.argmax(values))
        return int(cands[best]) if values[best] > 0 else 0


POLICIES = {
    "random-valid": None,
    "greedy": Greedy,
    "conservative": Conservative,
    "saa": SampleAverageApproximation,
}
