"""Serial schedule generation: turn a job order, an admission set and per-subcircuit QPU sets
into a feasible, deadline-aware schedule. Every scheduler of seed 001's comparison decodes
through here, so they differ only in what they decide, not in how a decision is placed.

Jobs are placed one at a time in ``order``; a job's subcircuits go in topological order, each as
fragments placed at the earliest gap of each QPU's timeline (gaps left by earlier placements are
reused). With ``split`` the subcircuit's shots are water-filled over its allowed QPUs so that the
fragments finish together (the minimum-makespan split for given ready times); without it the
subcircuit is one fragment on the allowed QPU where it finishes first. A job that would end
after its deadline is rolled back and dropped: every decoded schedule is feasible.
"""

from __future__ import annotations

import bisect
import math

import numpy as np

from .schedule import Fragment, Schedule


def _earliest_gap(timeline: list[tuple[float, float]], ready: float, length: float) -> float:
    """Earliest start >= ready of a free interval of ``length`` in a sorted busy list."""
    t = ready
    i = bisect.bisect_left(timeline, (ready, -math.inf))
    if i > 0 and timeline[i - 1][1] > t:
        t = timeline[i - 1][1]
    for start, end in timeline[i:]:
        if start >= t + length:
            break
        if end > t:
            t = end
    return t


def _water_fill(begin: np.ndarray, tau: np.ndarray, shots: int) -> np.ndarray:
    """Integer shots per QPU minimising the common finish time given shot start times."""
    order = np.argsort(begin)
    b, r = begin[order], 1.0 / tau[order]
    finish = math.inf
    for k in range(1, len(b) + 1):
        t = (shots + float(np.dot(b[:k], r[:k]))) / float(r[:k].sum())
        if k == len(b) or t <= b[k]:
            finish = t
            break
    n = np.floor(np.maximum(finish - b, 0.0) * r).astype(np.int64)
    short = shots - int(n.sum())
    while short > 0:  # hand leftover shots to whoever finishes them first
        i = int(np.argmin(b + (n + 1) / r))
        n[i] += 1
        short -= 1
    out = np.zeros(len(begin), dtype=np.int64)
    out[order] = n
    return out


def place_job(inst, j: int, timelines, allowed, split: bool, frags_out: list) -> float:
    """Place job ``j``'s subcircuits into ``timelines`` (mutated); return its completion time."""
    pool = inst.pool
    placed: dict[int, list[Fragment]] = {}
    finish = inst.arrival[j]
    for s in inst.job_subs[j]:
        qs = np.flatnonzero(allowed[s])
        ready = np.full(len(qs), inst.arrival[j])
        for p in inst.preds[s]:
            for g in placed[p]:
                ready = np.maximum(ready, g.end + pool.latency[g.qpu, qs])
        shots = int(inst.shots[s])
        tau = inst.tau[s, qs]
        if split and len(qs) > 1:
            guess = pool.setup[qs] + tau * math.ceil(shots / len(qs))
            begin = np.array(
                [
                    _earliest_gap(timelines[q], r, g)
                    for q, r, g in zip(qs, ready, guess, strict=True)
                ]
            )
            counts = _water_fill(begin + pool.setup[qs], tau, shots)
            picks = [(q, int(n), r) for q, n, r in zip(qs, counts, ready, strict=True) if n > 0]
        else:
            best, pick = math.inf, None
            for q, r, t in zip(qs, ready, tau, strict=True):
                length = pool.setup[q] + shots * t
                end = _earliest_gap(timelines[q], r, length) + length
                if end < best:
                    best, pick = end, (q, shots, r)
            picks = [pick]
        placed[s] = []
        for q, n, r in picks:
            length = inst.duration(s, q, n)
            start = _earliest_gap(timelines[q], r, length)
            bisect.insort(timelines[q], (start, start + length))
            f = Fragment(j, s, int(q), n, float(start), float(start + length))
            placed[s].append(f)
            frags_out.append(f)
            finish = max(finish, f.end)
    return float(finish)


def decode(inst, order, admitted, allowed, split: bool, prefix=None, start: int = 0):
    """Decode a solution. ``allowed`` is an (S, Q) bool array, a subset of ``inst.eligible``
    (rows with no allowed QPU fall back to every eligible one).

    Returns ``(schedule, states)``; ``states[k]`` is the decoder's state before ``order[k]``.
    Passing a previous call's ``states`` as ``prefix`` with ``start = k`` resumes from position k
    (valid when the first k entries of order, admission and allowed QPUs are unchanged): the
    annealer's moves change one or two positions, so most of the decoding is reused.
    """
    allowed = allowed & inst.eligible
    empty = ~allowed.any(axis=1)
    allowed[empty] = inst.eligible[empty]
    if prefix is None or start == 0:
        timelines: list[list[tuple[float, float]]] = [[] for _ in range(inst.pool.n)]
        served, dropped, fragments = [], [], []
        states, start = [], 0
    else:  # stored states are never mutated: the loop copies timelines before placing
        timelines, served, dropped, fragments = prefix[start]
        served, dropped, fragments = list(served), list(dropped), list(fragments)
        states = prefix[:start]
    for j in order[start:]:
        states.append((timelines, tuple(served), tuple(dropped), tuple(fragments)))
        if not admitted[j]:
            dropped.append(int(j))
            continue
        before = timelines
        timelines = [list(t) for t in before]
        frags: list[Fragment] = []
        finish = place_job(inst, int(j), timelines, allowed, split, frags)
        if finish <= inst.deadline[j]:
            served.append(int(j))
            fragments.extend(frags)
        else:  # roll back: the job is dropped, the timelines are as before it
            timelines = before
            dropped.append(int(j))
    return Schedule(list(fragments), set(served), set(dropped)), states
