"""The model behind ``qnet/QPUScheduling-v0``: one episode of seed 001's Layer-3 scheduling as a
sequence of decisions over the event-driven :class:`.dispatch.Dispatcher`, with the action
codec, mask, observation, reward and info the env's fronts and baselines read.

Scalar by design: time advances event by event (a subcircuit finishing, a job arriving, a
deadline passing), so two episodes of a batch would sit at unrelated times with unrelated
event queues; the dispatcher's work per decision is a handful of queue operations, not array
arithmetic a batch could share (see docs/architecture.md).
"""

from __future__ import annotations

import math

import numpy as np

from .codec import QPUActionCodec
from .config import QPUSchedulingConfig
from .dispatch import Dispatcher
from .instance import build_instance, draw_jobs, pool_for, workload

QPU_FEATURES = 4  # idle, remaining busy time, capacity, depth budget
SLOT_FEATURES = 5  # present, slack, remaining work, next subcircuit's shots, waits on a measure


class QPUSchedulingCore:
    """Decisions of one episode: ``reset(rng)`` draws an instance, ``apply(action)`` carries one
    out and returns (reward, invalid); ``slots`` are the active jobs in the decision window
    (oldest first), ``mask`` the actions possible now."""

    def __init__(self, config: QPUSchedulingConfig):
        self.config = config
        pool = pool_for(config.instance.qpus)
        self.n_qpus = pool.n
        self.time_scale = workload(config.instance)[1]  # mean job work: the time unit
        self.codec = QPUActionCodec(config.window, pool.n, len(config.chunks))
        self.observation_size = 2 + QPU_FEATURES * pool.n + config.window * (SLOT_FEATURES + pool.n)
        self.instance = self.dispatcher = None
        self.decisions = 0

    def reset(self, rng: np.random.Generator) -> None:
        cfg = self.config.instance
        self.instance = build_instance(cfg, draw_jobs(cfg, rng))
        self._mean_tau = self.instance.tau.mean(axis=1)  # fixed for the episode
        self.dispatcher = Dispatcher(self.instance)
        self.decisions = 0
        self._update_mask()

    def apply(self, action: int) -> tuple[float, bool]:
        """Carry out ``action`` (a masked-out one does nothing and costs the invalid-action
        penalty), wait on the agent's behalf while no job is active, and collect the rewards
        of the jobs that ended: (reward, invalid)."""
        cfg, sim = self.config, self.dispatcher
        invalid = not self.mask[action]
        reward = -cfg.invalid_action_penalty if invalid else 0.0
        if not invalid:
            kind, slot, q, c = self.codec.decode(action)
            if kind == "wait":
                sim.advance()
            elif kind == "drop":
                sim.drop(int(self.slots[slot]))
            else:
                j = int(self.slots[slot])
                s = sim.next_sub(j, q)
                sim.assign(j, q, math.ceil(cfg.chunks[c] * self.instance.shots[s]))
        while not sim.done() and len(sim.active_jobs()) == 0:
            sim.advance()
        for kind, _ in sim.take_events():
            reward += cfg.outcome_reward(kind)
        self.decisions += 1
        self._update_mask()
        return float(reward), invalid

    def terminated(self) -> bool:
        return self.dispatcher.done()

    def truncated(self) -> bool:
        return not self.terminated() and self.decisions >= self.config.max_decisions

    def _update_mask(self) -> None:
        sim, codec = self.dispatcher, self.codec
        self.slots = sim.active_jobs()[: codec.window]
        mask = np.zeros(codec.n, dtype=bool)
        for i, j in enumerate(self.slots):
            for q in range(codec.n_qpus):
                if sim.can_assign(int(j), q):
                    first = codec.assign(i, q, 0)
                    mask[first : first + codec.n_chunks] = True
            mask[codec.drop(i)] = True
        mask[codec.wait] = not sim.done()
        self.mask = mask

    def squash(self, x):
        """x / (x + T) of a time (a float, or an array of them elementwise)."""
        return x / (x + self.time_scale)

    def observation(self) -> np.ndarray:
        """The env's observation (layout in its docstring)."""
        sim, inst, nq = self.dispatcher, self.instance, self.n_qpus
        obs = np.zeros(self.observation_size, dtype=np.float32)
        obs[0] = sim.not_arrived() / inst.n_jobs
        obs[1] = sim.ended() / inst.n_jobs
        qpu = obs[2 : 2 + QPU_FEATURES * nq].reshape(nq, QPU_FEATURES)
        busy = np.maximum(sim.busy_until - sim.t, 0.0)
        qpu[:, 0] = busy == 0
        qpu[:, 1] = self.squash(busy)
        qpu[:, 2] = np.minimum(inst.pool.capacity / 27.0, 1.0)
        qpu[:, 3] = np.minimum(inst.pool.max_depth / 100.0, 1.0)
        slots = obs[2 + QPU_FEATURES * nq :].reshape(self.config.window, SLOT_FEATURES + nq)
        for i, j in enumerate(self.slots):
            self._slot_features(slots[i], int(j))
        return obs

    def _slot_features(self, row: np.ndarray, j: int) -> None:
        sim, inst = self.dispatcher, self.instance
        subs = inst.job_subs[j]
        rem = sim.remaining[subs.start : subs.stop]
        row[0] = 1.0
        row[1] = self.squash(max(float(inst.deadline[j] - sim.t), 0.0))
        row[2] = self.squash(float(np.sum(rem * self._mean_tau[subs.start : subs.stop])))
        nxt = next((s for s in subs if sim.remaining[s] > 0), None)
        if nxt is not None:
            row[3] = sim.remaining[nxt] / inst.shots[nxt]
            row[4] = bool(inst.preds[nxt]) and sim.ready_time(nxt, 0) == math.inf
            row[SLOT_FEATURES:] = inst.eligible[nxt]

    def info(self, invalid: bool) -> dict:
        st = self.dispatcher.status
        counts = np.bincount(st, minlength=5)
        return {
            "action_mask": self.mask.astype(np.int8),
            "invalid_action": invalid,
            "time": float(self.dispatcher.t),
            "served": int(counts[2]),
            "dropped": int(counts[3]),
            "late": int(counts[4]),
            "arrived": int(np.count_nonzero(st != 0)),
            "served_fraction": float(counts[2] / len(st)),
        }

    def check_invariants(self) -> None:
        """Every job is pending, active or ended exactly once, and what ran is feasible (the
        dispatcher's check)."""
        if self.dispatcher is not None:
            self.dispatcher.check_invariants()
            counts = np.bincount(self.dispatcher.status, minlength=5)
            assert counts.sum() == self.instance.n_jobs, counts
