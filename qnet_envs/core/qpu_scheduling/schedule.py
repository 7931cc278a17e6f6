"""Schedules of circuit-cut jobs, and the independent checker every solver's output must pass.

A schedule (seed 001, Sec. IV) fixes admission (which jobs are dropped), eligibility (the QPU of
every fragment), the shot split (fragments of one subcircuit with their shots) and start times.
:func:`check_schedule` re-derives every constraint from the :class:`Instance` alone; it shares no
code with the schedulers, so a scheduler bug cannot hide behind it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

TOL = 1e-6  # seconds: float slack when comparing times


@dataclass(frozen=True)
class Fragment:
    job: int
    sub: int
    qpu: int
    shots: int
    start: float
    end: float


@dataclass
class Schedule:
    """``served``: jobs claimed complete by their deadline; ``dropped``: never run; ``late``:
    started but abandoned at their deadline (only the event-driven env produces these)."""

    fragments: list[Fragment] = field(default_factory=list)
    served: set[int] = field(default_factory=set)
    dropped: set[int] = field(default_factory=set)
    late: set[int] = field(default_factory=set)

    def served_fraction(self, n_jobs: int) -> float:
        return len(self.served) / n_jobs


class InfeasibleSchedule(AssertionError):
    """Raised by :func:`check_schedule` with every violation found."""


def check_schedule(instance, schedule: Schedule) -> int:
    """Verify every constraint and deadline claim; return the number of jobs served on time.

    Checks: every job ends exactly once (served, dropped or late); dropped jobs run nothing;
    every fragment runs an existing subcircuit of its job on an eligible QPU, with >= 1 shot,
    not before its job arrives, for exactly setup + shots x time-per-shot; a served job's
    subcircuits get exactly their required shots and its last fragment ends by the deadline;
    a late job gets at most its shots; one fragment per QPU at a time; and a prepare subcircuit's
    fragments start after every fragment of each of its measure subcircuits ends plus the
    classical latency between their QPUs' sites.
    """
    errors = _ending_errors(instance, schedule)
    by_sub, by_qpu = _fragment_errors(instance, schedule, errors)
    _shot_errors(instance, schedule, by_sub, errors)
    for q, frags in by_qpu.items():
        frags = sorted(frags, key=lambda f: f.start)
        for a, b in pairwise(frags):
            if b.start < a.end - TOL:
                errors.append(f"QPU {q}: {a} and {b} overlap")
    _precedence_errors(instance, by_sub, errors)
    if errors:
        raise InfeasibleSchedule(f"{len(errors)} violations:\n" + "\n".join(errors[:20]))
    return len(schedule.served)


def _ending_errors(inst, schedule: Schedule) -> list[str]:
    """Every job ends exactly once (served, dropped or late), and only known jobs do."""
    errors = []
    groups = (schedule.served, schedule.dropped, schedule.late)
    for j in range(inst.n_jobs):
        n = sum(j in g for g in groups)
        if n != 1:
            errors.append(f"job {j} ends {n} times (served/dropped/late)")
    extra = set().union(*groups) - set(range(inst.n_jobs))
    if extra:
        errors.append(f"unknown jobs {sorted(extra)}")
    return errors


def _fragment_errors(inst, schedule: Schedule, errors: list[str]):
    """Each fragment on its own; returns the valid fragments by subcircuit and by QPU."""
    by_sub: dict[int, list[Fragment]] = {}
    by_qpu: dict[int, list[Fragment]] = {}
    for f in schedule.fragments:
        where = f"fragment {f}"
        if not 0 <= f.sub < inst.n_subs or int(inst.sub_job[f.sub]) != f.job:
            errors.append(f"{where}: subcircuit does not belong to job")
            continue
        if not 0 <= f.qpu < inst.pool.n or not inst.eligible[f.sub, f.qpu]:
            errors.append(f"{where}: QPU not eligible (capacity or depth)")
            continue
        if f.job in schedule.dropped:
            errors.append(f"{where}: job was dropped but runs")
        if f.shots < 1:
            errors.append(f"{where}: fewer than one shot")
        if f.start < inst.arrival[f.job] - TOL:
            errors.append(f"{where}: starts before its job arrives at {inst.arrival[f.job]}")
        expected = inst.pool.setup[f.qpu] + f.shots * inst.tau[f.sub, f.qpu]
        if abs((f.end - f.start) - expected) > TOL * max(1.0, expected):
            errors.append(f"{where}: duration {f.end - f.start} != setup + shots x tau {expected}")
        by_sub.setdefault(f.sub, []).append(f)
        by_qpu.setdefault(f.qpu, []).append(f)
    return by_sub, by_qpu


def _shot_errors(inst, schedule: Schedule, by_sub: dict, errors: list[str]) -> None:
    """Served jobs get exactly their shots and end by the deadline; late ones at most."""
    for j in range(inst.n_jobs):
        for s in inst.job_subs[j]:
            got = sum(f.shots for f in by_sub.get(s, []))
            if j in schedule.served and got != inst.shots[s]:
                errors.append(f"job {j} subcircuit {s}: {got} shots run, {inst.shots[s]} needed")
            if j in schedule.late and got > inst.shots[s]:
                errors.append(f"job {j} subcircuit {s}: {got} shots run, more than needed")
        if j in schedule.served:
            ends = [f.end for s in inst.job_subs[j] for f in by_sub.get(s, [])]
            if not ends or max(ends) > inst.deadline[j] + TOL:
                errors.append(f"job {j} claimed on time but ends at {max(ends, default=None)}")


def _precedence_errors(inst, by_sub: dict, errors: list[str]) -> None:
    """A prepare subcircuit's fragments start after every fragment of each of its measure
    subcircuits ends plus the classical latency between their QPUs' sites."""
    for s, frags in by_sub.items():
        for p in inst.preds[s]:
            for g in by_sub.get(p, []):
                for f in frags:
                    ready = g.end + inst.pool.latency[g.qpu, f.qpu]
                    if f.start < ready - TOL:
                        errors.append(f"{f} starts before measure fragment {g} + latency")
            if not by_sub.get(p) and frags:
                errors.append(f"subcircuit {s} runs but its measure subcircuit {p} never ran")
