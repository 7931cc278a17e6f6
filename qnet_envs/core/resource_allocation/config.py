"""Configuration of ``qnet/QuantumResourceAllocation-v0`` (defaults and their sources in the env
docstring, :class:`qnet_envs.envs.quantum_resource_allocation.QuantumResourceAllocationEnv`)."""

from __future__ import annotations

from dataclasses import dataclass

from ...config import PHYSICAL_FLOOR, check_interval, check_range


@dataclass(frozen=True)
class ResourceAllocationConfig:
    topology: object = "metro6"
    k_paths: int = 3
    qubits_per_node: int = 24
    channels_per_link: int = 8
    pair_capacity_per_link: int = 16
    max_channels_per_hop: int = 8
    load_erlang: float = 12.0
    mean_holding: float = 10.0
    qkd_fraction: float = 0.5
    repetition_rate_hz: float = 1.0e9
    qkd_demand_kbps: tuple = (100.0, 1500.0)
    qkd_channel_margin: float = 0.25
    dqc_logical_qubits: tuple = (2, 6)
    dqc_remote_gates: tuple = (1, 4)
    dqc_required_fidelity: tuple = (0.5, 0.8)
    qubit_fidelity_mean: tuple = (0.97, 0.995)
    qubit_fidelity_spread: float = 0.01
    pair_fidelity_mean: tuple = (0.90, 0.97)
    pair_fidelity_spread: float = 0.03
    detector_error_mean: tuple = (0.02, 0.04)
    detector_error_spread: float = 0.01
    memory_coherence_time_s: float = 0.01
    gate_fidelity: float = 0.99
    meas_fidelity: float = 0.995
    utility: float = 1.0
    failure_penalty: float = 0.5
    qubit_cost: float = 0.005
    channel_cost: float = 0.01
    pair_cost: float = 0.002
    invalid_action_penalty: float = 0.1
    horizon: int = 1000
    observe_candidates: bool = False

    def validate(self) -> None:
        check_range("k_paths", self.k_paths, 1, 8, integer=True)
        check_range("qubits_per_node", self.qubits_per_node, 1, 100_000, integer=True)
        check_range("channels_per_link", self.channels_per_link, 1, 100_000, integer=True)
        check_range("pair_capacity_per_link", self.pair_capacity_per_link, 1, 100_000, integer=True)
        check_range("max_channels_per_hop", self.max_channels_per_hop, 1, 1024, integer=True)
        check_range("load_erlang", self.load_erlang, PHYSICAL_FLOOR, 1e6)
        check_range("mean_holding", self.mean_holding, PHYSICAL_FLOOR, 1e9)
        check_range("qkd_fraction", self.qkd_fraction, 0.0, 1.0)
        check_range("repetition_rate_hz", self.repetition_rate_hz, 1.0, 1e11)
        check_range("qkd_channel_margin", self.qkd_channel_margin, 0.0, 10.0)
        for name, low, high, integer in (
            ("qkd_demand_kbps", 0.0, 1e9, False),
            ("dqc_logical_qubits", 1, 1000, True),
            ("dqc_remote_gates", 1, 1000, True),
            ("dqc_required_fidelity", 0.0, 1.0, False),
            ("qubit_fidelity_mean", 0.5, 1.0, False),
            ("pair_fidelity_mean", 0.25, 1.0, False),
            ("detector_error_mean", 0.0, 0.5, False),
        ):
            check_interval(name, getattr(self, name), low, high, integer=integer)
        # the observation scales demands by the largest one: it must be positive
        check_range("qkd_demand_kbps[1]", self.qkd_demand_kbps[1], 0.0, 1e9, low_open=True)
        check_range("qubit_fidelity_spread", self.qubit_fidelity_spread, 0.0, 0.5)
        check_range("pair_fidelity_spread", self.pair_fidelity_spread, 0.0, 0.5)
        check_range("detector_error_spread", self.detector_error_spread, 0.0, 0.5)
        check_range(
            "memory_coherence_time_s", self.memory_coherence_time_s, 0.0, 1e6, low_open=True
        )
        check_range("gate_fidelity", self.gate_fidelity, 0.0, 1.0)
        check_range("meas_fidelity", self.meas_fidelity, 0.5, 1.0)
        for name in ("utility", "failure_penalty", "qubit_cost", "channel_cost", "pair_cost"):
            check_range(name, getattr(self, name), 0.0, 1e6)
        check_range("invalid_action_penalty", self.invalid_action_penalty, 0.0, 100.0)
        check_range("horizon", self.horizon, 1, 10_000_000, integer=True)
