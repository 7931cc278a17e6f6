"""Compiled step kernels of the repeater chain: one env's slot as plain loops over its nodes and
memories, run for every env of a batch (``prange`` over envs when threads are asked for).

The kernels are the model: :class:`qnet_envs.core.repeater_chain.RepeaterChainCore` holds the
state arrays and calls them, and every front (scalar, vector, PettingZoo) runs them. They read
two tuples:

* ``state``, indexed by the names below: the per-env arrays of the core (records, left
  memories, clocks, random keys and counters, statistics);
* ``model``, built once per config by :func:`model_tables`: sizes, delays, periods, the
  codec's offsets and the physics as tables. Decoherence, swapping and purification are
  affine in each input pair's Bell-diagonal coefficients (quantum channels are linear, and
  the coefficients sum to 1), so each is fully described by its values on the Bell states:
  ``model_tables`` evaluates the functions of :mod:`qnet_envs.physics` there, once, and the
  kernels apply the tables. There is no second implementation of any formula.

Randomness comes from :mod:`qnet_envs.core.counter_rng`, compiled: a draw depends on the
env's key, its counter, the stream and the index, never on other envs or on threads.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .. import physics
from . import counter_rng
from .compiled import compiled
from .fidelity_distribution import fidelity_from_uniforms
from .repeater_chain_layout import (
    ATTEMPT,
    EMPTY,
    GEN_STREAM,
    INFO_FLOAT_KEYS,
    LOST,
    MAX_AGE_OBS,
    PAIR,
    PURIFY_STREAM,
    SLOT_OUTCOME_KEYS,
    STAT_KEYS,
    SWAP_STREAM,
)
from .uniforms import normal

_binary_entropy = compiled(physics.binary_entropy)
_key_fraction = compiled(
    physics.entanglement_key_fraction,
    bb84_key_rate=compiled(physics.bb84_key_rate, binary_entropy=_binary_entropy),
    qber_from_fidelity=compiled(physics.qber_from_fidelity),
)
_mix64 = compiled(counter_rng.mix64)
_uniform_at = compiled(counter_rng.uniform_at, mix64=_mix64)
_fresh_fidelity = compiled(fidelity_from_uniforms, normal=compiled(normal))

# --- the state tuple: names of its entries ----------------------------------------------------
(RECORD_STATUS, FAR_NODE, FAR_MEMORY, BORN_SLOT, NEAR_KNOWN_AT, FAR_KNOWN_AT, PAIR_COEFFICIENTS,
 LEFT_RECORD, LEFT_FREE_AT, SLOT, KEY, COUNTER, STAT_TABLE, FIDELITY_SUM,
 KEY_FRACTION_SUM) = range(15)  # fmt: skip
# --- the outputs tuple: what a step or reset leaves for the fronts ------------------------------
MASKS, VIEWS, SLOT_OUTCOME, REWARDS, FIDELITIES, INFO_FLOATS = range(6)
INVALID, ATTEMPTS_NOW, DELIVERED_NOW, TERMINATED, TRUNCATED = range(5)  # SLOT_OUTCOME columns
MEAN_FIDELITY, MEAN_KEY_FRACTION, TIME_S = range(3)  # INFO_FLOATS columns
assert SLOT_OUTCOME_KEYS[TRUNCATED] == "truncated" and INFO_FLOAT_KEYS[TIME_S] == "time_s"
# --- the model tuple ---------------------------------------------------------------------------
(N_NODES, MEMORIES, RECORD_NODE, DELAY, PERIOD, P_GEN, SWAP_SUCCESS, CUTOFF, TARGET, DECAY_MAP,
 FRESH_BASE, FRESH_SLOPE, NOMINAL_FRESH, SWAP_MAP, PURIFY_MAP, PURIFY_PAIRS, OP_OF, OFFSETS,
 FIDELITY_LAW, AGE_SCALE, REVEAL, OBJECTIVE, COSTS, HORIZON, SLOT_S) = range(25)  # fmt: skip
PAIRS_ABOVE_TARGET, FIDELITY, KEY_RATE, DELIVERY_TIME = range(4)  # OBJECTIVE, as in the config
ATTEMPT_COST, MEMORY_COST, INVALID_PENALTY = range(3)  # entries of COSTS
IDLE_OP, SWAP_OP, PURIFY_OP, DISCARD_RIGHT_OP, DISCARD_LEFT_OP = range(5)
SWAP0, PURIFY0, DISCARD_RIGHT0, DISCARD_LEFT0, N_CHOICES = range(5)  # entries of OFFSETS
(ATTEMPTS, GENERATED, SWAPS, SWAP_FAILURES, PURIFICATIONS, PURIFICATION_FAILURES, DISCARDED,
 CUTOFF_DISCARDS, CONFLICTS, PAIRS_LOST, DELIVERED, DELIVERED_ABOVE_TARGET) = range(12)  # fmt: skip
assert STAT_KEYS[DELIVERED_ABOVE_TARGET] == "delivered_above_target" and len(STAT_KEYS) == 12
_U64 = np.uint64


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


# --- small helpers ---------------------------------------------------------------------------
@njit(cache=True)
def _draw(state, e, stream, index):
    return _uniform_at(state[KEY][e], state[COUNTER][e], _U64(stream), _U64(index))


@njit(cache=True)
def _free_pair(state, e, rec):
    """Free both memories of record ``rec`` now."""
    state[RECORD_STATUS][e, rec] = EMPTY
    far, far_mem = state[FAR_NODE][e, rec], state[FAR_MEMORY][e, rec]
    state[LEFT_RECORD][e, far, far_mem] = -1
    state[LEFT_FREE_AT][e, far, far_mem] = state[SLOT][e]


@njit(cache=True)
def _lose_pair(state, e, rec, near_news, far_news):
    """Record ``rec`` holds a lost pair: each end frees its qubit when the news arrives."""
    state[RECORD_STATUS][e, rec] = LOST
    state[NEAR_KNOWN_AT][e, rec] = near_news
    far, far_mem = state[FAR_NODE][e, rec], state[FAR_MEMORY][e, rec]
    state[LEFT_RECORD][e, far, far_mem] = -1
    state[LEFT_FREE_AT][e, far, far_mem] = far_news


@njit(cache=True)
def _known(state, e, rec, near):
    """Record ``rec`` is a pair whose near (left) or far (right) end knows its frame."""
    if state[RECORD_STATUS][e, rec] != PAIR:
        return False
    known_at = state[NEAR_KNOWN_AT] if near else state[FAR_KNOWN_AT]
    return known_at[e, rec] <= state[SLOT][e]


@njit(cache=True)
def _pair_map(table, first, second, out):
    """out[k] = sum_ij first[i] second[j] table[i, j, k] (a two-pair map from its table)."""
    for k in range(4):
        acc = 0.0
        for i in range(4):
            for j in range(4):
                acc += first[i] * second[j] * table[i, j, k]
        out[k] = acc


# --- masks -----------------------------------------------------------------------------------
@njit(cache=True)
def env_masks(state, model, e, mask):
    """Write env ``e``'s (n, K) choice validity into ``mask``: swap a left and a right pair
    whose frames the node knows; purify two right pairs to the same far node whose frames both
    ends know; discard a qubit not waiting for a herald; idle always."""
    n, m, offsets = model[N_NODES], model[MEMORIES], model[OFFSETS]
    status, left_record = state[RECORD_STATUS], state[LEFT_RECORD]
    mask[:, :] = False
    mask[:, 0] = True
    for x in range(n):
        for s in range(m):
            rec_r = x * m + s
            if x < n - 1:
                mask[x, offsets[DISCARD_RIGHT0] + s] = status[e, rec_r] == PAIR or (
                    status[e, rec_r] == LOST
                )
            if x == 0:
                continue
            rec_l = left_record[e, x, s]
            if rec_l >= 0:
                mask[x, offsets[DISCARD_LEFT0] + s] = status[e, rec_l] == PAIR
            else:
                mask[x, offsets[DISCARD_LEFT0] + s] = state[LEFT_FREE_AT][e, x, s] > state[SLOT][e]
            if x == n - 1 or rec_l < 0 or not _known(state, e, rec_l, False):
                continue
            for right in range(m):
                if _known(state, e, x * m + right, True):
                    mask[x, offsets[SWAP0] + s * m + right] = True
        if x < n - 1:
            _purify_masks(state, model, e, x, mask)
    return mask


@njit(cache=True)
def _purify_masks(state, model, e, x, mask):
    m, pairs = model[MEMORIES], model[PURIFY_PAIRS]
    for j in range(pairs.shape[0]):
        p1, p2 = x * m + pairs[j, 0], x * m + pairs[j, 1]
        mask[x, model[OFFSETS][PURIFY0] + j] = (
            _known(state, e, p1, True)
            and _known(state, e, p1, False)
            and _known(state, e, p2, True)
            and _known(state, e, p2, False)
            and state[FAR_NODE][e, p1] == state[FAR_NODE][e, p2]
        )


# --- node operations -------------------------------------------------------------------------
@njit(cache=True)
def _discards(state, model, e, choices, ops, consumed):
    """Every discard of the slot: right memories first, then left ones (the order of the
    numbered phases in the env docstring). The discarding node frees its qubit at once; the
    far end hears of it one message later."""
    n, m, delay, offsets = model[N_NODES], model[MEMORIES], model[DELAY], model[OFFSETS]
    stats, t = state[STAT_TABLE][e], state[SLOT][e]
    for x in range(n):
        if ops[x] != DISCARD_RIGHT_OP:
            continue
        rec = x * m + choices[x] - offsets[DISCARD_RIGHT0]
        if state[RECORD_STATUS][e, rec] == PAIR:
            _lose_pair(state, e, rec, t, t + delay[x, state[FAR_NODE][e, rec]])
            stats[PAIRS_LOST] += 1
        state[RECORD_STATUS][e, rec] = EMPTY
        consumed[rec] = True
        stats[DISCARDED] += 1
    for x in range(n):
        if ops[x] != DISCARD_LEFT_OP:
            continue
        memory = choices[x] - offsets[DISCARD_LEFT0]
        rec = state[LEFT_RECORD][e, x, memory]
        if rec >= 0:
            _lose_pair(state, e, rec, t + delay[model[RECORD_NODE][rec], x], t)
            consumed[rec] = True
            stats[PAIRS_LOST] += 1
        else:  # a lost pair's qubit whose news has not arrived: freed now
            state[LEFT_FREE_AT][e, x, memory] = t
        stats[DISCARDED] += 1


@njit(cache=True)
def _purifications(state, model, e, choices, ops, consumed, scratch):
    """Every purification of the slot: the second pair is measured at both ends; the first
    survives with the table's success probability and its frame is known when the outcome
    reaches each end."""
    n, m, coef = model[N_NODES], model[MEMORIES], state[PAIR_COEFFICIENTS]
    stats, t = state[STAT_TABLE][e], state[SLOT][e]
    for x in range(n - 1):
        if ops[x] != PURIFY_OP:
            continue
        j = choices[x] - model[OFFSETS][PURIFY0]
        p1, p2 = x * m + model[PURIFY_PAIRS][j, 0], x * m + model[PURIFY_PAIRS][j, 1]
        if consumed[p1] or consumed[p2]:
            stats[CONFLICTS] += 1
            continue
        success_p = 1.0
        for w in range(2):  # true state, then the nominal one the controller believes
            _pair_map(model[PURIFY_MAP], coef[e, p1, w], coef[e, p2, w], scratch)
            total = scratch.sum()
            if w == 0:
                success_p = total
            if total > 0.0:
                scratch /= total
            coef[e, p1, w, :] = scratch  # kept only if the purification succeeds
        success = _draw(state, e, PURIFY_STREAM, x) < success_p
        news = t + model[DELAY][x, state[FAR_NODE][e, p1]]
        born = state[BORN_SLOT]
        born[e, p1] = min(born[e, p1], born[e, p2])
        _free_pair(state, e, p2)
        consumed[p1] = consumed[p2] = True
        state[NEAR_KNOWN_AT][e, p1] = state[FAR_KNOWN_AT][e, p1] = news
        if not success:
            _lose_pair(state, e, p1, news, news)
            stats[PURIFICATION_FAILURES] += 1
            stats[PAIRS_LOST] += 1
        stats[PURIFICATIONS] += 1


@njit(cache=True)
def _swaps(state, model, e, choices, ops, consumed, decision_left, work):
    """Every swap of the slot, left to right, so that adjacent swaps compose: the new pair
    spans the segment and survives only if every swap of it succeeds. Each end needs every
    outcome of the segment: the left end hears last from the rightmost swap, the right end
    from the leftmost (``work`` rows: alive, touched, first swap node, scratch)."""
    n, m, delay, coef = model[N_NODES], model[MEMORIES], model[DELAY], state[PAIR_COEFFICIENTS]
    stats, t, left_record = state[STAT_TABLE][e], state[SLOT][e], state[LEFT_RECORD]
    alive, touched, first, scratch = work
    alive[:] = True
    touched[:] = False
    for x in range(1, n - 1):
        if ops[x] != SWAP_OP:
            continue
        left, right = divmod(choices[x] - model[OFFSETS][SWAP0], m)
        rec_r = x * m + right
        if consumed[decision_left[x, left]] or consumed[rec_r]:
            stats[CONFLICTS] += 1
            continue
        success = _draw(state, e, SWAP_STREAM, x) < model[SWAP_SUCCESS]
        rec_l = left_record[e, x, left]  # follows merges made further left in this slot
        far, far_mem = state[FAR_NODE][e, rec_r], state[FAR_MEMORY][e, rec_r]
        for w in range(2):
            _pair_map(model[SWAP_MAP], coef[e, rec_l, w], coef[e, rec_r, w], scratch)
            coef[e, rec_l, w, :] = scratch
        born = state[BORN_SLOT]
        born[e, rec_l] = min(born[e, rec_l], born[e, rec_r])
        leftmost = first[rec_l] if touched[rec_l] else x
        first[rec_l] = leftmost
        near_news = t + delay[x, model[RECORD_NODE][rec_l]]
        far_news = t + delay[leftmost, far]
        near_at, far_at = state[NEAR_KNOWN_AT], state[FAR_KNOWN_AT]
        near_at[e, rec_l] = max(near_at[e, rec_l], near_news)
        far_at[e, rec_l] = max(far_at[e, rec_r], far_news)
        alive[rec_l] = alive[rec_l] and success
        touched[rec_l] = True
        state[FAR_NODE][e, rec_l], state[FAR_MEMORY][e, rec_l] = far, far_mem
        left_record[e, far, far_mem] = rec_l
        state[RECORD_STATUS][e, rec_r] = EMPTY  # node x's two qubits were measured
        left_record[e, x, left] = -1
        state[LEFT_FREE_AT][e, x, left] = t
        stats[SWAPS] += 1
        if not success:
            stats[SWAP_FAILURES] += 1
    for rec in range(alive.shape[0]):
        if touched[rec] and not alive[rec]:
            _lose_pair(state, e, rec, state[NEAR_KNOWN_AT][e, rec], state[FAR_KNOWN_AT][e, rec])
            stats[PAIRS_LOST] += 1


@njit(cache=True)
def _operations(state, model, e, choices, scratch):
    """Apply every node's (valid) choice: discards, then purifications, then swaps."""
    n, op_of = model[N_NODES], model[OP_OF]
    ops = np.empty(n, dtype=np.int64)
    any_op, swapping = False, False
    for x in range(n):
        ops[x] = op_of[choices[x]]
        any_op |= ops[x] != IDLE_OP
        swapping |= ops[x] == SWAP_OP
    if not any_op:
        return
    records = state[RECORD_STATUS].shape[1]
    consumed = np.zeros(records, dtype=np.bool_)
    decision_left = state[LEFT_RECORD][e].copy()  # before discards change it
    _discards(state, model, e, choices, ops, consumed)
    _purifications(state, model, e, choices, ops, consumed, scratch)
    if swapping:
        work = (
            np.ones(records, dtype=np.bool_),
            np.zeros(records, dtype=np.bool_),
            np.zeros(records, dtype=np.int64),
            scratch,
        )
        _swaps(state, model, e, choices, ops, consumed, decision_left, work)


