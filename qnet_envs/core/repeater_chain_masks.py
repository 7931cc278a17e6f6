"""What each repeater node may do and what it knows: per-node masks and local views.

Both read the batch-first state of :class:`qnet_envs.core.repeater_chain.RepeaterChainCore`;
the Gymnasium, vector and PettingZoo fronts all call these two functions.
"""

from __future__ import annotations

import numpy as np

from .repeater_chain_layout import ATTEMPT, LOST, MAX_AGE_OBS, N_FEATURES, PAIR


def _left_side(core):
    """Records of the left memories of nodes 1..n-1, (B, n-1, M), and whether each is held."""
    rec = core.lrec[:, 1:]
    return rec, rec >= 0


def node_masks(core) -> np.ndarray:
    """(B, n, K) bool: which choices of :class:`RepeaterChainCodec` each node may make now.

    A node may swap a left and a right pair whose Pauli frames it knows; purify two of its
    right pairs to the same far node when both ends know both frames; discard any qubit it
    holds that is not waiting for a herald; idle always.
    """
    B, n, m, cd = core.num_envs, core.n, core.m, core.codec
    mask = np.zeros((B, n, cd.k), dtype=bool)
    mask[..., 0] = True
    t = core.t[:, None, None]
    known_l = core.known_left()
    known_r = core.known_right()
    right_known = known_l.reshape(B, n - 1, m)  # node x's right memory s knows its frame
    lrec, held = _left_side(core)
    left_known = held & core.gather(known_r, lrec)
    swap = left_known[:, :-1, :, None] & right_known[:, 1:, None, :]
    mask[:, 1:-1, cd.swap0 : cd.purify0] = swap.reshape(B, n - 2, m * m)
    both = (known_l & known_r).reshape(B, n - 1, m)
    end = core.end.reshape(B, n - 1, m)
    for j, (s1, s2) in enumerate(cd.purify_pairs):
        same = end[..., s1] == end[..., s2]
        mask[:, :-1, cd.purify0 + j] = both[..., s1] & both[..., s2] & same
    status = core.status.reshape(B, n - 1, m)
    mask[:, :-1, cd.discard_right0 : cd.discard_left0] = (status == PAIR) | (status == LOST)
    left_status = core.gather(core.status, lrec)
    detached = ~held & (core.lrelease[:, 1:] > t)
    mask[:, 1:, cd.discard_left0 :] = (held & (left_status == PAIR)) | detached
    return mask


def local_views(core) -> np.ndarray:
    """(B, n, 2M, 6) float32: for each node's left memories then right memories, what the node
    knows: [attempt in flight, pair with known frame, occupied but frame unknown (a pair whose
    swap or purification news has not arrived, or a lost qubit not yet known lost), far node
    / (n-1), age / age scale (clipped to 4), fidelity (nominal, or true if reveal_fidelity)]."""
    B, n, m = core.num_envs, core.n, core.m
    out = np.zeros((B, n, 2 * m, N_FEATURES), dtype=np.float32)
    which = 0 if core.config.reveal_fidelity else 1
    t = core.t[:, None]
    known_l = core.known_left()
    fid = core.coef[:, :, which, 0]
    age = np.minimum((t - core.born) / core.age_scale, MAX_AGE_OBS)
    st = core.status
    _fill(
        out[:, :-1, m:],
        (st == ATTEMPT).reshape(B, n - 1, m),
        known_l.reshape(B, n - 1, m),
        (((st == PAIR) & ~known_l) | (st == LOST)).reshape(B, n - 1, m),
        (core.end / (n - 1)).reshape(B, n - 1, m),
        age.reshape(B, n - 1, m),
        fid.reshape(B, n - 1, m),
    )
    lrec, held = _left_side(core)
    known = held & core.gather(core.known_right(), lrec)
    lst = core.gather(st, lrec)
    pending = (held & (lst == PAIR) & ~known) | (~held & (core.lrelease[:, 1:] > t[..., None]))
    _fill(
        out[:, 1:, :m],
        held & (lst == ATTEMPT),
        known,
        pending,
        core.rec_node[np.maximum(lrec, 0)] / (n - 1),
        core.gather(age, lrec),
        core.gather(fid, lrec),
    )
    return out


def _fill(view, attempt, known, pending, partner, age, fid) -> None:
    """Write the six features into ``view`` (B, nodes, M, 6) in place."""
    view[..., 0] = attempt
    view[..., 1] = known
    view[..., 2] = pending
    view[..., 3] = partner * known
    view[..., 4] = age * known
    view[..., 5] = fid * known
