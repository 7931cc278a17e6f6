"""Multi-tenant QKD provisioning over a trusted-relay backbone, batch-first.

Tenants ask for a secret-key rate between two nodes for a holding time. The controller picks
one of the k shortest paths and a number of quantum channels (wavelengths or time slots) per
hop, or rejects. Each link of length L is split by trusted relays into ceil(L / max_span_km)
equal spans; a channel's key rate on the link is the decoy-state BB84 rate at that span length
times the source repetition rate (:func:`qnet_envs.physics.decoy_bb84_key_rate`), and a path's
rate per channel is the minimum over its hops (keys are relayed hop by hop). Seed 002 cites this
line of work (RL for QKD resource provisioning) as its reference [5]; blocking probability is
the headline metric there.

The step is compiled (:mod:`qnet_envs.core.qkd_provisioning.kernels`); this class holds the
state of ``num_envs`` episodes with a leading env axis and calls the kernels. The scalar env
is a batch of one and the vector env (:class:`qnet_envs.vector.QKDProvisioningVectorEnv`) runs
this same code; env i seeded ``s + i`` draws what the scalar env seeded ``s + i`` draws.
"""

from __future__ import annotations

import numpy as np

from ..request_core import CompiledRequestCore
from ..request_stream import PathNetwork
from ..slot_ledger import SlotLedger
from . import codec
from .config import QKDProvisioningConfig, trusted_relay_rate_bps
from .layout import COUNTS, PATH_VIEW_KEYS


