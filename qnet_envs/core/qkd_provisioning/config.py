"""The configuration of ``qnet/QKDProvisioning-v0`` and the per-link key rate it implies."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ... import physics
from ...config import PHYSICAL_FLOOR, check_choice, check_interval, check_range
from ..request_stream import PATH_TABLES


@dataclass(frozen=True)
class QKDProvisioningConfig:
    topology: object = "nsfnet"
    channels_per_link: int = 16
    k_paths: int = 3
    max_channels_per_hop: int = 4
    max_span_km: float = 80.0
    repetition_rate_hz: float = 1.0e9
    load_erlang: float = 40.0
    mean_holding: float = 10.0
    demand_kbps: tuple = (20.0, 200.0)
    channel_cost: float = 0.01
    invalid_action_penalty: float = 0.1
    horizon: int = 1000
    path_table: str = "all-pairs"

    def validate(self) -> None:
        check_choice("path_table", self.path_table, PATH_TABLES)
        check_range("channels_per_link", self.channels_per_link, 1, 1024, integer=True)
        check_range("k_paths", self.k_paths, 1, 8, integer=True)
        check_range("max_channels_per_hop", self.max_channels_per_hop, 1, 64, integer=True)
        check_range("max_span_km", self.max_span_km, 1.0, 140.0)
        check_range("repetition_rate_hz", self.repetition_rate_hz, 1.0, 1e11)
        check_range("load_erlang", self.load_erlang, PHYSICAL_FLOOR, 1e6)
        check_range("mean_holding", self.mean_holding, PHYSICAL_FLOOR, 1e9)
        check_interval("demand_kbps", self.demand_kbps, 0.0, 1e9, low_open=True)
        check_range("channel_cost", self.channel_cost, 0.0, 100.0)
        check_range("invalid_action_penalty", self.invalid_action_penalty, 0.0, 100.0)
        check_range("horizon", self.horizon, 1, 10_000_000, integer=True)


def trusted_relay_rate_bps(length_km, max_span_km, repetition_rate_hz, **decoy_kwargs):
    """Key rate of one channel over a link of ``length_km`` cut into ceil(L / max_span) equal
    trusted-relay spans (spacing as in the Beijing-Shanghai backbone, Chen et al., Nature 589,
    214 (2021): 32 trusted nodes over ~2,000 km)."""
    spans = np.ceil(np.asarray(length_km, dtype=float) / max_span_km)
    per_pulse = physics.decoy_bb84_key_rate(np.asarray(length_km) / spans, **decoy_kwargs)
    return per_pulse * repetition_rate_hz
