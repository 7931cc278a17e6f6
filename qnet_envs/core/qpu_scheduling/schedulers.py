"""The seven deadline-aware schedulers of seed 001's Fig. 3 and Fig. 4.

* ``qb``: the QB-scheduler, simulated annealing (seed 001, Sec. IV; Kirkpatrick et al., Science
  220, 671, 1983, seed ref. [7]) over (job order, admission, allowed QPUs per subcircuit), decoded
  by :func:`~qnet_envs.core.qpu_scheduling.decoder.decode` with shot splitting. Its four moves are the
  seed's: admit a dropped job (inserted at a random earlier position), swap an admitted job for
  a dropped one, shift a shot split (add or remove one QPU from a subcircuit's split), and shift
  a start time (move a job to another position, which moves all its fragments' start times).
  Metropolis acceptance, exponential cooling T_k = T0 (T_end / T0)^(k / K); it starts from the
  greedy EDF solution and returns the best schedule seen.
* ``qb-no-shot-split``: the same without shot distribution (each subcircuit one fragment; the
  shot-agnostic scheduler of seed ref. [2]).
* ``qb-no-locc``: the same on jobs compiled with the dependency-free wire cut (Peng et al.).
* ``qb-no-either``: both ablations.
* ``greedy-edf``: earliest deadline first with shot splitting over every eligible QPU.
* ``list``: precedence-respecting list scheduling (Graham 1969; seed ref. [9]): jobs by arrival,
  each subcircuit unsplit on the eligible QPU where it finishes first.
* ``random``: random job order, each subcircuit on one random eligible QPU.

All are deadline-aware: a job that cannot meet its deadline is dropped rather than run late.
"""

from __future__ import annotations

import math
import time

import numpy as np

from .decoder import decode
from .schedule import Schedule

SCHEDULERS = (
    "qb",
    "qb-no-shot-split",
    "qb-no-locc",
    "qb-no-either",
    "greedy-edf",
    "list",
    "random",
)
ABLATION_MODEL = {"qb-no-locc": "peng", "qb-no-either": "peng"}  # others use the LOCC compile


def greedy_edf(inst) -> Schedule:
    order = np.lexsort((inst.arrival, inst.deadline))
    return decode(inst, order, np.ones(inst.n_jobs, bool), inst.eligible.copy(), split=True)[0]


def list_scheduling(inst) -> Schedule:
    order = np.argsort(inst.arrival, kind="stable")
    return decode(inst, order, np.ones(inst.n_jobs, bool), inst.eligible.copy(), split=False)[0]


def random_schedule(inst, rng: np.random.Generator) -> Schedule:
    allowed = np.zeros_like(inst.eligible)
    for s in range(inst.n_subs):
        allowed[s, rng.choice(np.flatnonzero(inst.eligible[s]))] = True
    order = rng.permutation(inst.n_jobs)
    return decode(inst, order, np.ones(inst.n_jobs, bool), allowed, False)[0]


def score(inst, sched: Schedule) -> float:
    """Jobs served on time, plus a tie-breaker below 1: the mean slack of the served jobs."""
    if not sched.served:
        return 0.0
    end = np.full(inst.n_jobs, -np.inf)
    for f in sched.fragments:
        end[f.job] = max(end[f.job], f.end)
    served = np.fromiter(sched.served, dtype=np.int64)
    window = np.maximum(inst.deadline[served] - inst.arrival[served], 1e-9)
    slack = np.clip((inst.deadline[served] - end[served]) / window, 0.0, 1.0)
    return len(served) + 0.5 * float(slack.mean())


