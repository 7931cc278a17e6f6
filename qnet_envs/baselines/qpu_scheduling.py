"""Dispatching heuristics for ``qnet/QPUScheduling-v0``: the online counterparts of seed 001's
greedy (EDF with shot splitting) and list-scheduling baselines."""

from __future__ import annotations

import numpy as np

from .base import Policy


class _Dispatch(Policy):
    """Serve jobs in ``priority`` order; start the first one's next subcircuit on an idle QPU."""

    split = True
    drop_hopeless = True

    def priority(self, jobs: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def act(self, obs, info) -> int:
        env, mask = self.env, info["action_mask"]
        sim, inst, cfg = env.core.dispatcher, env.instance, env.config
        nq, chunks = env.n_qpus, np.asarray(cfg.chunks)
        slots = list(env.slots)
        for j in self.priority(env.slots):
            i = slots.index(j)
            if self.drop_hopeless and self._hopeless(int(j)):
                return env.codec.drop(i)
            idle = [q for q in range(nq) if mask[env.codec.assign(i, q, 0)]]
            if not idle:
                continue
            q = min(idle, key=lambda q: inst.tau[sim.next_sub(int(j), q), q])
            # split over the idle QPUs that could run it: the chunk nearest 1 / their number
            c = int(np.argmin(np.abs(chunks - 1.0 / len(idle)))) if self.split else len(chunks) - 1
            return env.codec.assign(i, q, c)
        return env.wait_action

    def _hopeless(self, j: int) -> bool:
        """Even with every eligible QPU to itself from now on, the job would be late."""
        sim, inst = self.env.core.dispatcher, self.env.instance
        subs = inst.job_subs[j]
        need = 0.0
        for s in subs:
            ok = inst.eligible[s]
            rate = float(np.sum(1.0 / inst.tau[s, ok]))
            need += sim.remaining[s] / rate if sim.remaining[s] else 0.0
        return sim.t + need > inst.deadline[j]


class EarliestDeadlineFirst(_Dispatch):
    """EDF with shot splitting over the idle QPUs; drops jobs that can no longer make it."""

    name = "edf"

    def priority(self, jobs):
        return jobs[np.argsort(self.env.instance.deadline[jobs], kind="stable")]


class FirstComeFirstServed(_Dispatch):
    """List scheduling by arrival: whole subcircuits on the fastest idle QPU, no dropping."""

    name = "fcfs"
    split = False
    drop_hopeless = False

    def priority(self, jobs):
        return jobs


class RandomDispatch(Policy):
    """Uniformly random among the valid assignments and waiting; never drops (random-valid
    mostly drops, because every active job adds a drop action)."""

    name = "random-dispatch"

    def act(self, obs, info) -> int:
        env = self.env
        valid = np.flatnonzero(info["action_mask"])
        keep = valid[(valid < env.n_assign) | (valid == env.wait_action)]
        return int(self.rng.choice(keep))


class OfflineSchedule(Policy):
    """Seed 001's offline scheduler on the episode's whole job set, known in advance
    (clairvoyant), with shots split freely across QPUs (the env's agent splits in ``chunks``).
    It does not act through the env: :meth:`episode` returns what the episode would score if
    the env ran that schedule (every job served, or dropped; a schedule is checked by
    ``check_schedule``). A reference, not a policy an online agent can reach."""

    offline = True
    clairvoyant = True
    scheduler = "qb"

    def episode(self, seed: int) -> tuple[float, dict]:
        """(return, end-of-episode metrics) of the episode seeded ``seed``."""
        from ..core.qpu_scheduling.schedule import check_schedule
        from ..core.qpu_scheduling.schedulers import greedy_edf, qb_scheduler

        self.env.reset(seed=seed)
        inst, cfg = self.env.instance, self.env.config
        if self.scheduler == "qb":
            schedule = qb_scheduler(inst, np.random.default_rng(seed))
        else:
            schedule = greedy_edf(inst)
        served = check_schedule(inst, schedule)
        dropped = inst.n_jobs - served
        ret = served * cfg.outcome_reward("served") + dropped * cfg.outcome_reward("dropped")
        metrics = {"served_fraction": served / inst.n_jobs, "served": served,
                   "dropped": dropped, "late": 0}  # fmt: skip
        return float(ret), metrics


class OfflineQBScheduler(OfflineSchedule):
    """Seed 001's QB-scheduler (simulated annealing over EDF-seeded schedules)."""

    name = "qb-scheduler-offline"


class OfflineGreedyEDF(OfflineSchedule):
    """Seed 001's greedy baseline: EDF with shot splitting by water-filling, offline."""

    name = "greedy-edf-offline"
    scheduler = "greedy"


POLICIES = {
    "random-valid": None,
    "random-dispatch": RandomDispatch,
    "edf": EarliestDeadlineFirst,
    "fcfs": FirstComeFirstServed,
    "qb-scheduler-offline": OfflineQBScheduler,
    "greedy-edf-offline": OfflineGreedyEDF,
}
