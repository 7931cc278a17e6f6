"""Cut models: from a cut plan (partitions, gate cuts, wire cuts) to schedulable subcircuits.

A plan recorded by ``scripts/generate_cut_workloads.py`` says where qiskit-addon-cutting's
``find_cuts`` cut a circuit: which partitions (subcircuits) result, which gates were cut between
which partitions, and which wires were cut from which partition to which. How a wire cut is
realised is a model choice, and Q-Backbone's case study (seed 001, Sec. IV) compares two:

* ``"locc"``: the LOCC wire cut of Harada et al. (seed 001 ref. [10]; PRX Quantum 5, 040308,
  2024). The n wires cut from partition A to partition B are cut jointly; the sampling overhead is
  (2^(n+1) - 1)^2 (:func:`locc_wire_cut_overhead`). A (the measure subcircuit) must finish before
  B (the prepare subcircuit) starts, plus the classical latency between their sites: a precedence
  edge A -> B. Wires between one ordered pair are all measured at A's end and prepared at B's
  start, so in an acyclic plan they can always be cut in parallel.
* ``"peng"``: the dependency-free wire cut of Peng et al. (seed 001 ref. [13]; PRL 125, 150504,
  2020): every cut wire costs gamma^2 = 16 (:func:`peng_wire_cut_overhead`) and there is no
  precedence, but a partition that measures m cut wires and prepares r of them must run every
  combination of the 3 measurement bases and 4 preparation states, 3^m 4^r distinct circuits.
  Each is scheduled as its own subcircuit, up to ``variant_cap`` of them per partition (beyond the
  cap, variants are batched evenly into ``variant_cap`` subcircuits).
* ``"gate"``: only gate cuts exist in the plan (or wire cuts are refused); used for checks.

Gate cuts give independent subcircuits in every model, with the overhead gamma^2 that the
package's quasi-probability decomposition reports for the cut gate (e.g. 9 for a CX,
(1 + 2|sin theta|)^2 for RZZ(theta); Mitarai & Fujii, New J. Phys. 23, 023021, 2021).

Shots. Reconstruction contracts per-subcircuit estimates (as in CutQC, Tang et al., ASPLOS 2021),
so each subcircuit is sampled on its own; its shot count is base shots x the product of the
overheads of the cuts it touches (its share of the job's overhead). Peng variants split their
partition's shots evenly.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

CUT_MODELS = ("locc", "peng")
PENG_MEASURE_BASES = 3  # X, Y, Z (the identity term reuses the Z data)
PENG_PREPARE_STATES = 4  # |0>, |1>, |+>, |+i>


def locc_wire_cut_overhead(n_wires: int) -> float:
    """Sampling overhead gamma^2 of cutting ``n_wires`` parallel wires with LOCC.

    Harada, Wada & Yamamoto, "Doubly optimal parallel wire cutting without ancilla qubits", PRX
    Quantum 5, 040308 (2024), seed 001 ref. [10]: gamma = 2^(n+1) - 1, the optimum also found
    with classical communication by Brenner, Piveteau & Sutter (IEEE TIT 2023); overhead gamma^2.
    """
    if n_wires < 0:
        raise ValueError(f"n_wires={n_wires} must be >= 0")
    return float((2 ** (n_wires + 1) - 1) ** 2)


def peng_wire_cut_overhead(n_wires: int) -> float:
    """Sampling overhead of ``n_wires`` dependency-free wire cuts: 16 per wire.

    Peng, Harrow, Ozols & Wu, "Simulating large quantum circuits on a small quantum computer",
    PRL 125, 150504 (2020), Eq. (2) (seed 001 ref. [13]): each wire is a sum of 4 terms with
    coefficient magnitudes summing to gamma = 4, so the shots grow by gamma^2 = 16 per wire.
    """
    if n_wires < 0:
        raise ValueError(f"n_wires={n_wires} must be >= 0")
    return 16.0**n_wires


@dataclass(frozen=True)
class Subcircuit:
    """One schedulable subcircuit: its width, depth, required shots and predecessors (indices
    into the job's subcircuit list; non-empty only under the LOCC model)."""

    qubits: int
    depth: int
    shots: int
    preds: tuple[int, ...] = ()
    partition: int = 0


@dataclass(frozen=True)
class CompiledJob:
    """A job's subcircuits in a topological order of its precedence DAG, and its overhead."""

    subcircuits: tuple[Subcircuit, ...]
    overhead: float  # product of all cut overheads (the job's total sampling overhead)
    model: str

    @property
    def edges(self) -> list[tuple[int, int]]:
        return [(p, i) for i, s in enumerate(self.subcircuits) for p in s.preds]

    @property
    def total_shots(self) -> int:
        return sum(s.shots for s in self.subcircuits)


def compile_plan(plan, model: str, base_shots: int, variant_cap: int = 16) -> CompiledJob:
    """Compile a :class:`~qnet_envs.workloads.library.CutPlan` under cut model ``model``."""
    if model not in CUT_MODELS:
        raise ValueError(f"cut model {model!r} is unknown; choose one of {list(CUT_MODELS)}")
    n = len(plan.partitions)
    factor = [1.0] * n  # product of the overheads of the cuts each partition touches
    total = 1.0
    for a, b, overhead in plan.gate_cuts:
        factor[a] *= overhead
        factor[b] *= overhead
        total *= overhead
    wires = Counter((a, b) for a, b in plan.wire_cuts)
    preds: dict[int, set[int]] = {p: set() for p in range(n)}
    measured, prepared = [0] * n, [0] * n
    for (a, b), k in wires.items():
        overhead = locc_wire_cut_overhead(k) if model == "locc" else peng_wire_cut_overhead(k)
        factor[a] *= overhead
        factor[b] *= overhead
        total *= overhead
        measured[a] += k
        prepared[b] += k
        if model == "locc":
            preds[b].add(a)
    order = _topological_order(n, preds)
    subs: list[Subcircuit] = []
    index: dict[int, int] = {}
    for p in order:
        part = plan.partitions[p]
        shots = math.ceil(base_shots * factor[p])
        variants = 1
        if model == "peng":
            variants = PENG_MEASURE_BASES ** measured[p] * PENG_PREPARE_STATES ** prepared[p]
            variants = min(variants, variant_cap, shots)
        index[p] = len(subs)
        pred_ids = tuple(sorted(index[q] for q in preds[p]))
        for v in range(variants):
            share = shots // variants + (1 if v < shots % variants else 0)
            subs.append(Subcircuit(part["qubits"], part["depth"], share, pred_ids, p))
    return CompiledJob(tuple(subs), total, model)


def _topological_order(n: int, preds: dict[int, set[int]]) -> list[int]:
    done: list[int] = []
    remaining = set(range(n))
    while remaining:
        ready = sorted(p for p in remaining if preds[p] <= set(done))
        if not ready:
            raise ValueError("cut plan has a cycle of wire cuts; it cannot run measure-first")
        done.extend(ready)
        remaining.difference_update(ready)
    return done
