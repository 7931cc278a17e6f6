"""A linear chain of quantum repeaters, batch-first: every array has a leading env axis.

Pure-numpy core of ``qnet/EntanglementDistribution-v2``. The scalar env is a batch of one; the
vector env (``gym.make_vec(..., vectorization_mode="vector_entry_point")``) and the PettingZoo
front run this same code. The model and every choice in it are documented in the env docstring
(:class:`qnet_envs.envs.entanglement_distribution.EntanglementDistributionEnv`).

State layout. Node ``a`` has ``M`` memories facing right and ``M`` facing left. A *record*
``p = a * M + s`` lives in right memory ``s`` of node ``a`` and describes what that memory holds:
an attempt in flight, an entangled pair (to node ``end[p]``, left memory ``rmem[p]`` there), or
a qubit whose pair was lost but whose node has not heard yet. ``lrec[b, r]`` names the record
holding left memory ``r`` of node ``b`` (-1: none); a lost pair's far qubit is detached from
its record and stays busy until ``lrelease[b, r]``. ``ready_l``/``ready_r`` are the slots at
which the left and right ends know the pair's Pauli frame (their classical messages arrived).
Coefficients ``coef[..., 0, :]`` are the true Bell-diagonal state, ``coef[..., 1, :]`` the
nominal one the controller believes (same physics from the nominal initial fidelity).
"""

from __future__ import annotations

import numpy as np

from .. import physics
from .counter_rng import uniforms
from .repeater_chain_codec import RepeaterChainCodec
from .repeater_chain_config import RepeaterChainConfig
from .repeater_chain_layout import (
    ATTEMPT,
    EMPTY,
    GEN_STREAM,
    LOST,
    PAIR,
    STAT_KEYS,
)
from .repeater_chain_masks import local_views, node_masks
from .repeater_chain_ops import apply_operations, deliver


