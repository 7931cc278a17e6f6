"""The node operations of one repeater-chain slot, and delivery: discards, then purifications,
then swaps, all nodes at once, on the batch-first state of
:class:`qnet_envs.core.repeater_chain.RepeaterChainCore`.

An operation that the mask allowed at the decision state but whose pair another node's
operation earlier in this order consumed in the same slot (a discard before a purification, a
purification before a swap) does nothing and counts in ``stats["conflicts"]``; it is not a
masked-out action. Adjacent swaps in one slot compose (Iñesta et al. 2023): the new pair spans
the whole segment and survives only if every swap of the segment succeeds.
"""

from __future__ import annotations

import numpy as np

from .. import physics
from .repeater_chain_layout import EMPTY, PAIR, PURIFY_STREAM, SWAP_STREAM

IDLE_OP, SWAP_OP, PURIFY_OP, DISCARD_RIGHT_OP, DISCARD_LEFT_OP = range(5)


def apply_operations(core, acts: np.ndarray) -> None:
    """Apply every node's (valid) choice ``acts`` (B, n)."""
    op = core.codec.op_of[acts]
    if not (op > IDLE_OP).any():
        return
    swapping = (op == SWAP_OP).any()
    lrec_at_decision = core.lrec.copy() if swapping else None  # before discards change it
    consumed = np.zeros(core.status.shape, dtype=bool)
    _discards(core, acts, op, consumed)
    _purifications(core, acts, op, consumed)
    if swapping:
        _swaps(core, acts, op, consumed, lrec_at_decision)


def _discards(core, acts, op, consumed) -> None:
    cd, t, m = core.codec, core.t, core.m
    env, x = np.nonzero(op == DISCARD_RIGHT_OP)
    if env.size:
        rec = x * m + acts[env, x] - cd.discard_right0
        pair = core.status[env, rec] == PAIR
        e, r, xs = env[pair], rec[pair], x[pair]
        far = core.end[e, r]
        core.lose_pair(e, r, t[e], t[e] + core.delay[xs, far])  # the far end hears later
        core.status[env, rec] = EMPTY  # this end frees its qubit at once
        consumed[env, rec] = True
        np.add.at(core.stats["discarded"], env, 1)
        np.add.at(core.stats["pairs_lost"], e, 1)
    env, x = np.nonzero(op == DISCARD_LEFT_OP)
    if env.size:
        slot = acts[env, x] - cd.discard_left0
        rec = core.lrec[env, x, slot]
        held = rec >= 0
        e, r, xs = env[held], rec[held], x[held]
        core.lose_pair(e, r, t[e] + core.delay[core.rec_node[r], xs], t[e])
        consumed[e, r] = True
        core.lrelease[env[~held], x[~held], slot[~held]] = t[env[~held]]
        np.add.at(core.stats["discarded"], env, 1)
        np.add.at(core.stats["pairs_lost"], e, 1)


def _purify(core, c1, c2):
    """Noisy BBPSSW or DEJMPS on the (k, 2, 4) true and nominal coefficients of two pairs."""
    cfg = core.config
    g, e = cfg.gate_fidelity, cfg.meas_fidelity
    if cfg.purification == "dejmps":
        return physics.dejmps(c1, c2, g, e)
    f, p = physics.bbpssw(c1[..., 0], c2[..., 0], g, e)
    return physics.werner(f), p


def _purifications(core, acts, op, consumed) -> None:
    env, x = np.nonzero(op == PURIFY_OP)
    if not env.size:
        return
    cd, m = core.codec, core.m
    pairs = np.asarray(cd.purify_pairs)[acts[env, x] - cd.purify0]
    p1, p2 = x * m + pairs[:, 0], x * m + pairs[:, 1]
    ok = ~consumed[env, p1] & ~consumed[env, p2]
    np.add.at(core.stats["conflicts"], env[~ok], 1)
    env, x, p1, p2 = env[ok], x[ok], p1[ok], p2[ok]
    out, prob = _purify(core, core.coef[env, p1], core.coef[env, p2])
    success = core.draws(PURIFY_STREAM, core.n)[env, x] < prob[:, 0]
    news = core.t[env] + core.delay[x, core.end[env, p1]]
    core.born[env, p1] = np.minimum(core.born[env, p1], core.born[env, p2])
    core.free_pair(env, p2)  # the sacrificed pair is measured at both ends
    consumed[env, p1] = consumed[env, p2] = True
    core.coef[env[success], p1[success]] = out[success]
    core.ready_l[env, p1] = core.ready_r[env, p1] = news
    core.lose_pair(env[~success], p1[~success], news[~success], news[~success])
    np.add.at(core.stats["purifications"], env, 1)
    np.add.at(core.stats["purification_failures"], env[~success], 1)
    np.add.at(core.stats["pairs_lost"], env[~success], 1)


