"""Configuration of the repeater-chain model (``qnet/EntanglementDistribution-v2``).

Every default names its source in :class:`RepeaterChainConfig`; ``preset="inesta2023"`` swaps in
the model of Iñesta, Vardoyan, Scavuzzo & Wehner, npj Quantum Inf. 9, 46 (2023) (conventions
in :data:`INESTA2023`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ... import physics
from ...config import check_choice, check_range
from ..fidelity_distribution import FidelityDistribution

OBJECTIVES = ("pairs_above_target", "fidelity", "key_rate", "delivery_time")
PRESETS = ("inesta2023",)

INESTA2023 = {
    "n_nodes": 4,
    "memories_per_side": 1,
    "generation_success": 0.5,
    "swap_success": 0.5,
    "cutoff_slots": 2,
    "classical_delays": False,
    "objective": "delivery_time",
    "memory_depolarizing_time_s": None,
    "memory_dephasing_time_s": None,
    "gate_fidelity": 1.0,
    "meas_fidelity": 1.0,
    "initial_fidelity": FidelityDistribution(kind="fixed", mean=1.0, spread=0.0),
    "horizon": 100_000,
}
"""The ``inesta2023`` preset: one memory per side (so 2 per interior node, 1 per end node), link
generation with probability p, swaps with probability p_s, cutoff t_cut, no classical delays,
reward -1 per slot until the first end-to-end link. p = p_s = 0.5, t_cut = 2 and n = 4 are
illustrative defaults inside the ranges the paper sweeps; set them with ``n_nodes``,
``generation_success``, ``swap_success`` and ``cutoff_slots``."""


def _check_per_node(name, value, n_nodes, *, allow_none=False):
    """A positive time in seconds, given once or per node (None: no such noise)."""
    if value is None and allow_none:
        return
    values = np.atleast_1d(np.asarray(value, dtype=object))
    if values.size not in (1, n_nodes):
        raise ValueError(f"{name} has {values.size} values; give one, or n_nodes = {n_nodes}")
    for i, v in enumerate(values):
        label = name if values.size == 1 else f"{name}[{i}]"
        check_range(label, v, 0.0, None, low_open=True)


@dataclass(frozen=True)
class RepeaterChainConfig:
    """Physical, protocol and reward parameters; the env docstring gives each one's source."""

    preset: str | None = None
    n_nodes: int = 4
    link_length_km: float | tuple = 25.0
    memories_per_side: int = 2
    slot_time_s: float | None = None
    attenuation_db_per_km: float = 0.2
    detector_efficiency: float = 0.9
    emission_efficiency: float = 1.0
    generation_success: float | None = None
    swap_success: float = 1.0
    initial_fidelity: FidelityDistribution = field(default_factory=FidelityDistribution)
    memory_depolarizing_time_s: float | tuple | None = 1.0
    memory_dephasing_time_s: float | tuple | None = None
    gate_fidelity: float = 0.995
    meas_fidelity: float = 0.998
    purification: str = "dejmps"
    classical_delays: bool = True
    cutoff_slots: int | None = None
    objective: str = "pairs_above_target"
    target_fidelity: float = 0.8
    attempt_cost: float = 0.0
    memory_cost: float = 0.0
    invalid_action_penalty: float = 0.1
    horizon: int = 1000
    reveal_fidelity: bool = False

    def validate(self) -> None:
        if self.preset is not None:
            check_choice("preset", self.preset, PRESETS)
        check_range("n_nodes", self.n_nodes, 3, 10, integer=True)
        lengths = np.atleast_1d(np.asarray(self.link_length_km, dtype=object))
        if lengths.size not in (1, self.n_nodes - 1):
            raise ValueError(
                f"link_length_km has {lengths.size} values; give one, or n_nodes - 1 = "
                f"{self.n_nodes - 1}"
            )
        for i, length in enumerate(lengths):
            check_range(f"link_length_km[{i}]", length, 0.0, 1000.0, low_open=True)
        check_range("memories_per_side", self.memories_per_side, 1, 8, integer=True)
        if self.slot_time_s is not None:
            check_range("slot_time_s", self.slot_time_s, 1e-9, 10.0)
        check_range("attenuation_db_per_km", self.attenuation_db_per_km, 0.0, 10.0)
        check_range("detector_efficiency", self.detector_efficiency, 0.0, 1.0, low_open=True)
        check_range("emission_efficiency", self.emission_efficiency, 0.0, 1.0, low_open=True)
        if self.generation_success is not None:
            check_range("generation_success", self.generation_success, 0.0, 1.0, low_open=True)
        check_range("swap_success", self.swap_success, 0.0, 1.0, low_open=True)
        if not isinstance(self.initial_fidelity, FidelityDistribution):
            raise ValueError(f"initial_fidelity={self.initial_fidelity!r} must be a mapping")
        self.initial_fidelity.validate()
        _check_per_node(
            "memory_depolarizing_time_s",
            self.memory_depolarizing_time_s,
            self.n_nodes,
            allow_none=True,
        )
        _check_per_node(
            "memory_dephasing_time_s",
            self.memory_dephasing_time_s,
            self.n_nodes,
            allow_none=True,
        )
        check_range("gate_fidelity", self.gate_fidelity, 0.0, 1.0)
        check_range("meas_fidelity", self.meas_fidelity, 0.5, 1.0)
        check_choice("purification", self.purification, ("bbpssw", "dejmps"))
        for name in ("classical_delays", "reveal_fidelity"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name}={getattr(self, name)!r} must be True or False")
        if self.cutoff_slots is not None:
            check_range("cutoff_slots", self.cutoff_slots, 1, 1_000_000, integer=True)
        check_choice("objective", self.objective, OBJECTIVES)
        check_range("target_fidelity", self.target_fidelity, 0.25, 1.0)
        check_range("attempt_cost", self.attempt_cost, 0.0, 100.0)
        check_range("memory_cost", self.memory_cost, 0.0, 100.0)
        check_range("invalid_action_penalty", self.invalid_action_penalty, 0.0, 100.0)
        check_range("horizon", self.horizon, 1, 10_000_000, integer=True)

    # --- derived constants ------------------------------------------------------------------
    def link_lengths(self) -> np.ndarray:
        lengths = np.atleast_1d(np.asarray(self.link_length_km, dtype=float))
        return np.broadcast_to(lengths, (self.n_nodes - 1,)).copy()

    def link_round_trips_s(self) -> np.ndarray:
        """Each link's heralding round trip n L / c (:func:`physics.heralded_attempt_time`)."""
        return physics.heralded_attempt_time(self.link_lengths())

    def slot_s(self) -> float:
        """The slot: ``slot_time_s``, else the shortest link's heralding round trip."""
        if self.slot_time_s is not None:
            return float(self.slot_time_s)
        return float(np.min(self.link_round_trips_s()))

    def per_node(self, value) -> np.ndarray:
        """A per-memory time broadcast to one value per node (inf where None)."""
        if value is None:
            return np.full(self.n_nodes, np.inf)
        return np.broadcast_to(np.asarray(value, dtype=float), (self.n_nodes,)).copy()


def preset_defaults(preset: str | None) -> RepeaterChainConfig:
    """The defaults a user's config merges into: the plain defaults, or a preset's."""
    if preset is None:
        return RepeaterChainConfig()
    check_choice("preset", preset, PRESETS)
    return RepeaterChainConfig(preset=preset, **INESTA2023)
