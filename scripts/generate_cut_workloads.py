#!/usr/bin/env python3
"""Cut real circuits with qiskit-addon-cutting and record the cut structure Q-Backbone schedules.

    python scripts/generate_cut_workloads.py   # writes qnet_envs/data/cut_workloads.json

Seed 001 (Q-Backbone, Sec. IV) schedules circuit-cut jobs; its reviewer (seed 003) notes the
paper gives no workload. This script builds one from circuit families that network control uses:

* QAOA p = 1 max-cut on sparse backbone-like graphs (NSFNET, and rings with chords, i.e.
  connected Watts-Strogatz graphs with k = 2), in the basis {rz, sx, x, cx, rzz} (the RZZ cost
  terms kept native, as on IBM Heron's fractional gates);
* hardware-efficient ansaetze (qiskit ``efficient_su2``, linear entanglement, one repetition);
* GHZ state preparation (a CX chain);
* quantum autoencoders (the construction of ``scripts/generate_qae_circuits.py``).

Widths run from 8 to 40 qubits. For every circuit wider than a target QPU size q in
``TARGETS`` it runs ``find_cuts`` twice: once with gate and wire cuts allowed (the package prefers
gate cuts) and once with wire cuts only. For each resulting plan it records the partitions
(qubits and depth of every subcircuit from ``partition_problem``), every gate cut (the two
partitions it joins and its sampling overhead gamma^2 from the package's QPD basis) and every wire
cut (the partition that holds the wire before the cut and the one after). How a wire cut is
realised (the LOCC cut of Harada et al. 2024 or the dependency-free cut of Peng et al. 2020) is
decided later by ``qnet_envs.workloads.cutting``, so the data stays model-free. Plans whose
wire cuts make a cycle between partitions cannot run measure-before-prepare and are not kept.
The schedulers and envs read the JSON and never import qiskit.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import networkx as nx
import numpy as np
from qiskit import QuantumCircuit, transpile
from qiskit.circuit.library import efficient_su2, qaoa_ansatz
from qiskit.quantum_info import SparsePauliOp
from qiskit_addon_cutting import cut_wires, find_cuts, partition_problem
from qiskit_addon_cutting.automated_cut_finding import DeviceConstraints, OptimizationParameters

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from generate_qae_circuits import autoencoder  # noqa: E402

sys.path.insert(0, str(ROOT))
from qnet_envs.core.topology import NSFNET_EDGES  # noqa: E402

OUT = ROOT / "qnet_envs" / "data" / "cut_workloads.json"
TARGETS = (7, 12, 16)
BASIS = ["rz", "sx", "x", "cx", "rzz"]
MAX_BACKJUMPS = 2000


def ghz(n: int) -> QuantumCircuit:
    qc = QuantumCircuit(n)
    qc.h(0)
    for i in range(n - 1):
        qc.cx(i, i + 1)
    return qc


def qaoa(graph: nx.Graph, seed: int) -> QuantumCircuit:
    n = graph.number_of_nodes()
    cost = SparsePauliOp.from_sparse_list([("ZZ", [a, b], 1.0) for a, b in graph.edges], n)
    qc = qaoa_ansatz(cost, reps=1)
    qc = qc.assign_parameters(np.random.default_rng(seed).uniform(0, np.pi, qc.num_parameters))
    return qc


def hea(n: int, seed: int) -> QuantumCircuit:
    qc = efficient_su2(n, reps=1, entanglement="linear")
    return qc.assign_parameters(np.random.default_rng(seed).uniform(0, np.pi, qc.num_parameters))


def circuits():
    for n in (8, 12, 16, 20, 24, 32, 40):
        yield "ghz", f"ghz-{n}", ghz(n), {"n": n}
    for n in (8, 12, 16, 24, 32):
        yield "hea", f"hea-{n}", hea(n, n), {"n": n, "reps": 1, "entanglement": "linear"}
    nsf = nx.Graph([(u, v) for u, v, _ in NSFNET_EDGES])
    yield "qaoa", "qaoa-nsfnet", qaoa(nsf, 14), {"graph": "nsfnet", "p": 1}
    for n in (8, 12, 16, 20, 24, 32):
        g = nx.connected_watts_strogatz_graph(n, 2, 0.3, seed=n)
        yield "qaoa", f"qaoa-ring-{n}", qaoa(g, n), {"graph": "ring-chords", "n": n, "p": 1}
    for n, k in ((6, 3), (7, 4), (8, 4), (9, 5), (9, 3)):
        qc = autoencoder(n, k).remove_final_measurements(inplace=False)
        yield "qae", f"qae-{n}-{k}", qc, {"n": n, "k": k}


def qubit_labels(circuit: QuantumCircuit) -> list[int]:
    """Partition label per qubit: connected components of the non-cut multi-qubit gates."""
    parent = list(range(circuit.num_qubits))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for ins in circuit.data:
        if ins.operation.name.startswith("qpd") or len(ins.qubits) < 2:
            continue
        idx = [circuit.find_bit(q).index for q in ins.qubits]
        for j in idx[1:]:
            parent[find(j)] = find(idx[0])
    roots = sorted({find(i) for i in range(circuit.num_qubits)})
    rename = {r: i for i, r in enumerate(roots)}
    return [rename[find(i)] for i in range(circuit.num_qubits)]


def plan(circuit: QuantumCircuit, target: int, gate_lo: bool) -> dict | None:
    cut, meta = find_cuts(
        circuit,
        OptimizationParameters(seed=1, max_backjumps=MAX_BACKJUMPS, gate_lo=gate_lo, wire_lo=True),
        DeviceConstraints(qubits_per_subcircuit=target),
    )
    wired = cut_wires(cut)
    labels = qubit_labels(wired)
    gate_cuts, wire_cuts = [], []
    for ins in wired.data:
        if not ins.operation.name.startswith("qpd"):
            continue
        a, b = (labels[wired.find_bit(q).index] for q in ins.qubits)
        if ins.operation.label == "cut_move":
            wire_cuts.append([a, b])  # the state moves from partition a to partition b
        else:
            gate_cuts.append([a, b, float(ins.operation.basis.overhead)])
    dag = nx.DiGraph()
    dag.add_nodes_from(set(labels))
    dag.add_edges_from((a, b) for a, b in wire_cuts)
    if not nx.is_directed_acyclic_graph(dag):
        return None
    problem = partition_problem(wired, partition_labels=labels)
    parts = [
        {"qubits": problem.subcircuits[k].num_qubits, "depth": problem.subcircuits[k].depth()}
        for k in sorted(problem.subcircuits)
    ]
    return {
        "partitions": parts,
        "gate_cuts": gate_cuts,
        "wire_cuts": wire_cuts,
        "package_overhead": float(meta["sampling_overhead"]),
        "minimum_reached": bool(meta.get("minimum_reached", True)),
    }


def main() -> None:
    entries = []
    for family, name, qc, params in circuits():
        qc = transpile(qc, basis_gates=BASIS, optimization_level=1, seed_transpiler=0)
        entry = {
            "family": family,
            "name": name,
            "qubits": qc.num_qubits,
            "depth": qc.depth(),
            "two_qubit_gates": sum(1 for i in qc.data if len(i.qubits) == 2),
            "params": params,
            "plans": {},
        }
        for target in TARGETS:
            if qc.num_qubits <= target:
                continue
            plans = {}
            for key, gate_lo in (("gate", True), ("wire", False)):
                t0 = time.time()
                p = plan(qc, target, gate_lo)
                print(
                    f"{name} q={target} {key}: {time.time() - t0:.1f}s", "kept" if p else "cyclic"
                )
                if p is not None:
                    plans[key] = p
            entry["plans"][str(target)] = plans
        entries.append(entry)
    OUT.write_text(
        json.dumps(
            {
                "generator": "scripts/generate_cut_workloads.py",
                "qiskit_addon_cutting": "find_cuts + cut_wires + partition_problem (0.10)",
                "targets": list(TARGETS),
                "circuits": entries,
            },
            indent=None,
            separators=(",", ":"),
        )
        + "\n"
    )
    print(f"wrote {len(entries)} circuits to {OUT}")


if __name__ == "__main__":
    main()
