"""The shipped library of cut plans (``qnet_envs/data/cut_workloads.json``).

Made once with qiskit and qiskit-addon-cutting by ``scripts/generate_cut_workloads.py``, so that
schedulers and envs never import qiskit. Each circuit wider than a target QPU size has up to two
plans for that size: ``"gate"`` (find_cuts with gate and wire cuts allowed; it prefers gate cuts)
and ``"wire"`` (wire cuts only). :func:`catalogue` picks, per circuit, the plan a LOCC-aware
compiler would use: the one needing the fewest total shots under the LOCC wire-cut model.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from .cutting import compile_plan

FAMILIES = ("ghz", "hea", "qaoa", "qae")


@dataclass(frozen=True)
class CutPlan:
    circuit: str
    family: str
    circuit_qubits: int
    target: int
    kind: str  # "gate", "wire" or "uncut"
    partitions: tuple[dict, ...]
    gate_cuts: tuple[tuple[int, int, float], ...]
    wire_cuts: tuple[tuple[int, int], ...]


@lru_cache(maxsize=1)
def load_library() -> dict:
    text = resources.files("qnet_envs.data").joinpath("cut_workloads.json").read_text()
    return json.loads(text)


def targets() -> tuple[int, ...]:
    return tuple(load_library()["targets"])


def plans(target: int) -> list[CutPlan]:
    """Every recorded plan for QPU size ``target``; circuits that fit are one uncut partition."""
    out = []
    for c in load_library()["circuits"]:
        if c["qubits"] <= target:
            part = ({"qubits": c["qubits"], "depth": c["depth"]},)
            out.append(CutPlan(c["name"], c["family"], c["qubits"], target, "uncut", part, (), ()))
            continue
        for kind, p in c["plans"].get(str(target), {}).items():
            out.append(
                CutPlan(
                    c["name"],
                    c["family"],
                    c["qubits"],
                    target,
                    kind,
                    tuple(p["partitions"]),
                    tuple(tuple(g) for g in p["gate_cuts"]),
                    tuple(tuple(w) for w in p["wire_cuts"]),
                )
            )
    return out


@lru_cache(maxsize=32)
def catalogue(
    target: int,
    base_shots: int,
    max_overhead: float,
    families: tuple[str, ...] = FAMILIES,
    include_uncut: bool = False,
) -> tuple[CutPlan, ...]:
    """One plan per circuit: the LOCC-cheapest (fewest total shots), among plans whose every
    subcircuit needs at most ``max_overhead`` x base shots under the LOCC model. Circuits that
    fit ``target`` uncut are left out unless ``include_uncut``: Q-Backbone's distributed mode
    serves exactly the workloads that exceed one QPU (seed 001, Sec. IV)."""
    best: dict[str, tuple[int, CutPlan]] = {}
    for plan in plans(target):
        if plan.family not in families or (plan.kind == "uncut" and not include_uncut):
            continue
        job = compile_plan(plan, "locc", base_shots)
        if max(s.shots for s in job.subcircuits) > max_overhead * base_shots:
            continue
        if plan.circuit not in best or job.total_shots < best[plan.circuit][0]:
            best[plan.circuit] = (job.total_shots, plan)
    return tuple(plan for _, plan in sorted(best.values(), key=lambda x: x[1].circuit))