# --- the rest of the slot ----------------------------------------------------------------------
@njit(cache=True)
def _arrivals(state, e):
    """A lost pair's qubit is freed when the news reaches its node."""
    status, t = state[RECORD_STATUS], state[SLOT][e]
    for rec in range(status.shape[1]):
        if status[e, rec] == LOST and state[NEAR_KNOWN_AT][e, rec] <= t:
            status[e, rec] = EMPTY


@njit(cache=True)
def _deliver(state, model, e, fidelities, count):
    """Hand over every end-to-end pair whose frame both end nodes know; write its true
    fidelity into ``fidelities[count:]``; return the new count."""
    n, m, t = model[N_NODES], model[MEMORIES], state[SLOT][e]
    stats = state[STAT_TABLE][e]
    for rec in range(m):  # the end-to-end pairs live in node 0's right memories
        if (
            state[RECORD_STATUS][e, rec] == PAIR
            and state[FAR_NODE][e, rec] == n - 1
            and state[NEAR_KNOWN_AT][e, rec] <= t
            and state[FAR_KNOWN_AT][e, rec] <= t
        ):
            fidelity = state[PAIR_COEFFICIENTS][e, rec, 0, 0]
            fidelities[count] = fidelity
            count += 1
            _free_pair(state, e, rec)
            stats[DELIVERED] += 1
            stats[DELIVERED_ABOVE_TARGET] += fidelity >= model[TARGET]
            state[FIDELITY_SUM][e] += fidelity
            state[KEY_FRACTION_SUM][e] += _key_fraction(fidelity)
    return count