def _swaps(core, acts, op, consumed, lrec_at_decision) -> None:
    cfg, cd, m, t = core.config, core.codec, core.m, core.t
    alive = np.ones(core.status.shape, dtype=bool)
    touched = np.zeros(core.status.shape, dtype=bool)
    first = np.zeros(core.status.shape, dtype=np.int64)  # leftmost swap node of the segment
    u = None
    for x in range(1, core.n - 1):  # left to right, so a segment's swaps compose
        env = np.flatnonzero(op[:, x] == SWAP_OP)
        if not env.size:
            continue
        left, right = np.divmod(acts[env, x] - cd.swap0, m)
        rec_r = x * m + right
        ok = ~consumed[env, lrec_at_decision[env, x, left]] & ~consumed[env, rec_r]
        np.add.at(core.stats["conflicts"], env[~ok], 1)
        env, left, rec_r = env[ok], left[ok], rec_r[ok]
        if u is None:
            u = core.draws(SWAP_STREAM, core.n)
        success = u[env, x] < cfg.swap_success
        rec_l = core.lrec[env, x, left]  # follows merges made further left in this slot
        far, far_mem = core.end[env, rec_r], core.rmem[env, rec_r]
        core.coef[env, rec_l] = physics.swap_bell_diagonal(
            core.coef[env, rec_l], core.coef[env, rec_r], cfg.gate_fidelity, cfg.meas_fidelity
        )
        core.born[env, rec_l] = np.minimum(core.born[env, rec_l], core.born[env, rec_r])
        # each end needs every swap outcome of the segment: the left end hears last from the
        # rightmost swap (this one), the right end from the leftmost
        leftmost = np.where(touched[env, rec_l], first[env, rec_l], x)
        first[env, rec_l] = leftmost
        near_news = t[env] + core.delay[x, core.rec_node[rec_l]]
        far_news = t[env] + core.delay[leftmost, far]
        core.ready_l[env, rec_l] = np.maximum(core.ready_l[env, rec_l], near_news)
        core.ready_r[env, rec_l] = np.maximum(core.ready_r[env, rec_r], far_news)
        alive[env, rec_l] &= success
        touched[env, rec_l] = True
        core.end[env, rec_l], core.rmem[env, rec_l] = far, far_mem
        core.lrec[env, far, far_mem] = rec_l
        core.status[env, rec_r] = EMPTY  # node x's two qubits were measured
        core.lrec[env, x, left] = -1
        core.lrelease[env, x, left] = t[env]
        np.add.at(core.stats["swaps"], env, 1)
        np.add.at(core.stats["swap_failures"], env[~success], 1)
    env, rec = np.nonzero(touched & ~alive)
    core.lose_pair(env, rec, core.ready_l[env, rec], core.ready_r[env, rec])
    np.add.at(core.stats["pairs_lost"], env, 1)


def deliver(core, fids: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Hand over every end-to-end pair whose frame both end nodes know; write its true fidelity
    into ``fids[env, count:]`` and return the updated per-env ``count``."""
    m, t = core.m, core.t[:, None]
    ready = (
        (core.status[:, :m] == PAIR)
        & (core.end[:, :m] == core.n - 1)
        & (core.ready_l[:, :m] <= t)
        & (core.ready_r[:, :m] <= t)
    )
    if not ready.any():
        return count
    env, rec = np.nonzero(ready)
    f = core.coef[env, rec, 0, 0]
    rank = np.arange(env.size) - np.searchsorted(env, env)
    fids[env, count[env] + rank] = f
    core.free_pair(env, rec)
    st = core.stats
    np.add.at(st["delivered"], env, 1)
    np.add.at(st["delivered_above_target"], env, (f >= core.config.target_fidelity).astype(int))
    np.add.at(core.fidelity_sum, env, f)
    np.add.at(core.key_fraction_sum, env, physics.entanglement_key_fraction(f))
    return count + np.bincount(env, minlength=core.num_envs)
