"""Compiled step kernels of the repeater chain: one env's slot as plain loops over its nodes and
memories, run for every env of a batch (``prange`` over envs when threads are asked for).

The kernels are the model: :class:`qnet_envs.core.repeater_chain.core.RepeaterChainCore` holds
the state arrays and calls them, and every front (scalar, vector, PettingZoo) runs them. They read
two tuples:

* ``state``, indexed by the names below: the per-env arrays of the core. Each record's integer
  fields sit in one table (``record_table[env, FIELD, record]``, fields named below) and each
  left memory's in another (``left_table[env, FIELD, node, memory]``), so that a per-env
  function passes two arrays instead of eight (numba counts a reference for every array it
  takes out of a tuple: the kernels take them out once per env, never inside a loop);
* ``model``, built once per config by the core: sizes, delays, periods, the codec's offsets,
  costs, and the physics as tables (:func:`physics_tables`). Decoherence, swapping and purification are
  affine in each input pair's Bell-diagonal coefficients (quantum channels are linear, and
  the coefficients sum to 1), so each is fully described by its values on the Bell states:
  :func:`physics_tables` evaluates the functions of :mod:`qnet_envs.physics` there, once,
  and the kernels apply the tables. There is no second implementation of any formula.

Randomness comes from :mod:`qnet_envs.core.counter_rng`, compiled: a draw depends on the
env's key, its counter, the stream and the index, never on other envs or on threads.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange, set_num_threads  # noqa: F401 (the core sets threads with it)

from ... import physics
from .. import counter_rng
from ..compiled import compiled
from ..fidelity_distribution import fidelity_from_uniforms
from ..uniforms import normal
from .codec import DISCARD_LEFT_OP, DISCARD_RIGHT_OP, IDLE_OP, PURIFY_OP, SWAP_OP
from .config import OBJECTIVES
from .layout import (
    ATTEMPT,
    ATTEMPTS,
    ATTEMPTS_NOW,
    BORN_SLOT,
    CONFLICTS,
    CUTOFF_DISCARDS,
    DELIVERED,
    DELIVERED_ABOVE_TARGET,
    DELIVERED_NOW,
    DISCARDED,
    EMPTY,
    FAR_KNOWN_AT,
    FAR_MEMORY,
    FAR_NODE,
    FREE_AT,
    GEN_STREAM,
    GENERATED,
    HELD_BY,
    INVALID,
    LOST,
    MAX_AGE_OBS,
    MEAN_FIDELITY,
    MEAN_KEY_FRACTION,
    NEAR_KNOWN_AT,
    PAIR,
    PAIRS_LOST,
    PURIFICATION_FAILURES,
    PURIFICATIONS,
    PURIFY_STREAM,
    STATUS,
    SWAP_FAILURES,
    SWAP_STREAM,
    SWAPS,
    TERMINATED,
    TIME_S,
    TRUNCATED,
)

_binary_entropy = compiled(physics.binary_entropy)
_key_fraction = compiled(
    physics.entanglement_key_fraction,
    bb84_key_rate=compiled(physics.bb84_key_rate, binary_entropy=_binary_entropy),
    qber_from_fidelity=compiled(physics.qber_from_fidelity),
)
_mix64 = compiled(counter_rng.mix64)
_uniform_at = compiled(counter_rng.uniform_at, mix64=_mix64)
_fresh_fidelity = compiled(fidelity_from_uniforms, normal=compiled(normal))

# --- the state tuple: names of its entries (the tables' fields are named in layout) --------
(RECORD_TABLE, LEFT_TABLE, PAIR_COEFFICIENTS, SLOT, KEY, COUNTER, STAT_TABLE, DELIVERY_SUMS,
 NODE_WORK, RECORD_WORK, LEFT_WORK, COEFFICIENT_WORK) = range(12)  # fmt: skip
# rows of the per-env working space (a slot's intermediate values; the kernels allocate nothing)
CHOICES, OPS = range(2)  # NODE_WORK[env, row, node]
CONSUMED, ALIVE, TOUCHED, FIRST = range(4)  # RECORD_WORK[env, row, record]
PAIR_OUT, PAIR_OLD = range(2)  # COEFFICIENT_WORK[env, row, 4]
# --- the outputs tuple: what a step or reset leaves for the fronts ------------------------------
MASKS, VIEWS, SLOT_OUTCOME, REWARDS, FIDELITIES, INFO_FLOATS = range(6)
# --- the model tuple ---------------------------------------------------------------------------
(N_NODES, MEMORIES, RECORD_NODE, DELAY, PERIOD, P_GEN, SWAP_SUCCESS, CUTOFF, TARGET, DECAY_MAP,
 FRESH_BASE, FRESH_SLOPE, NOMINAL_FRESH, SWAP_MAP, PURIFY_MAP, PURIFY_PAIRS, OP_OF, OFFSETS,
 FIDELITY_LAW, AGE_SCALE, REVEAL, OBJECTIVE, COSTS, HORIZON, SLOT_S,
 FIRST_PERIOD) = range(26)  # fmt: skip
PAIRS_ABOVE_TARGET, FIDELITY, KEY_RATE, DELIVERY_TIME = (
    OBJECTIVES.index(name)
    for name in ("pairs_above_target", "fidelity", "key_rate", "delivery_time")
)
ATTEMPT_COST, MEMORY_COST, INVALID_PENALTY = range(3)  # entries of COSTS
SWAP0, PURIFY0, DISCARD_RIGHT0, DISCARD_LEFT0, N_CHOICES = range(5)  # entries of OFFSETS
_U64 = np.uint64
MAX_THREADS = numba.config.NUMBA_NUM_THREADS  # the most threads a kernel may use


# --- physics as tables ---------------------------------------------------------------------
def _bell_basis_pairs(func):
    """(4, 4, 4) values of a two-pair map on every pair of Bell states, [i, j, out]."""
    basis = np.eye(4)
    return np.asarray(func(basis[:, None, :], basis[None, :, :]), dtype=float)


def physics_tables(cfg, keep_slot, pz_slot, keep_herald, pz_herald, nominal_f):
    """The decoherence, swap and purification maps of :mod:`qnet_envs.physics` on Bell
    states, and the affine law of a fresh pair's state in its drawn fidelity."""
    basis = np.eye(4)
    # decay_map[a, b, i] = the state Bell state i becomes after a slot in memories a and b
    decay_map = physics.decohere_pair(basis, keep_slot[..., None], pz_slot[..., None])
    g, e = cfg.gate_fidelity, cfg.meas_fidelity
    swap_map = _bell_basis_pairs(lambda c1, c2: physics.swap_bell_diagonal(c1, c2, g, e))

    def unnormalised_purification(c1, c2):
        if cfg.purification == "dejmps":
            out, p = physics.dejmps(c1, c2, g, e)
        else:
            f, p = physics.bbpssw(c1[..., 0], c2[..., 0], g, e)
            out = physics.werner(f)
        with np.errstate(invalid="ignore"):  # p = 0: the basis pair never succeeds
            return np.nan_to_num(out * np.asarray(p)[..., None])

    purify_map = _bell_basis_pairs(unnormalised_purification)
    fresh_base = physics.decohere_pair(
        physics.werner(np.zeros_like(keep_herald)), keep_herald, pz_herald
    )
    fresh_top = physics.decohere_pair(
        physics.werner(np.ones_like(keep_herald)), keep_herald, pz_herald
    )
    nominal = physics.decohere_pair(
        physics.werner(np.full_like(keep_herald, nominal_f)), keep_herald, pz_herald
    )
    return decay_map, swap_map, purify_map, fresh_base, fresh_top - fresh_base, nominal


