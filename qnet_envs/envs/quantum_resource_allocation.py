"""``qnet/QuantumResourceAllocation-v0``: allocate channels, qubits and pairs under uncertainty."""

from __future__ import annotations

import numpy as np
from gymnasium import spaces

from ..core.resource_allocation import ResourceAllocation, ResourceAllocationConfig
from .base import CompiledRequestEnv
from .network_render import render_network

CANDIDATE_SCENARIOS = 32  # fidelity scenarios behind the optional candidate block
CANDIDATE_SEED = 0


class QuantumResourceAllocationEnv(CompiledRequestEnv):
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
    scenarios each step), offered to learners as that lever.

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
    (defaults in brackets): topology ["metro6"; also "nsfnet", the Topology Zoo's "surfnet" and
    "geant2012", an edge list or a networkx graph, as in QKDProvisioning-v0], k_paths [3],
    qubits_per_node [24], channels_per_link [8], pair_capacity_per_link [16 pairs per slot],
    max_channels_per_hop [8], load_erlang [12], mean_holding [10], qkd_fraction [0.5],
    repetition_rate_hz [1e9], qkd_demand_kbps [(100, 1500)], qkd_channel_margin [0.25 per
    level], dqc_logical_qubits [(2, 6)], dqc_remote_gates [(1, 4)], dqc_required_fidelity
    [(0.5, 0.8)],
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
        self._adopt(ResourceAllocation(config))  # a batch of one
        self.action_space = spaces.Discrete(self.core.n_actions)
        size = self.core.observation_size
        if config.observe_candidates:
            size += 2 * (self.core.n_actions - 1)
            # one fixed sample, common to every step: the env's own stream is not touched
            self._candidate_z = np.random.default_rng(CANDIDATE_SEED).standard_normal(
                (CANDIDATE_SCENARIOS, self.core.max_hops + 2)
            )
        self.observation_space = spaces.Box(0.0, 1.0, shape=(size,), dtype=np.float32)

    def decode(self, action: int) -> tuple[int, int, int] | None:
        """(path index, protection level, purification depth), or None for reject."""
        return None if action == 0 else self.core.decode(action)

    def encode(self, path: int, level: int, depth: int) -> int:
        """The action that serves on (path, level, depth); see :meth:`decode`."""
        return self.core.encode(path, level, depth)

    def _observation(self) -> np.ndarray:
        obs = super()._observation()
        if not self.config.observe_candidates:
            return obs
        return np.concatenate([obs, self._candidate_block().astype(np.float32)])

    def _candidate_block(self) -> np.ndarray:
        """Per allocation action: success probability and expected value (mapped to [0, 1]
        as 0.5 + value / (2 (utility x holding scale + failure penalty))) on the fixed
        scenarios, zeros where masked out (see the docstring's Observation Space)."""
        sim, cfg = self.core, self.config
        actions = np.flatnonzero(sim.mask[0, 1:]) + 1
        block = np.zeros((2, sim.n_actions - 1))
        if actions.size:
            p, value = sim.candidate_values(actions, self._candidate_z)
            holding = sim.request["holding"]
            span = cfg.utility * holding / cfg.mean_holding + cfg.failure_penalty
            block[0, actions - 1] = p
            block[1, actions - 1] = np.clip(0.5 + value / (2.0 * max(span, 1e-12)), 0.0, 1.0)
        return block.T.ravel()

    def render(self):
        if self.render_mode is None:
            return None
        ledger = self.core.ledger
        link_load = 0.5 * (ledger.load("channels")[0] + ledger.load("pairs")[0])
        node_load = ledger.load("qubits")[0]
        info = self.core.row_info(0)
        title = (
            f"t={self.core.t[0]:.1f} accepted={info['acceptance_ratio']:.2f} "
            f"success={info['success_ratio']:.2f} utility={info['utility']:.1f}"
        )
        return render_network(self.core.net.graph, link_load, node_load, title, self.render_mode)
