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

Batch-first: the state of ``num_envs`` episodes is held with a leading env axis; the scalar
env is a batch of one and the batched env
(:class:`qnet_envs.vector.QuantumResourceAllocationVectorEnv`) runs this same code. The
physics, masks, usages and costs are vectorised over a leading batch axis (envs, candidate
actions or sampled scenarios).

Randomness: every reset and every step reads exactly ``width`` uniforms from each env's
generator (one ``random(width)`` call) and turns them into variates by inverse transforms
(:mod:`qnet_envs.core.uniforms`), so env i of a batch reproduces the scalar env seeded alike.
"""

from __future__ import annotations

import numpy as np

from .. import physics
from . import uniforms
from .request_core import RequestCore
from .request_stream import ARRIVAL_UNIFORMS, PathNetwork, draw_arrivals, padded_path_tables
from .resource_allocation_config import ResourceAllocationConfig
from .resource_allocation_layout import (
    COUNTS,
    DQC,
    LEVELS,
    NO_ALLOCATION,
    QKD,
    REQUEST_UNIFORMS,
    UTILISATION,
)
from .resource_allocation_views import device_template, observation_size, observations

__all__ = [
    "DQC",
    "QKD",
    "LEVELS",
    "REQUEST_UNIFORMS",
    "ResourceAllocation",
    "ResourceAllocationConfig",
]


class ResourceAllocation(RequestCore):
    """``num_envs`` allocation episodes stepped together (a scalar env is a batch of one).

    State, each with a leading env axis: the clock ``t``, the requests decided ``steps``, the
    resource ledger (:class:`SlotLedger`: qubits per node | channels per link | pairs per
    link), the request ``counts`` and realised ``utility``, the episode's device means, the
    head request ``req`` (arrays) and its action ``mask``."""

    COUNTS = COUNTS
    STEP_DEFAULTS = {"success": np.int8(NO_ALLOCATION)}

    def __init__(self, config: ResourceAllocationConfig, num_envs: int = 1, slots: int = 32):
        self.config = config
        arrival_rate = config.load_erlang / config.mean_holding
        self.net = PathNetwork(config.topology, config.k_paths, arrival_rate, config.mean_holding)
        self._model(config)
        n, e = self.net.n_nodes, self.net.n_links
        capacities = {
            "qubits": np.full(n, float(config.qubits_per_node)),
            "channels": np.full(e, float(config.channels_per_link)),
            "pairs": np.full(e, float(config.pair_capacity_per_link)),
        }
        self._init_state(num_envs, capacities, slots, (self.n_actions,))
        N = num_envs
        self.utility = np.zeros(N)
        self.qubit_mean, self.pair_mean = np.zeros((N, n)), np.zeros((N, e))
        self.det_mean, self.nominal_rate = np.zeros((N, e)), np.zeros((N, e))
        self.nominal = np.zeros((N,) + self.pair_paths.shape[:2])
        self.template = np.zeros((N, observation_size(n, config.k_paths, e)), np.float32)

    def _model(self, config: ResourceAllocationConfig) -> None:
        """What every episode shares: per-link physics constants, the action layout and each
        (src, dst) pair's k padded paths."""
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
        tables = padded_path_tables(self.pair_paths)
        self.path_exists, self.path_hops = tables["exists"], tables["hops"]
        self._pair_gather, self._pair_pad = tables["gather"], tables["pad"]
        # ledger columns of each path's hops: channels (QKD) and pairs (DQC); pads -> last + 1
        n_res = n + 2 * net.n_links
        self._hop_cols = [
            np.where(self.pair_paths >= 0, offset + self.pair_paths, n_res)
            for offset in (n, n + net.n_links)
        ]
        self.max_hops = net.max_hops
        self.width = REQUEST_UNIFORMS + max(2 * (self.max_hops + 2), n + 2 * net.n_links)

    # --- episodes ---------------------------------------------------------------------------
    def reset_rows(self, rows: np.ndarray, u: np.ndarray) -> None:
        """Start new episodes in envs ``rows`` from their reset uniforms ``u`` (len(rows),
        width): an empty network, the episode's device means, and the first request.
        Heterogeneous devices: each episode draws the parameters of every node's and link's
        fidelity distribution; the controller observes them, never the realisations."""
        self._clear(rows)
        self.utility[rows] = 0.0
        q, f, d = self.device_means(u)
        self.qubit_mean[rows], self.pair_mean[rows], self.det_mean[rows] = q, f, d
        self.nominal_rate[rows] = self.channel_rate_kbps(np.arange(self.net.n_links)[None], d)
        self.nominal[rows] = self.nominal_path_fidelity(f)
        self.template[rows] = device_template(self, q, f, d)
        self._arrive(rows, u)

    def _arrive(self, rows: np.ndarray, u: np.ndarray) -> None:
        """The next request in envs ``rows``: advance the clock, release what departed, draw
        it from ``u`` (len(rows), width) and compute its mask."""
        ledger = self.ledger
        gap, src, dst, holding = draw_arrivals(u, *self.net.arrival_constants)
        self._advance_clock(rows, gap)
        new = self.request_attributes(u)
        new.update(src=src, dst=dst, pair=self.pair_index[src, dst], holding=holding)
        free, p = ledger.capacity - ledger.used[rows], ledger.parts
        mask, per_path = self.masks(
            new,
            free[:, p["qubits"]],
            free[:, p["channels"]],
            free[:, p["pairs"]],
            self.nominal_rate[rows],
        )
        new.update(per_path)
        self._store(rows, new, mask)

    def _valid(self, rows: np.ndarray, actions: np.ndarray) -> np.ndarray:
        return self.mask[rows, actions]

    def _serve(self, rows: np.ndarray, actions: np.ndarray, u: np.ndarray):
        """Allocate ``actions`` to the head requests of envs ``rows``, draw the outcomes from
        the step's uniforms ``u`` and return (reward, success)."""
        cfg = self.config
        usage = self.usages(rows, actions)
        holding = self._take(self.req["holding"], rows)
        self.ledger.allocate(rows, usage, self._take(self.t, rows) + holding)
        ok = self.outcomes(rows, actions, service_normals(u, self.max_hops))
        at = self._at(rows)
        self.count[self.COUNTS.index("served"), at] += ok
        self.count[self.COUNTS.index("failed"), at] += ~ok
        self.utility[at] += np.where(ok, cfg.utility * holding / cfg.mean_holding, 0.0)
        reward = service_reward(cfg, holding, ok, self._cost(rows, usage))
        return reward, {"success": ok.astype(np.int8)}

    # --- what the fronts show ---------------------------------------------------------------

    @property
    def observation_size(self) -> int:
        """Length of the observation (without the scalar env's optional candidate block)."""
        return self.template.shape[1]

    def flat_masks(self) -> np.ndarray:
        """(N, A) validity of every action in each env's head request."""
        return self.mask

    def observations(self) -> np.ndarray:
        """(N, D) observation of every env's head request (layout in the env docstring)."""
        ledger, rows = self.ledger, np.arange(self.num_envs)
        free, p = ledger.capacity - ledger.used, ledger.parts
        return observations(
            self,
            self.req,
            free[:, p["qubits"]],
            free[:, p["channels"]],
            free[:, p["pairs"]],
            self.nominal[rows, self.req["pair"]],
            self.template,
        )

    def metrics(self) -> dict[str, np.ndarray]:
        """(N,) running metrics of every env: acceptance and success ratios (0 before any
        decision), utility, the utilisation of each resource and the request counts (copies)."""
        c = self.count.copy()
        allocated = c[1] + c[2]  # served + failed
        num, den = np.empty((2, self.num_envs), np.int64), np.empty((2, self.num_envs), np.int64)
        num[0], num[1] = allocated, c[1]
        den[0], den[1] = allocated + c[3], allocated  # decided, allocated
        ratio = np.divide(num, den, out=np.zeros(num.shape), where=den > 0)
        out = {
            "acceptance_ratio": ratio[0],
            "success_ratio": ratio[1],
            "utility": self.utility.copy(),
        }
        out.update(zip(UTILISATION.values(), self.ledger.utilisations().T, strict=True))
        out.update(zip(COUNTS, c, strict=True))
        return out

    def head(self, i: int = 0) -> dict:
        """Env ``i``'s head request: Python scalars and per-path arrays, with its ``links``."""
        out = super().head(i)
        out["links"] = self.pair_paths[out["pair"]]
        return out

    # --- the action layout (one codec: env, masks and baselines read it) -------------------
    def encode(self, path: int, level: int, depth: int) -> int:
        """The action of serving on ``path`` with protection ``level`` and purification
        ``depth`` (0 is reject): the one action layout, inverted by :meth:`decode`."""
        return 1 + (path * LEVELS + level) * LEVELS + depth

    def decode(self, action):
        """(path, level, depth) of allocation actions (>= 1; ints or arrays)."""
        path, rest = divmod(action - 1, LEVELS * LEVELS)
        level, depth = divmod(rest, LEVELS)
        return path, level, depth

    # --- the expectations the reference policies need --------------------------------------
    def usages(self, rows: np.ndarray, actions: np.ndarray) -> np.ndarray:
        """(S, R) ledger usage of serving the head requests of envs ``rows`` with
        ``actions``: QKD holds ``channels`` (the level's margin) on each hop; DQC holds
        (2 level + 1) qubits per logical qubit at each end and gates x 2^depth pairs per slot
        on each hop."""
        req = self.req
        path, level, depth = self.decode(actions)
        pair, qkd = req["pair"][rows], req["kind"][rows] == QKD
        per_hop = np.where(qkd, req["channels"][rows, path, level], req["gates"][rows] * 2**depth)
        cols = np.where(qkd[:, None], self._hop_cols[0][pair, path], self._hop_cols[1][pair, path])
        usage = np.zeros((len(rows), self.ledger.width + 1))  # the last column absorbs pads
        i = np.arange(len(rows))
        usage[i[:, None], cols] = per_hop[:, None]
        per_logical = np.where(qkd, 0, 2 * level + 1)  # QKD holds no qubits
        usage[i, req["src"][rows]] = req["split"][rows, 0] * per_logical
        usage[i, req["dst"][rows]] = req["split"][rows, 1] * per_logical
        return usage[:, :-1]

    def _cost(self, rows: np.ndarray, usage: np.ndarray) -> np.ndarray:
        p = self.ledger.parts
        return allocation_cost(
            self.config,
            self.req["holding"][rows],
            usage[:, p["qubits"]].sum(axis=1),
            usage[:, p["channels"]].sum(axis=1),
            usage[:, p["pairs"]].sum(axis=1),
        )

    def action_costs(self, actions, i: int = 0) -> np.ndarray:
        """Resource cost of serving env ``i``'s head request with each of ``actions``."""
        rows = np.full(len(actions), i)
        return self._cost(rows, self.usages(rows, np.asarray(actions)))

    def outcomes(self, rows: np.ndarray, actions: np.ndarray, z: np.ndarray) -> np.ndarray:
        """(S,) whether serving the head requests of envs ``rows`` with ``actions`` succeeds
        under the fidelity draws ``z`` (S, max_hops + 2) standard normals: the second stage of
        seed 002's stochastic program (Sec. III)."""
        req = self.req
        path, level, depth = self.decode(actions)
        links = self.pair_paths[req["pair"][rows], path]
        qkd = req["kind"][rows] == QKD
        ok = np.zeros(len(rows), dtype=bool)
        q = np.flatnonzero(qkd)
        if q.size:
            r = rows[q]
            channels = req["channels"][r, path[q], level[q]]
            ok[q] = self.qkd_success(
                links[q], channels, req["demand"][r], self.det_mean[r], z[q, 2:]
            )
        d = np.flatnonzero(~qkd)
        if d.size:
            r = rows[d]
            sub = {k: req[k][r] for k in ("src", "dst", "gates", "split", "required")}
            ok[d] = self.dqc_success(
                sub, links[d], level[d], depth[d], self.pair_mean[r], self.qubit_mean[r], z[d]
            )
        return ok

    def candidate_values(self, actions, z: np.ndarray, i: int = 0):
        """(success probability, expected value) of serving env ``i``'s head request with
        each of ``actions`` (allocations, not 0), averaged over the fidelity scenarios ``z``
        (rows, see :meth:`scenarios`): the second stage of seed 002's two-stage stochastic
        program (Sec. III). Value = p x utility x holding scale - (1 - p) x failure penalty -
        cost, the expectation of :func:`service_reward`. SAA compares candidates on it; the
        optional observation block shows it to agents."""
        cfg, actions = self.config, np.asarray(actions)
        s, n = len(actions), len(z)
        ok = self.outcomes(np.full(s * n, i), np.repeat(actions, n), np.tile(z, (s, 1)))
        p = ok.reshape(s, n).mean(axis=1)
        scale = self.req["holding"][i] / cfg.mean_holding
        return p, p * cfg.utility * scale - (1.0 - p) * cfg.failure_penalty - self.action_costs(
            actions, i
        )

    def scenarios(self, rng, n: int) -> np.ndarray:
        """``n`` standard-normal fidelity scenarios (rows) for :meth:`outcomes`."""
        return rng.standard_normal((n, self.max_hops + 2))

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
            "split": halves(q),
        }

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
        ends = np.empty((len(g), 2), np.int64)
        ends[:, 0], ends[:, 1] = req["src"], req["dst"]
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


def halves(q: np.ndarray) -> np.ndarray:
    """(..., 2) split of q logical qubits over the two ends: ceil(q / 2) at the source."""
    out = np.empty((*q.shape, 2), np.int64)
    out[..., 0], out[..., 1] = (q + 1) // 2, q // 2
    return out


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
