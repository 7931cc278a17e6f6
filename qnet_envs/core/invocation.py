"""Outcomes of the Quantum Invocation Policy's two paths, from the shipped calibration table.

Seed 001 (Q-Backbone, Sec. II-C): for every job the QIP chooses a QPU or a classical fallback from
problem features, operating context and hardware state. ``qnet_envs/data/qip_calibration.json``
(made by ``scripts/calibrate_qip.py`` with qiskit) holds, per small max-cut QUBO, the exact
distribution of cut values under optimised QAOA at p = 1..3, the uniform distribution, and the
distribution of simulated annealing's best value for 1..64 sweeps with its measured time per
sweep. This module turns them into outcomes:

* Quantum: the circuit's output under gate noise is modelled as global white noise,
  P = F P_ideal + (1 - F) P_uniform with F = (1 - 4 e2 / 3)^g for g two-qubit gates (Dalzell, Hunter-Jones
  & Brandao, "Random quantum circuits transform local noise into global white noise",
  arXiv:2111.14907; the fidelity-product estimate of Murali et al., ASPLOS 2019). The verify phase
  keeps the best of S samples: P(best <= v) = CDF(v)^S. The runtime picks the p with the highest
  expected best-of-S. e2 drifts with calibration age (``drift_per_hour``).
* Classical: the best value SA finds within the sweeps that fit the deadline.

Quality is the ratio to the exact optimum.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

import numpy as np


@lru_cache(maxsize=1)
def calibration() -> dict:
    text = resources.files("qnet_envs.data").joinpath("qip_calibration.json").read_text()
    table = json.loads(text)
    for row in table["instances"]:
        row["support_arr"] = np.array(row["support"]) / row["optimum"]
        row["uniform_arr"] = np.array(row["uniform"])
        for q in row["qaoa"].values():
            q["p_arr"] = np.array(q["probabilities"])
        for a in row["annealing"].values():
            a["p_arr"] = np.array(a["probabilities"])
        # each calibrated sweep count with its run time, ascending, for annealing_budget
        row["sweep_runs"] = [
            (str(s), s * row["annealing"][str(s)]["time_per_sweep_s"]) for s in table["sweeps"]
        ]
    return table


def white_noise_fidelity(two_qubit_error: float, gates: int) -> float:
    """F = (1 - 4 e2 / 3)^g: the weight of the ideal state after g two-qubit gates.

    ``two_qubit_error`` is the average gate infidelity r that device calibrations report; a
    two-qubit depolarising channel rho -> (1 - lam) rho + lam I/4 has r = 3 lam / 4 (the
    d = 4 case of r = (d - 1) lam / d; Magesan, Gambetta & Emerson, PRL 106, 180504, 2011), so each
    gate keeps a weight 1 - 4r/3 on the ideal state, and unital gates keep I/4 fixed.
    """
    return float(max(1.0 - 4.0 * two_qubit_error / 3.0, 0.0) ** gates)


def best_of_cdf(probabilities: np.ndarray, shots: int) -> np.ndarray:
    """CDF of the best of ``shots`` iid samples over an ascending support (probabilities are
    non-negative, so the running sum only needs capping at 1)."""
    cdf = probabilities.cumsum()
    np.minimum(cdf, 1.0, out=cdf)
    return cdf**shots


def expected_best(support: np.ndarray, probabilities: np.ndarray, shots: int) -> float:
    """E[best of ``shots``] = sum of the best's pmf (the CDF's increments) x support."""
    pmf = best_of_cdf(probabilities, shots)
    pmf[1:] -= pmf[:-1].copy()
    return float(np.dot(pmf, support))


def sample_best(support, probabilities, shots: int, rng: np.random.Generator) -> float:
    """One draw of the best of ``shots`` samples (inverse transform of the max's CDF)."""
    cdf = best_of_cdf(probabilities, shots)
    i = int(np.searchsorted(cdf, rng.random() * cdf[-1]))
    return float(support[min(i, len(support) - 1)])


def quantum_distribution(row: dict, p: str, two_qubit_error: float) -> np.ndarray:
    q = row["qaoa"][p]
    f = white_noise_fidelity(two_qubit_error, q["two_qubit_gates"])
    return f * q["p_arr"] + (1.0 - f) * row["uniform_arr"]


def annealing_budget(row: dict, time_available_s: float, slowdown: float) -> str | None:
    """The largest calibrated sweep count whose run fits ``time_available_s``."""
    best = None
    for sweeps, run_s in row["sweep_runs"]:
        if run_s * slowdown <= time_available_s:
            best = sweeps
    return best


def outcome_reward(cfg, job: dict, quality: float, met: bool, energy_j: float) -> float:
    """The QIP's reward for one job's outcome (the env's stated reward, seed 001 Sec. II-C's
    quality, reliability and energy terms): quality if the deadline is met, else
    ``-miss_penalty``; minus ``reliability_penalty`` below the job's quality target; minus
    ``energy_weight`` x energy / the job's energy budget."""
    reward = quality if met else -cfg.miss_penalty
    if met and quality < job["target"]:
        reward -= cfg.reliability_penalty
    return reward - cfg.energy_weight * energy_j / job["budget"]


def expected_reward(cfg, job: dict, quantum: bool) -> float:
    """E[:func:`outcome_reward`] of sending ``job`` down one path, from the same outcome
    distributions the env samples: best-of-S quality under white noise for the quantum plan,
    SA's best within the sweeps that fit for the classical one (a miss if none fits)."""
    row, support = job["row"], job["row"]["support_arr"]

    def value(dist, shots, energy):
        pmf = np.diff(best_of_cdf(dist, shots), prepend=0.0)
        below = float(pmf[support < job["target"]].sum())
        quality = float(np.dot(pmf, support))
        return (
            quality - cfg.reliability_penalty * below - cfg.energy_weight * energy / job["budget"]
        )

    if quantum:
        _, p, shots, tau = job["plan"]
        return value(quantum_distribution(row, p, job["e2"]), shots, cfg.qpu_power_w * shots * tau)
    s = job["sweeps"]
    if s is None:
        return -cfg.miss_penalty
    a = row["annealing"][s]
    t = int(s) * a["time_per_sweep_s"] * cfg.classical_slowdown
    return value(a["p_arr"], 1, cfg.cpu_power_w * t)