# --- small helpers (per env: ``records`` (6, P), ``left`` (2, n, M), ``coef`` (P, 2, 4)) ---------
@njit(cache=True)
def _draw(key, counter, stream, index):
    return _uniform_at(key, counter, _U64(stream), _U64(index))


@njit(cache=True)
def _free_pair(records, left, rec, t):
    """Free both memories of record ``rec`` now."""
    records[STATUS, rec] = EMPTY
    far, far_mem = records[FAR_NODE, rec], records[FAR_MEMORY, rec]
    left[HELD_BY, far, far_mem] = -1
    left[FREE_AT, far, far_mem] = t


@njit(cache=True)
def _lose_pair(records, left, rec, near_news, far_news):
    """Record ``rec`` holds a lost pair: each end frees its qubit when the news arrives."""
    records[STATUS, rec] = LOST
    records[NEAR_KNOWN_AT, rec] = near_news
    far, far_mem = records[FAR_NODE, rec], records[FAR_MEMORY, rec]
    left[HELD_BY, far, far_mem] = -1
    left[FREE_AT, far, far_mem] = far_news


@njit(cache=True)
def _known(records, rec, field, t):
    """Record ``rec`` is a pair whose near end (``field`` NEAR_KNOWN_AT) or far end
    (FAR_KNOWN_AT) knows its frame at slot ``t``."""
    return records[STATUS, rec] == PAIR and records[field, rec] <= t


