"""Multi-tenant QKD provisioning over a trusted-relay backbone (core of ``qnet/QKDProvisioning-v0``).

Tenants ask for a secret-key rate between two nodes for a holding time. The controller picks
one of the k shortest paths and a number of quantum channels (wavelengths or time slots) per
hop, or rejects. Each link of length L is split by trusted relays into ceil(L / max_span_km)
equal spans; a channel's key rate on the link is the decoy-state BB84 rate at that span length
times the source repetition rate (:func:`qnet_envs.physics.decoy_bb84_key_rate`), and a path's
rate per channel is the minimum over its hops (keys are relayed hop by hop). Seed 002 cites this
line of work (RL for QKD resource provisioning) as its reference [5]; blocking probability is
the headline metric there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import physics
from ..config import check_choice, check_interval, check_range
from .request_stream import PATH_TABLES, ROW, RequestStream


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
        check_range("load_erlang", self.load_erlang, 0.0, 1e6, low_open=True)
        check_range("mean_holding", self.mean_holding, 0.0, 1e9, low_open=True)
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


class QKDProvisioning:
    def __init__(self, config: QKDProvisioningConfig):
        self.config = config
        arrival_rate = config.load_erlang / config.mean_holding
        self.net = RequestStream(
            config.topology, config.k_paths, arrival_rate, config.mean_holding, config.path_table
        )
        net = self.net
        self.link_rate_kbps = (
            trusted_relay_rate_bps(net.link_length, config.max_span_km, config.repetition_rate_hz)
            / 1e3
        )
        self.demand_low, self.demand_high = (float(x) for x in config.demand_kbps)
        self.mean_demand = 0.5 * (self.demand_low + self.demand_high)

    def check_invariants(self) -> None:
        """Every request ends exactly once, no resource beyond its capacity (the request
        stream's and its ledger's checks)."""
        self.net.check_invariants()

    def reset(self, rng) -> None:
        caps = np.full(self.net.n_links, float(self.config.channels_per_link))
        self.net.reset(rng, {"channels": caps})
        self.channels_held = 0
        self._draw_request()

    def _draw_request(self) -> None:
        src, dst, holding = self.net.next_arrival()
        demand = self.net.rng.uniform(self.demand_low, self.demand_high)
        links = self.net.pair_paths((src, dst))
        valid = links >= 0
        exists = valid.any(axis=1)
        rate = self.net.path_min(self.link_rate_kbps, (src, dst))
        free = self.net.path_min(self.net.ledger.free("channels")[0], (src, dst))
        with np.errstate(divide="ignore"):
            needed = np.where(exists & (rate > 0), np.ceil(demand / rate), np.inf)
        self.request = {
            "src": src,
            "dst": dst,
            "holding": holding,
            "demand": demand,
            "links": links,
            "valid": valid,
            "exists": exists,
            "hops": valid.sum(axis=1),
            "rate": np.where(exists, rate, 0.0),
            "free": np.where(exists, free, 0.0),
            "needed": needed,
        }
        c = np.arange(1, self.config.max_channels_per_hop + 1)
        self.mask = (
            exists[:, None]
            & (c[None, :] <= self.request["free"][:, None])
            & (c[None, :] >= needed[:, None])
        )  # (k, C): path k with c channels per hop serves the request within capacity

    def serve(self, path: int, channels: int) -> float:
        """Serve the head request on ``path`` with ``channels`` per hop; returns the reward."""
        req, cfg = self.request, self.config
        usage = np.zeros((1, self.net.n_links))
        hops = req["links"][path][req["valid"][path]]
        usage[0, hops] = channels
        self.net.ledger.allocate(ROW, usage, np.array([self.net.t + req["holding"]]))
        self.net.end("served")
        revenue = (req["demand"] / self.mean_demand) * (req["holding"] / cfg.mean_holding)
        return revenue - cfg.channel_cost * channels * len(hops)

    def reject(self) -> None:
        self.net.end("rejected")

    # --- the action layout (the one codec: env, mask and baselines read it) -----------------------
    @property
    def n_actions(self) -> int:
        return 1 + self.config.k_paths * self.config.max_channels_per_hop

    def encode(self, path: int, channels: int) -> int:
        """The action serving on ``path`` with ``channels`` per hop (0 rejects)."""
        return 1 + path * self.config.max_channels_per_hop + (channels - 1)

    def decode(self, action: int) -> tuple[int, int] | None:
        """(path index, channels per hop) of an action, or None for reject."""
        if action == 0:
            return None
        path, c = divmod(action - 1, self.config.max_channels_per_hop)
        return path, c + 1

    def action_mask(self) -> np.ndarray:
        """The flat mask in action order: reject always, then the (path, channels) mask."""
        return np.concatenate(([True], self.mask.reshape(-1)))

    def advance(self) -> None:
        self._draw_request()

    def blocking_probability(self) -> float:
        c = self.net.counts
        decided = c["served"] + c["rejected"]
        return c["rejected"] / decided if decided else 0.0
