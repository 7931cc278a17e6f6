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
    name = "decider"

    def __init__(self, sim, rng=None):
        self.core = sim
        self.rng = rng or np.random.default_rng()

    def decide(self):
        sim = self.core
        mobile = [
            self.mobile_choice(i, sim.head(i)) if sim.head(i) is not None else (0, 0.0)
            for i in range(sim.n_mobile)
        ]
        return mobile, [KEEP] * sim.n_edge

    def mobile_choice(self, i, task):
        raise NotImplementedError


class RandomOffloading(OffloadingDecider):
    """Uniform over targets and fraction levels, edges forward at random: the seed's reference."""

    name = "random"

    def decide(self):
        sim, rng = self.core, self.rng
        e = sim.n_edge
        mobile = [
            (int(rng.integers(e + 2)), FRACTION_LEVELS[rng.integers(LEVELS)])
            for _ in range(sim.n_mobile)
        ]
        rules = [(int(rng.integers(2)), FRACTION_LEVELS[rng.integers(LEVELS)]) for _ in range(e)]
        return mobile, rules


class AllLocal(OffloadingDecider):
    """Run locally when the task fits the mobile's processor, otherwise offload it whole to the
    nearest edge."""

    name = "all-local"

    def mobile_choice(self, i, task):
        if self.core.fits(task, i):
            return 0, 0.0
        return 1 + int(np.argmax(self.core.path_gain[i])), 1.0


class NearestEdge(OffloadingDecider):
    """Offload every task whole to the edge with the smallest path loss."""

    name = "nearest-edge"

    def mobile_choice(self, i, task):
        return 1 + int(np.argmax(self.core.path_gain[i])), 1.0


class LeastLoadedEdge(OffloadingDecider):
    """Offload whole to the edge with the least backlog (ties: better channel); edges forward
    everything to the cloud when their own backlog exceeds the cloud's."""

    name = "least-loaded-edge"

    def decide(self):
        sim = self.core
        mobile = []
        for i in range(sim.n_mobile):
            backlog = np.array([sim.backlog(sim.n_mobile + j) for j in range(sim.n_edge)])
            score = backlog - 1e-3 * np.log(sim.gain[i])
            mobile.append((1 + int(np.argmin(score)), 1.0))
        cloud = sim.backlog(sim.cloud)
        rules = [
            (1, 1.0) if sim.backlog(sim.n_mobile + j) > cloud else KEEP for j in range(sim.n_edge)
        ]
        return mobile, rules


class SlotOracle(OffloadingDecider):
    """Per-slot centralised optimum: the joint assignment of this slot's head tasks with the
    least total cost given the current queues and channels, over targets x fraction levels
    (edges keep what they get; the cloud is reachable directly). Exhaustive when the joint space
    has at most ``max_joint`` points (the small preset, almost always), otherwise coordinate
    descent from the best single-task choices until no task can improve alone. It ignores the
    slots after this one, so it is a per-slot lower bound, not a policy optimum."""

    name = "slot-oracle"

    def __init__(self, sim, rng=None, max_joint: int = 20_000):
        super().__init__(sim, rng)
        self.max_joint = max_joint

    def options(self, task):
        e = self.core.n_edge
        out = [(0, 0.0)]
        for target in range(1, e + 2):
            out += [(target, f) for f in FRACTION_LEVELS[1:]]
        return out

    def alone(self, task):
        """The option with the least cost for ``task`` dispatched alone on the current queues."""
        return min(self.options(task), key=lambda c: self.joint_cost([task], [c]))

    def joint_cost(self, tasks, choice) -> float:
        sim = self.core
        free = sim.server_free.copy()
        total = 0.0
        for task, (target, fraction) in zip(tasks, choice, strict=True):
            shares = sim.plan(task, target, fraction, [KEEP] * sim.n_edge)
            result = sim.evaluate(task, shares, sim.relay_edge(task, target), free, True)
            total += sim.config.failure_cost if result is None else result[2]
        return total

    def decide(self):
        sim = self.core
        heads = [(i, sim.head(i)) for i in range(sim.n_mobile) if sim.head(i) is not None]
        mobile = [(0, 0.0)] * sim.n_mobile
        if not heads:
            return mobile, [KEEP] * sim.n_edge
        tasks = [t for _, t in heads]
        opts = [self.options(t) for t in tasks]
        if np.prod([len(o) for o in opts], dtype=float) <= self.max_joint:
            best = min(itertools.product(*opts), key=lambda c: self.joint_cost(tasks, c))
        else:
            best = [self.alone(t) for t in tasks]
            improved = True
            while improved:
                improved = False
                current = self.joint_cost(tasks, best)
                for idx, o in enumerate(opts):
                    for c in o:
                        trial = list(best)
                        trial[idx] = c
                        cost = self.joint_cost(tasks, trial)
                        if cost < current - 1e-12:
                            best, current, improved = trial, cost, True
        for (i, _), c in zip(heads, best, strict=True):
            mobile[i] = c
        return mobile, [KEEP] * sim.n_edge


class IndependentBestResponse(SlotOracle):
    """What the slot-oracle's model gives decentralised agents: each mobile alone picks the
    target and fraction level with the least cost for its own head task given the queues and
    channels at the start of the slot (the backlogs every mobile is broadcast), not seeing the
    other mobiles' choices in the same slot. Its gap to :class:`SlotOracle` is the price of
    deciding alone within a slot (the oracle's coordinate-descent starting point)."""

    name = "best-response"

    def decide(self):
        sim = self.core
        heads = [sim.head(i) for i in range(sim.n_mobile)]
        mobile = [KEEP if t is None else self.alone(t) for t in heads]
        return mobile, [KEEP] * sim.n_edge


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
