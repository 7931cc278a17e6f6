"""Allocation of the three quantum resources of seed 002 under uncertain fidelities, batch-first.

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

The step is compiled (:mod:`qnet_envs.core.resource_allocation.kernels`); this class holds the
state of ``num_envs`` episodes with a leading env axis and calls the kernels. The scalar env is
a batch of one and the vector env (:class:`qnet_envs.vector.QuantumResourceAllocationVectorEnv`)
runs this same code; env i seeded ``s + i`` draws what the scalar env seeded ``s + i`` draws.
"""

from __future__ import annotations

import numpy as np

from ... import physics
from ..request_core import CompiledRequestCore
from ..request_stream import PathNetwork, padded_path_tables
from ..slot_ledger import SlotLedger
from . import codec
from .config import ResourceAllocationConfig
from .layout import (
    COUNTS,
    INFO_FLOAT_KEYS,
    LEVELS,
    PATH_VIEW_KEYS,
    REQUEST_FLOAT_KEYS,
    REQUEST_INT_KEYS,
    halves,
    params_of,
)


class ResourceAllocation(CompiledRequestCore):
    """``num_envs`` allocation episodes stepped together (a scalar env is a batch of one;
    ``num_threads`` > 1 spreads the envs over threads with the same results).

    State, each with a leading env axis: the clock ``t``, the requests decided ``steps``, the
    request ``count`` (rows in ``COUNTS`` order) and realised ``utility``, the resource ledger
    (:class:`SlotLedger`: qubits per node | channels per link | pairs per link), the episode's
    device means (``qubit_mean``, ``pair_mean``, ``det_mean``, each link's ``nominal_rate``
    and every path's ``nominal`` fidelity) and the head request (``request_ints``,
    ``request_floats``, its paths' ``path_view`` and QKD ``channels_needed`` per level)."""

    COUNTS = COUNTS
    EXTRA = "success"  # of this step's allocation: 1 served, 0 failed, -1 none

    def __init__(
        self, config: ResourceAllocationConfig, num_envs: int = 1, slots: int = 32,
        num_threads: int = 1,
    ):  # fmt: skip
        from . import kernels  # compiled code: loaded with an env

        self.config = cfg = config
        self.num_envs = N = num_envs
        arrival_rate = cfg.load_erlang / cfg.mean_holding
        self.net = net = PathNetwork(cfg.topology, cfg.k_paths, arrival_rate, cfg.mean_holding)
        n, e, k = net.n_nodes, net.n_links, cfg.k_paths
        self.n_actions = 1 + k * LEVELS * LEVELS
        self.max_hops = net.max_hops
        self._paths(net)
        self.ledger = SlotLedger(
            {
                "qubits": np.full(n, float(cfg.qubits_per_node)),
                "channels": np.full(e, float(cfg.channels_per_link)),
                "pairs": np.full(e, float(cfg.pair_capacity_per_link)),
            },
            N,
            slots,
        )
        self.t, self.utility = np.zeros(N), np.zeros(N)
        self.steps = np.zeros(N, dtype=np.int64)
        self.count = np.zeros((len(COUNTS), N), dtype=np.int64)
        self.key = np.zeros(N, dtype=np.uint64)
        self.counter = np.zeros(N, dtype=np.uint64)
        self.qubit_mean, self.pair_mean = np.zeros((N, n)), np.zeros((N, e))
        self.det_mean, self.nominal_rate = np.zeros((N, e)), np.zeros((N, e))
        self.nominal = np.zeros((N, *self.pair_paths.shape[:2]))
        self.request_ints = np.zeros((N, len(REQUEST_INT_KEYS)), dtype=np.int64)
        self.request_floats = np.zeros((N, len(REQUEST_FLOAT_KEYS)))
        self.path_view = np.zeros((N, k, len(PATH_VIEW_KEYS)))
        self.channels_needed = np.zeros((N, k, LEVELS))
        # per-env working space of the kernels: an allocation's ledger columns, and rows of
        # uniforms or amounts, service normals and link fidelities
        width = max(self.max_hops + 2, 8)
        self.scratch_columns = np.zeros((N, width), dtype=np.int64)
        self.scratch = np.zeros((N, 3, width))
        self.outputs = (
            np.zeros((N, self.n_actions), dtype=bool),  # masks of the head requests
            np.zeros((N, 7 + 4 * n + 6 * k + 4 * e), dtype=np.float32),  # observations
            np.zeros(N),  # rewards
            np.zeros(N, dtype=bool),  # invalid actions
            np.zeros(N, dtype=bool),  # truncated
            np.zeros(N, dtype=np.int8),  # success (-1: nothing allocated)
            np.zeros((N, len(INFO_FLOAT_KEYS))),  # running metrics
        )
        self._kernel_functions = (kernels.outcomes_of, kernels.costs_of)
        self._drivers = kernels.DRIVERS[num_threads > 1]
        self._set_threads = kernels.set_num_threads
        self.num_threads = num_threads
        self._all_rows = np.arange(N)
        self._bind(cfg, net)

    def _paths(self, net: PathNetwork) -> None:
        """Each ordered (src, dst) pair's row of the padded path table (``pair_index``) and
        its k paths' links (-1 pads), existence and hops."""
        n = net.n_nodes
        self.pair_index = np.full((n, n), -1, dtype=np.int64)
        keys = sorted(net.padded_paths)
        for i, key in enumerate(keys):
            self.pair_index[key] = i
        self.pair_paths = np.stack([net.padded_paths[key] for key in keys])  # (P, k, H)
        tables = padded_path_tables(self.pair_paths)
        self.path_exists, self.path_hops = tables["exists"], tables["hops"]

    def _bind(self, cfg: ResourceAllocationConfig, net: PathNetwork) -> None:
        """The kernels' ``state`` and ``model`` tuples (the state rebuilt when the ledger's
        slot table grows)."""
        lengths = net.link_length
        # Mean time to herald one elementary pair on each link: attempt time / success
        # probability; a pair purified to depth r first waits for its 2^r - 1 partners.
        pair_time_s = physics.heralded_attempt_time(lengths) / physics.heralded_success_probability(
            lengths
        )
        wait = (2 ** np.arange(LEVELS)[None, :] - 1) * pair_time_s[:, None]
        keep = physics.decay_factor(wait, cfg.memory_coherence_time_s)
        terms = physics.decoy_bb84_terms(lengths)
        self._model = (
            net.n_nodes, net.n_links, cfg.k_paths, self.pair_index.ravel(), self.pair_paths,
            self.path_exists, self.path_hops, np.stack([terms[k] for k in physics.DECOY_TERMS]),
            keep, *net.arrival_constants, np.array(params_of(cfg)),
            self.ledger.capacity + 1e-9,
        )  # fmt: skip
        self._rebind()

    def _rebind(self) -> None:
        ledger = self.ledger
        self._state = (
            self.t, self.steps, self.count, self.key, self.counter, ledger.used, ledger.dep,
            ledger.usage, ledger.allocated, ledger.released, self.utility, self.qubit_mean,
            self.pair_mean, self.det_mean, self.nominal_rate, self.nominal, self.request_ints,
            self.request_floats, self.path_view, self.channels_needed, self.scratch_columns,
            self.scratch,
        )  # fmt: skip

    # --- what the fronts show ---------------------------------------------------------------
    @property
    def mask(self) -> np.ndarray:
        return self.outputs[0]

    def metrics(self) -> dict[str, np.ndarray]:
        """(N,) running metrics of every env (copies): acceptance and success ratios (0
        before any decision), utility, the utilisation of each resource and the counts."""
        out = dict(zip(INFO_FLOAT_KEYS, self.outputs[-1].T.copy(), strict=True))
        out.update(zip(COUNTS, self.count.copy(), strict=True))
        return out

    def row_info(self, i: int) -> dict:
        """Env ``i``'s entries of :meth:`infos` as Python scalars."""
        out = {"success": int(self.outputs[5][i])}
        out.update(zip(INFO_FLOAT_KEYS, self.outputs[-1][i].tolist(), strict=True))
        out.update(zip(COUNTS, self.count[:, i].tolist(), strict=True))
        return out

    def head(self, i: int = 0) -> dict:
        """Env ``i``'s head request: its attributes (Python scalars), ``split`` of its logical
        qubits over the two ends, its paths' ``links`` and per-path arrays (``exists``,
        ``hops``, ``free_channels``, ``free_pairs``, QKD ``channels`` per level)."""
        out = dict(zip(REQUEST_INT_KEYS, self.request_ints[i].tolist(), strict=True))
        out.update(zip(REQUEST_FLOAT_KEYS, self.request_floats[i].tolist(), strict=True))
        out["split"] = np.array(halves(out["qubits"]))
        out["links"] = self.pair_paths[out["pair"]]
        for j, key in enumerate(PATH_VIEW_KEYS):
            out[key] = self.path_view[i, :, j].copy()
        out["exists"] = out["exists"] > 0
        out["hops"] = out["hops"].astype(np.int64)
        out["channels"] = self.channels_needed[i].copy()
        return out

    # --- the action layout (one codec: env, masks, kernels and baselines read it) -----------
    def encode(self, path: int, level: int, depth: int) -> int:
        """The action of serving on ``path`` with protection ``level`` and purification
        ``depth`` (0 is reject), inverted by :meth:`decode`."""
        return codec.encode(path, level, depth)

    def decode(self, action):
        """(path, level, depth) of allocation actions (>= 1; ints or arrays)."""
        return codec.decode(action)

    # --- the expectations the reference policies need --------------------------------------
    def outcomes(self, actions, z: np.ndarray, i: int = 0) -> np.ndarray:
        """(S,) whether serving env ``i``'s head request with ``actions[s]`` succeeds under the
        fidelity draws ``z[s]`` (S, max_hops + 2) standard normals (qubit ends, then hops): the
        step's own outcome, the second stage of seed 002's stochastic program (Sec. III)."""
        actions = np.ascontiguousarray(actions, dtype=np.int64)
        out = np.zeros(len(actions), dtype=bool)
        self._kernel_functions[0](self._state, self._model, i, actions,
                                  np.ascontiguousarray(z, dtype=float), out)  # fmt: skip
        return out

    def action_costs(self, actions, i: int = 0) -> np.ndarray:
        """Resource cost of serving env ``i``'s head request with each of ``actions``."""
        actions = np.ascontiguousarray(actions, dtype=np.int64)
        out = np.zeros(len(actions))
        self._kernel_functions[1](self._state, self._model, i, actions, out)
        return out

    def candidate_values(self, actions, z: np.ndarray, i: int = 0):
        """(success probability, expected value) of serving env ``i``'s head request with
        each of ``actions`` (allocations, not 0), averaged over the fidelity scenarios ``z``
        (rows, see :meth:`scenarios`): the second stage of seed 002's two-stage stochastic
        program (Sec. III). Value = p x utility x holding scale - (1 - p) x failure penalty -
        cost, the expectation of the step's reward. SAA compares candidates on it; the
        optional observation block shows it to agents."""
        cfg, actions = self.config, np.asarray(actions)
        s, n = len(actions), len(z)
        ok = self.outcomes(np.repeat(actions, n), np.tile(z, (s, 1)), i)
        p = ok.reshape(s, n).mean(axis=1)
        scale = self.request_floats[i, REQUEST_FLOAT_KEYS.index("holding")] / cfg.mean_holding
        return p, p * cfg.utility * scale - (1.0 - p) * cfg.failure_penalty - self.action_costs(
            actions, i
        )

    def scenarios(self, rng, n: int) -> np.ndarray:
        """``n`` standard-normal fidelity scenarios (rows) for :meth:`outcomes`."""
        return rng.standard_normal((n, self.max_hops + 2))
