"""Configuration of the offloading model (seed 002, Sec. IV; the model is described in
:mod:`qnet_envs.core.offloading.core`): its fields, their ranges and the QoS presets."""

from __future__ import annotations

from dataclasses import dataclass

from ...config import PHYSICAL_FLOOR, check_choice, check_interval, check_range
from ..quantum_processors import CLOUD_QPU, EDGE_QPU, MOBILE_QPU, QPUProfile

QOS_PRESETS = {
    "latency": (0.9, 0.1),
    "balanced": (0.5, 0.5),
    "energy": (0.1, 0.9),
}
"""(d, e) weights. Seed 002's Fig. 3 compares several (d, e) settings without listing them; these
three span latency-heavy to energy-heavy."""

MAX_QUEUE_ENTRIES = 1 << 24
"""Entries of all decision queues, or of all processor queues, of one env (about 16.8 million:
a few hundred MB at most)."""

FRACTION_LEVELS = (0.0, 0.25, 0.5, 0.75, 1.0)
"""Offload fractions of the flattened (Discrete) action variant."""


@dataclass(frozen=True)
class OffloadingConfig:
    n_mobile: int = 10
    n_edge: int = 5
    mobile_qpu: QPUProfile = MOBILE_QPU
    edge_qpu: QPUProfile = EDGE_QPU
    cloud_qpu: QPUProfile = CLOUD_QPU
    task_rate: float = 0.3  # Poisson arrivals per mobile per slot
    n_range: tuple = (6, 9)
    k_range: tuple = (3, 5)
    precision: float = 0.01
    states_per_task: int = 50
    slot_s: float = 1.0
    area_km: float = 1.0
    edge_radius_km: float = 0.35
    bandwidth_hz: float = 10e6
    tx_power_w: float = 0.2
    noise_dbm_per_hz: float = -174.0
    noise_figure_db: float = 9.0
    backhaul_km: float = 100.0
    backhaul_bps: float = 10e9
    qos: str = "balanced"
    latency_weight: float | None = None
    energy_weight: float | None = None
    energy_scale_j: float = 100.0
    failure_cost: float = 10.0
    drop_cost: float = 10.0
    decision_queue_limit: int = 10
    processor_queue_limit: int = 50
    horizon: int = 200
    flat_actions: bool = False

    def validate(self) -> None:
        check_range("n_mobile", self.n_mobile, 1, 10_000, integer=True)
        check_range("n_edge", self.n_edge, 1, 500, integer=True)
        for name in ("mobile_qpu", "edge_qpu", "cloud_qpu"):
            qpu = getattr(self, name)
            if not isinstance(qpu, QPUProfile):
                raise ValueError(f"{name}={qpu!r} must be a mapping of QPUProfile fields")
            qpu.validate(name)
        # an edge may forward any share it holds to the cloud: the cloud must hold it too, or a
        # mobile's mask-valid choice could fail for a reason its mask cannot know
        if self.cloud_qpu.qubits < self.edge_qpu.qubits:  # a cross-field check names both
            raise ValueError(
                f"cloud_qpu.qubits={self.cloud_qpu.qubits}, edge_qpu.qubits="
                f"{self.edge_qpu.qubits}: the cloud must hold at least the edge's qubits"
            )
        check_range("task_rate", self.task_rate, 0.0, 100.0)
        check_interval("n_range", self.n_range, 6, 9, integer=True)
        check_interval("k_range", self.k_range, 3, 5, integer=True)
        check_range("precision", self.precision, 1e-4, 0.5)
        check_range("states_per_task", self.states_per_task, 1, 1_000_000, integer=True)
        check_range("slot_s", self.slot_s, 0.0, 3600.0, low_open=True)
        check_range("area_km", self.area_km, 0.01, 100.0)
        check_range("edge_radius_km", self.edge_radius_km, 0.0, 100.0)
        check_range("bandwidth_hz", self.bandwidth_hz, 1.0, 1e12)
        check_range("tx_power_w", self.tx_power_w, 0.0, 100.0, low_open=True)
        check_range("noise_dbm_per_hz", self.noise_dbm_per_hz, -250.0, 0.0)
        check_range("noise_figure_db", self.noise_figure_db, 0.0, 50.0)
        check_range("backhaul_km", self.backhaul_km, 0.0, 40_000.0)
        check_range("backhaul_bps", self.backhaul_bps, 1.0, 1e15)
        check_choice("qos", self.qos, tuple(QOS_PRESETS))
        for name in ("latency_weight", "energy_weight"):
            if getattr(self, name) is not None:
                check_range(name, getattr(self, name), 0.0, 1e6)
        check_range("energy_scale_j", self.energy_scale_j, PHYSICAL_FLOOR, 1e12)
        check_range("failure_cost", self.failure_cost, 0.0, 1e6)
        check_range("drop_cost", self.drop_cost, 0.0, 1e6)
        check_range("decision_queue_limit", self.decision_queue_limit, 1, 10_000, integer=True)
        check_range("processor_queue_limit", self.processor_queue_limit, 1, 100_000, integer=True)
        check_range("horizon", self.horizon, 1, 10_000_000, integer=True)
        if not isinstance(self.flat_actions, bool):
            raise ValueError(f"flat_actions={self.flat_actions!r} must be True or False")
        self._check_table_sizes()

    def _check_table_sizes(self) -> None:
        """The core keeps every mobile's decision queue and every processor's queue of shares
        in fixed tables of their limits' sizes: their product with the node count is bounded,
        so that an accepted config never fails for memory later."""
        nodes = self.n_mobile + self.n_edge + 1
        for name, rows, limit in (
            ("decision_queue_limit", self.n_mobile, self.decision_queue_limit),
            ("processor_queue_limit", nodes, self.processor_queue_limit),
        ):
            if rows * limit > MAX_QUEUE_ENTRIES:
                raise ValueError(
                    f"{name}={limit} with {rows} queues: {rows * limit:,} queue entries, "
                    f"allowed at most {MAX_QUEUE_ENTRIES:,} (lower {name} or the node counts)"
                )

    def weights(self) -> tuple[float, float]:
        d, e = QOS_PRESETS[self.qos]
        d = d if self.latency_weight is None else self.latency_weight
        e = e if self.energy_weight is None else self.energy_weight
        return d, e


SMALL_PRESET = {"n_mobile": 3, "n_edge": 2}
"""The small scenario: 3 mobile, 2 edge and 1 cloud node."""
