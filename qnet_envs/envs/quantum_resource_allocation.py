"""``qnet/QuantumResourceAllocation-v0``: allocate channels, qubits and pairs under uncertainty."""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from ..core.resource_allocation import (
    QKD,
    ResourceAllocation,
    ResourceAllocationConfig,
)
from ._actions import discrete_action
from .base import QnetEnv
from .network_render import render_network

CANDIDATE_SCENARIOS = 32  # fidelity scenarios behind the optional candidate block
CANDIDATE_SEED = 0


def device_template(sim, qubit_mean, pair_mean, det_mean) -> np.ndarray:
    """(B, D) observations holding only each episode's device means (fixed for the episode)."""
    cfg = sim.config
    n, e = sim.net.n_nodes, sim.net.n_links
    t = np.zeros((len(qubit_mean), 7 + 4 * n + 6 * cfg.k_paths + 4 * e), dtype=np.float32)
    i = 2 * n + 7 + 6 * cfg.k_paths
    t[:, i + n : i + 2 * n] = qubit_mean
    i += 2 * n + 2 * e
    t[:, i : i + e] = pair_mean
    t[:, i + e : i + 2 * e] = 2 * det_mean
    return t


def observations(sim, req, free_q, free_c, free_p, nominal, template) -> np.ndarray:
    """(B, D) observations of B requests given the free resources, the nominal fidelities
    (B, k) of the requests' paths and the per-episode ``template`` (layout in the env's
    docstring). ``req`` holds (B, ...) arrays: src, dst, kind, demand, qubits, gates, required,
    holding and the per-path exists, hops, free_channels, free_pairs, channels (QKD need)."""
    cfg, net = sim.config, sim.net
    n, k, e = net.n_nodes, cfg.k_paths, net.n_links
    b = len(template)
    rows = np.arange(b)
    obs = template.copy()
    obs[rows, req["src"]] = 1.0
    obs[rows, n + req["dst"]] = 1.0
    qkd = req["kind"] == QKD
    dqc = ~qkd
    head = obs[:, 2 * n : 2 * n + 7]
    head[:, 0] = qkd
    head[:, 1] = dqc
    head[:, 2] = qkd * req["demand"] * (1.0 / cfg.qkd_demand_kbps[1])
    head[:, 3] = dqc * req["qubits"] * (1.0 / cfg.dqc_logical_qubits[1])
    head[:, 4] = dqc * req["gates"] * (1.0 / cfg.dqc_remote_gates[1])
    head[:, 5] = dqc * req["required"]
    head[:, 6] = np.minimum(req["holding"] * (0.1 / cfg.mean_holding), 1.0)
    i = 2 * n + 7
    per_path = obs[:, i : i + 6 * k].reshape(b, k, 6)
    per_path[..., 0] = req["exists"]
    per_path[..., 1] = req["hops"] * (1.0 / net.max_hops)
    per_path[..., 2] = req["free_channels"] * (1.0 / cfg.channels_per_link)
    per_path[..., 3] = req["free_pairs"] * (1.0 / cfg.pair_capacity_per_link)
    per_path[..., 4] = nominal
    c = cfg.max_channels_per_hop
    per_path[..., 5] = qkd[:, None] * np.minimum(req["channels"][..., 0], c) * (1.0 / c)
    i += 6 * k
    obs[:, i : i + n] = free_q * (1.0 / cfg.qubits_per_node)
    i += 2 * n
    obs[:, i : i + e] = free_c * (1.0 / cfg.channels_per_link)
    obs[:, i + e : i + 2 * e] = free_p * (1.0 / cfg.pair_capacity_per_link)
    return obs