@njit(cache=True)
def _pair_map(table, coef, first, second, w, out):
    """out[k] = sum_ij coef[first, w, i] coef[second, w, j] table[i, j, k]: a two-pair map
    from its table, on the true (w = 0) or nominal (w = 1) states of two records."""
    for k in range(4):
        acc = 0.0
        for i in range(4):
            for j in range(4):
                acc += coef[first, w, i] * coef[second, w, j] * table[i, j, k]
        out[k] = acc


# --- masks -----------------------------------------------------------------------------------
@njit(cache=True)
def env_masks(records, left, model, t, mask):
    """Write one env's (n, K) choice validity into ``mask``: swap a left and a right pair
    whose frames the node knows; purify two right pairs to the same far node whose frames both
    ends know; discard a qubit not waiting for a herald; idle always."""
    n, m, offsets, pairs = model[N_NODES], model[MEMORIES], model[OFFSETS], model[PURIFY_PAIRS]
    swap0, purify0 = offsets[SWAP0], offsets[PURIFY0]
    right0, left0 = offsets[DISCARD_RIGHT0], offsets[DISCARD_LEFT0]
    mask[:, :] = False
    mask[:, 0] = True
    for x in range(n):
        for s in range(m):
            if x < n - 1:
                status = records[STATUS, x * m + s]
                mask[x, right0 + s] = status == PAIR or status == LOST
            if x == 0:
                continue
            rec_l = left[HELD_BY, x, s]
            if rec_l >= 0:
                mask[x, left0 + s] = records[STATUS, rec_l] == PAIR
            else:
                mask[x, left0 + s] = left[FREE_AT, x, s] > t
            if x == n - 1 or rec_l < 0 or not _known(records, rec_l, FAR_KNOWN_AT, t):
                continue
            for right in range(m):
                if _known(records, x * m + right, NEAR_KNOWN_AT, t):
                    mask[x, swap0 + s * m + right] = True
        for j in range(pairs.shape[0] if x < n - 1 else 0):
            p1, p2 = x * m + pairs[j, 0], x * m + pairs[j, 1]
            mask[x, purify0 + j] = (
                _known(records, p1, NEAR_KNOWN_AT, t)
                and _known(records, p1, FAR_KNOWN_AT, t)
                and _known(records, p2, NEAR_KNOWN_AT, t)
                and _known(records, p2, FAR_KNOWN_AT, t)
                and records[FAR_NODE, p1] == records[FAR_NODE, p2]
            )


# --- node operations -------------------------------------------------------------------------
@njit(cache=True)
def _discards(records, left, model, t, stats, choices, ops, consumed):
    """Every discard of the slot: right memories first, then left ones. The discarding node
    frees its qubit at once; the far end hears of it one message later."""
    n, m, delay, offsets = model[N_NODES], model[MEMORIES], model[DELAY], model[OFFSETS]
    record_node = model[RECORD_NODE]
    for x in range(n):
        if ops[x] != DISCARD_RIGHT_OP:
            continue
        rec = x * m + choices[x] - offsets[DISCARD_RIGHT0]
        if records[STATUS, rec] == PAIR:
            _lose_pair(records, left, rec, t, t + delay[x, records[FAR_NODE, rec]])
            stats[PAIRS_LOST] += 1
        records[STATUS, rec] = EMPTY
        consumed[rec] = True
        stats[DISCARDED] += 1
    for x in range(n):
        if ops[x] != DISCARD_LEFT_OP:
            continue
        memory = choices[x] - offsets[DISCARD_LEFT0]
        rec = left[HELD_BY, x, memory]
        if rec >= 0:
            _lose_pair(records, left, rec, t + delay[record_node[rec], x], t)
            consumed[rec] = True
            stats[PAIRS_LOST] += 1
        else:  # a lost pair's qubit whose news has not arrived: freed now
            left[FREE_AT, x, memory] = t
        stats[DISCARDED] += 1


