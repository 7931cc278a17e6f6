#!/usr/bin/env python3
"""Calibrate the Quantum Invocation Policy env: run QAOA and simulated annealing on small QUBOs.

    python scripts/calibrate_qip.py [--quick]   # writes qnet_envs/data/qip_calibration.json

Seed 001 (Q-Backbone, Sec. II-C): the QIP routes each reduced problem to a QPU or to a classical
fallback from its problem features, operating context and hardware state. The outcomes the env
serves come from real runs recorded here:

* Problems: weighted max-cut QUBOs on Erdos-Renyi graphs, n in {6, 8, 10, 12} variables, edge
  density in {0.3, 0.6, 0.9}, weights uniform in [0.5, 1.5], three instances each. Exact optima by
  enumeration of all 2^n assignments. Landscape roughness: 1 - rho(1), the lag-1 autocorrelation
  of the cost along a random walk of single-bit flips (Weinberger, Biol. Cybern. 63, 325, 1990).
* Quantum path: QAOA at p = 1, 2, 3 (qiskit's ``qaoa_ansatz``), angles optimised with COBYLA on
  the exact expectation from qiskit's ``Statevector`` (a noiseless simulation), several random restarts plus a warm start from
  depth p - 1's optimum with its last layer repeated (Zhou et al., PRX 10, 021067, 2020).
  Recorded: the probability of every cut value under the optimised state, the transpiled
  two-qubit gate count and depth in the basis {rz, sx, x, cx} (the env degrades the distribution
  with the QPU's gate error).
* Classical fallback: single-flip Metropolis simulated annealing (geometric cooling) with budgets
  of 1 to 64 sweeps, 64 runs each: the distribution of the best value found, and the measured
  time per sweep on this machine (a numpy implementation).

The env reads the JSON and never imports qiskit.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import networkx as nx
import numpy as np
from qiskit import transpile
from qiskit.circuit.library import qaoa_ansatz
from qiskit.quantum_info import SparsePauliOp, Statevector
from scipy.optimize import minimize

OUT = Path(__file__).resolve().parents[1] / "qnet_envs" / "data" / "qip_calibration.json"
SIZES = (6, 8, 10, 12)
DENSITIES = (0.3, 0.6, 0.9)
DEPTHS = (1, 2, 3)
SWEEPS = (1, 2, 4, 8, 16, 32, 64)
SA_RUNS = 64


def cut_values(n: int, edges) -> np.ndarray:
    """Cut value of every assignment; bit i of the index is variable i (qiskit's order)."""
    x = (np.arange(2**n)[:, None] >> np.arange(n)) & 1
    return sum(w * (x[:, a] != x[:, b]) for a, b, w in edges).astype(float)


def roughness(n: int, values: np.ndarray, rng, steps: int = 4000) -> float:
    state = int(rng.integers(2**n))
    walk = np.empty(steps)
    for t in range(steps):
        state ^= 1 << int(rng.integers(n))
        walk[t] = values[state]
    a, b = walk[:-1] - walk.mean(), walk[1:] - walk.mean()
    return float(1.0 - np.dot(a, b) / max(np.dot(a, a), 1e-12))


def qaoa_distribution(n, edges, p, values, rng, restarts, warm=None):
    cost = SparsePauliOp.from_sparse_list([("ZZ", [a, b], w) for a, b, w in edges], n)
    ansatz = qaoa_ansatz(cost, reps=p)
    # <C> = sum w (1 - <ZZ>) / 2; maximise it by minimising the ZZ energy

    def probs(theta):
        return Statevector(ansatz.assign_parameters(theta)).probabilities()

    def objective(theta):
        return -float(np.dot(probs(theta), values))

    best = None
    starts = [rng.uniform(0, np.pi, ansatz.num_parameters) for _ in range(restarts)]
    if (
        warm is not None
    ):  # depth p - 1's optimum, its last layer repeated (parameters: betas, gammas)
        betas, gammas = warm[: p - 1], warm[p - 1 :]
        starts.insert(0, np.concatenate([betas, betas[-1:], gammas, gammas[-1:]]))
    for x0 in starts:
        res = minimize(objective, x0, method="COBYLA", options={"maxiter": 60 * p})
        if best is None or res.fun < best.fun:
            best = res
    compiled = transpile(
        ansatz.assign_parameters(best.x), basis_gates=["rz", "sx", "x", "cx"], optimization_level=1
    )
    twoq = sum(1 for i in compiled.data if len(i.qubits) == 2)
    return probs(best.x), twoq, compiled.depth(), best.x


def anneal(values_fn, n, sweeps, rng, t0=2.0, t1=0.05):
    """Single-flip Metropolis SA over ``sweeps`` sweeps; returns the best value seen."""
    x = rng.integers(0, 2, n)
    v = values_fn(x)
    best = v
    temps = t0 * (t1 / t0) ** (np.arange(sweeps * n) / max(sweeps * n - 1, 1))
    for t in temps:
        i = rng.integers(n)
        x[i] ^= 1
        nv = values_fn(x)
        if nv >= v or rng.random() < np.exp((nv - v) / t):
            v = nv
            best = max(best, v)
        else:
            x[i] ^= 1
    return best


def histogram(samples, support):
    idx = np.searchsorted(support, np.round(samples, 6))
    return np.bincount(idx, minlength=len(support)) / len(samples)


def compress(row: dict, bins: int = 100) -> dict:
    """Bin every distribution on quality = value / optimum in steps of 1 / ``bins`` (a bin holds
    values in [k / bins, (k + 1) / bins), the optimum alone in the top bin), keeping the file
    small; quality is then known to within 0.01, conservatively (each bin reads as its floor)."""
    support = np.asarray(row["support"]) / row["optimum"]
    idx = np.minimum(np.floor(support * bins + 1e-9).astype(int), bins)
    used = np.unique(idx)
    pos = np.searchsorted(used, idx)

    def fold(p):
        return np.round(np.bincount(pos, weights=p, minlength=len(used)), 9).tolist()

    row["support"] = (used / bins * row["optimum"]).tolist()
    row["uniform"] = fold(row["uniform"])
    for q in row["qaoa"].values():
        q["probabilities"] = fold(q["probabilities"])
    for a in row["annealing"].values():
        a["probabilities"] = fold(a["probabilities"])
    row["binned"] = 1.0 / bins
    return row


def qaoa_entries(n, edges, values, support, rng, restarts) -> dict:
    """Per QAOA depth (each warm-started from the previous depth's angles): the distribution
    over cut values, its expected approximation ratio, the circuit's size and the angles."""
    entries, warm = {}, None
    for p in DEPTHS:
        probs, twoq, depth, warm = qaoa_distribution(n, edges, p, values, rng, restarts, warm)
        dist = np.bincount(np.searchsorted(support, values), weights=probs, minlength=len(support))
        entries[str(p)] = {
            "probabilities": np.round(dist, 8).tolist(),
            "expected_ratio": float(np.dot(dist, support) / support[-1]),
            "two_qubit_gates": twoq,
            "depth": depth,
            "angles": [float(v) for v in warm],
        }
    return entries


def annealing_entries(n, values, support, rng) -> dict:
    """Per sweep count: the distribution of the best cut found by SA_RUNS annealing runs, and
    the wall time per sweep."""
    powers = 1 << np.arange(n)

    def value_of(x):
        return values[int(np.dot(x, powers))]

    sa = {}
    for s in SWEEPS:
        t = time.perf_counter()
        found = [anneal(value_of, n, s, rng) for _ in range(SA_RUNS)]
        per_sweep = (time.perf_counter() - t) / (SA_RUNS * s)
        sa[str(s)] = {
            "probabilities": histogram(np.array(found), support).tolist(),
            "time_per_sweep_s": per_sweep,
        }
    return sa


def calibrate_instance(n: int, density: float, rng, restarts: int) -> dict:
    """One random weighted MaxCut instance of the class (n, density): its cut values' support,
    roughness, and what QAOA and annealing find on it."""
    g = nx.gnp_random_graph(n, density, seed=int(rng.integers(2**31)))
    while g.number_of_edges() == 0:
        g = nx.gnp_random_graph(n, density, seed=int(rng.integers(2**31)))
    edges = [(a, b, float(np.round(rng.uniform(0.5, 1.5), 3))) for a, b in g.edges]
    values = np.round(cut_values(n, edges), 6)
    support = np.unique(values)
    row = {
        "n": n,
        "density": density,
        "edges": len(edges),
        "edge_list": [list(e) for e in edges],
        "roughness": roughness(n, values, rng),
        "optimum": float(support[-1]),
        "support": support.tolist(),
        "uniform": histogram(values, support).tolist(),
    }
    row["qaoa"] = qaoa_entries(n, edges, values, support, rng, restarts)
    row["annealing"] = annealing_entries(n, values, support, rng)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one instance per class, 1 restart")
    args = parser.parse_args()
    rng = np.random.default_rng(2026)
    per_class, restarts = (1, 1) if args.quick else (3, 3)
    rows = []
    for n in SIZES:
        for density in DENSITIES:
            for _ in range(per_class):
                row = calibrate_instance(n, density, rng, restarts)
                rows.append(row)
                print(
                    f"n={n} d={density} rough={row['roughness']:.2f} "
                    + " ".join(f"p{p}={row['qaoa'][str(p)]['expected_ratio']:.3f}" for p in DEPTHS)
                )
    OUT.write_text(
        json.dumps(
            {
                "generator": "scripts/calibrate_qip.py" + (" --quick" if args.quick else ""),
                "sweeps": list(SWEEPS),
                "depths": list(DEPTHS),
                "instances": [compress(r) for r in rows],
            },
            separators=(",", ":"),
        )
        + "\n"
    )
    print(f"wrote {len(rows)} instances to {OUT}")


if __name__ == "__main__":
    main()
