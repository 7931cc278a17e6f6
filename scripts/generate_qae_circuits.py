#!/usr/bin/env python3
"""Build the quantum-autoencoder circuits of seed 002's use case and record their resource counts.

    python scripts/generate_qae_circuits.py   # writes qnet_envs/data/qae_circuits.json

For every (n, k) with n in [6, 9] and k in [3, 5] (seed 002, Sec. IV) it builds the autoencoder
of Romero, Olson & Aspuru-Guzik (Quantum Sci. Technol. 2, 045001 (2017), Fig. 2): a trainable
encoder on the n input qubits (qiskit's ``real_amplitudes``, ``ENCODER_REPS`` layers of RY
rotations and linear CX entanglers), then a swap test between the n - k trash qubits and n - k
fresh reference qubits on one ancilla, measured. It transpiles to the IBM basis {rz, sx, x, cx}
(optimisation level 1, all-to-all connectivity) and stores the qubit count, 1- and 2-qubit gate
counts, depth and parameter count. The offloading env reads the JSON and never imports qiskit.
"""

from __future__ import annotations

import json
from pathlib import Path

from qiskit import QuantumCircuit, QuantumRegister, transpile
from qiskit.circuit.library import real_amplitudes

ENCODER_REPS = 3
BASIS = ["rz", "sx", "x", "cx"]
OUT = Path(__file__).resolve().parents[1] / "qnet_envs" / "data" / "qae_circuits.json"


def autoencoder(n: int, k: int) -> QuantumCircuit:
    data, ref, anc = (
        QuantumRegister(n, "in"),
        QuantumRegister(n - k, "ref"),
        QuantumRegister(1, "a"),
    )
    qc = QuantumCircuit(data, ref, anc)
    qc.compose(real_amplitudes(n, reps=ENCODER_REPS, entanglement="linear"), data, inplace=True)
    qc.h(anc[0])
    for i in range(n - k):
        qc.cswap(anc[0], data[k + i], ref[i])
    qc.h(anc[0])
    qc.measure_all()
    return qc


def counts(n: int, k: int) -> dict:
    qc = autoencoder(n, k)
    params = qc.num_parameters
    bound = qc.assign_parameters([0.1] * params)
    tqc = transpile(bound, basis_gates=BASIS, optimization_level=1, seed_transpiler=0)
    ops = tqc.count_ops()
    two = ops.get("cx", 0)
    one = sum(v for g, v in ops.items() if g in ("rz", "sx", "x"))
    return {
        "n": n,
        "k": k,
        "qubits": qc.num_qubits,
        "gates_1q": int(one),
        "gates_2q": int(two),
        "depth": int(tqc.depth(lambda inst: inst.operation.name not in ("barrier", "measure"))),
        "parameters": int(params),
    }


def main() -> None:
    import qiskit

    rows = [counts(n, k) for n in range(6, 10) for k in range(3, 6)]
    meta = {
        "source": "scripts/generate_qae_circuits.py",
        "qiskit": qiskit.__version__,
        "encoder": f"real_amplitudes(n, reps={ENCODER_REPS}, entanglement='linear')",
        "basis": BASIS,
    }
    OUT.write_text(json.dumps({"meta": meta, "circuits": rows}, indent=1) + "\n")
    print(f"wrote {len(rows)} circuits to {OUT}")


if __name__ == "__main__":
    main()