@njit(cache=True)
def _purifications(records, left, coef, model, t, rng, stats, choices, ops, consumed, scratch):
    """Every purification of the slot: the second pair is measured at both ends; the first
    survives with the table's success probability and its frame is known when the outcome
    reaches each end (``rng``: the env's key and counter)."""
    n, m, delay, table = model[N_NODES], model[MEMORIES], model[DELAY], model[PURIFY_MAP]
    pairs, purify0 = model[PURIFY_PAIRS], model[OFFSETS][PURIFY0]
    for x in range(n - 1):
        if ops[x] != PURIFY_OP:
            continue
        p1, p2 = x * m + pairs[choices[x] - purify0, 0], x * m + pairs[choices[x] - purify0, 1]
        if consumed[p1] or consumed[p2]:
            stats[CONFLICTS] += 1
            continue
        success_p = 1.0
        for w in range(2):  # the true state, then the nominal one the controller believes
            _pair_map(table, coef, p1, p2, w, scratch)
            total = scratch.sum()
            if w == 0:
                success_p = total
            for k in range(4):  # kept only if the purification succeeds
                coef[p1, w, k] = scratch[k] / total if total > 0.0 else scratch[k]
        news = t + delay[x, records[FAR_NODE, p1]]
        records[BORN_SLOT, p1] = min(records[BORN_SLOT, p1], records[BORN_SLOT, p2])
        _free_pair(records, left, p2, t)
        consumed[p1] = consumed[p2] = True
        records[NEAR_KNOWN_AT, p1] = records[FAR_KNOWN_AT, p1] = news
        if _draw(rng[0], rng[1], PURIFY_STREAM, x) >= success_p:
            _lose_pair(records, left, p1, news, news)
            stats[PURIFICATION_FAILURES] += 1
            stats[PAIRS_LOST] += 1
        stats[PURIFICATIONS] += 1


@njit(cache=True)
def _swaps(records, left, coef, model, t, rng, stats, choices, ops, consumed, decision_left,
           work, scratch):  # fmt: skip
    """Every swap of the slot, left to right, so that adjacent swaps compose: the new pair
    spans the segment and survives only if every swap of it succeeds. Each end needs every
    outcome of the segment: the left end hears last from the rightmost swap, the right end
    from the leftmost."""
    n, m, delay, table = model[N_NODES], model[MEMORIES], model[DELAY], model[SWAP_MAP]
    record_node, swap0, swap_success = (
        model[RECORD_NODE],
        model[OFFSETS][SWAP0],
        model[SWAP_SUCCESS],
    )
    records_n = records.shape[1]
    alive, touched, first = work[ALIVE], work[TOUCHED], work[FIRST]  # first: leftmost swap node
    alive[:] = 1
    touched[:] = 0
    first[:] = 0
    for x in range(1, n - 1):
        if ops[x] != SWAP_OP:
            continue
        held, right = divmod(choices[x] - swap0, m)
        rec_r = x * m + right
        if consumed[decision_left[x, held]] or consumed[rec_r]:
            stats[CONFLICTS] += 1
            continue
        success = _draw(rng[0], rng[1], SWAP_STREAM, x) < swap_success
        rec_l = left[HELD_BY, x, held]  # follows merges made further left in this slot
        far, far_mem = records[FAR_NODE, rec_r], records[FAR_MEMORY, rec_r]
        for w in range(2):
            _pair_map(table, coef, rec_l, rec_r, w, scratch)
            for k in range(4):  # elementwise: a slice assignment compiles numba's shape errors
                coef[rec_l, w, k] = scratch[k]
        records[BORN_SLOT, rec_l] = min(records[BORN_SLOT, rec_l], records[BORN_SLOT, rec_r])
        leftmost = first[rec_l] if touched[rec_l] else x
        first[rec_l] = leftmost
        near_news = t + delay[x, record_node[rec_l]]
        far_news = t + delay[leftmost, far]
        records[NEAR_KNOWN_AT, rec_l] = max(records[NEAR_KNOWN_AT, rec_l], near_news)
        records[FAR_KNOWN_AT, rec_l] = max(records[FAR_KNOWN_AT, rec_r], far_news)
        alive[rec_l] = alive[rec_l] == 1 and success
        touched[rec_l] = 1
        records[FAR_NODE, rec_l], records[FAR_MEMORY, rec_l] = far, far_mem
        left[HELD_BY, far, far_mem] = rec_l
        records[STATUS, rec_r] = EMPTY  # node x's two qubits were measured
        left[HELD_BY, x, held] = -1
        left[FREE_AT, x, held] = t
        stats[SWAPS] += 1
        stats[SWAP_FAILURES] += not success
    for rec in range(records_n):
        if touched[rec] and not alive[rec]:
            _lose_pair(records, left, rec, records[NEAR_KNOWN_AT, rec], records[FAR_KNOWN_AT, rec])
            stats[PAIRS_LOST] += 1


