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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import physics
from ..config import check_interval, check_range
from .request_stream import RequestStream

QKD, DQC = 0, 1
LEVELS = 3  # protection levels 0..2 and purification depths 0..2


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
        self._path_exists = {k: (p >= 0).any(axis=1) for k, p in net.padded_paths.items()}
        self._path_hops = {k: (p >= 0).sum(axis=1) for k, p in net.padded_paths.items()}
        self._all_paths_exist = {k: bool(e.all()) for k, e in self._path_exists.items()}
        self.path_list = {key: [np.array(p) for p in paths] for key, paths in net.paths.items()}
        self.n_actions = 1 + config.k_paths * LEVELS * LEVELS
        levels = np.arange(LEVELS)
        self._per_logical = 2 * levels + 1  # repetition-code distance per protection level
        self._pairs_per_gate = 2**levels  # elementary pairs per delivered pair per depth
        self._qkd_margins = 1.0 + config.qkd_channel_margin * levels

    # --- episode ---------------------------------------------------------------------------
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
        # Heterogeneous devices: each episode draws the parameters of every node's and link's
        # fidelity distribution; the controller observes them, never the realisations.
        self.qubit_mean = rng.uniform(*cfg.qubit_fidelity_mean, size=net.n_nodes)
        self.pair_mean = rng.uniform(*cfg.pair_fidelity_mean, size=net.n_links)
        self.det_mean = rng.uniform(*cfg.detector_error_mean, size=net.n_links)
        self.nominal_rate_kbps = self.channel_rate_kbps(np.arange(net.n_links), self.det_mean)
        self.nominal_pair_f = {
            key: np.array([self.pair_fidelity(p, 0, self.pair_mean[p][None, :])[0] for p in paths])
            for key, paths in self.path_list.items()
        }
        self.stats = {"utility": 0.0, "qubit_slots": 0.0, "channel_slots": 0.0, "pairs": 0.0}
        self._draw_request()

    def _draw_request(self) -> None:
        cfg, net = self.config, self.net
        rng = net.rng
        src, dst, holding = net.next_arrival()
        req = {"src": src, "dst": dst, "holding": holding, "paths": self.path_list[(src, dst)]}
        if rng.random() < cfg.qkd_fraction:
            req.update(kind=QKD, demand=rng.uniform(*cfg.qkd_demand_kbps))
        else:
            q = int(rng.integers(cfg.dqc_logical_qubits[0], cfg.dqc_logical_qubits[1] + 1))
            g = int(rng.integers(cfg.dqc_remote_gates[0], cfg.dqc_remote_gates[1] + 1))
            req.update(
                kind=DQC,
                qubits=q,
                gates=g,
                required=rng.uniform(*cfg.dqc_required_fidelity),
                split=((q + 1) // 2, q // 2),
            )
        self.request = req
        self.mask = self._mask()

    # --- physics of one allocation, vectorised over sampled scenarios ----------------------
    def channel_rate_kbps(self, links, detector_error) -> np.ndarray:
        """Key rate of one channel on each of ``links`` at the given detector error."""
        terms = {k: v[links] for k, v in self._decoy_terms.items()}
        rate = physics.decoy_bb84_rate_from_terms(terms, detector_error)
        return rate * self.config.repetition_rate_hz / 1e3

    def pair_fidelity(self, links, depth: int, link_f) -> np.ndarray:
        """End-to-end pair fidelity over ``links`` for elementary fidelities ``link_f`` (S, hops)
        after ``depth`` purification rounds per link and swapping."""
        cfg = self.config
        f = link_f
        if depth:  # each pair waits in memory for its 2^depth - 1 partners, then purifies
            wait = (2**depth - 1) * self.pair_time_s[links]
            f = physics.decohere(f, wait, cfg.memory_coherence_time_s)
        for _ in range(depth):
            f, _ = physics.bbpssw(f, f)
        out = f[:, 0]
        for j in range(1, f.shape[1]):
            out = physics.swap_fidelity(out, f[:, j], cfg.gate_fidelity, cfg.meas_fidelity)
        return out

    def qkd_channels(self, path: int, level: int) -> int:
        """Channels per hop a QKD allocation holds: the nominal need times the level's margin."""
        return int(self.request["channels"][path, level])

    def sample_success(self, path: int, level: int, depth: int, rng, n: int) -> np.ndarray:
        """Whether the allocation succeeds in each of ``n`` scenarios drawn with ``rng``:
        the second stage of the seed's stochastic program."""
        cfg, req = self.config, self.request
        links = req["paths"][path]
        # standard_normal + affine map: one cheap draw instead of normal() with array means.
        z = rng.standard_normal((n, len(links) + 2))
        if req["kind"] == QKD:
            det = self.det_mean[links] + cfg.detector_error_spread * z[:, 2:]
            rate = self.channel_rate_kbps(links, np.minimum(np.maximum(det, 0.0), 0.5))
            return self.qkd_channels(path, level) * rate.min(axis=1) >= req["demand"]
        f_link = self.pair_mean[links] + cfg.pair_fidelity_spread * z[:, 2:]
        f_pair = self.pair_fidelity(links, depth, np.minimum(np.maximum(f_link, 0.25), 1.0))
        f_qubit = self.qubit_mean[[req["src"], req["dst"]]] + cfg.qubit_fidelity_spread * z[:, :2]
        p_logical = physics.repetition_code_logical_error(
            1.0 - np.minimum(np.maximum(f_qubit, 0.5), 1.0), 2 * level + 1
        )
        split = req["split"]
        fidelity = (
            f_pair ** req["gates"]
            * (1.0 - p_logical[:, 0]) ** split[0]
            * (1.0 - p_logical[:, 1]) ** split[1]
        )
        return fidelity >= req["required"]

    # --- resources -------------------------------------------------------------------------
    def allocation_usage(self, path: int, level: int, depth: int) -> dict[str, np.ndarray]:
        req, net = self.request, self.net
        links = req["paths"][path]
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
        cfg = self.config
        scale = self.request["holding"] / cfg.mean_holding
        return scale * (
            cfg.qubit_cost * usage.get("qubits", np.zeros(1)).sum()
            + cfg.channel_cost * usage.get("channels", np.zeros(1)).sum()
            + cfg.pair_cost * usage.get("pairs", np.zeros(1)).sum()
        )

    def decode(self, action: int) -> tuple[int, int, int]:
        path, rest = divmod(action - 1, LEVELS * LEVELS)
        level, depth = divmod(rest, LEVELS)
        return path, level, depth

    def _mask(self) -> np.ndarray:
        """Valid actions, vectorised over (path, level, depth): capacity and QKD channel limits.

        Also stores on the request the per-path quantities the observation reuses."""
        req, cfg, net = self.request, self.config, self.net
        ledger = net.ledger
        key = (req["src"], req["dst"])
        exists, req["hops"] = self._path_exists[key], self._path_hops[key]
        req["exists"] = exists
        all_exist = self._all_paths_exist[key]
        free_c = net.path_min(ledger.free("channels"), key)
        free_p = net.path_min(ledger.free("pairs"), key)
        req["free_channels"] = free_c if all_exist else np.where(exists, free_c, 0.0)
        req["free_pairs"] = free_p if all_exist else np.where(exists, free_p, 0.0)
        ok = np.zeros((cfg.k_paths, LEVELS, LEVELS), dtype=bool)
        if req["kind"] == QKD:
            rate = net.path_min(self.nominal_rate_kbps, key)
            with np.errstate(divide="ignore"):
                need = np.ceil(req["demand"] * self._qkd_margins[None, :] / rate[:, None])
            req["channels"] = need
            ok[:, :, 0] = (need <= cfg.max_channels_per_hop) & (
                need <= req["free_channels"][:, None]
            )
        else:
            free_q = ledger.free("qubits")
            q_ok = (req["split"][0] * self._per_logical <= free_q[req["src"]]) & (
                req["split"][1] * self._per_logical <= free_q[req["dst"]]
            )
            p_ok = req["gates"] * self._pairs_per_gate[None, :] <= req["free_pairs"][:, None]
            ok = q_ok[None, :, None] & p_ok[:, None, :]
        if not all_exist:
            ok &= exists[:, None, None]
        mask = np.empty(self.n_actions, dtype=bool)
        mask[0] = True
        mask[1:] = ok.reshape(-1)
        return mask

    # --- transitions -------------------------------------------------------------------------
    def serve(self, action: int) -> tuple[float, bool]:
        """Allocate, draw the realised outcome, and return (reward, success)."""
        cfg, req, net = self.config, self.request, self.net
        path, level, depth = self.decode(action)
        usage = self.allocation_usage(path, level, depth)
        net.ledger.allocate(usage, net.t + req["holding"])
        ok = bool(self.sample_success(path, level, depth, net.rng, 1)[0])
        scale = req["holding"] / cfg.mean_holding
        gain = cfg.utility * scale if ok else -cfg.failure_penalty
        net.counts["served" if ok else "failed"] += 1
        self.stats["utility"] += cfg.utility * scale if ok else 0.0
        for key, name in (
            ("qubits", "qubit_slots"),
            ("channels", "channel_slots"),
            ("pairs", "pairs"),
        ):
            if key in usage:
                self.stats[name] += usage[key].sum() * req["holding"]
        return gain - self.cost(usage), ok

    def reject(self) -> None:
        self.net.counts["rejected"] += 1

    def advance(self) -> None:
        self._draw_request()
