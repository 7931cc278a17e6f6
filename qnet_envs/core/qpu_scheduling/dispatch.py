"""Event-driven execution of circuit-cut jobs on a QPU pool: the core of ``qnet/QPUScheduling-v0``.

Time moves from event to event (a job arrives, a fragment ends, a prepare subcircuit becomes ready
after the LOCC latency, a deadline passes). Between events the scheduler acts on the present:

* ``assign(j, q, shots)``: start the next ready subcircuit of job j on idle QPU q with ``shots``
  of its remaining shots (one fragment; the setup time is paid per fragment);
* ``drop(j)``: give up job j (its running fragments finish, nothing new starts);
* ``advance()``: wait for the next event.

A job is served when its last shot ends by the deadline; when the deadline passes first it is
late and ends there (its unassigned shots are discarded). Every job ends exactly once, as served,
dropped or late; :meth:`Dispatcher.schedule` returns what ran, for
:func:`~qnet_envs.core.qpu_scheduling.schedule.check_schedule`.
"""

from __future__ import annotations

import math

import numpy as np

from .schedule import Fragment, Schedule

PENDING, ACTIVE, SERVED, DROPPED, LATE = range(5)


class Dispatcher:
    def __init__(self, inst):
        self.inst = inst
        n, s, q = inst.n_jobs, inst.n_subs, inst.pool.n
        self.t = 0.0
        self.status = np.full(n, PENDING, dtype=np.int64)
        self.remaining = inst.shots.copy()  # shots not yet assigned
        self.finished = np.zeros(s, dtype=np.int64)  # shots whose fragments have ended
        self.busy_until = np.zeros(q)
        self.fragments: list[Fragment] = []
        self.sub_frags: list[list[Fragment]] = [[] for _ in range(s)]
        self.running: list[Fragment] = []
        self.events: list[tuple[str, int]] = []  # (kind, job) that ended at the last step
        self._arrivals()

    # -- queries -------------------------------------------------------------------------------
    def take_events(self) -> list[tuple[str, int]]:
        """The jobs that ended ("served", "dropped" or "late", job) since the last call; the
        list is handed over and starts afresh."""
        out, self.events = self.events, []
        return out

    def not_arrived(self) -> int:
        return int(np.count_nonzero(self.status == PENDING))

    def ended(self) -> int:
        """Jobs served, dropped or late."""
        return int(np.count_nonzero(self.status >= SERVED))

    def served(self) -> int:
        return int(np.count_nonzero(self.status == SERVED))

    def active_jobs(self) -> np.ndarray:
        """Active jobs, oldest arrival first."""
        return np.flatnonzero(self.status == ACTIVE)

    def check_invariants(self) -> None:
        """Raise AssertionError if a job's state is impossible: statuses valid, no shots
        assigned beyond a subcircuit's total, none finished beyond what was assigned, every
        served job's shots all finished, no QPU running two fragments at once."""
        inst = self.inst
        assert np.all((self.status >= PENDING) & (self.status <= LATE)), "unknown job status"
        assert np.all(self.remaining >= 0) and np.all(self.remaining <= inst.shots)
        assert np.all(self.finished <= inst.shots - self.remaining), "finished unassigned shots"
        for j in np.flatnonzero(self.status == SERVED):
            subs = inst.job_subs[j]
            assert np.all(self.finished[subs] == inst.shots[subs]), f"job {j} served unfinished"
        by_qpu: dict[int, list] = {}
        for f in self.fragments:
            by_qpu.setdefault(f.qpu, []).append((f.start, f.end))
        for q, spans in by_qpu.items():
            spans.sort()
            for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
                assert start >= end - 1e-9, f"QPU {q} runs two fragments at once"

    def done(self) -> bool:
        return bool(np.all(self.status >= SERVED))

    def ready_time(self, s: int, q: int) -> float:
        """When subcircuit s may start on q (inf while a measure subcircuit is unfinished)."""
        inst = self.inst
        t = inst.arrival[inst.sub_job[s]]
        for p in inst.preds[s]:
            if self.finished[p] < inst.shots[p]:
                return math.inf
            for g in self.sub_frags[p]:
                t = max(t, g.end + inst.pool.latency[g.qpu, q])
        return t

    def next_sub(self, j: int, q: int) -> int | None:
        """The first subcircuit of job j with unassigned shots that can start on q now."""
        inst = self.inst
        for s in inst.job_subs[j]:
            if self.remaining[s] > 0 and inst.eligible[s, q] and self.ready_time(s, q) <= self.t:
                return s
        return None

    def can_assign(self, j: int, q: int) -> bool:
        return (
            self.status[j] == ACTIVE
            and self.busy_until[q] <= self.t
            and self.next_sub(j, q) is not None
        )

    # -- actions -------------------------------------------------------------------------------
    def assign(self, j: int, q: int, shots: int) -> Fragment:
        s = self.next_sub(j, q)
        if s is None or not self.can_assign(j, q):
            raise ValueError(f"job {j} has no subcircuit that can start on QPU {q} now")
        n = int(min(max(shots, 1), self.remaining[s]))
        end = self.t + self.inst.duration(s, q, n)
        f = Fragment(int(j), int(s), int(q), n, self.t, end)
        self.remaining[s] -= n
        self.busy_until[q] = end
        self.fragments.append(f)
        self.sub_frags[s].append(f)
        self.running.append(f)
        return f

    def drop(self, j: int) -> None:
        if self.status[j] != ACTIVE:
            raise ValueError(f"job {j} is not active")
        self.status[j] = DROPPED
        self.events.append(("dropped", int(j)))

    def advance(self) -> None:
        """Move to the next event and process everything that happens then."""
        inst = self.inst
        times = [f.end for f in self.running]
        times += [d for d in inst.deadline[self.status == ACTIVE]]
        pending = np.flatnonzero(self.status == PENDING)
        if len(pending):
            times.append(float(inst.arrival[pending].min()))
        for j in self.active_jobs():  # prepare subcircuits waiting out an LOCC latency
            for s in inst.job_subs[j]:
                if self.remaining[s] > 0 and inst.preds[s]:
                    r = min(self.ready_time(s, q) for q in np.flatnonzero(inst.eligible[s]))
                    if self.t < r < math.inf:
                        times.append(r)
        future = [x for x in times if x > self.t]
        if not future:
            return
        self.t = min(future)
        self._complete()
        self._deadlines()
        self._arrivals()

    # -- events --------------------------------------------------------------------------------
    def _complete(self) -> None:
        inst = self.inst
        still = []
        for f in self.running:
            if f.end <= self.t:
                self.finished[f.sub] += f.shots
            else:
                still.append(f)
        self.running = still
        for j in self.active_jobs():
            subs = inst.job_subs[j]
            if np.all(self.finished[subs.start : subs.stop] == inst.shots[subs.start : subs.stop]):
                self.status[j] = SERVED
                self.events.append(("served", int(j)))

    def _deadlines(self) -> None:
        for j in self.active_jobs():
            if self.t >= self.inst.deadline[j]:
                self.status[j] = LATE
                self.events.append(("late", int(j)))

    def _arrivals(self) -> None:
        arrived = (self.status == PENDING) & (self.inst.arrival <= self.t)
        self.status[arrived] = ACTIVE

    def schedule(self) -> Schedule:
        """What ran so far. Jobs that ran shots but were not served count as late (dropped after
        starting, or past their deadline); jobs that never ran and are not active as dropped."""
        st = self.status
        ran = {f.job for f in self.fragments}
        served = {int(j) for j in np.flatnonzero(st == SERVED)}
        idle = {int(j) for j in np.flatnonzero((st == DROPPED) | (st == PENDING))} - ran
        late = set(range(len(st))) - served - idle
        return Schedule(list(self.fragments), served, idle, late)