@njit(cache=True)
def _operations(records, left, coef, model, t, rng, stats, choices, ops, work, snapshot, scratch):
    """Apply every node's (valid) choice: discards, then purifications, then swaps
    (``ops``, ``work``, ``snapshot``, ``scratch``: the env's working space)."""
    n, op_of = model[N_NODES], model[OP_OF]
    any_op, swapping = False, False
    for x in range(n):
        ops[x] = op_of[choices[x]]
        any_op |= ops[x] != IDLE_OP
        swapping |= ops[x] == SWAP_OP
    if not any_op:
        return
    consumed = work[CONSUMED]
    consumed[:] = 0
    for x in range(n):  # the decision's left memories, before discards change them
        for memory in range(snapshot.shape[1]):
            snapshot[x, memory] = left[HELD_BY, x, memory]
    _discards(records, left, model, t, stats, choices, ops, consumed)
    _purifications(records, left, coef, model, t, rng, stats, choices, ops, consumed, scratch)
    if swapping:
        _swaps(records, left, coef, model, t, rng, stats, choices, ops, consumed, snapshot, work,
               scratch)  # fmt: skip


# --- the rest of the slot ----------------------------------------------------------------------
@njit(cache=True)
def _arrivals(records, t):
    """A lost pair's qubit is freed when the news reaches its node."""
    for rec in range(records.shape[1]):
        if records[STATUS, rec] == LOST and records[NEAR_KNOWN_AT, rec] <= t:
            records[STATUS, rec] = EMPTY


@njit(cache=True)
def _deliver(records, left, coef, model, t, stats, sums, fidelities, count):
    """Hand over every end-to-end pair whose frame both end nodes know; write its true
    fidelity into ``fidelities[count:]`` and add it and its secret fraction to ``sums``;
    return the new count."""
    n, m, target = model[N_NODES], model[MEMORIES], model[TARGET]
    for rec in range(m):  # the end-to-end pairs live in node 0's right memories
        if (
            records[STATUS, rec] == PAIR
            and records[FAR_NODE, rec] == n - 1
            and records[NEAR_KNOWN_AT, rec] <= t
            and records[FAR_KNOWN_AT, rec] <= t
        ):
            fidelity = coef[rec, 0, 0]
            fidelities[count] = fidelity
            count += 1
            _free_pair(records, left, rec, t)
            stats[DELIVERED] += 1
            stats[DELIVERED_ABOVE_TARGET] += fidelity >= target
            sums[0] += fidelity
            sums[1] += _key_fraction(fidelity)
    return count


@njit(cache=True)
def _cutoff(records, left, model, t, stats):
    """Discard pairs whose age reached the cutoff (not end-to-end ones, which are being
    delivered): both ends apply the rule in the same slot, as in Inesta et al. (2023)."""
    cutoff, n, record_node = model[CUTOFF], model[N_NODES], model[RECORD_NODE]
    if cutoff < 0:
        return
    for rec in range(records.shape[1]):
        end_to_end = record_node[rec] == 0 and records[FAR_NODE, rec] == n - 1
        if (
            records[STATUS, rec] == PAIR
            and t - records[BORN_SLOT, rec] >= cutoff
            and not end_to_end
        ):
            _free_pair(records, left, rec, t)
            stats[CUTOFF_DISCARDS] += 1