class RepeaterChainCore:
    """``num_envs`` repeater chains stepped together. See the module docstring for the state."""

    def __init__(self, config: RepeaterChainConfig, num_envs: int = 1):
        self.config = cfg = config
        self.num_envs = B = num_envs
        self.n, self.m = n, m = cfg.n_nodes, cfg.memories_per_side
        self.P = P = (n - 1) * m
        self.codec = RepeaterChainCodec(n, m)
        self._constants(cfg)
        self.rows = np.arange(B)
        self._every = np.ones(B, dtype=bool)  # generation's ``active``: every env, each slot
        self._choice_rows = (self.rows[:, None], np.arange(n)[None, :])  # (env, node) of actions
        self.rec_node = np.arange(P) // m
        self.key = np.zeros(B, dtype=np.uint64)
        self.counter = np.zeros(B, dtype=np.uint64)
        self.t = np.zeros(B, dtype=np.int64)
        self.status = np.zeros((B, P), dtype=np.int8)
        self.end = np.zeros((B, P), dtype=np.int64)
        self.rmem = np.zeros((B, P), dtype=np.int64)
        self.born = np.zeros((B, P), dtype=np.int64)
        self.ready_l = np.zeros((B, P), dtype=np.int64)
        self.ready_r = np.zeros((B, P), dtype=np.int64)
        self.coef = np.zeros((B, P, 2, 4))
        self.lrec = np.full((B, n, m), -1, dtype=np.int64)
        self.lrelease = np.zeros((B, n, m), dtype=np.int64)
        self.stats = {k: np.zeros(B, dtype=np.int64) for k in STAT_KEYS}
        self.fidelity_sum = np.zeros(B)
        self.key_fraction_sum = np.zeros(B)
        self._invalidate()

    def _invalidate(self) -> None:
        """The state changed: forget the masks and the frame knowledge derived from it."""
        self._mask_cache = None
        self._known_cache = None

    def _constants(self, cfg: RepeaterChainConfig) -> None:
        n = self.n
        self.slot_s = cfg.slot_s()
        rtt = cfg.link_round_trips_s()
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
        # Per-slot decoherence of a pair between nodes a and b (rates of its two memories add),
        # and each link's decoherence while its pair waits one heralding round trip.
        t_dep = cfg.per_node(cfg.memory_depolarizing_time_s)
        t_deph = None
        if cfg.memory_dephasing_time_s is not None:
            t_deph = cfg.per_node(cfg.memory_dephasing_time_s)
        a, b = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
        self.keep_slot, self.pz_slot = physics.memory_pair_decay(
            self.slot_s, (t_dep[a], t_dep[b]), None if t_deph is None else (t_deph[a], t_deph[b])
        )
        k = np.arange(n - 1)
        self.keep_herald, self.pz_herald = physics.memory_pair_decay(
            rtt, (t_dep[k], t_dep[k + 1]), None if t_deph is None else (t_deph[k], t_deph[k + 1])
        )
        self.nominal_f = cfg.initial_fidelity.nominal
        # the nominal state of a fresh pair on each link (what the controller believes it got),
        # the same per link every time: computed once
        self.nominal_fresh = physics.decohere_pair(
            physics.werner(np.full(n - 1, self.nominal_f)), self.keep_herald, self.pz_herald
        )
        scale = cfg.cutoff_slots
        if scale is None:
            finite = t_dep[np.isfinite(t_dep)]
            scale = max(1.0, finite.min() / self.slot_s) if finite.size else 100.0
        self.age_scale = float(scale)

    # --- randomness -------------------------------------------------------------------------
    def draws(self, stream: int, count: int) -> np.ndarray:
        """(B, count) uniforms of ``stream`` at every env's current counter."""
        return uniforms(self.key, self.counter, stream, count)

    # --- reset ------------------------------------------------------------------------------
    def reset_rows(self, rows: np.ndarray, keys: np.ndarray | None = None) -> None:
        """Empty the chains ``rows`` (with new ``keys`` if given; else each env's stream goes on)
        and run the first round of generation attempts, at slot 0."""
        if keys is not None:  # a new seed restarts the env's stream
            self.key[rows] = keys
            self.counter[rows] = 0
        self.t[rows] = 0
        self.status[rows] = EMPTY
        self.born[rows] = self.ready_l[rows] = self.ready_r[rows] = 0
        self.coef[rows] = 0.0
        self.lrec[rows] = -1
        self.lrelease[rows] = 0
        for k in STAT_KEYS:
            self.stats[k][rows] = 0
        self.fidelity_sum[rows] = 0.0
        self.key_fraction_sum[rows] = 0.0
        sub = np.zeros(self.num_envs, dtype=bool)
        sub[rows] = True
        # the first round was launched one slot before slot 0, so a one-slot link starts with
        # its heralded pairs
        self._launch(sub, self.period - 1)
        self._resolve_attempts()
        self.counter[rows] += np.uint64(1)
        self._invalidate()

    # --- views ------------------------------------------------------------------------------
    def _known(self) -> tuple[np.ndarray, np.ndarray]:
        """Which pairs' frames the left and right ends know (cached until the state changes:
        the masks and the views both read them every step)."""
        if self._known_cache is None:
            pair, t = self.status == PAIR, self.t[:, None]
            self._known_cache = (pair & (self.ready_l <= t), pair & (self.ready_r <= t))
        return self._known_cache

    def known_left(self) -> np.ndarray:
        """(B, P): the record is a pair whose left end knows its frame."""
        return self._known()[0]

    def known_right(self) -> np.ndarray:
        """(B, P): the record is a pair whose right end knows its frame."""
        return self._known()[1]

    def gather(self, arr: np.ndarray, rec: np.ndarray) -> np.ndarray:
        """arr[env, rec] for a (B, ...) record index array; rec < 0 reads record 0."""
        rows = self.rows.reshape((-1,) + (1,) * (rec.ndim - 1))
        return arr[rows, np.maximum(rec, 0)]

    def masks(self) -> np.ndarray:
        """(B, n, K) validity of every node's choices at the current decision state (cached
        until the state changes; do not modify the returned array)."""
        if self._mask_cache is None:
            self._mask_cache = node_masks(self)
        return self._mask_cache

    def local_views(self) -> np.ndarray:
        """(B, n, 2M, N_FEATURES) what each node knows of its own memories (left, then right)."""
        return local_views(self)

    def occupied_memories(self) -> np.ndarray:
        right = (self.status != EMPTY).sum(axis=1)
        left = ((self.lrec >= 0) | (self.lrelease > self.t[:, None, None])).sum(axis=(1, 2))
        return right + left

    def infos(self, out: dict | None) -> dict:
        """Every env's info entries but the masks, as (B, ...) arrays: cumulative counts, true
        mean delivered fidelity and secret fraction (0 before any delivery), this slot's
        deliveries (``out`` from :meth:`step`; None after a reset), the slot and the simulated
        time. Every front reads its infos here (a scalar front takes row 0)."""
        infos = {k: v.copy() for k, v in self.stats.items()}
        delivered = np.maximum(self.stats["delivered"], 1)
        any_delivered = self.stats["delivered"] > 0
        infos["mean_delivered_fidelity"] = np.where(
            any_delivered, self.fidelity_sum / delivered, 0.0
        )
        infos["mean_key_fraction"] = np.where(any_delivered, self.key_fraction_sum / delivered, 0.0)
        if out is None:
            infos["delivered_now"] = np.zeros(self.num_envs, dtype=np.int64)
            infos["delivered_fidelities"] = np.zeros((self.num_envs, self.m))
        else:
            infos["delivered_now"] = out["delivered_now"].copy()
            infos["delivered_fidelities"] = out["delivered_fidelities"].copy()
        infos["t"] = self.t.copy()
        infos["time_s"] = self.t * self.slot_s
        return infos

    # --- step -------------------------------------------------------------------------------
    def step(self, actions: np.ndarray) -> dict:
        """Advance every env one slot under ``actions`` (B, n), in range but maybe masked out.

        Order (the ``inesta2023`` convention, extended): node operations (discards, then
        purifications, then swaps, all nodes at once), delivery, cutoffs, then generation
        attempts launched on every memory pair free at this slot; the slot ends (ages +1, one
        slot of decoherence), classical messages arriving then free memories and complete
        deliveries, and the heralds due then resolve. A memory freed by a message that arrives
        at slot t + 1 launches its next attempt at t + 1: every attempt lasts its link's round
        trip, whichever way its memories were freed. Returns the slot's outcome arrays.
        """
        cfg = self.config
        valid_all = self.masks()
        self._invalidate()
        chosen = valid_all[(*self._choice_rows, actions)]  # each node's choice allowed?
        invalid = (~chosen).sum(axis=1)
        acts = np.where(chosen, actions, 0)
        apply_operations(self, acts)
        self._arrivals()  # losses whose news needs no travel (a node's own, or no delays)
        fids = np.zeros((self.num_envs, self.m))
        count = deliver(self, fids, np.zeros(self.num_envs, dtype=np.int64))
        self._cutoff()
        attempts = self._launch(self._every, self.period)
        self.t += 1
        self._decohere()
        self._arrivals()
        count = deliver(self, fids, count)
        self._resolve_attempts()
        self.counter += np.uint64(1)
        self._invalidate()  # nothing read mid-slot may stay cached
        reward = self._reward(fids, count, attempts, invalid)
        terminated = (count > 0) if cfg.objective == "delivery_time" else np.zeros_like(count, bool)
        return {
            "reward": reward,
            "terminated": terminated,
            "truncated": self.t >= cfg.horizon,
            "invalid": invalid > 0,
            "delivered_now": count,
            "delivered_fidelities": fids,
            "attempts_now": attempts,
        }

    def _reward(self, fids, count, attempts, invalid) -> np.ndarray:
        cfg = self.config
        have = np.arange(self.m)[None, :] < count[:, None]
        if cfg.objective == "pairs_above_target":
            gain = (have & (fids >= cfg.target_fidelity)).sum(axis=1).astype(float)
        elif cfg.objective == "fidelity":
            gain = np.where(have, fids, 0.0).sum(axis=1)
        elif cfg.objective == "key_rate":
            gain = np.where(have, physics.entanglement_key_fraction(fids), 0.0).sum(axis=1)
        else:
            gain = -np.ones(self.num_envs)
        reward = gain - cfg.attempt_cost * attempts - cfg.invalid_action_penalty * invalid
        if cfg.memory_cost:
            reward = reward - cfg.memory_cost * self.occupied_memories()
        return reward

    # --- phases -----------------------------------------------------------------------------
    def _cutoff(self) -> None:
        """Discard pairs whose age reached ``cutoff_slots`` (not end-to-end ones, which are being
        delivered): both ends apply the rule in the same slot, as in Iñesta et al. (2023)."""
        if self.config.cutoff_slots is None:
            return
        age = self.t[:, None] - self.born
        e2e = (self.rec_node[None, :] == 0) & (self.end == self.n - 1)
        old = (self.status == PAIR) & (age >= self.config.cutoff_slots) & ~e2e
        if old.any():
            env, rec = np.nonzero(old)
            self.free_pair(env, rec)
            np.add.at(self.stats["cutoff_discards"], env, 1)

    def _decohere(self) -> None:
        held = self.status == PAIR
        if not held.any():
            return
        env, rec = np.nonzero(held)
        a, b = self.rec_node[rec], self.end[env, rec]
        keep, pz = self.keep_slot[a, b], self.pz_slot[a, b]
        self.coef[env, rec] = physics.decohere_pair(self.coef[env, rec], keep[:, None], pz[:, None])

    def _arrivals(self) -> None:
        """A lost pair's qubit is freed when the news reaches its node."""
        done = (self.status == LOST) & (self.ready_l <= self.t[:, None])
        self.status[done] = EMPTY

    def free_pair(self, env: np.ndarray, rec: np.ndarray) -> None:
        """Free both memories of records ``rec`` in envs ``env`` now."""
        self.status[env, rec] = EMPTY
        b, r = self.end[env, rec], self.rmem[env, rec]
        self.lrec[env, b, r] = -1
        self.lrelease[env, b, r] = self.t[env]

    def lose_pair(self, env, rec, ready_l, ready_r) -> None:
        """Records ``rec`` hold a lost pair: each end frees its qubit when the news arrives."""
        self.status[env, rec] = LOST
        self.ready_l[env, rec] = ready_l
        b, r = self.end[env, rec], self.rmem[env, rec]
        self.lrec[env, b, r] = -1
        self.lrelease[env, b, r] = ready_r

    def _launch(self, active: np.ndarray, herald_in: np.ndarray) -> np.ndarray:
        """Launch an attempt on every memory pair free now on every link (the i-th free right
        memory of node k with the i-th free left memory of node k+1), heralded ``herald_in``
        (per link) slots from now. Returns the number of attempts launched per env."""
        B, n, m = self.num_envs, self.n, self.m
        t = self.t[:, None, None]
        free_r = (self.status == EMPTY).reshape(B, n - 1, m) & active[:, None, None]
        if not free_r.any():
            return np.zeros(B, dtype=np.int64)
        free_l = (self.lrec[:, 1:] < 0) & (self.lrelease[:, 1:] <= t)
        rank_r = np.cumsum(free_r, axis=2) - 1
        launch = free_r & (rank_r < free_l.sum(axis=2, keepdims=True))
        attempts = launch.sum(axis=(1, 2))
        self.stats["attempts"] += attempts
        env, link, s = np.nonzero(launch)
        rec = link * m + s
        order_l = np.argsort(~free_l, axis=2, kind="stable")
        r = order_l[env, link, rank_r[env, link, s]]
        self.end[env, rec] = link + 1
        self.rmem[env, rec] = r
        self.lrec[env, link + 1, r] = rec
        self.status[env, rec] = ATTEMPT
        self.ready_l[env, rec] = self.ready_r[env, rec] = self.t[env] + herald_in[link]
        return attempts

    def _resolve_attempts(self) -> None:
        due = (self.status == ATTEMPT) & (self.ready_l <= self.t[:, None])
        if not due.any():
            return
        u = self.draws(GEN_STREAM, 3 * self.P)
        env, rec = np.nonzero(due)
        link = self.rec_node[rec]
        ok = u[env, rec] < self.p_gen[link]
        self.free_pair(env[~ok], rec[~ok])
        self._new_pairs(env[ok], rec[ok], link[ok], u)

    def _new_pairs(self, env, rec, link, u) -> None:
        """Heralded pairs in records ``rec``: fidelity drawn from the record's uniforms, decayed
        over the memories' wait for the herald (one round trip of the link)."""
        if not env.size:
            return
        f = self.config.initial_fidelity.from_uniforms(
            u[env, self.P + rec], u[env, 2 * self.P + rec]
        )
        keep, pz = self.keep_herald[link], self.pz_herald[link]
        self.coef[env, rec, 0] = physics.decohere_pair(physics.werner(f), keep, pz)
        self.coef[env, rec, 1] = self.nominal_fresh[link]
        self.status[env, rec] = PAIR
        self.born[env, rec] = self.t[env]
        self.ready_l[env, rec] = self.ready_r[env, rec] = self.t[env]
        np.add.at(self.stats["generated"], env, 1)

    # --- invariants -------------------------------------------------------------------------
    def check_invariants(self) -> None:
        """Raise AssertionError if the state is inconsistent: every left memory held by a live
        record points back to it, coefficients are distributions, times are ordered."""
        live = (self.status == ATTEMPT) | (self.status == PAIR)
        env, rec = np.nonzero(live)
        b, r = self.end[env, rec], self.rmem[env, rec]
        assert np.all(self.lrec[env, b, r] == rec), "a live record's far memory is not its own"
        assert np.all(b > self.rec_node[rec]), "a pair must end to the right of its record"
        held = self.lrec >= 0
        e2, b2, r2 = np.nonzero(held)
        back = self.lrec[e2, b2, r2]
        assert np.all(live[e2, back]), "a left memory points at a dead record"
        assert np.all(self.end[e2, back] == b2) and np.all(self.rmem[e2, back] == r2)
        assert live.sum() == held.sum(), "records and held left memories disagree"
        pairs = self.coef[self.status == PAIR]
        assert np.all(pairs >= -1e-12) and np.allclose(pairs.sum(axis=-1), 1.0)
        ages = (self.t[:, None] - self.born)[self.status == PAIR]
        assert np.all(ages >= 0), "a pair was born in the future"