@njit(cache=True)
def _cutoff(state, model, e):
    """Discard pairs whose age reached the cutoff (not end-to-end ones, which are being
    delivered): both ends apply the rule in the same slot, as in Inesta et al. (2023)."""
    cutoff, n, t = model[CUTOFF], model[N_NODES], state[SLOT][e]
    if cutoff < 0:
        return
    for rec in range(state[RECORD_STATUS].shape[1]):
        end_to_end = model[RECORD_NODE][rec] == 0 and state[FAR_NODE][e, rec] == n - 1
        if (
            state[RECORD_STATUS][e, rec] == PAIR
            and t - state[BORN_SLOT][e, rec] >= cutoff
            and not end_to_end
        ):
            _free_pair(state, e, rec)
            state[STAT_TABLE][e, CUTOFF_DISCARDS] += 1


@njit(cache=True)
def _launch(state, model, e, herald_in):
    """Launch an attempt on every memory pair free now on every link (the i-th free right
    memory of node k with the i-th free left memory of node k+1), heralded ``herald_in[k]``
    slots from now. Returns the number of attempts."""
    n, m, t = model[N_NODES], model[MEMORIES], state[SLOT][e]
    status, left_record = state[RECORD_STATUS], state[LEFT_RECORD]
    attempts = 0
    for link in range(n - 1):
        left = 0
        for s in range(m):
            rec = link * m + s
            if status[e, rec] != EMPTY:
                continue
            while left < m and (
                left_record[e, link + 1, left] >= 0 or state[LEFT_FREE_AT][e, link + 1, left] > t
            ):
                left += 1
            if left == m:
                break
            state[FAR_NODE][e, rec], state[FAR_MEMORY][e, rec] = link + 1, left
            left_record[e, link + 1, left] = rec
            status[e, rec] = ATTEMPT
            state[NEAR_KNOWN_AT][e, rec] = state[FAR_KNOWN_AT][e, rec] = t + herald_in[link]
            attempts += 1
            left += 1
    state[STAT_TABLE][e, ATTEMPTS] += attempts
    return attempts


