"""Seed 000's allocation methods for ``qnet/Com2Net-v0`` as rollout policies: random
probabilistic configuration (RPC), the QGA re-planning online, and the QGA and classical GA
searching a whole episode offline (:mod:`.com2net_solvers` holds the algorithms).

The offline searches are clairvoyant: at the start of an episode they replay it from its seed
on a copy of the env (the task stream does not depend on the decisions), find the best level
per task, then play that plan. They are references no online policy is promised to reach.
"""

from __future__ import annotations

import copy

import numpy as np

from .base import Policy
from .com2net_solvers import LEVELS, OnlineQGA, QGAConfig, feasible_level, optimise_offline


class RandomConfiguration(Policy):
    """RPC (seed 000's baseline): every task's allocation level drawn uniformly from the four
    levels, the nearest feasible level taken where the draw is infeasible."""

    name = "rpc"

    def act(self, obs, info) -> int:
        return feasible_level(info["action_mask"], int(self.rng.integers(LEVELS)))


class OnlineGeneticPlanner(Policy):
    """The QGA re-planning the tasks pending at each decision epoch on a copy of the simulator
    (receding horizon; :class:`.com2net_solvers.OnlineQGA`), seeded with the episode's seed."""

    name = "qga-online"

    def __init__(self, env):
        super().__init__(env)
        self.planner = OnlineQGA(self.env)

    def reset(self, seed: int | None = None) -> None:
        super().reset(seed)
        self.planner.cfg = QGAConfig(population=8, generations=6, seed=seed or 0)

    def act(self, obs, info) -> int:
        return self.planner.act(obs, info)


class OfflineSearch(Policy):
    """A whole episode's levels searched before it starts (clairvoyant), then played."""

    method = "ga"
    clairvoyant = True

    def __init__(self, env):
        super().__init__(env)
        # replaying on the env being played would reset it under the rollout's feet
        self.replay_env = copy.deepcopy(self.env)
        self.plan, self.step = np.zeros(1, dtype=np.int64), 0

    def reset(self, seed: int | None = None) -> None:
        super().reset(seed)
        seed = 0 if seed is None else seed
        found = optimise_offline(self.method, None, seed, QGAConfig(seed=seed), self.replay_env)
        self.plan, self.step = np.asarray(found["genes"]), 0

    def act(self, obs, info) -> int:
        level = int(self.plan[self.step % len(self.plan)])
        self.step += 1
        return feasible_level(info["action_mask"], level)


class OfflineQGA(OfflineSearch):
    """Seed 000's QGA over a whole episode (16 individuals x 20 generations)."""

    name = "qga-offline"
    method = "qga"


class OfflineGA(OfflineSearch):
    """A classical GA with the QGA's evaluation budget over a whole episode."""

    name = "ga-offline"
    method = "ga"


POLICIES = {
    "random-valid": None,
    "rpc": RandomConfiguration,
    "qga-online": OnlineGeneticPlanner,
    "qga-offline": OfflineQGA,
    "ga-offline": OfflineGA,
}
