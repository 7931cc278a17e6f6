"""Multi-tenant QKD provisioning over a trusted-relay backbone (core of ``qnet/QKDProvisioning-v0``).

Tenants ask for a secret-key rate between two nodes for a holding time. The controller picks
one of the k shortest paths and a number of quantum channels (wavelengths or time slots) per
hop, or rejects. Each link of length L is split by trusted relays into ceil(L / max_span_km)
equal spans; a channel's key rate on the link is the decoy-state BB84 rate at that span length
times the source repetition rate (:func:`qnet_envs.physics.decoy_bb84_key_rate`), and a path's
rate per channel is the minimum over its hops (keys are relayed hop by hop). Seed 002 cites this
line of work (RL for QKD resource provisioning) as its reference [5]; blocking probability is
the headline metric there.

Batch-first: the state of ``num_envs`` episodes is held with a leading env axis; the scalar env
is a batch of one and the batched env (:class:`qnet_envs.vector.QKDProvisioningVectorEnv`) runs
this same code. Every reset and step reads ``width`` = 5 uniforms from each env's generator
(the arrival's four, then the demand), in the order the scalar model always drew them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import physics
from ..config import PHYSICAL_FLOOR, check_choice, check_interval, check_range
from . import uniforms
from .request_core import RequestCore
from .request_stream import (
    ARRIVAL_UNIFORMS,
    PATH_TABLES,
    PathNetwork,
    draw_arrivals,
    padded_path_tables,
)


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


COUNTS = ("arrived", "served", "rejected")  # every request ends once as one of the last two


class QKDProvisioning(RequestCore):
    """``num_envs`` provisioning episodes stepped together (a scalar env is a batch of one).

    State (:class:`RequestCore`): a channel ledger, and the head request's ``mask`` (N, A) in
    action order (``path_mask`` (N, k, C): path k with c channels per hop serves it)."""

    COUNTS = COUNTS
    STEP_DEFAULTS = {"key_rate_kbps": 0.0}

    def __init__(self, config: QKDProvisioningConfig, num_envs: int = 1, slots: int = 32):
        self.config = config
        arrival_rate = config.load_erlang / config.mean_holding
        self.net = PathNetwork(
            config.topology, config.k_paths, arrival_rate, config.mean_holding, config.path_table
        )
        net = self.net
        self.link_rate_kbps = (
            trusted_relay_rate_bps(net.link_length, config.max_span_km, config.repetition_rate_hz)
            / 1e3
        )
        self.demand_low, self.demand_high = (float(x) for x in config.demand_kbps)
        self.mean_demand = 0.5 * (self.demand_low + self.demand_high)
        self.width = ARRIVAL_UNIFORMS + 1
        # What each (src, dst) pair's paths imply before any request (see ``_pair_tables``):
        # every ordered pair's at once with the all-pairs table, else each pair's on first use.
        self._pairs: dict | None = None
        self._pair_rows: dict = {}  # (src, dst) -> its tables, leading axis 1 (_pair_row)
        if config.path_table == "all-pairs":
            n, paths = net.n_nodes, net.padded_paths
            links = np.full((n, n, *next(iter(paths.values())).shape), -1, np.int64)
            for (a, b), table in paths.items():
                links[a, b] = table
            tables = self._pair_tables(links)
            self._pairs = {k: v.reshape(n * n, *v.shape[2:]) for k, v in tables.items()}
        caps = {"channels": np.full(net.n_links, float(config.channels_per_link))}
        C = config.max_channels_per_hop
        self._init_state(num_envs, caps, slots, (self.n_actions,))
        self._channels = np.arange(1, C + 1)

    # --- episodes ---------------------------------------------------------------------------
    def reset_rows(self, rows: np.ndarray, u: np.ndarray) -> None:
        """Start new episodes in envs ``rows`` (an empty network) and draw their first request
        from ``u`` (len(rows), width)."""
        self._clear(rows)
        self._arrive(rows, u)

    def _pair_tables(self, links: np.ndarray) -> dict:
        """:func:`padded_path_tables` of ``links`` (..., k, H) plus each path's rate per channel
        (the slowest hop's; +inf for a missing path, ``shown_rate`` 0 there) and whether it
        ``serves`` (exists with a positive rate)."""
        out = padded_path_tables(links)
        out["rate"] = rate = (self.link_rate_kbps[out["gather"]] + out["pad"]).min(axis=-1)
        out["shown_rate"] = np.where(out["exists"], rate, 0.0)
        out["serves"] = out["exists"] & (rate > 0)
        return out

    def _pairs_of(self, src: np.ndarray, dst: np.ndarray) -> dict:
        """:meth:`_pair_tables` of each request's (src, dst), (B, k[, H]) (with the on-demand
        table, a pair's paths are computed the first time a request needs them). A batch of
        one (the scalar env's) gets the pair's kept read-only rows: no gather at all."""
        if len(src) == 1:
            return self._pair_row((int(src[0]), int(dst[0])))
        if self._pairs is not None:  # flat (n * n, ...) tables: one index array per gather
            pair = src * self.net.n_nodes + dst
            return {k: v[pair] for k, v in self._pairs.items()}
        rows = [self._pair_row(key) for key in zip(src.tolist(), dst.tolist(), strict=True)]
        return {k: np.concatenate([row[k] for row in rows]) for k in rows[0]}

    def _pair_row(self, key: tuple[int, int]) -> dict:
        """One (src, dst) pair's :meth:`_pair_tables` with a leading axis of one, kept for the
        env's lifetime (read-only: the head request holds them as they are)."""
        found = self._pair_rows.get(key)
        if found is None:
            if self._pairs is not None:
                i = key[0] * self.net.n_nodes + key[1]
                found = {k: v[i : i + 1] for k, v in self._pairs.items()}
            else:
                tables = self._pair_tables(self.net.pair_paths(key))
                found = {k: v[None] for k, v in tables.items()}
            for v in found.values():
                v.flags.writeable = False
            self._pair_rows[key] = found
        return found

    def _arrive(self, rows: np.ndarray, u: np.ndarray) -> None:
        """The next request in envs ``rows``: advance the clock, release what departed, draw
        it from ``u`` and compute its mask."""
        gap, src, dst, holding = draw_arrivals(u, *self.net.arrival_constants)
        demand = uniforms.uniform(u[:, ARRIVAL_UNIFORMS], self.demand_low, self.demand_high)
        self._advance_clock(rows, gap)
        pair = self._pairs_of(src, dst)
        exists, rate = pair["exists"], pair["rate"]
        free_links = self._take(self.ledger.free("channels"), rows)
        gathered = free_links[self._batch_index(len(rows)), pair["gather"]]
        free = np.where(exists, (gathered + pair["pad"]).min(axis=2), 0.0)
        per_channel = np.divide(
            demand[:, None], rate, out=np.full(rate.shape, np.inf), where=pair["serves"]
        )
        needed = np.ceil(per_channel)  # channels per hop the demand needs (+inf: none serve)
        new = {
            "src": src,
            "dst": dst,
            "holding": holding,
            "demand": demand,
            "links": pair["links"],
            "exists": exists,
            "hops": pair["hops"],
            "rate": pair["shown_rate"],
            "free": free,
            "needed": needed,
        }
        c = self._channels  # 1..C: a missing path has free = 0, so it never fits
        mask = np.ones((len(rows), self.n_actions), dtype=bool)  # reject is always allowed
        fits = (c <= free[..., None]) & (c >= needed[..., None])
        mask[:, 1:] = fits.reshape(len(rows), -1)
        self._store(rows, new, mask)

    def _valid(self, rows: np.ndarray, actions: np.ndarray) -> np.ndarray:
        return self.mask[rows, actions]

    def _serve(self, rows: np.ndarray, actions: np.ndarray, u: np.ndarray):
        """Hold the chosen channels per hop on the chosen path for the head requests of envs
        ``rows``; returns (reward, {"key_rate_kbps": the allocation's key rate})."""
        cfg, req = self.config, self.req
        path, channels = self.decode_arrays(actions)
        links = req["links"][rows, path]  # (S, H), -1 padded
        usage = np.zeros((len(rows), self.net.n_links + 1))  # the last column absorbs pads
        cols = np.where(links >= 0, links, self.net.n_links)
        usage[self._batch_index(len(rows))[:, 0], cols] = channels[:, None]
        holding = self._take(req["holding"], rows)
        self.ledger.allocate(rows, usage[:, :-1], self._take(self.t, rows) + holding)
        self.count[self.COUNTS.index("served"), self._at(rows)] += 1
        hops = req["hops"][rows, path]
        revenue = (self._take(req["demand"], rows) / self.mean_demand) * (
            holding / cfg.mean_holding
        )
        reward = revenue - cfg.channel_cost * channels * hops
        return reward, {"key_rate_kbps": channels * req["rate"][rows, path]}

    # --- what the fronts show ---------------------------------------------------------------
    @property
    def observation_size(self) -> int:
        return 2 * self.net.n_nodes + 2 + 4 * self.config.k_paths + self.net.n_links

    def observations(self) -> np.ndarray:
        """(N, D) observations (layout in the env docstring)."""
        cfg, net, req = self.config, self.net, self.req
        n, c, N = net.n_nodes, cfg.max_channels_per_hop, self.num_envs
        rows = np.arange(N)
        obs = np.zeros((N, self.observation_size), np.float32)  # float64 values cast on write
        obs[rows, req["src"]] = 1.0
        obs[rows, n + req["dst"]] = 1.0
        obs[:, 2 * n] = req["demand"] / self.demand_high
        obs[:, 2 * n + 1] = np.minimum(req["holding"] / (10 * cfg.mean_holding), 1)
        i, k = 2 * n + 2, cfg.k_paths
        per_path = obs[:, i : i + 4 * k].reshape(N, k, 4)  # a view: filled in place
        per_path[..., 0] = req["exists"]
        per_path[..., 1] = req["hops"] / net.max_hops
        per_path[..., 2] = req["free"] / cfg.channels_per_link
        per_path[..., 3] = np.minimum(req["needed"], c + 1) / (c + 1)
        obs[:, i + 4 * k :] = self.ledger.free("channels") / cfg.channels_per_link
        return obs

    def metrics(self) -> dict[str, np.ndarray]:
        """(N,) running metrics: blocking probability (rejected / decided, 0 before any
        decision), the request counts and the channel utilisation."""
        arrived, served, rejected = self.count.copy()
        decided = served + rejected
        blocking = np.divide(rejected, decided, out=np.zeros(self.num_envs), where=decided > 0)
        return {
            "blocking_probability": blocking,
            "served": served,
            "rejected": rejected,
            "arrived": arrived,
            "channel_utilisation": self.ledger.utilisations()[:, 0],
        }

    def blocking_probability(self) -> float:
        """Env 0's blocking probability so far."""
        return float(self.metrics()["blocking_probability"][0])

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
        path, c = self.decode_arrays(np.array([action]))
        return int(path[0]), int(c[0])

    def decode_arrays(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(path, channels per hop) of each action; reject (0) decodes as (0, 1)."""
        path, c = np.divmod(np.maximum(actions, 1) - 1, self.config.max_channels_per_hop)
        return path, c + 1

    def flat_masks(self) -> np.ndarray:
        """(N, A) masks in action order: reject always, then the (path, channels) mask."""
        return self.mask

    @property
    def path_mask(self) -> np.ndarray:
        """(N, k, C) view of the mask: path k with c channels per hop serves the request."""
        cfg = self.config
        return self.mask[:, 1:].reshape(self.num_envs, cfg.k_paths, cfg.max_channels_per_hop)
