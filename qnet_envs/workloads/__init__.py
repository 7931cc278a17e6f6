"""Quantum workloads built from real circuits: the circuit-cut jobs of Q-Backbone (seed 001).

:mod:`.cutting` turns a recorded cut plan into subcircuits and a precedence DAG under one of the
three cut models; :mod:`.library` reads the shipped plans (made with qiskit-addon-cutting by
``scripts/generate_cut_workloads.py``); :mod:`.jobs` draws arrival streams of jobs with deadlines.
"""

from .cutting import (
    CUT_MODELS,
    CompiledJob,
    Subcircuit,
    compile_plan,
    locc_wire_cut_overhead,
    peng_wire_cut_overhead,
)
from .library import CutPlan, load_library

__all__ = [
    "CUT_MODELS",
    "CompiledJob",
    "CutPlan",
    "Subcircuit",
    "compile_plan",
    "load_library",
    "locc_wire_cut_overhead",
    "peng_wire_cut_overhead",
]
