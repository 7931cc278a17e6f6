"""Baselines for the offloading model, written once against the core and adapted to both fronts.

Each decides, for the core's current slot, ``(mobile_actions, edge_rules)`` with
``mobile_actions[i] = (target, fraction)`` (target 0 local, 1..E edge, E+1 cloud) and
``edge_rules[j] = (forward, fraction)``.
"""

from __future__ import annotations

import itertools

import numpy as np

from ..core.offloading import FRACTION_LEVELS, LEVELS, OffloadingViews
from .base import Policy

KEEP = (0, 0.0)


class OffloadingDecider:
    """Decides for env 0 of an offloading core (the scalar fronts' ``env.core``)."""

    name = "decider"

    def __init__(self, core, rng=None):
        self.core = core
        self.rng = rng or np.random.default_rng()

    def decide(self):
        core = self.core
        mobile = [(0, 0.0)] * core.n_mobile
        qubits = core.head_qubits(0)
        for i in core.head_tasks(0)[0].tolist():
            mobile[i] = self.mobile_choice(i, qubits[i])
        return mobile, [KEEP] * core.n_edge

    def mobile_choice(self, i, qubits):
        """Mobile ``i``'s (target, fraction) for its head task of ``qubits`` qubits."""
        raise NotImplementedError


class RandomOffloading(OffloadingDecider):
    """Uniform over targets and fraction levels, edges forward at random: the seed's reference."""

    name = "random"

    def decide(self):
        core, rng = self.core, self.rng
        e = core.n_edge
        mobile = [
            (int(rng.integers(e + 2)), FRACTION_LEVELS[rng.integers(LEVELS)])
            for _ in range(core.n_mobile)
        ]
        rules = [(int(rng.integers(2)), FRACTION_LEVELS[rng.integers(LEVELS)]) for _ in range(e)]
        return mobile, rules


class AllLocal(OffloadingDecider):
    """Run locally when the task fits the mobile's processor, otherwise offload it whole to the
    nearest edge."""

    name = "all-local"

    def mobile_choice(self, i, qubits):
        if qubits <= self.core.node_qubits[i]:
            return 0, 0.0
        return 1 + int(np.argmax(self.core.path_gain[0, i])), 1.0


class NearestEdge(OffloadingDecider):
    """Offload every task whole to the edge with the smallest path loss."""

    name = "nearest-edge"

    def mobile_choice(self, i, qubits):
        return 1 + int(np.argmax(self.core.path_gain[0, i])), 1.0


class LeastLoadedEdge(OffloadingDecider):
    """Offload whole to the edge with the least backlog (ties: better channel); edges forward
    everything to the cloud when their own backlog exceeds the cloud's."""

    name = "least-loaded-edge"

    def decide(self):
        core = self.core
        m, e = core.n_mobile, core.n_edge
        backlogs = core.backlogs(0)
        edges, cloud = backlogs[m : m + e], backlogs[-1]
        scores = edges[None, :] - 1e-3 * np.log(core.gain[0])
        mobile = [(1 + int(j), 1.0) for j in np.argmin(scores, axis=1)]
        rules = [(1, 1.0) if edges[j] > cloud else KEEP for j in range(e)]
        return mobile, rules