@njit(cache=True)
def _launch(records, left, model, t, stats, herald_in):
    """Launch an attempt on every memory pair free now on every link (the i-th free right
    memory of node k with the i-th free left memory of node k+1), heralded ``herald_in[k]``
    slots from now. Returns the number of attempts."""
    n, m = model[N_NODES], model[MEMORIES]
    attempts = 0
    for link in range(n - 1):
        free_left = 0
        for s in range(m):
            rec = link * m + s
            if records[STATUS, rec] != EMPTY:
                continue
            while free_left < m and (
                left[HELD_BY, link + 1, free_left] >= 0 or left[FREE_AT, link + 1, free_left] > t
            ):
                free_left += 1
            if free_left == m:
                break
            records[FAR_NODE, rec], records[FAR_MEMORY, rec] = link + 1, free_left
            left[HELD_BY, link + 1, free_left] = rec
            records[STATUS, rec] = ATTEMPT
            records[NEAR_KNOWN_AT, rec] = records[FAR_KNOWN_AT, rec] = t + herald_in[link]
            attempts += 1
            free_left += 1
    stats[ATTEMPTS] += attempts
    return attempts


@njit(cache=True)
def _decohere(records, coef, model, old):
    """One slot of memory decoherence on every pair (the two memories' rates add; ``old``:
    working space of 4)."""
    decay_map, record_node = model[DECAY_MAP], model[RECORD_NODE]
    for rec in range(records.shape[1]):
        if records[STATUS, rec] != PAIR:
            continue
        a, b = record_node[rec], records[FAR_NODE, rec]
        for w in range(2):
            for i in range(4):
                old[i] = coef[rec, w, i]
            for k in range(4):
                acc = 0.0
                for i in range(4):
                    acc += old[i] * decay_map[a, b, i, k]
                coef[rec, w, k] = acc


@njit(cache=True)
def _resolve_attempts(records, left, coef, model, t, rng, stats):
    """Every attempt whose herald is back: a pair with the drawn fidelity, decayed over the
    memories' wait for the herald (one round trip), or two free memories."""
    record_node, p_gen, law = model[RECORD_NODE], model[P_GEN], model[FIDELITY_LAW]
    base, slope, nominal = model[FRESH_BASE], model[FRESH_SLOPE], model[NOMINAL_FRESH]
    records_n = records.shape[1]
    for rec in range(records_n):
        if records[STATUS, rec] != ATTEMPT or records[NEAR_KNOWN_AT, rec] > t:
            continue
        link = record_node[rec]
        if _draw(rng[0], rng[1], GEN_STREAM, rec) >= p_gen[link]:
            _free_pair(records, left, rec, t)
            continue
        u1 = _draw(rng[0], rng[1], GEN_STREAM, records_n + rec)
        u2 = _draw(rng[0], rng[1], GEN_STREAM, 2 * records_n + rec)
        fidelity = _fresh_fidelity(int(law[0]), law[1], law[2], law[3], u1, u2)
        for k in range(4):
            coef[rec, 0, k] = base[link, k] + fidelity * slope[link, k]
            coef[rec, 1, k] = nominal[link, k]
        records[STATUS, rec] = PAIR
        records[BORN_SLOT, rec] = t
        records[NEAR_KNOWN_AT, rec] = records[FAR_KNOWN_AT, rec] = t
        stats[GENERATED] += 1