@njit(cache=True)
def _decohere(state, model, e):
    """One slot of memory decoherence on every pair (the two memories' rates add)."""
    coef, decay_map = state[PAIR_COEFFICIENTS], model[DECAY_MAP]
    old = np.empty(4)
    for rec in range(coef.shape[1]):
        if state[RECORD_STATUS][e, rec] != PAIR:
            continue
        a, b = model[RECORD_NODE][rec], state[FAR_NODE][e, rec]
        for w in range(2):
            old[:] = coef[e, rec, w]
            for k in range(4):
                acc = 0.0
                for i in range(4):
                    acc += old[i] * decay_map[a, b, i, k]
                coef[e, rec, w, k] = acc


@njit(cache=True)
def _resolve_attempts(state, model, e):
    """Every attempt whose herald is back: a pair with the drawn fidelity, decayed over the
    memories' wait for the herald (one round trip), or two free memories."""
    status, t, records = state[RECORD_STATUS], state[SLOT][e], state[RECORD_STATUS].shape[1]
    kind, mean, spread, low = model[FIDELITY_LAW]
    for rec in range(records):
        if status[e, rec] != ATTEMPT or state[NEAR_KNOWN_AT][e, rec] > t:
            continue
        link = model[RECORD_NODE][rec]
        if _draw(state, e, GEN_STREAM, rec) >= model[P_GEN][link]:
            _free_pair(state, e, rec)
            continue
        u1 = _draw(state, e, GEN_STREAM, records + rec)
        u2 = _draw(state, e, GEN_STREAM, 2 * records + rec)
        fidelity = _fresh_fidelity(int(kind), mean, spread, low, u1, u2)
        coef = state[PAIR_COEFFICIENTS]
        coef[e, rec, 0, :] = model[FRESH_BASE][link] + fidelity * model[FRESH_SLOPE][link]
        coef[e, rec, 1, :] = model[NOMINAL_FRESH][link]
        status[e, rec] = PAIR
        state[BORN_SLOT][e, rec] = t
        state[NEAR_KNOWN_AT][e, rec] = state[FAR_KNOWN_AT][e, rec] = t
        state[STAT_TABLE][e, GENERATED] += 1