class QKDProvisioning(CompiledRequestCore):
    """``num_envs`` provisioning episodes stepped together (a scalar env is a batch of one;
    ``num_threads`` > 1 spreads the envs over threads with the same results).

    State, each with a leading env axis: the clock ``t``, the requests decided ``steps``, the
    request ``count`` (rows in ``COUNTS`` order), a channel ledger (:class:`SlotLedger`), the
    head request (``request_ends`` src and dst, ``request_values`` holding time and demand,
    ``request_pair`` its pair's row of the path table) and ``path_view`` (N, k, 5) of what
    each of its paths offers (``PATH_VIEW_KEYS``)."""

    COUNTS = COUNTS
    EXTRA = "key_rate_kbps"  # of the allocation just made (0 otherwise)

    def __init__(
        self, config: QKDProvisioningConfig, num_envs: int = 1, slots: int = 32,
        num_threads: int = 1,
    ):  # fmt: skip
        from . import kernels  # compiled code: loaded with an env

        self._set_threads = kernels.set_num_threads
        self.config = config
        self.num_envs = N = num_envs
        arrival_rate = config.load_erlang / config.mean_holding
        self.net = net = PathNetwork(
            config.topology, config.k_paths, arrival_rate, config.mean_holding, config.path_table
        )
        self.link_rate_kbps = (
            trusted_relay_rate_bps(net.link_length, config.max_span_km, config.repetition_rate_hz)
            / 1e3
        )
        self.demand_low, self.demand_high = (float(x) for x in config.demand_kbps)
        self.mean_demand = 0.5 * (self.demand_low + self.demand_high)
        self._path_tables(net)
        self.ledger = SlotLedger(
            {"channels": np.full(net.n_links, float(config.channels_per_link))}, N, slots
        )
        self.t = np.zeros(N)
        self.steps = np.zeros(N, dtype=np.int64)
        self.count = np.zeros((len(COUNTS), N), dtype=np.int64)
        self.key = np.zeros(N, dtype=np.uint64)
        self.counter = np.zeros(N, dtype=np.uint64)
        self.request_ends = np.zeros((N, 2), dtype=np.int64)
        self.request_values = np.zeros((N, 2))
        self.request_pair = np.zeros(N, dtype=np.int64)
        self.path_view = np.zeros((N, config.k_paths, len(PATH_VIEW_KEYS)))
        # per-env working space of the kernels (a step's uniforms, an allocation's amounts)
        self.scratch = np.zeros((N, max(5, net.max_hops)))
        self.outputs = (
            np.zeros((N, self.n_actions), dtype=bool),  # masks of the head requests
            # the observation: one-hot ends, demand, holding, 4 per path, 1 per link
            np.zeros((N, 2 * net.n_nodes + 2 + 4 * config.k_paths + net.n_links), np.float32),
            np.zeros(N),  # rewards
            np.zeros(N, dtype=bool),  # invalid actions
            np.zeros(N, dtype=bool),  # truncated
            np.zeros(N),  # key rate of the allocation just made (kbit/s)
            np.zeros((N, 2)),  # blocking probability, channel utilisation
        )
        self._waiting = np.zeros(N, dtype=bool)
        self._all_rows = np.arange(N)
        self._drivers = kernels.DRIVERS[num_threads > 1]
        self.num_threads = num_threads
        self._rebind()

    def _path_tables(self, net: PathNetwork) -> None:
        """Every (src, dst) pair's k padded paths (-1 pads) as rows of ``pair_links``, row
        ``pair_slot[src * n + dst]``: all pairs now with the all-pairs table; with the
        on-demand table, -1 until a request first needs the pair (``_add_pair``)."""
        n, k, h = net.n_nodes, self.config.k_paths, net.max_hops
        if self.config.path_table == "all-pairs":
            self.pair_links = np.full((n * n, k, h), -1, dtype=np.int64)
            for (a, b), table in net.padded_paths.items():
                self.pair_links[a * n + b] = table
            self.pair_slot = np.arange(n * n, dtype=np.int64)
            self._pairs_known = n * n
        else:
            self.pair_links = np.full((8, k, h), -1, dtype=np.int64)
            self.pair_slot = np.full(n * n, -1, dtype=np.int64)
            self._pairs_known = 0

    def _add_pair(self, src: int, dst: int) -> None:
        """Compute the (src, dst) pair's paths (on-demand table) and give them a row."""
        if self.pair_slot[src * self.net.n_nodes + dst] >= 0:
            return
        if self._pairs_known == len(self.pair_links):
            self.pair_links = np.concatenate([self.pair_links, np.full_like(self.pair_links, -1)])
        self.pair_links[self._pairs_known] = self.net.pair_paths((src, dst))
        self.pair_slot[src * self.net.n_nodes + dst] = self._pairs_known
        self._pairs_known += 1

    def _rebind(self) -> None:
        """The kernels' ``state`` and ``model`` tuples (rebuilt when a table grows)."""
        cfg, net, ledger = self.config, self.net, self.ledger
        self._state = (
            self.t, self.steps, self.count, self.key, self.counter, ledger.used, ledger.dep,
            ledger.usage, ledger.allocated, ledger.released, self.request_ends,
            self.request_values, self.request_pair, self.path_view, self.scratch,
        )  # fmt: skip
        self._model = (
            net.n_nodes, cfg.k_paths, cfg.max_channels_per_hop, self.pair_slot, self.pair_links,
            self.link_rate_kbps, *net.arrival_constants,
            np.array([self.demand_low, self.demand_high, self.mean_demand]),
            np.array([cfg.channel_cost, cfg.invalid_action_penalty]), float(cfg.mean_holding),
            int(cfg.horizon), ledger.capacity + 1e-9, float(cfg.channels_per_link),
            float(net.max_hops),
        )  # fmt: skip

    def _driver_args(self) -> tuple:
        return (self._waiting,)

    def _after(self, full: int) -> None:
        """Make room (:class:`CompiledRequestCore`), then finish the requests whose pair's
        paths were not computed yet (the on-demand table)."""
        super()._after(full)
        if self._pairs_known < len(self.pair_slot) and self._waiting.any():
            rows = np.flatnonzero(self._waiting)
            for src, dst in self.request_ends[rows].tolist():
                self._add_pair(src, dst)
            self._rebind()
            self._run("views", rows)
            self._waiting[rows] = False

    # --- what the fronts show ---------------------------------------------------------------
    def metrics(self) -> dict[str, np.ndarray]:
        """(N,) running metrics (copies): blocking probability (rejected / decided, 0 before
        any decision), the request counts and the channel utilisation."""
        arrived, served, rejected = self.count.copy()
        floats = self.outputs[-1]
        return {
            "blocking_probability": floats[:, 0].copy(),
            "served": served,
            "rejected": rejected,
            "arrived": arrived,
            "channel_utilisation": floats[:, 1].copy(),
        }

    def row_info(self, i: int) -> dict:
        """Env ``i``'s entries of :meth:`infos` as Python scalars."""
        arrived, served, rejected = self.count[:, i].tolist()
        blocking, utilisation = self.outputs[-1][i].tolist()
        return {
            "key_rate_kbps": float(self.outputs[5][i]),
            "blocking_probability": blocking,
            "served": served,
            "rejected": rejected,
            "arrived": arrived,
            "channel_utilisation": utilisation,
        }

    def blocking_probability(self) -> float:
        """Env 0's blocking probability so far."""
        return float(self.outputs[-1][0, 0])

    def head(self, i: int = 0) -> dict:
        """Env ``i``'s head request: src, dst, holding, demand (Python scalars), its paths'
        ``links`` (k, H) and per-path arrays (``exists``, ``hops``, ``rate`` per channel,
        ``free`` channels on the busiest hop, channels per hop ``needed``)."""
        src, dst = self.request_ends[i].tolist()
        holding, demand = self.request_values[i].tolist()
        out = {"src": src, "dst": dst, "holding": holding, "demand": demand,
               "links": self.pair_links[self.request_pair[i]].copy()}  # fmt: skip
        for j, key in enumerate(PATH_VIEW_KEYS):
            out[key] = self.path_view[i, :, j].copy()
        out["exists"] = out["exists"] > 0
        out["hops"] = out["hops"].astype(np.int64)
        return out

    # --- the action layout (the one codec: env, mask and baselines read it) -------------------
    @property
    def n_actions(self) -> int:
        return 1 + self.config.k_paths * self.config.max_channels_per_hop

    def encode(self, path: int, channels: int) -> int:
        """The action serving on ``path`` with ``channels`` per hop (0 rejects)."""
        return codec.encode(path, channels, self.config.max_channels_per_hop)

    def decode(self, action: int) -> tuple[int, int] | None:
        """(path index, channels per hop) of an action, or None for reject."""
        if action == 0:
            return None
        return codec.decode(int(action), self.config.max_channels_per_hop)

    @property
    def path_mask(self) -> np.ndarray:
        """(N, k, C) view of the mask: path k with c channels per hop serves the request."""
        cfg = self.config
        mask = self.flat_masks()[:, 1:]
        return mask.reshape(self.num_envs, cfg.k_paths, cfg.max_channels_per_hop)
