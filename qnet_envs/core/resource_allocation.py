"""Allocation of the three quantum resources of seed 002 under uncertain fidelities.

Core of ``qnet/QuantumResourceAllocation-v0``. Seed 002 (Xu et al., Sec. II-C and III, TABLE I)
names three resource types, quantum channels (QKD), computation qubits and entangled pairs, and
formulates their allocation as a stochastic program because the fidelities of qubits and pairs
are uncertain. Requests of two kinds arrive as a Poisson process:

* QKD: (src, dst, key rate, holding time). It holds channels on every hop of a path; a
  channel's rate is the decoy-state BB84 rate at the hop length
  (:func:`qnet_envs.physics.decoy_bb84_key_rate`) with a detector error drawn at service time
  from the link's distribution; trusted relays make the path rate the slowest hop's.
* DQC (distributed quantum computing): q logical qubits split over src and dst, g remote gates
  per slot, each consuming one end-to-end entangled pair, a required fidelity, a holding time.

An allocation is (path, protection level l, purification depth r). Protection encodes each
logical qubit in a distance-(2l+1) repetition code (2l extra qubits;
:func:`qnet_envs.physics.repetition_code_logical_error`); for QKD it adds an l x
``qkd_channel_margin`` safety margin of channels. Purification runs r BBPSSW rounds per link
(2^r elementary pairs per delivered pair; :func:`qnet_envs.physics.bbpssw`), each pair first
waiting in memory for its partners ((2^r - 1) mean generation times;
:func:`qnet_envs.physics.decohere`), then the links are swapped
(:func:`qnet_envs.physics.swap_fidelity`).

The service succeeds when its realised fidelity meets the requirement. For DQC that is the
product of its components' fidelities, F_pair^g x prod over logical qubits (1 - p_L), the
estimated-success-probability model of noise-aware compilers (Murali et al., ASPLOS 2019,
Sec. 4); for QKD, the realised path key rate must meet the demand.

Randomness: every reset and every step reads exactly ``width`` uniforms from the generator
(one ``random(width)`` call) and turns them into variates by inverse transforms
(:mod:`qnet_envs.core.uniforms`), so that the batched env
(:class:`qnet_envs.vector.QuantumResourceAllocationVectorEnv`) reproduces scalar envs. The
physics, masks and costs below are vectorised over a leading batch axis B (requests, envs or
sampled scenarios) and shared by both.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import physics
from ..config import check_interval, check_range
from . import uniforms
from .request_stream import ARRIVAL_UNIFORMS, RequestStream

QKD, DQC = 0, 1
LEVELS = 3  # protection levels 0..2 and purification depths 0..2
# Uniforms per reset and per step: the arrival, four request attributes, then either the
# service's normals (two uniforms each, Box-Muller) or, at reset, the device means.
REQUEST_UNIFORMS = ARRIVAL_UNIFORMS + 4


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
        check_range("load_erlang", self.load_erlang, 0.0, 1e6, low_open=True)
        check_range("mean_holding", self.mean_holding, 0.0, 1e9, low_open=True)
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


class ResourceAllocation:
    def __init__(self, config: ResourceAllocationConfig):
        self.config = config
        arrival_rate = config.load_erlang / config.mean_holding
        self.net = RequestStream(config.topology, config.k_paths, arrival_rate, config.mean_holding)
        net = self.net
        lengths = net.link_length
        # Mean time to herald one elementary pair on each link: attempt time / success probability.
        self.pair_time_s = physics.heralded_attempt_time(
            lengths
        ) / physics.heralded_success_probability(lengths)
        self._decoy_terms = physics.decoy_bb84_terms(lengths)
        self.n_actions = 1 + config.k_paths * LEVELS * LEVELS
        levels = np.arange(LEVELS)
        self._per_logical = 2 * levels + 1  # repetition-code distance per protection level
        self._pairs_per_gate = 2**levels  # elementary pairs per delivered pair per depth
        self._qkd_margins = 1.0 + config.qkd_channel_margin * levels
        # per ordered (src, dst) pair: its index and its k padded paths (-1 pads)
        n = net.n_nodes
        self.pair_index = np.full((n, n), -1, dtype=np.int64)
        keys = sorted(net.padded_paths)
        for i, key in enumerate(keys):
            self.pair_index[key] = i
        self.pair_paths = np.stack([net.padded_paths[key] for key in keys])  # (P, k, H)
        self.path_exists = (self.pair_paths >= 0).any(axis=2)
        self.path_hops = (self.pair_paths >= 0).sum(axis=2)
        # gather indices with pads pointing at link 0, and +inf added there before a min
        self._pair_gather = np.maximum(self.pair_paths, 0)
        self._pair_pad = np.where(self.pair_paths >= 0, 0.0, np.inf)
        self.max_hops = net.max_hops
        self.width = REQUEST_UNIFORMS + max(2 * (self.max_hops + 2), n + 2 * net.n_links)

    # --- episode ---------------------------------------------------------------------------
    def check_invariants(self) -> None:
        """Every request ends exactly once, no resource beyond its capacity (the request
        stream's and its ledger's checks)."""
        self.net.check_invariants()

    def reset(self, rng) -> None:
        cfg, net = self.config, self.net
        net.reset(
            rng,
            {
                "qubits": np.full(net.n_nodes, float(cfg.qubits_per_node)),
                "channels": np.full(net.n_links, float(cfg.channels_per_link)),
                "pairs": np.full(net.n_links, float(cfg.pair_capacity_per_link)),
            },
        )
        u = rng.random(self.width)
        # Heterogeneous devices: each episode draws the parameters of every node's and link's
        # fidelity distribution; the controller observes them, never the realisations.
        self.qubit_mean, self.pair_mean, self.det_mean = self.device_means(u)
        self.nominal_rate_kbps = self.channel_rate_kbps(np.arange(net.n_links), self.det_mean)
        self.nominal_pair_f = self.nominal_path_fidelity(self.pair_mean[None])[0]
        self.stats = {"utility": 0.0, "qubit_slots": 0.0, "channel_slots": 0.0, "pairs": 0.0}
        self._draw_request(u)

    def device_means(self, u):
        """Per-episode means of each node's qubit fidelity, each link's pair fidelity and
        detector error, from the reset's uniforms ``u[..., REQUEST_UNIFORMS:]``."""
        cfg, n, e = self.config, self.net.n_nodes, self.net.n_links
        d = u[..., REQUEST_UNIFORMS:]
        return (
            uniforms.uniform(d[..., :n], *cfg.qubit_fidelity_mean),
            uniforms.uniform(d[..., n : n + e], *cfg.pair_fidelity_mean),
            uniforms.uniform(d[..., n + e : n + 2 * e], *cfg.detector_error_mean),
        )

    def nominal_path_fidelity(self, pair_mean) -> np.ndarray:
        """(B, P, k) end-to-end fidelity of every path without purification at the link means
        ``pair_mean`` (B, E); 0 for paths that do not exist."""
        b, (p, k, h) = len(pair_mean), self.pair_paths.shape
        links = np.broadcast_to(self.pair_paths, (b, p, k, h))
        f_link = pair_mean[np.arange(b)[:, None, None, None], np.maximum(links, 0)]
        flat = links.reshape(-1, h)
        f = self.path_pair_fidelity(
            flat, np.zeros(len(flat), dtype=np.int64), f_link.reshape(-1, h)
        )
        return np.where(self.path_exists, f.reshape(b, p, k), 0.0)

    def request_attributes(self, u) -> dict[str, np.ndarray]:
        """The request's kind and its QKD / DQC parameters from uniforms ``u[..., 4:8]``
        (vectorised; a QKD request's DQC fields and vice versa are drawn but unused)."""
        cfg = self.config
        a = ARRIVAL_UNIFORMS
        q = uniforms.integers(
            u[..., a + 1], cfg.dqc_logical_qubits[0], cfg.dqc_logical_qubits[1] + 1
        )
        return {
            "kind": np.where(u[..., a] < cfg.qkd_fraction, QKD, DQC),
            "demand": uniforms.uniform(u[..., a + 1], *cfg.qkd_demand_kbps),
            "qubits": q,
            "gates": uniforms.integers(
                u[..., a + 2], cfg.dqc_remote_gates[0], cfg.dqc_remote_gates[1] + 1
            ),
            "required": uniforms.uniform(u[..., a + 3], *cfg.dqc_required_fidelity),
            "split": np.stack([(q + 1) // 2, q // 2], axis=-1),
        }

    def _draw_request(self, u) -> None:
        """The next request; ``request`` holds it as Python scalars and per-path arrays,
        ``request_batch`` the same fields as a batch of one (for the batched functions)."""
        net = self.net
        src, dst, holding = net.next_arrival(u[:ARRIVAL_UNIFORMS])
        pair = int(self.pair_index[src, dst])
        batch = self.request_attributes(u[None])
        kind = int(batch["kind"][0])
        batch.update(
            src=np.array([src]),
            dst=np.array([dst]),
            pair=np.array([pair]),
            holding=np.array([holding]),
        )
        ledger = net.ledger
        mask, per_path = self.masks(
            batch,
            ledger.free("qubits")[None],
            ledger.free("channels")[None],
            ledger.free("pairs")[None],
            self.nominal_rate_kbps[None],
        )
        batch.update(per_path)
        req = {"src": src, "dst": dst, "pair": pair, "holding": holding, "kind": kind}
        req["links"] = self.pair_paths[pair]
        if kind == QKD:
            req["demand"] = float(batch["demand"][0])
        else:
            q = int(batch["qubits"][0])
            req.update(
                qubits=q,
                gates=int(batch["gates"][0]),
                required=float(batch["required"][0]),
                split=((q + 1) // 2, q // 2),
            )
        req.update({k: v[0] for k, v in per_path.items()})
        self.request, self.request_batch = req, batch
        self.mask = mask[0]

    # --- physics of one allocation, vectorised over a batch --------------------------------
    def channel_rate_kbps(self, links, detector_error) -> np.ndarray:
        """Key rate of one channel on each of ``links`` at the given detector error."""
        terms = {k: v[links] for k, v in self._decoy_terms.items()}
        rate = physics.decoy_bb84_rate_from_terms(terms, detector_error)
        return rate * self.config.repetition_rate_hz / 1e3

    def path_pair_fidelity(self, links, depth, link_f) -> np.ndarray:
        """(B,) end-to-end pair fidelity over the padded paths ``links`` (B, H) for elementary
        fidelities ``link_f`` (B, H) after ``depth`` (B,) purification rounds per link and
        swapping along the path. Each pair first waits in memory for its 2^depth - 1 partners
        (decoherence, :func:`qnet_envs.physics.decohere`), then BBPSSW rounds, then swaps
        (:func:`qnet_envs.physics.swap_fidelity`)."""
        cfg = self.config
        valid = links >= 0
        depth = np.asarray(depth)
        f = link_f
        if depth.any():
            wait = (2 ** depth[:, None] - 1) * self.pair_time_s[np.maximum(links, 0)]
            f = np.where(
                depth[:, None] > 0, physics.decohere(f, wait, cfg.memory_coherence_time_s), f
            )
            for r in range(int(depth.max())):
                f = np.where(depth[:, None] > r, physics.bbpssw(f, f)[0], f)
        out = f[:, 0]
        for j in range(1, f.shape[1]):
            if valid[:, j].any():
                swapped = physics.swap_fidelity(out, f[:, j], cfg.gate_fidelity, cfg.meas_fidelity)
                out = np.where(valid[:, j], swapped, out)
        return out

    def qkd_success(self, links, channels, demand, det_mean, z) -> np.ndarray:
        """(B,) whether QKD allocations meet their demand: ``channels`` per hop on the padded
        paths ``links`` (B, H), detector errors det_mean[link] + spread x ``z`` (B, H) per hop,
        trusted relays (the slowest hop sets the path rate)."""
        cfg = self.config
        g = np.maximum(links, 0)
        det = np.minimum(
            np.maximum(
                det_mean[np.arange(len(g))[:, None], g] + cfg.detector_error_spread * z, 0.0
            ),
            0.5,
        )
        rate = np.where(links >= 0, self.channel_rate_kbps(g, det), np.inf)
        return channels * rate.min(axis=1) >= demand

    def dqc_success(self, req, links, level, depth, pair_mean, qubit_mean, z) -> np.ndarray:
        """(B,) whether DQC allocations reach the required fidelity: F_pair^g x prod over
        logical qubits (1 - p_L) >= required, with the link fidelities pair_mean[link] +
        spread x z[:, 2:] and the two end nodes' qubit fidelities qubit_mean[src/dst] +
        spread x z[:, :2]; ``req`` holds (B,) arrays src, dst, gates, split (B, 2), required."""
        cfg = self.config
        g = np.maximum(links, 0)
        rows = np.arange(len(g))[:, None]
        h = links.shape[1]
        f_link = np.minimum(
            np.maximum(pair_mean[rows, g] + cfg.pair_fidelity_spread * z[:, 2 : 2 + h], 0.25), 1.0
        )
        f_pair = self.path_pair_fidelity(links, depth, f_link)
        ends = np.stack([req["src"], req["dst"]], axis=1)
        f_qubit = qubit_mean[rows, ends] + cfg.qubit_fidelity_spread * z[:, :2]
        p_flip = 1.0 - np.minimum(np.maximum(f_qubit, 0.5), 1.0)
        p_logical = np.zeros_like(p_flip)
        for lv in range(LEVELS):
            on = level == lv
            if on.any():
                p_logical[on] = physics.repetition_code_logical_error(p_flip[on], 2 * lv + 1)
        split = req["split"]
        fidelity = (
            f_pair ** req["gates"]
            * (1.0 - p_logical[:, 0]) ** split[:, 0]
            * (1.0 - p_logical[:, 1]) ** split[:, 1]
        )
        return fidelity >= req["required"]

    def candidate_values(self, actions, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(success probability, expected value) of serving the head request with each of
        ``actions`` (allocations, not 0), averaged over the fidelity scenarios ``z`` (rows, see
        :meth:`scenarios`): the second stage of seed 002's two-stage stochastic program (Sec.
        III). Value = p x utility x holding scale - (1 - p) x failure penalty - cost, the
        expectation of :func:`service_reward`. SAA compares candidates on it; the optional
        observation block shows it to agents."""
        cfg = self.config
        scale = self.request["holding"] / cfg.mean_holding
        p = np.array([self.scenario_success(*self.decode(int(a)), z).mean() for a in actions])
        cost = np.array([self.cost(self.allocation_usage(*self.decode(int(a)))) for a in actions])
        return p, p * cfg.utility * scale - (1.0 - p) * cfg.failure_penalty - cost

    def scenarios(self, rng, n: int) -> np.ndarray:
        """``n`` standard-normal fidelity scenarios (rows) for :meth:`scenario_success`."""
        return rng.standard_normal((n, self.max_hops + 2))

    def scenario_success(self, path: int, level: int, depth: int, z: np.ndarray) -> np.ndarray:
        """Whether the head request's allocation succeeds in each scenario of ``z``: the second
        stage of the seed's stochastic program."""
        return self._success(path, level, depth, z, len(z))

    def _success(self, path, level, depth, z, n) -> np.ndarray:
        req = self.request
        links = np.broadcast_to(req["links"][path], (n, self.max_hops))
        if req["kind"] == QKD:
            return self.qkd_success(
                links,
                self.qkd_channels(path, level),
                req["demand"],
                self.det_mean[None].repeat(n, 0),
                z[:, 2:],
            )
        batch = {
            "src": np.full(n, req["src"]),
            "dst": np.full(n, req["dst"]),
            "gates": np.full(n, req["gates"]),
            "split": np.broadcast_to(np.array(req["split"]), (n, 2)),
            "required": np.full(n, req["required"]),
        }
        return self.dqc_success(
            batch,
            links,
            np.full(n, level),
            np.full(n, depth),
            self.pair_mean[None].repeat(n, 0),
            self.qubit_mean[None].repeat(n, 0),
            z,
        )

    # --- resources -------------------------------------------------------------------------
    def qkd_channels(self, path: int, level: int) -> int:
        """Channels per hop a QKD allocation holds: the nominal need times the level's margin."""
        return int(self.request["channels"][path, level])

    def allocation_usage(self, path: int, level: int, depth: int) -> dict[str, np.ndarray]:
        req, net = self.request, self.net
        links = req["links"][path]
        links = links[links >= 0]
        if req["kind"] == QKD:
            channels = np.zeros(net.n_links)
            channels[links] = self.qkd_channels(path, level)
            return {"channels": channels}
        qubits = np.zeros(net.n_nodes)
        qubits[req["src"]] += req["split"][0] * (2 * level + 1)
        qubits[req["dst"]] += req["split"][1] * (2 * level + 1)
        pairs = np.zeros(net.n_links)
        pairs[links] = req["gates"] * 2**depth
        return {"qubits": qubits, "pairs": pairs}

    def cost(self, usage) -> float:
        zero = np.zeros(1)
        return allocation_cost(
            self.config,
            self.request["holding"],
            usage.get("qubits", zero).sum(),
            usage.get("channels", zero).sum(),
            usage.get("pairs", zero).sum(),
        )

    def encode(self, path: int, level: int, depth: int) -> int:
        """The action of serving on ``path`` with protection ``level`` and purification
        ``depth`` (0 is reject): the one action layout, inverted by :meth:`decode`."""
        return 1 + (path * LEVELS + level) * LEVELS + depth

    def decode(self, action: int) -> tuple[int, int, int]:
        path, rest = divmod(action - 1, LEVELS * LEVELS)
        level, depth = divmod(rest, LEVELS)
        return path, level, depth

    def masks(self, req, free_q, free_c, free_p, rate):
        """(B, A) valid actions and per-path quantities for B requests: capacity and QKD channel
        limits, vectorised over (request, path, level, depth). ``req`` holds (B,) arrays kind,
        pair, src, dst, demand, gates and split (B, 2); ``free_*`` (B, nodes or links) are the
        free resources, ``rate`` (B, E) the nominal channel rates. The per-path dict holds
        exists, hops, free_channels, free_pairs (busiest hop) and QKD ``channels`` needed per
        (path, level), all (B, k[, L])."""
        cfg = self.config
        kind, pair, demand, split = req["kind"], req["pair"], req["demand"], req["split"]
        gates, src, dst = req["gates"], req["src"], req["dst"]
        b, k = len(pair), cfg.k_paths
        rows = np.arange(b)[:, None, None]
        g, pad = self._pair_gather[pair], self._pair_pad[pair]  # (B, k, H)
        exists = self.path_exists[pair]
        free_ch = np.where(exists, (free_c[rows, g] + pad).min(axis=2), 0.0)
        free_pr = np.where(exists, (free_p[rows, g] + pad).min(axis=2), 0.0)
        is_qkd = kind == QKD
        any_qkd, all_qkd = bool(is_qkd.any()), bool(is_qkd.all())
        ok = np.zeros((b, k, LEVELS, LEVELS), dtype=bool)
        need = np.zeros((b, k, LEVELS))
        if any_qkd:  # channels per hop at each level's margin; a path that is absent gets none
            path_rate = (rate[rows, g] + pad).min(axis=2)
            with np.errstate(divide="ignore"):
                need = np.ceil(demand[:, None, None] * self._qkd_margins / path_rate[:, :, None])
            ok[..., 0] = (
                (need <= cfg.max_channels_per_hop)
                & (need <= free_ch[:, :, None])
                & exists[:, :, None]
            )
        if not all_qkd:  # qubits at both ends for the level, pair capacity for the depth
            r = np.arange(b)
            q_ok = (split[:, :1] * self._per_logical <= free_q[r, src][:, None]) & (
                split[:, 1:] * self._per_logical <= free_q[r, dst][:, None]
            )
            p_ok = gates[:, None, None] * self._pairs_per_gate <= free_pr[:, :, None]
            dqc = q_ok[:, None, :, None] & p_ok[:, :, None, :]
            ok = np.where(is_qkd[:, None, None, None], ok, dqc) if any_qkd else dqc
        mask = np.empty((b, self.n_actions), dtype=bool)
        mask[:, 0] = True
        mask[:, 1:] = ok.reshape(b, -1)
        per_path = {
            "exists": exists,
            "hops": self.path_hops[pair],
            "free_channels": free_ch,
            "free_pairs": free_pr,
            "channels": need,
        }
        return mask, per_path

    # --- transitions -------------------------------------------------------------------------
    def step_uniforms(self) -> np.ndarray:
        """This step's ``width`` uniforms: the service draw, then the next request."""
        return self.net.rng.random(self.width)

    def serve(self, action: int, u) -> tuple[float, bool]:
        """Allocate, draw the realised outcome from this step's uniforms ``u``, and return
        (reward, success)."""
        cfg, req, net = self.config, self.request, self.net
        path, level, depth = self.decode(action)
        usage = self.allocation_usage(path, level, depth)
        net.ledger.allocate(usage, net.t + req["holding"])
        ok = bool(self._success(path, level, depth, service_normals(u, self.max_hops)[None], 1)[0])
        net.end("served" if ok else "failed")
        self.stats["utility"] += cfg.utility * req["holding"] / cfg.mean_holding if ok else 0.0
        for key, name in (
            ("qubits", "qubit_slots"),
            ("channels", "channel_slots"),
            ("pairs", "pairs"),
        ):
            if key in usage:
                self.stats[name] += usage[key].sum() * req["holding"]
        return float(service_reward(cfg, req["holding"], ok, self.cost(usage))), ok

    def reject(self) -> None:
        self.net.end("rejected")

    def advance(self, u) -> None:
        self._draw_request(u)


def service_normals(u, max_hops: int) -> np.ndarray:
    """The service's max_hops + 2 standard normals (two qubit ends, then one per hop) from the
    step's uniforms ``u[..., REQUEST_UNIFORMS:]`` (Box-Muller on consecutive pairs)."""
    m = max_hops + 2
    s = u[..., REQUEST_UNIFORMS : REQUEST_UNIFORMS + 2 * m]
    return uniforms.normal(s[..., 0::2], s[..., 1::2])


def allocation_cost(cfg, holding, qubits, channels, pairs):
    """Resource cost of an allocation holding ``qubits`` physical qubits, ``channels``
    channel-hops and ``pairs`` pairs per slot over all hops, scaled by holding / mean holding."""
    scale = holding / cfg.mean_holding
    return scale * (cfg.qubit_cost * qubits + cfg.channel_cost * channels + cfg.pair_cost * pairs)


def service_reward(cfg, holding, ok, cost):
    """Utility x holding / mean holding on success, minus ``failure_penalty`` on failure,
    minus the allocation's resource cost."""
    gain = np.where(ok, cfg.utility * holding / cfg.mean_holding, -cfg.failure_penalty)
    return gain - cost