# --- one slot of one env, and the batch drivers ------------------------------------------------
@njit(cache=True)
def env_step(state, model, e, actions, outputs):
    """Advance env ``e`` one slot under ``actions`` (n,), in range but maybe masked out, in the
    order of the env docstring, and write its outputs (see :func:`_write_outputs`)."""
    n = model[N_NODES]
    mask = outputs[MASKS][e]  # the decision state's masks, written after the previous slot
    choices = np.empty(n, dtype=np.int64)
    invalid = 0
    for x in range(n):
        valid = mask[x, actions[x]]
        invalid += not valid
        choices[x] = actions[x] if valid else 0
    scratch = np.empty(4)
    _operations(state, model, e, choices, scratch)
    _arrivals(state, e)  # losses whose news needs no travel (a node's own, or no delays)
    fidelities = outputs[FIDELITIES][e]
    fidelities[:] = 0.0
    count = _deliver(state, model, e, fidelities, 0)
    _cutoff(state, model, e)
    attempts = _launch(state, model, e, model[PERIOD])
    state[SLOT][e] += 1
    _decohere(state, model, e)
    _arrivals(state, e)
    count = _deliver(state, model, e, fidelities, count)
    _resolve_attempts(state, model, e)
    state[COUNTER][e] += _U64(1)
    outcome = outputs[SLOT_OUTCOME][e]
    outcome[INVALID], outcome[ATTEMPTS_NOW], outcome[DELIVERED_NOW] = invalid, attempts, count
    outcome[TERMINATED] = model[OBJECTIVE] == DELIVERY_TIME and count > 0
    outcome[TRUNCATED] = state[SLOT][e] >= model[HORIZON]
    outputs[REWARDS][e] = _reward(state, model, e, invalid, attempts, fidelities[:count])
    _write_outputs(state, model, e, outputs)