class SlotOracle(OffloadingDecider):
    """Per-slot centralised optimum: the joint assignment of this slot's head tasks with the
    least total cost given the current queues and channels, over targets x fraction levels
    (edges keep what they get; the cloud is reachable directly). Exhaustive when the joint space
    has at most ``max_joint`` points (the small preset, almost always), otherwise coordinate
    descent from the best single-task choices until no task can improve alone. It ignores the
    slots after this one, so it is a per-slot lower bound, not a policy optimum. Costs are the
    core's own (:meth:`OffloadingCore.joint_costs`, the dispatch the step runs)."""

    name = "slot-oracle"

    def __init__(self, core, rng=None, max_joint: int = 20_000):
        super().__init__(core, rng)
        self.max_joint = max_joint
        e = core.n_edge
        options = [(0, 0.0)] + [(t, f) for t in range(1, e + 2) for f in FRACTION_LEVELS[1:]]
        self.option_targets = np.array([t for t, _ in options], dtype=np.int64)
        self.option_fractions = np.array([f for _, f in options])

    def alone(self, mobile: int) -> int:
        """The option (index) with the least cost for ``mobile``'s head task dispatched alone
        on the current queues (the first of equals)."""
        costs = self.core.joint_costs(
            0, [mobile], self.option_targets[:, None], self.option_fractions[:, None]
        )
        return int(np.argmin(costs))

    def _costs(self, mobiles, choices) -> np.ndarray:
        """Joint costs of rows of option indices (C, T)."""
        choices = np.asarray(choices)
        return self.core.joint_costs(
            0, mobiles, self.option_targets[choices], self.option_fractions[choices]
        )

    def decide(self):
        core = self.core
        mobiles = core.head_tasks(0)[0]
        mobile = [(0, 0.0)] * core.n_mobile
        if mobiles.size == 0:
            return mobile, [KEEP] * core.n_edge
        n_options = len(self.option_targets)
        if float(n_options) ** mobiles.size <= self.max_joint:
            grid = np.array(list(itertools.product(range(n_options), repeat=mobiles.size)))
            best = grid[int(np.argmin(self._costs(mobiles, grid)))]
        else:
            best = self._descend(mobiles)
        for i, option in zip(mobiles.tolist(), best, strict=True):
            mobile[i] = (int(self.option_targets[option]), float(self.option_fractions[option]))
        return mobile, [KEEP] * core.n_edge

    def _descend(self, mobiles) -> np.ndarray:
        """Coordinate descent from every task's best choice alone: change one task's option
        whenever that lowers the joint cost, until none does."""
        best = np.array([self.alone(i) for i in mobiles.tolist()])
        current = float(self._costs(mobiles, best[None])[0])
        improved = True
        while improved:
            improved = False
            for idx in range(mobiles.size):
                trials = np.repeat(best[None], len(self.option_targets), axis=0)
                trials[:, idx] = np.arange(len(self.option_targets))
                for option, cost in enumerate(self._costs(mobiles, trials).tolist()):
                    if cost < current - 1e-12:
                        best[idx], current, improved = option, cost, True
        return best


class IndependentBestResponse(SlotOracle):
    """What the slot-oracle's model gives decentralised agents: each mobile alone picks the
    target and fraction level with the least cost for its own head task given the queues and
    channels at the start of the slot (the backlogs every mobile is broadcast), not seeing the
    other mobiles' choices in the same slot. Its gap to :class:`SlotOracle` is the price of
    deciding alone within a slot (the oracle's coordinate-descent starting point)."""

    name = "best-response"

    def decide(self):
        core = self.core
        mobile = [KEEP] * core.n_mobile
        for i in core.head_tasks(0)[0].tolist():
            option = self.alone(i)
            mobile[i] = (int(self.option_targets[option]), float(self.option_fractions[option]))
        return mobile, [KEEP] * core.n_edge


DECIDERS = {
    d.name: d
    for d in (
        RandomOffloading,
        AllLocal,
        NearestEdge,
        LeastLoadedEdge,
        IndependentBestResponse,
        SlotOracle,
    )
}


class CentralisedPolicy(Policy):
    """Adapter: a decider driving the Gymnasium front ``qnet/MobileEdgeCloud-v0``."""

    def __init__(self, env, decider_cls):
        super().__init__(env)
        self.decider_cls = decider_cls
        self.name = decider_cls.name

    def reset(self, seed=None):
        super().reset(seed)
        self.decider = self.decider_cls(self.env.core, self.rng)

    def act(self, obs, info):
        if not hasattr(self, "decider") or self.decider.core is not self.env.core:
            self.decider = self.decider_cls(self.env.core, self.rng)
        return np.array(OffloadingViews.encode_flat(self.decider.decide()), dtype=np.int64)


def parallel_actions(env, decider) -> dict:
    """Adapter: a decider's decision as the PettingZoo front's action dict (native or flat)."""
    views = env.views
    decision = decider.decide()
    if views.flat:
        return dict(zip(views.agents, views.encode_flat(decision), strict=True))
    mobile, rules = decision
    out = {
        a: {"target": t, "fraction": np.array([f], np.float32)}
        for a, (t, f) in zip(views.mobile_agents, mobile, strict=True)
    }
    out.update(
        {
            a: {"forward": fw, "fraction": np.array([f], np.float32)}
            for a, (fw, f) in zip(views.edge_agents, rules, strict=True)
        }
    )
    return out


POLICIES = {
    name: (lambda env, cls=cls: CentralisedPolicy(env, cls)) for name, cls in DECIDERS.items()
}
