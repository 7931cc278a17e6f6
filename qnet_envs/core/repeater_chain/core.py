"""A linear chain of quantum repeaters, batch-first: every array has a leading env axis.

The core of ``qnet/EntanglementDistribution-v2``. Its step, masks and views are compiled
kernels (:mod:`qnet_envs.core.repeater_chain.kernels`) that loop over one env's nodes and
memories; the scalar env is a batch of one, and the vector env
(``gym.make_vec(..., vectorization_mode="vector_entry_point")``) and the PettingZoo front run
the same kernels. The model and every choice in it are documented in the env docstring
(:class:`qnet_envs.envs.entanglement_distribution.EntanglementDistributionEnv`).

State. Node ``a`` has ``M`` memories facing right and ``M`` facing left. A *record*
``p = a * M + s`` lives in right memory ``s`` of node ``a`` and describes what that memory
holds (``record_status``): an attempt in flight, an entangled pair (to node ``far_node[p]``,
left memory ``far_memory[p]`` there), or a qubit whose pair was lost but whose node has not
heard yet. ``left_record[b, r]`` names the record holding left memory ``r`` of node ``b`` (-1:
none); a lost pair's far qubit is detached from its record and stays busy until
``left_free_at[b, r]``. ``near_known_at`` and ``far_known_at`` are the slots at which the
record's node and the far node know the pair's Pauli frame (their classical messages
arrived). ``pair_coefficients[..., 0, :]`` is the true Bell-diagonal state,
``[..., 1, :]`` the nominal one the controller believes (same physics from the nominal
initial fidelity).
"""

from __future__ import annotations

import numpy as np

from ... import physics
from .codec import RepeaterChainCodec
from .config import OBJECTIVES, RepeaterChainConfig
from .layout import (
    ATTEMPT,
    ATTEMPTS_NOW,
    DELIVERED_NOW,
    HELD_BY,
    INFO_FLOAT_KEYS,
    INVALID,
    LEFT_FIELDS,
    N_FEATURES,
    PAIR,
    RECORD_FIELDS,
    SLOT_OUTCOME_KEYS,
    STAT_KEYS,
    TERMINATED,
    TRUNCATED,
)


def _field(table: str, index: int) -> property:
    """The view ``table[:, index]`` of a core's table, as a read-only attribute."""
    return property(lambda self: getattr(self, table)[:, index])