@njit(cache=True)
def _write_outputs(state, model, e, outputs):
    """What the fronts read after a step or reset of env ``e``: the masks and local views of
    the new decision state, and the running means and simulated time of the info."""
    env_masks(state, model, e, outputs[MASKS][e])
    env_views(state, model, e, outputs[VIEWS][e])
    delivered = state[STAT_TABLE][e, DELIVERED]
    floats = outputs[INFO_FLOATS][e]
    floats[MEAN_FIDELITY] = state[FIDELITY_SUM][e] / delivered if delivered else 0.0
    floats[MEAN_KEY_FRACTION] = state[KEY_FRACTION_SUM][e] / delivered if delivered else 0.0
    floats[TIME_S] = state[SLOT][e] * model[SLOT_S]


@njit(cache=True)
def _reward(state, model, e, invalid, attempts, delivered):
    """The objective's gain for this slot's ``delivered`` fidelities, minus the costs."""
    objective, costs = model[OBJECTIVE], model[COSTS]
    gain = 0.0
    if objective == PAIRS_ABOVE_TARGET:
        for fidelity in delivered:
            gain += fidelity >= model[TARGET]
    elif objective == FIDELITY:
        gain = delivered.sum()
    elif objective == KEY_RATE:
        for fidelity in delivered:
            gain += _key_fraction(fidelity)
    else:
        gain = -1.0
    reward = gain - costs[ATTEMPT_COST] * attempts - costs[INVALID_PENALTY] * invalid
    if costs[MEMORY_COST] != 0.0:
        reward -= costs[MEMORY_COST] * _occupied(state, model, e)
    return reward