def _propose(inst, rng, order, admitted, allowed, served, splittable):
    """One neighbour of the QB-scheduler's state (seed 001's four moves): admit a dropped job
    at a random position, swap an admitted and a dropped job, toggle one QPU of a subcircuit's
    shot split, or move one job to another position. Returns (order, admitted, allowed, the
    first position whose decoding changes), or None when the move would leave a subcircuit
    without any QPU."""
    n = inst.n_jobs
    new_order, new_admitted, new_allowed = list(order), admitted.copy(), allowed
    not_served = [j for j in range(n) if j not in served]
    move = rng.integers(4)
    if move == 0 and not_served:  # admit a dropped job, at a random position
        j = int(rng.choice(not_served))
        new_admitted[j] = True
        old = new_order.index(j)
        new_order.remove(j)
        new = int(rng.integers(n))
        new_order.insert(new, j)
        first = min(old, new)
    elif move == 1 and not_served and served:  # swap an admitted and a dropped job
        a = int(rng.choice(sorted(served)))
        d = int(rng.choice(not_served))
        new_admitted[a], new_admitted[d] = False, True
        ia, id_ = new_order.index(a), new_order.index(d)
        new_order[ia], new_order[id_] = d, a
        first = min(ia, id_)
    elif move == 2 and len(splittable):  # shift a shot split: toggle one QPU
        s = int(rng.choice(splittable))
        q = int(rng.choice(np.flatnonzero(inst.eligible[s])))
        new_allowed = allowed.copy()
        new_allowed[s, q] = not new_allowed[s, q]
        if not new_allowed[s].any():
            return None
        first = new_order.index(int(inst.sub_job[s]))
    else:  # shift a start time: move one job to another position
        old = int(rng.integers(n))
        j = new_order.pop(old)
        new = int(rng.integers(n))
        new_order.insert(new, j)
        first = min(old, new)
    return new_order, new_admitted, new_allowed, first


def qb_scheduler(
    inst,
    rng: np.random.Generator,
    split: bool = True,
    iterations: int = 1000,
    time_limit_s: float | None = None,
    t0: float = 0.5,
    t_end: float = 0.01,
) -> Schedule:
    """Simulated annealing; stops after ``iterations`` or ``time_limit_s``, whichever first."""
    n = inst.n_jobs
    order = list(np.lexsort((inst.arrival, inst.deadline)))
    admitted = np.ones(n, bool)
    allowed = inst.eligible.copy()
    current, states = decode(inst, order, admitted, allowed, split)
    cur_score = score(inst, current)
    best, best_score = current, cur_score
    stop = None if time_limit_s is None else time.perf_counter() + time_limit_s
    splittable = np.flatnonzero(inst.eligible.sum(axis=1) > 1)
    for k in range(iterations):
        if stop is not None and time.perf_counter() > stop:
            break
        temp = t0 * (t_end / t0) ** (k / max(iterations - 1, 1))
        proposal = _propose(inst, rng, order, admitted, allowed, current.served, splittable)
        if proposal is None:
            continue
        new_order, new_admitted, new_allowed, first = proposal
        cand, cand_states = decode(
            inst, new_order, new_admitted, new_allowed, split, prefix=states, start=first
        )
        cand_score = score(inst, cand)
        delta = cand_score - cur_score
        if delta >= 0 or rng.random() < math.exp(delta / temp):
            order, admitted, allowed = new_order, new_admitted, new_allowed
            current, states, cur_score = cand, cand_states, cand_score
            if cur_score > best_score:
                best, best_score = current, cur_score
    return best


def run_scheduler(name: str, config, draws, seed: int | None = None, **kwargs) -> tuple:
    """Build the instance ``name`` schedules (its cut model) and run it: (instance, schedule)."""
    from .instance import build_instance

    if name not in SCHEDULERS:
        raise ValueError(f"scheduler {name!r} is unknown; choose one of {list(SCHEDULERS)}")
    inst = build_instance(config, draws, ABLATION_MODEL.get(name, "locc"))
    rng = np.random.default_rng(seed)
    if name == "greedy-edf":
        return inst, greedy_edf(inst)
    if name == "list":
        return inst, list_scheduling(inst)
    if name == "random":
        return inst, random_schedule(inst, rng)
    split = name in ("qb", "qb-no-locc")
    return inst, qb_scheduler(inst, rng, split=split, **kwargs)
