"""Heterogeneous QPU pools for Q-Backbone (seed 001, Sec. IV), built from real device snapshots.

Each QPU is one IBM device from ``qnet_envs/data/qpu_calibrations.json`` (extracted from
qiskit-ibm-runtime's fake backends by ``scripts/extract_qpu_calibrations.py``) placed at a
backbone site (an NSFNET node). From the snapshot it takes:

* its qubit capacity (the device's qubit count);
* its maximum feasible depth, from the median two-qubit error e2:
  d_max = floor(ln F_min / ln(1 - e2)), the depth at which a qubit's chain of two-qubit gates
  keeps fidelity >= F_min (a per-layer error model: every layer costs at most one two-qubit
  gate per qubit, so (1 - e2)^d bounds a qubit's survival; F_min = 2/3 by default);
* its time per shot for a depth-d circuit: repetition delay + d x the two-qubit gate duration +
  the readout duration (``shot_time``).

Sites pay a classical latency between them: fibre propagation over the shortest NSFNET path at
c/1.44 (``physics.FIBRE_S_PER_KM``, about 4.8 us/km) plus a fixed processing time. Seed 001 gives no parameters (its
reviewer, seed 003, says so), so every default is listed in :class:`QPUPoolConfig` with its reason.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import networkx as nx
import numpy as np

from ..config import check_range
from ..physics import FIBRE_S_PER_KM
from .topology import build_graph

# Six devices spanning 7 to 27 qubits and two-qubit errors 0.6% to 1.8%: two Falcon r5.11H
# (7 q), a Falcon r4P (16 q), a Hummingbird-era 20 q and two Falcon r5.11 (27 q).
DEFAULT_DEVICES = (
    "FakeNairobiV2",
    "FakeLagosV2",
    "FakeGuadalupeV2",
    "FakeAlmadenV2",
    "FakeKolkataV2",
    "FakeHanoiV2",
)
DEFAULT_SITES = (0, 3, 6, 8, 10, 12)  # NSFNET nodes: west coast to east coast


@lru_cache(maxsize=1)
def calibrations() -> dict[str, dict]:
    text = resources.files("qnet_envs.data").joinpath("qpu_calibrations.json").read_text()
    return {row["class"]: row for row in json.loads(text)["devices"]}


@dataclass(frozen=True)
class QPUPoolConfig:
    """QPU pool parameters (defaults and why):

    * ``devices``: fake-backend class names from the calibration file (six, 7-27 qubits).
    * ``sites``: NSFNET node of each device.
    * ``min_fidelity`` [2/3]: the fidelity floor that sets the depth budget d_max.
    * ``rep_delay_s`` [250e-6]: IBM Quantum's default repetition delay between shots.
    * ``default_readout_s`` [5e-6]: readout time for snapshots that lack one (the median of those
      that have one is about 5 us).
    * ``setup_s`` [1.0]: compile, load and queue overhead per fragment (an assumption: one
      circuit upload and validation per fragment).
    * ``locc_processing_s`` [1e-3]: classical processing added to every inter-site message.
    """

    devices: tuple = DEFAULT_DEVICES
    sites: tuple = DEFAULT_SITES
    min_fidelity: float = 2.0 / 3.0
    rep_delay_s: float = 250e-6
    default_readout_s: float = 5e-6
    setup_s: float = 1.0
    locc_processing_s: float = 1e-3

    def validate(self, prefix: str = "qpus.") -> None:
        known = calibrations()
        if not 1 <= len(self.devices) <= 32:
            raise ValueError(
                f"{prefix}devices has {len(self.devices)} entries; allowed 1 <= len <= 32"
            )
        for d in self.devices:
            if d not in known:
                raise ValueError(
                    f"{prefix}devices entry {d!r} is unknown; choose from {sorted(known)}"
                )
        if len(self.sites) != len(self.devices):
            raise ValueError(
                f"{prefix}sites={self.sites!r} must give one NSFNET node per device "
                f"({len(self.devices)})"
            )
        for i, s in enumerate(self.sites):
            check_range(f"{prefix}sites[{i}]", s, 0, 13, integer=True)
        check_range(
            f"{prefix}min_fidelity", self.min_fidelity, 0.0, 1.0, low_open=True, high_open=True
        )
        check_range(f"{prefix}rep_delay_s", self.rep_delay_s, 0.0, 1.0)
        check_range(f"{prefix}default_readout_s", self.default_readout_s, 0.0, 1e-3)
        check_range(f"{prefix}setup_s", self.setup_s, 0.0, 3600.0)
        check_range(f"{prefix}locc_processing_s", self.locc_processing_s, 0.0, 10.0)


class QPUPool:
    """Arrays over the pool's QPUs: ``capacity``, ``max_depth``, ``setup``, ``site``, ``latency``."""

    def __init__(self, config: QPUPoolConfig):
        cal = calibrations()
        rows = [cal[d] for d in config.devices]
        self.config = config
        self.names = list(config.devices)
        self.n = len(rows)
        self.capacity = np.array([r["qubits"] for r in rows], dtype=np.int64)
        e2 = np.array([r["two_qubit_error"] for r in rows])
        self.two_qubit_error = e2
        self.max_depth = np.floor(math.log(config.min_fidelity) / np.log1p(-e2)).astype(np.int64)
        self.gate_time = np.array([r["two_qubit_duration_s"] for r in rows])
        self.readout = np.array([r["readout_duration_s"] or config.default_readout_s for r in rows])
        self.setup = np.full(self.n, config.setup_s)
        self.site = np.array(config.sites, dtype=np.int64)
        g = build_graph("nsfnet")
        km = dict(nx.all_pairs_dijkstra_path_length(g, weight="length_km"))
        self.latency = np.array(
            [
                [
                    0.0 if a == b else km[a][b] * FIBRE_S_PER_KM + config.locc_processing_s
                    for b in self.site
                ]
                for a in self.site
            ]
        )

    def shot_time(self, depth: int) -> np.ndarray:
        """Seconds per shot of a depth-``depth`` circuit on every QPU."""
        return self.config.rep_delay_s + depth * self.gate_time + self.readout

    def eligible(self, qubits: int, depth: int) -> np.ndarray:
        """QPUs that can hold a subcircuit of this width and depth."""
        return (self.capacity >= qubits) & (self.max_depth >= depth)