# --- one slot of one env, and the batch drivers ------------------------------------------------
@njit(cache=True)
def env_step(state, model, outputs, e, actions):
    """Advance env ``e`` one slot under ``actions`` (n,), in range but maybe masked out, in the
    order of the env docstring, and write its outputs (:func:`_write_outputs`)."""
    records, left, coef = state[RECORD_TABLE][e], state[LEFT_TABLE][e], state[PAIR_COEFFICIENTS][e]
    stats, sums, t = state[STAT_TABLE][e], state[DELIVERY_SUMS][e], state[SLOT][e]
    rng = (state[KEY][e], state[COUNTER][e])
    mask, fidelities = outputs[MASKS][e], outputs[FIDELITIES][e]
    n = model[N_NODES]
    choices, ops = state[NODE_WORK][e, CHOICES], state[NODE_WORK][e, OPS]
    work, pair_work = state[RECORD_WORK][e], state[COEFFICIENT_WORK][e]
    invalid = 0
    for x in range(n):  # the decision state's masks, written after the previous slot
        valid = mask[x, actions[x]]
        invalid += not valid
        choices[x] = actions[x] if valid else 0
    _operations(records, left, coef, model, t, rng, stats, choices, ops, work,
                state[LEFT_WORK][e], pair_work[PAIR_OUT])  # fmt: skip
    _arrivals(records, t)  # losses whose news needs no travel (a node's own, or no delays)
    fidelities[:] = 0.0
    count = _deliver(records, left, coef, model, t, stats, sums, fidelities, 0)
    _cutoff(records, left, model, t, stats)
    attempts = _launch(records, left, model, t, stats, model[PERIOD])
    t += 1
    _decohere(records, coef, model, pair_work[PAIR_OLD])
    _arrivals(records, t)
    count = _deliver(records, left, coef, model, t, stats, sums, fidelities, count)
    _resolve_attempts(records, left, coef, model, t, rng, stats)
    state[SLOT][e] = t
    state[COUNTER][e] += _U64(1)
    outcome = outputs[SLOT_OUTCOME][e]
    outcome[INVALID], outcome[ATTEMPTS_NOW], outcome[DELIVERED_NOW] = invalid, attempts, count
    outcome[TERMINATED] = model[OBJECTIVE] == DELIVERY_TIME and count > 0
    outcome[TRUNCATED] = t >= model[HORIZON]
    reward = _reward(model, invalid, attempts, fidelities[:count])
    if model[COSTS][MEMORY_COST] != 0.0:
        reward -= model[COSTS][MEMORY_COST] * _occupied(records, left, t)
    outputs[REWARDS][e] = reward
    _write_outputs(records, left, coef, model, t, stats, sums, outputs, e)


@njit(cache=True)
def _reward(model, invalid, attempts, delivered):
    """The objective's gain for this slot's ``delivered`` fidelities, minus the attempt and
    invalid-choice costs."""
    objective, costs, target = model[OBJECTIVE], model[COSTS], model[TARGET]
    gain = 0.0
    if objective == PAIRS_ABOVE_TARGET:
        for fidelity in delivered:
            gain += fidelity >= target
    elif objective == FIDELITY:
        gain = delivered.sum()
    elif objective == KEY_RATE:
        for fidelity in delivered:
            gain += _key_fraction(fidelity)
    else:
        gain = -1.0
    return gain - costs[ATTEMPT_COST] * attempts - costs[INVALID_PENALTY] * invalid


@njit(cache=True)
def _occupied(records, left, t):
    """Memories holding anything: right memories with a record, left memories held by a
    record or by a lost pair's qubit whose news has not arrived."""
    busy = 0
    for rec in range(records.shape[1]):
        busy += records[STATUS, rec] != EMPTY
    for x in range(left.shape[1]):
        for memory in range(left.shape[2]):
            busy += left[HELD_BY, x, memory] >= 0 or left[FREE_AT, x, memory] > t
    return busy


@njit(cache=True)
def _write_outputs(records, left, coef, model, t, stats, sums, outputs, e):
    """What the fronts read after a step or reset of env ``e``: the masks and local views of
    the new decision state, and the running means and simulated time of the info."""
    env_masks(records, left, model, t, outputs[MASKS][e])
    env_views(records, left, coef, model, t, outputs[VIEWS][e])
    delivered = stats[DELIVERED]
    floats = outputs[INFO_FLOATS][e]
    floats[MEAN_FIDELITY] = sums[0] / delivered if delivered else 0.0
    floats[MEAN_KEY_FRACTION] = sums[1] / delivered if delivered else 0.0
    floats[TIME_S] = t * model[SLOT_S]


