"""Quantum processors of mobile, edge and cloud nodes, and what one quantum-autoencoder task costs
on them. Gate counts and depths come from real circuits (``qnet_envs/data/qae_circuits.json``,
made by ``scripts/generate_qae_circuits.py`` with qiskit), so stepping never imports qiskit."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from ..config import check_range


@dataclass(frozen=True)
class QPUProfile:
    """One node's quantum processor.

    ``shot_overhead_s`` is readout, reset and repetition delay per shot; ``active_power_w`` is the
    power attributed to a running job (energy per shot = power x shot duration); ``idle_power_w``
    is what a mobile device draws while it waits for a remote result (the MEC energy model of
    Mao et al., IEEE Commun. Surveys Tuts. 19(4), 2017, Sec. III); ``servers`` processors run
    jobs in parallel."""

    qubits: int
    time_1q_s: float
    time_2q_s: float
    error_1q: float
    error_2q: float
    shot_overhead_s: float
    classical_ops_per_s: float
    active_power_w: float
    idle_power_w: float
    servers: int = 1

    def validate(self, field: str = "qpu") -> None:
        check_range(f"{field}.qubits", self.qubits, 1, 100_000, integer=True)
        check_range(f"{field}.time_1q_s", self.time_1q_s, 0.0, 1.0, low_open=True)
        check_range(f"{field}.time_2q_s", self.time_2q_s, 0.0, 1.0, low_open=True)
        check_range(f"{field}.error_1q", self.error_1q, 0.0, 0.5)
        check_range(f"{field}.error_2q", self.error_2q, 0.0, 0.5)
        check_range(f"{field}.shot_overhead_s", self.shot_overhead_s, 0.0, 10.0)
        check_range(f"{field}.classical_ops_per_s", self.classical_ops_per_s, 1.0, 1e18)
        check_range(f"{field}.active_power_w", self.active_power_w, 0.0, 1e7)
        check_range(f"{field}.idle_power_w", self.idle_power_w, 0.0, 1e7)
        check_range(f"{field}.servers", self.servers, 1, 1024, integer=True)


# Cloud: IBM Eagle r3 medians as in the FakeSherbrooke snapshot (ECR 533 ns, ECR error 7.8e-3,
# sx 35.5 ns) with a 127-qubit chip; 100 us per shot for readout and reset; 4 chips; 250 W
# attributed per job (a ~25 kW dilution refrigerator and electronics shared by ~100 tenants).
# Edge: a 20-qubit rack-scale device a generation behind (300 ns / 1e-2 two-qubit gates), 100 W.
# Mobile: a 12-qubit portable device (1 us / 1e-2 two-qubit gates, 100 us per shot), 5 W active
# and 0.5 W idle. These are assumptions chosen so the seed's trade-off exists: a mobile cannot
# hold the larger autoencoders (8..16 qubits), runs slowly but cheaply, the cloud runs fast but
# far and energy-hungry.
MOBILE_QPU = QPUProfile(12, 1e-7, 1e-6, 1e-3, 1e-2, 100e-6, 1e9, 5.0, 0.5, 1)
EDGE_QPU = QPUProfile(20, 35e-9, 300e-9, 5e-4, 1e-2, 100e-6, 1e10, 100.0, 0.0, 1)
CLOUD_QPU = QPUProfile(127, 35.5e-9, 533e-9, 2.4e-4, 7.8e-3, 100e-6, 1e11, 250.0, 0.0, 4)


@lru_cache(maxsize=1)
def qae_table() -> dict[tuple[int, int], dict]:
    """(n, k) -> qubits, 1q/2q gate counts, depth, parameters of the autoencoder circuit."""
    text = resources.files("qnet_envs.data").joinpath("qae_circuits.json").read_text()
    return {(row["n"], row["k"]): row for row in json.loads(text)["circuits"]}


def circuit_fidelity(circuit: dict, qpu: QPUProfile) -> float:
    """Probability that no gate fails, prod (1 - e_g) over gates: the estimated success
    probability of noise-aware compilation (Murali et al., ASPLOS 2019, Sec. 4)."""
    return (1.0 - qpu.error_1q) ** circuit["gates_1q"] * (1.0 - qpu.error_2q) ** circuit["gates_2q"]


def shots_needed(circuit: dict, qpu: QPUProfile, precision: float) -> int:
    """Shots to estimate the swap-test probability to ``precision`` (one standard error).

    A binomial estimate has variance p(1-p)/S <= 1/(4S); depolarising noise shrinks the swap
    test's contrast by the circuit fidelity F, so S = 1 / (4 precision^2 F^2) (the 1/F^2
    sampling cost of recovering a damped signal, Temme, Bravyi & Gambetta, PRL 119, 180509
    (2017))."""
    f = circuit_fidelity(circuit, qpu)
    return math.ceil(1.0 / (4.0 * precision * precision * f * f))


def shot_time(circuit: dict, qpu: QPUProfile) -> float:
    """Seconds per shot: circuit depth layers at the two-qubit gate time (an upper bound on the
    layer time) plus readout, reset and repetition delay."""
    return circuit["depth"] * qpu.time_2q_s + qpu.shot_overhead_s