class QuantumResourceAllocationEnv(QnetEnv):
    """
    ## Description

    The three quantum resources of seed 002 (Xu et al., Sec. II-C, TABLE I), quantum channels,
    computation qubits and entangled pairs, allocated on a quantum computing network under
    uncertain fidelities (Sec. III: "stochastic programming ... accounting for the uncertain
    fidelities of qubits and entangled pairs"). QKD and distributed-quantum-computing (DQC)
    requests arrive as a Poisson process on a 6-node metro mesh (or any graph given). For the
    request at the head of the queue the controller rejects it or picks a path among the k
    shortest, a protection level (0-2: each logical qubit in a distance 1/3/5 repetition code;
    for QKD an extra channel margin) and a purification depth (0-2 BBPSSW rounds per link,
    DQC only). The service's fidelity is then drawn from distributions whose parameters the
    controller observes; the draw itself stays hidden. Physics and the success rule are in
    :mod:`qnet_envs.core.resource_allocation`.

    ## Action Space

    ``Discrete(1 + 9k)``: 0 rejects; ``1 + (path * 3 + level) * 3 + depth`` allocates.
    ``info["action_mask"]`` allows an allocation only if it fits the free qubits, channels
    and pair capacity, and (QKD) needs at most ``max_channels_per_hop`` channels with depth 0.
    A masked-out action rejects the request and costs ``invalid_action_penalty`` with
    ``info["invalid_action"] = True``. Out of space raises ``ValueError``.

    ## Observation Space

    ``Box(0, 1, (7 + 4N + 6k + 4E,), float32)``: request kind (QKD, DQC one-hot), source and
    destination one-hot, demand / max demand, logical qubits / max, remote gates / max,
    required fidelity, holding / (10 x mean) clipped; per path: exists, hops / max hops, free
    channels and free pair capacity on its busiest hop (fractions), nominal end-to-end pair
    fidelity without purification, channels needed at level 0 / max per hop (clipped); per
    node: free-qubit fraction and mean qubit fidelity; per link: free-channel and free-pair
    fractions, mean elementary-pair fidelity and 2 x mean detector error.

    With ``observe_candidates=True`` (off by default; the v0 observation is unchanged) a
    block of 2 x 9k entries follows: per allocation action, in action order, the success
    probability of serving the head request with it and its expected value mapped to [0, 1]
    (0.5 + value / (2 (utility x holding / mean holding + failure_penalty))), both averaged
    over one fixed sample of 32 fidelity scenarios drawn once from a generator seeded 0 (the
    env's own random stream is untouched, so trajectories are those of the default env);
    zeros for masked-out actions. It is what SAA's choice follows (SAA draws fresh
    scenarios each step), offered to learners as the lever issue 16 names.

    ## Rewards

    Success earns ``utility`` x holding / mean holding; a failed service pays
    ``failure_penalty``. Every allocation pays, scaled by holding / mean holding,
    ``qubit_cost`` per physical qubit, ``channel_cost`` per channel-hop and ``pair_cost`` per
    pair per slot on each hop. Rejection earns 0.

    ## Starting State

    An empty network; the means of every node's and link's fidelity distributions are drawn
    per episode from the configured ranges (heterogeneous devices).

    ## Episode End

    Truncated after ``horizon`` requests (1000). Never terminates.

    ## Info

    ``acceptance_ratio``, ``success_ratio``, ``utility`` (cumulative), ``qubit_utilisation``,
    ``channel_utilisation``, ``pair_utilisation``, ``served``, ``failed``, ``rejected``,
    ``arrived``, ``success`` (of this step's allocation: 1 served, 0 failed, -1 no allocation), ``action_mask``,
    ``invalid_action``.

    ## Arguments

    All fields of :class:`qnet_envs.core.resource_allocation.ResourceAllocationConfig`
    (defaults in brackets): topology ["metro6"], k_paths [3], qubits_per_node [24],
    channels_per_link [8], pair_capacity_per_link [16 pairs per slot], max_channels_per_hop
    [8], load_erlang [12], mean_holding [10], qkd_fraction [0.5], repetition_rate_hz [1e9],
    qkd_demand_kbps [(100, 1500)], qkd_channel_margin [0.25 per level], dqc_logical_qubits
    [(2, 6)], dqc_remote_gates [(1, 4)], dqc_required_fidelity [(0.5, 0.8)],
    qubit_fidelity_mean [(0.97, 0.995): single-qubit-error regimes of current superconducting
    and trapped-ion devices] with spread [0.01], pair_fidelity_mean [(0.90, 0.97)] with spread
    [0.03], detector_error_mean [(0.02, 0.04): around the GYS 3.3%] with spread [0.01],
    memory_coherence_time_s [0.01], gate_fidelity [0.99], meas_fidelity [0.995], utility
    [1.0], failure_penalty [0.5], qubit_cost [0.005], channel_cost [0.01], pair_cost [0.002],
    invalid_action_penalty [0.1], horizon [1000], observe_candidates [False].

    ## Version History

    * v0: initial release. Before the first tagged release the random stream changed once (same
      distributions): every reset and step now reads a fixed block of uniforms, turned into
      variates by inverse transforms, so that the batched vector env
      (``gym.make_vec(id, num_envs=N)``) reproduces scalar envs; trajectories for a given seed
      differ from earlier builds.
    """

    metadata = {"render_modes": ["ansi", "rgb_array"], "render_fps": 4}
    metric_keys = ("utility", "acceptance_ratio", "success_ratio", "qubit_utilisation")

    @classmethod
    def default_config(cls) -> ResourceAllocationConfig:
        return ResourceAllocationConfig()

    def _configure(self, config: ResourceAllocationConfig) -> None:
        self.config = config
        self.sim = ResourceAllocation(config)
        net = self.sim.net
        self.action_space = spaces.Discrete(self.sim.n_actions)
        size = 7 + 4 * net.n_nodes + 6 * config.k_paths + 4 * net.n_links
        if config.observe_candidates:
            size += 2 * (self.sim.n_actions - 1)
            # one fixed sample, common to every step: the env's own stream is not touched
            self._candidate_z = np.random.default_rng(CANDIDATE_SEED).standard_normal(
                (CANDIDATE_SCENARIOS, self.sim.max_hops + 2)
            )
        self.observation_space = spaces.Box(0.0, 1.0, shape=(size,), dtype=np.float32)

    def decode(self, action: int) -> tuple[int, int, int] | None:
        """(path index, protection level, purification depth), or None for reject."""
        return None if action == 0 else self.sim.decode(action)

    def encode(self, path: int, level: int, depth: int) -> int:
        """The action that serves on (path, level, depth); see :meth:`decode`."""
        return self.sim.encode(path, level, depth)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        self._begin_reset(seed, options)
        self.sim.reset(self.np_random)
        self._template = self._make_template()
        self._steps = 0
        return self._observation(), self._info(False, None)

    def step(self, action):
        a = discrete_action(action, self.action_space.n)
        sim, cfg = self.sim, self.config
        invalid = not sim.mask[a]
        success = None
        u = sim.step_uniforms()
        if a == 0 or invalid:
            sim.reject()
            reward = -cfg.invalid_action_penalty if invalid else 0.0
        else:
            reward, success = sim.serve(a, u)
        self._steps += 1
        sim.advance(u)
        truncated = self._steps >= cfg.horizon
        return self._observation(), float(reward), False, truncated, self._info(invalid, success)

    def _observation(self) -> np.ndarray:
        sim = self.sim
        req, ledger = sim.request, sim.net.ledger
        obs = observations(
            sim,
            sim.request_batch,
            ledger.free("qubits")[None],
            ledger.free("channels")[None],
            ledger.free("pairs")[None],
            sim.nominal_pair_f[req["pair"]][None],
            self._template[None],
        )[0]
        if not self.config.observe_candidates:
            return obs
        return np.concatenate([obs, self._candidate_block().astype(np.float32)])

    def _candidate_block(self) -> np.ndarray:
        """Per allocation action: success probability and expected value (mapped to [0, 1]
        as 0.5 + value / (2 (utility x holding scale + failure penalty))) on the fixed
        scenarios, zeros where masked out (see the docstring's Observation Space)."""
        sim, cfg = self.sim, self.config
        actions = np.flatnonzero(sim.mask[1:]) + 1
        block = np.zeros((2, sim.n_actions - 1))
        if actions.size:
            p, value = sim.candidate_values(actions, self._candidate_z)
            span = cfg.utility * sim.request["holding"] / cfg.mean_holding + cfg.failure_penalty
            block[0, actions - 1] = p
            block[1, actions - 1] = np.clip(0.5 + value / (2.0 * max(span, 1e-12)), 0.0, 1.0)
        return block.T.ravel()

    def _make_template(self) -> np.ndarray:
        """An observation holding only this episode's device means (fixed for the episode)."""
        sim = self.sim
        return device_template(sim, sim.qubit_mean[None], sim.pair_mean[None], sim.det_mean[None])[
            0
        ]

    def action_mask(self) -> np.ndarray:
        return self.sim.mask.astype(np.int8)

    def _info(self, invalid: bool, success) -> dict:
        c = self.sim.net.counts
        decided = c["served"] + c["failed"] + c["rejected"]
        allocated = c["served"] + c["failed"]
        util = self.sim.net.ledger.utilisation()
        return {
            "action_mask": self.action_mask(),
            "invalid_action": invalid,
            "success": -1 if success is None else int(success),
            "acceptance_ratio": allocated / decided if decided else 0.0,
            "success_ratio": c["served"] / allocated if allocated else 0.0,
            "utility": self.sim.stats["utility"],
            "qubit_utilisation": util["qubits"],
            "channel_utilisation": util["channels"],
            "pair_utilisation": util["pairs"],
            "served": c["served"],
            "failed": c["failed"],
            "rejected": c["rejected"],
            "arrived": c["arrived"],
        }

    def render(self):
        if self.render_mode is None:
            return None
        ledger = self.sim.net.ledger
        link_load = 0.5 * (
            ledger.used["channels"] / ledger.capacity["channels"]
            + ledger.used["pairs"] / ledger.capacity["pairs"]
        )
        node_load = ledger.used["qubits"] / ledger.capacity["qubits"]
        info = self._info(False, None)
        title = (
            f"t={self.sim.net.t:.1f} accepted={info['acceptance_ratio']:.2f} "
            f"success={info['success_ratio']:.2f} utility={info['utility']:.1f}"
        )
        return render_network(self.sim.net.graph, link_load, node_load, title, self.render_mode)