@njit(cache=True)
def _occupied(state, model, e):
    """Memories holding anything: right memories with a record, left memories held by a
    record or by a lost pair's qubit whose news has not arrived."""
    busy = 0
    for rec in range(state[RECORD_STATUS].shape[1]):
        busy += state[RECORD_STATUS][e, rec] != EMPTY
    for x in range(model[N_NODES]):
        for memory in range(model[MEMORIES]):
            held = state[LEFT_RECORD][e, x, memory] >= 0
            busy += held or state[LEFT_FREE_AT][e, x, memory] > state[SLOT][e]
    return busy


@njit(cache=True)
def env_reset(state, model, e, outputs):
    """Empty env ``e``'s chain at slot 0, run the first round of attempts, launched one slot
    before slot 0 (so a one-slot link starts with its heralded pairs), and write the outputs
    of a reset (no reward, no deliveries)."""
    state[SLOT][e] = 0
    state[RECORD_STATUS][e] = EMPTY
    state[BORN_SLOT][e] = 0
    state[NEAR_KNOWN_AT][e] = 0
    state[FAR_KNOWN_AT][e] = 0
    state[PAIR_COEFFICIENTS][e] = 0.0
    state[LEFT_RECORD][e] = -1
    state[LEFT_FREE_AT][e] = 0
    state[STAT_TABLE][e] = 0
    state[FIDELITY_SUM][e] = 0.0
    state[KEY_FRACTION_SUM][e] = 0.0
    _launch(state, model, e, model[PERIOD] - 1)
    _resolve_attempts(state, model, e)
    state[COUNTER][e] += _U64(1)
    outputs[SLOT_OUTCOME][e] = 0
    outputs[REWARDS][e] = 0.0
    outputs[FIDELITIES][e] = 0.0
    _write_outputs(state, model, e, outputs)


def _step_rows(state, model, rows, actions, outputs):
    for i in prange(rows.shape[0]):
        env_step(state, model, rows[i], actions[rows[i]], outputs)


def _reset_rows(state, model, rows, outputs):
    for i in prange(rows.shape[0]):
        env_reset(state, model, rows[i], outputs)


# --- what each node knows ----------------------------------------------------------------------
@njit(cache=True)
def env_views(state, model, e, view):
    """Write env ``e``'s (n, 2M, 6) local views into ``view``: for each node's left memories
    then right memories, [attempt in flight, pair with known frame, occupied but frame unknown
    (a pair whose swap or purification news has not arrived, or a lost qubit not yet known
    lost), far node / (n-1), age / age scale (clipped), fidelity (nominal, or true if
    revealed)]; the last three are 0 unless the frame is known."""
    n, m = model[N_NODES], model[MEMORIES]
    view[:, :, :] = 0.0
    for x in range(n):
        for s in range(m):
            if x < n - 1:
                rec = x * m + s
                status = state[RECORD_STATUS][e, rec]
                known = _known(state, e, rec, True)
                pending = (status == PAIR and not known) or status == LOST
                _write_view(state, model, e, view[x, m + s], rec, status, known, pending, True)
            if x > 0:
                rec = state[LEFT_RECORD][e, x, s]
                if rec >= 0:
                    status = state[RECORD_STATUS][e, rec]
                    known = _known(state, e, rec, False)
                    pending = status == PAIR and not known
                    _write_view(state, model, e, view[x, s], rec, status, known, pending, False)
                elif state[LEFT_FREE_AT][e, x, s] > state[SLOT][e]:
                    view[x, s, 2] = 1.0  # a lost pair's qubit, still busy


@njit(cache=True)
def _write_view(state, model, e, features, rec, status, known, pending, near):
    features[0] = status == ATTEMPT
    features[1] = known
    features[2] = pending
    if not known:
        return
    partner = state[FAR_NODE][e, rec] if near else model[RECORD_NODE][rec]
    age = (state[SLOT][e] - state[BORN_SLOT][e, rec]) / model[AGE_SCALE]
    features[3] = partner / (model[N_NODES] - 1)
    features[4] = min(age, MAX_AGE_OBS)
    features[5] = state[PAIR_COEFFICIENTS][e, rec, model[REVEAL], 0]


# one compiled driver per phase for one thread, and one that spreads envs over threads (the
# same per-env code: results do not depend on the thread count)
DRIVERS = {
    parallel: {
        "step": compiled(_step_rows, parallel=parallel),
        "reset": compiled(_reset_rows, parallel=parallel),
    }
    for parallel in (False, True)
}