class RepeaterChainCore:
    """``num_envs`` repeater chains stepped together (``num_threads`` > 1 spreads the envs over
    threads; every env's result is the same). See the module docstring for the state."""

    def __init__(self, config: RepeaterChainConfig, num_envs: int = 1, num_threads: int = 1):
        from . import kernels  # compiled code: loaded with an env

        self.config = cfg = config
        self.num_envs = B = num_envs
        self.n, self.m = n, m = cfg.n_nodes, cfg.memories_per_side
        self.records = P = (n - 1) * m
        self.codec = RepeaterChainCodec(n, m)
        self.record_node = np.arange(P) // m
        self.key = np.zeros(B, dtype=np.uint64)
        self.counter = np.zeros(B, dtype=np.uint64)
        self.t = np.zeros(B, dtype=np.int64)
        # each record's integer fields, and each left memory's (named views below)
        self.record_table = np.zeros((B, len(RECORD_FIELDS), P), dtype=np.int64)
        self.left_table = np.zeros((B, len(LEFT_FIELDS), n, m), dtype=np.int64)
        self.left_table[:, HELD_BY] = -1
        self.pair_coefficients = np.zeros((B, P, 2, 4))
        self.stat_table = np.zeros((B, len(STAT_KEYS)), dtype=np.int64)
        self.delivery_sums = np.zeros((B, 2))  # true fidelities and secret fractions delivered
        # each env's working space: a slot's choices and operations per node, per-record
        # flags of the slot, the decision's left memories, two Bell-diagonal vectors
        work = (np.zeros((B, 2, n), dtype=np.int64), np.zeros((B, 4, P), dtype=np.int64),
                np.zeros((B, n, m), dtype=np.int64), np.zeros((B, 2, 4)))  # fmt: skip
        self._state = (
            self.record_table, self.left_table, self.pair_coefficients, self.t, self.key,
            self.counter, self.stat_table, self.delivery_sums, *work,
        )  # fmt: skip
        self._model = self._model_tables(cfg, kernels)
        self._drivers = kernels.DRIVERS[num_threads > 1]
        self._set_threads = kernels.set_num_threads
        self.num_threads = min(num_threads, kernels.MAX_THREADS)
        # what a step or reset leaves for the fronts (the kernels' ``outputs``), valid until
        # the next step or reset
        self.outputs = (
            np.zeros((B, n, self.codec.k), dtype=bool),  # masks of the decision state
            np.zeros((B, n, 2 * m, N_FEATURES), dtype=np.float32),  # local views
            np.zeros((B, len(SLOT_OUTCOME_KEYS)), dtype=np.int64),
            np.zeros(B),  # rewards
            np.zeros((B, m)),  # delivered fidelities
            np.zeros((B, len(INFO_FLOAT_KEYS))),
        )
        self._masks, self._views, self._slot, self._rewards, self._fidelities, self._floats = (
            self.outputs
        )
        self._all_rows = np.arange(B)

    # named views of the tables' fields (properties, so copies and pickles stay consistent)
    record_status, far_node, far_memory, born_slot, near_known_at, far_known_at = (
        _field("record_table", i) for i in range(len(RECORD_FIELDS))
    )
    left_record, left_free_at = (_field("left_table", i) for i in range(len(LEFT_FIELDS)))
    fidelity_sum, key_fraction_sum = (_field("delivery_sums", i) for i in range(2))

    @property
    def stats(self) -> dict:
        """The cumulative counts per env, by name: views of the columns of ``stat_table``."""
        return {k: self.stat_table[:, i] for i, k in enumerate(STAT_KEYS)}

    # --- constants ----------------------------------------------------------------------------
    def _timing(self, cfg: RepeaterChainConfig) -> None:
        """The slot, each link's herald period and success probability, and the classical
        message delay between every two nodes, in whole slots."""
        n = self.n
        self.slot_s = cfg.slot_s()
        self.round_trips_s = rtt = cfg.link_round_trips_s()
        self.period = np.maximum(1, np.ceil(rtt / self.slot_s - 1e-9)).astype(np.int64)
        if cfg.generation_success is not None:
            self.p_gen = np.full(n - 1, float(cfg.generation_success))
        else:
            self.p_gen = physics.heralded_success_probability(
                cfg.link_lengths(),
                cfg.attenuation_db_per_km,
                cfg.detector_efficiency,
                cfg.emission_efficiency,
            )
        # Classical messages between nodes i and j: fibre distance at c/n, in whole slots.
        pos = np.concatenate(([0.0], np.cumsum(cfg.link_lengths())))
        travel = physics.heralded_attempt_time(np.abs(pos[:, None] - pos[None, :])) / self.slot_s
        self.delay = np.ceil(travel - 1e-9).astype(np.int64)
        if not cfg.classical_delays:
            self.delay[:] = 0

    def _decay(self, cfg: RepeaterChainConfig):
        """Per-slot decoherence of a pair between nodes a and b (the rates of its two memories
        add), each link's decoherence while its pair waits one heralding round trip, and the
        age scale of the observation."""
        n = self.n
        t_dep = cfg.per_node(cfg.memory_depolarizing_time_s)
        t_deph = None
        if cfg.memory_dephasing_time_s is not None:
            t_deph = cfg.per_node(cfg.memory_dephasing_time_s)
        a, b = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
        per_slot = physics.memory_pair_decay(
            self.slot_s, (t_dep[a], t_dep[b]), None if t_deph is None else (t_deph[a], t_deph[b])
        )
        k = np.arange(n - 1)
        per_herald = physics.memory_pair_decay(
            self.round_trips_s,
            (t_dep[k], t_dep[k + 1]),
            None if t_deph is None else (t_deph[k], t_deph[k + 1]),
        )
        scale = cfg.cutoff_slots
        if scale is None:
            finite = t_dep[np.isfinite(t_dep)]
            scale = max(1.0, finite.min() / self.slot_s) if finite.size else 100.0
        self.age_scale = float(scale)
        return per_slot, per_herald

    def _model_tables(self, cfg: RepeaterChainConfig, kernels) -> tuple:
        """The kernels' ``model`` tuple, in the order of its names there."""
        self._timing(cfg)
        (keep_slot, pz_slot), (keep_herald, pz_herald) = self._decay(cfg)
        tables = kernels.physics_tables(
            cfg, keep_slot, pz_slot, keep_herald, pz_herald, cfg.initial_fidelity.nominal
        )
        decay_map, swap_map, purify_map, fresh_base, fresh_slope, nominal_fresh = tables
        # what a fresh pair of each link looks like to its nodes when heralded: the nominal
        # fidelity after the link's round trip in memory (read by the cutoff baselines)
        self.herald_nominal_fidelity = nominal_fresh[:, 0].copy()
        cd, law = self.codec, cfg.initial_fidelity
        offsets = np.array([cd.swap0, cd.purify0, cd.discard_right0, cd.discard_left0, cd.k])
        pairs = np.array(cd.purify_pairs, dtype=np.int64).reshape(-1, 2)
        return (
            self.n, self.m, self.record_node, self.delay, self.period, self.p_gen,
            float(cfg.swap_success), -1 if cfg.cutoff_slots is None else int(cfg.cutoff_slots),
            float(cfg.target_fidelity), decay_map, fresh_base, fresh_slope, nominal_fresh,
            swap_map, purify_map, pairs, cd.op_of, offsets,
            np.array([law.code, law.mean, law.spread, law.low], dtype=float), self.age_scale,
            0 if cfg.reveal_fidelity else 1, OBJECTIVES.index(cfg.objective),
            np.array([cfg.attempt_cost, cfg.memory_cost, cfg.invalid_action_penalty], dtype=float),
            int(cfg.horizon), float(self.slot_s), self.period - 1,
        )  # fmt: skip

    # --- reset and step ----------------------------------------------------------------------
    def reset_rows(self, rows: np.ndarray, keys: np.ndarray | None = None) -> None:
        """Empty the chains ``rows`` (with new ``keys`` if given; else each env's stream goes on)
        and run the first round of generation attempts, at slot 0."""
        rows = np.asarray(rows, dtype=np.int64)
        if keys is not None:  # a new seed restarts the env's stream
            self.key[rows] = keys
            self.counter[rows] = 0
        self._run("reset", rows)

    def step(self, actions: np.ndarray, rows: np.ndarray | None = None) -> dict:
        """Advance the envs ``rows`` (default: all) one slot under ``actions`` (B, n), in range
        but maybe masked out.

        Order (the ``inesta2023`` convention, extended): node operations (discards, then
        purifications, then swaps, all nodes at once), delivery, cutoffs, then generation
        attempts launched on every memory pair free at this slot; the slot ends (ages +1, one
        slot of decoherence), classical messages arriving then free memories and complete
        deliveries, and the heralds due then resolve. A memory freed by a message that arrives
        at slot t + 1 launches its next attempt at t + 1: every attempt lasts its link's round
        trip, whichever way its memories were freed. Returns the slot's outcome: arrays over
        every env, views of buffers that the next step or reset overwrites (rows not stepped
        read as just reset).
        """
        rows = self._all_rows if rows is None else np.asarray(rows, dtype=np.int64)
        self._run("step", rows, np.asarray(actions, dtype=np.int64))
        return self.outcome()

    def outcome(self) -> dict:
        """The last step's (or reset's) outcome per env; see :meth:`step`."""
        slot = self._slot
        return {
            "reward": self._rewards,
            "terminated": slot[:, TERMINATED] > 0,
            "truncated": slot[:, TRUNCATED] > 0,
            "invalid": slot[:, INVALID] > 0,
            "delivered_now": slot[:, DELIVERED_NOW],
            "delivered_fidelities": self._fidelities,
            "attempts_now": slot[:, ATTEMPTS_NOW],
        }

    def _run(self, phase: str, *args) -> None:
        if self.num_threads > 1:
            self._set_threads(self.num_threads)  # thread-local in numba: set for every call
        self._drivers[phase](self._state, self._model, self.outputs, *args)

    # --- what the fronts read -----------------------------------------------------------------
    def masks(self) -> np.ndarray:
        """(B, n, K) validity of every node's choices at the current decision state (a buffer
        that the next step overwrites; do not modify it)."""
        return self._masks

    def observations(self) -> np.ndarray:
        """(B, n * 2M * N_FEATURES) the centralised observation: every node's local views,
        flattened (a view of the buffer that the next step overwrites)."""
        return self._views.reshape(self.num_envs, -1)

    def flat_masks(self) -> np.ndarray:
        """(B, n * K) every node's choice masks, concatenated (a view of the buffer)."""
        return self._masks.reshape(self.num_envs, -1)

    def local_views(self) -> np.ndarray:
        """(B, n, 2M, N_FEATURES) what each node knows of its own memories (left, then right):
        a buffer that the next step overwrites."""
        return self._views

    def infos(self) -> dict:
        """Every env's info entries but the masks, as (B, ...) arrays (copies): the cumulative
        counts, the true mean delivered fidelity and secret fraction (0 before any delivery),
        the last slot's deliveries and their fidelities (zero-padded), the slot and the
        simulated time. The vector front returns them; a scalar front reads
        :meth:`row_info`, the same entries of one env."""
        infos = dict(zip(STAT_KEYS, self.stat_table.T.copy(), strict=True))
        infos.update(zip(INFO_FLOAT_KEYS, self._floats.T.copy(), strict=True))
        infos["delivered_now"] = self._slot[:, DELIVERED_NOW].copy()
        infos["delivered_fidelities"] = self._fidelities.copy()
        infos["t"] = self.t.copy()
        return infos

    def row_info(self, i: int) -> dict:
        """Env ``i``'s entries of :meth:`infos` as Python scalars (the fidelities an array)."""
        info = dict(zip(STAT_KEYS, self.stat_table[i].tolist(), strict=True))
        info.update(zip(INFO_FLOAT_KEYS, self._floats[i].tolist(), strict=True))
        info["delivered_now"] = int(self._slot[i, DELIVERED_NOW])
        info["delivered_fidelities"] = self._fidelities[i].copy()
        info["t"] = int(self.t[i])
        return info

    # --- invariants ---------------------------------------------------------------------------
    def check_invariants(self) -> None:
        """Raise AssertionError if the state is inconsistent: every left memory held by a live
        record points back to it, coefficients are distributions, times are ordered."""
        status = self.record_status
        live = (status == ATTEMPT) | (status == PAIR)
        env, rec = np.nonzero(live)
        b, r = self.far_node[env, rec], self.far_memory[env, rec]
        assert np.all(self.left_record[env, b, r] == rec), (
            "a live record's far memory is not its own"
        )
        assert np.all(b > self.record_node[rec]), "a pair must end to the right of its record"
        e2, b2, r2 = np.nonzero(self.left_record >= 0)
        back = self.left_record[e2, b2, r2]
        assert np.all(live[e2, back]), "a left memory points at a dead record"
        assert np.all(self.far_node[e2, back] == b2) and np.all(self.far_memory[e2, back] == r2)
        assert live.sum() == len(e2), "records and held left memories disagree"
        pairs = self.pair_coefficients[status == PAIR]
        assert np.all(pairs >= -1e-12) and np.allclose(pairs.sum(axis=-1), 1.0)
        ages = (self.t[:, None] - self.born_slot)[status == PAIR]
        assert np.all(ages >= 0), "a pair was born in the future"