@njit(cache=True)
def env_reset(state, model, outputs, e):
    """Empty env ``e``'s chain at slot 0, run the first round of attempts, launched one slot
    before slot 0 (so a one-slot link starts with its heralded pairs), and write the outputs
    of a reset (no reward, no deliveries)."""
    records, left, coef = state[RECORD_TABLE][e], state[LEFT_TABLE][e], state[PAIR_COEFFICIENTS][e]
    stats, sums = state[STAT_TABLE][e], state[DELIVERY_SUMS][e]
    records[STATUS] = EMPTY
    records[BORN_SLOT] = records[NEAR_KNOWN_AT] = records[FAR_KNOWN_AT] = 0
    coef[:] = 0.0
    left[HELD_BY] = -1
    left[FREE_AT] = 0
    stats[:] = 0
    sums[:] = 0.0
    state[SLOT][e] = 0
    t = state[SLOT][e]  # 0, as a variable: a literal 0 compiles every callee a second time
    _launch(records, left, model, t, stats, model[FIRST_PERIOD])
    _resolve_attempts(records, left, coef, model, t, (state[KEY][e], state[COUNTER][e]), stats)
    state[COUNTER][e] += _U64(1)
    outputs[SLOT_OUTCOME][e] = 0
    outputs[REWARDS][e] = 0.0
    outputs[FIDELITIES][e] = 0.0
    _write_outputs(records, left, coef, model, t, stats, sums, outputs, e)


# --- what each node knows ----------------------------------------------------------------------
@njit(cache=True)
def env_views(records, left, coef, model, t, view):
    """Write one env's (n, 2M, 6) local views into ``view``: for each node's left memories
    then right memories, [attempt in flight, pair with known frame, occupied but frame unknown
    (a pair whose swap or purification news has not arrived, or a lost qubit not yet known
    lost), far node / (n-1), age / age scale (clipped), fidelity (nominal, or true if
    revealed)]; the last three are 0 unless the frame is known."""
    n, m, record_node = model[N_NODES], model[MEMORIES], model[RECORD_NODE]
    scale, which = model[AGE_SCALE], model[REVEAL]
    view[:, :, :] = 0.0
    for x in range(n):
        for s in range(m):
            for side in range(2):  # 0: left memory s, 1: right memory s
                if (side == 0 and x == 0) or (side == 1 and x == n - 1):
                    continue
                rec = left[HELD_BY, x, s] if side == 0 else x * m + s
                slot_view = side * m + s
                if rec < 0:  # a free left memory, or a lost pair's qubit still busy
                    view[x, slot_view, 2] = left[FREE_AT, x, s] > t
                    continue
                status = records[STATUS, rec]
                known = _known(records, rec, FAR_KNOWN_AT if side == 0 else NEAR_KNOWN_AT, t)
                view[x, slot_view, 0] = status == ATTEMPT
                view[x, slot_view, 1] = known
                view[x, slot_view, 2] = (status == PAIR and not known) or status == LOST
                if known:
                    partner = record_node[rec] if side == 0 else records[FAR_NODE, rec]
                    view[x, slot_view, 3] = partner / (n - 1)
                    view[x, slot_view, 4] = min((t - records[BORN_SLOT, rec]) / scale, MAX_AGE_OBS)
                    view[x, slot_view, 5] = coef[rec, which, 0]


def _step_rows(state, model, outputs, rows, actions):
    for i in prange(rows.shape[0]):
        env_step(state, model, outputs, rows[i], actions[rows[i]])


def _reset_rows(state, model, outputs, rows):
    for i in prange(rows.shape[0]):
        env_reset(state, model, outputs, rows[i])


# One compiled driver per phase for one thread, and one that spreads envs over threads (the
# same per-env code: results do not depend on the thread count). One thread never starts
# numba's thread pool, so a process that forks workers after stepping an env stays safe. The
# per-env code allocates nothing (its intermediate values live in the env's working space), so
# the serial drivers run without reference counts.
DRIVERS = {
    parallel: {
        "step": compiled(_step_rows, parallel=parallel, counted=parallel),
        "reset": compiled(_reset_rows, parallel=parallel, counted=parallel),
    }
    for parallel in (False, True)
}
