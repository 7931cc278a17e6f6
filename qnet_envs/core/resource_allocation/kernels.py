"""Compiled step kernels of quantum resource allocation: one env's decision, its service
outcome and the next arrival, as plain loops over paths, hops, levels and depths.

:class:`qnet_envs.core.resource_allocation.core.ResourceAllocation` holds the state arrays and
calls these; the scalar env (a batch of one), the vector env and the baselines' expectations
(outcomes and costs of candidate allocations) run the same code. The kernels read ``state``
(per-env arrays), ``model`` (constants of the config and the network) and ``outputs`` (what a
step leaves for the fronts), indexed by the names below; the config's numbers sit in one
``params`` array named by :data:`layout.PARAMS`. The physics is the
:mod:`qnet_envs.physics` functions, compiled.

Randomness: each reset and step reads uniforms of stream 0 at the env's counter
(:mod:`qnet_envs.core.counter_rng`): the arrival's four (indices 0-3), the request's four
(4-7), then from index 8 either the service's normals (a step: two uniforms each,
Box-Muller; two for the qubit ends, then one per hop) or the episode's device means (a
reset: each node's qubit fidelity, each link's pair fidelity, each link's detector error).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange, set_num_threads  # noqa: F401 (the core sets threads with it)

from ... import physics
from ...physics.qkd import GYS_EC_EFFICIENCY
from ..compiled import compiled
from ..compiled_draws import arrival as _arrival
from ..compiled_draws import integer_offset as _integer_offset
from ..compiled_draws import normal as _normal
from ..compiled_draws import uniform as _uniform
from ..compiled_draws import uniform_at as _uniform_at
from ..request_kernels import closing, opening, restart
from ..request_stream import ARRIVAL_UNIFORMS
from ..slot_ledger_kernels import clear, full, hold, release_until
from . import codec
from .layout import (
    ARRIVED,
    DEMAND,
    DQC,
    DST,
    EXISTS,
    FAILED,
    FREE_CHANNELS,
    FREE_PAIRS,
    GATES,
    HOLDING,
    HOPS,
    KIND,
    LEVELS,
    NO_ALLOCATION,
    PAIR,
    PARAMS,
    QKD,
    QUBITS,
    REJECTED,
    REQUEST_UNIFORMS,
    REQUIRED,
    SERVED,
    SRC,
    halves,
)

_decode = compiled(codec.decode)
_halves = compiled(halves)
_encode = compiled(codec.encode)
_binary_entropy = compiled(physics.binary_entropy)
_decoy_rate = compiled(physics.decoy_bb84_rate_at, binary_entropy=_binary_entropy)
_depolarized = compiled(physics.depolarized_fidelity)
_bbpssw = compiled(physics.bbpssw_werner)
_swap = compiled(physics.swap_fidelity)
_majority_failure = compiled(physics.majority_failure)
_U64 = np.uint64

# --- the state tuple ---------------------------------------------------------------------------
(T, STEPS, COUNT, KEY, COUNTER, USED, DEPARTURE, USAGE, ALLOCATED, RELEASED, UTILITY,
 QUBIT_MEAN, PAIR_MEAN, DETECTOR_MEAN, NOMINAL_RATE, NOMINAL_FIDELITY, REQUEST_INTS,
 REQUEST_FLOATS, PATH_VIEW, CHANNELS_NEEDED, SCRATCH_COLUMNS, SCRATCH) = range(22)  # fmt: skip
# rows of each env's SCRATCH (max_hops + 2 each): uniforms or amounts, normals, fidelities
AMOUNTS, NORMALS, FIDELITIES = range(3)
# --- the model tuple ---------------------------------------------------------------------------
(N_NODES, N_LINKS, K_PATHS, PAIR_INDEX, PAIR_PATHS, PATH_EXISTS, PATH_HOPS, DECOY_TERMS, KEEP,
 ARRIVAL_MEANS, ARRIVAL_SPANS, P, LIMIT) = range(13)  # fmt: skip
# --- the outputs tuple -------------------------------------------------------------------------
MASK, OBSERVATION, REWARD, INVALID, TRUNCATED, SUCCESS, INFO_FLOATS = range(7)
# --- the config's numbers in ``params`` ----------------------------------------------------------
(QKD_FRACTION, DEMAND_LOW, DEMAND_HIGH, QUBITS_LOW, QUBITS_HIGH, GATES_LOW, GATES_HIGH,
 REQUIRED_LOW, REQUIRED_HIGH, QUBIT_F_LOW, QUBIT_F_HIGH, PAIR_F_LOW, PAIR_F_HIGH, DET_LOW,
 DET_HIGH, QUBIT_SPREAD, PAIR_SPREAD, DET_SPREAD, GATE_F, MEAS_F, REPETITION_HZ, MARGIN,
 MAX_PER_HOP, QUBITS_PER_NODE, CHANNELS_PER_LINK, PAIR_CAPACITY, QUBIT_COST, CHANNEL_COST,
 PAIR_COST, UTILITY_GAIN, FAILURE_PENALTY, INVALID_PENALTY, MEAN_HOLDING,
 HORIZON) = range(len(PARAMS))  # fmt: skip


# --- draws -------------------------------------------------------------------------------------
@njit(cache=True, inline="always")
def _draw(state, e, index):
    """Uniform number ``index`` of env ``e``'s current block (stream 0)."""
    return _uniform_at(state[KEY][e], state[COUNTER][e], _U64(0), _U64(index))


@njit(cache=True, inline="always")
def _service_normal(state, e, i):
    """The step's i-th standard normal of the service (0, 1: the qubit ends; 2 + h: hop h)."""
    j = REQUEST_UNIFORMS + 2 * i
    return _normal(_draw(state, e, j), _draw(state, e, j + 1))


# --- physics of one allocation -----------------------------------------------------------------
@njit(cache=True, inline="always")
def _channel_rate_kbps(model, link, detector_error):
    """Key rate of one channel on ``link`` at ``detector_error`` (decoy-state BB84)."""
    terms, params = model[DECOY_TERMS], model[P]
    rate = _decoy_rate(terms[0, link], terms[1, link], terms[2, link], terms[3, link],
                       terms[4, link], terms[5, link], detector_error, GYS_EC_EFFICIENCY, 0.5)  # fmt: skip
    return rate * params[REPETITION_HZ] / 1e3


@njit(cache=True, inline="always")
def path_pair_fidelity(model, links, hops, depth, fidelity):
    """End-to-end pair fidelity over ``links[:hops]`` from the elementary fidelities
    ``fidelity[:hops]`` (overwritten): each pair first waits in memory for its 2^depth - 1
    partners (depolarising), then ``depth`` BBPSSW rounds, then swaps along the path."""
    keep, params = model[KEEP], model[P]
    if depth > 0:
        for h in range(hops):
            fidelity[h] = _depolarized(fidelity[h], keep[links[h], depth])
        for _ in range(depth):
            for h in range(hops):
                fidelity[h] = _bbpssw(fidelity[h], fidelity[h])[0]
    out = fidelity[0]
    for h in range(1, hops):
        out = _swap(out, fidelity[h], params[GATE_F], params[MEAS_F])
    return out


@njit(cache=True, inline="always")
def allocation_outcome(state, model, e, action, z, fidelity):
    """Whether serving env ``e``'s head request with ``action`` succeeds under the standard
    normals ``z`` (qubit ends, then hops): the second stage of seed 002's stochastic program.
    QKD: channels x the slowest hop's rate at the drawn detector errors meets the demand.
    DQC: F_pair^g x prod over logical qubits (1 - p_L) reaches the required fidelity.
    ``fidelity``: working space of max_hops values."""
    params, ints, floats = model[P], state[REQUEST_INTS][e], state[REQUEST_FLOATS][e]
    path, level, depth = _decode(action)
    pair = ints[PAIR]
    links, hops = model[PAIR_PATHS][pair, path], model[PATH_HOPS][pair, path]
    if ints[KIND] == QKD:
        det_mean, rate = state[DETECTOR_MEAN][e], np.inf
        for h in range(hops):
            det = det_mean[links[h]] + params[DET_SPREAD] * z[2 + h]
            det = min(max(det, 0.0), 0.5)
            rate = min(rate, _channel_rate_kbps(model, links[h], det))
        return state[CHANNELS_NEEDED][e, path, level] * rate >= floats[DEMAND]
    pair_mean = state[PAIR_MEAN][e]
    for h in range(hops):
        fidelity[h] = min(max(pair_mean[links[h]] + params[PAIR_SPREAD] * z[2 + h], 0.25), 1.0)
    total = path_pair_fidelity(model, links, hops, depth, fidelity) ** float(ints[GATES])
    qubit_mean, split = state[QUBIT_MEAN][e], _halves(ints[QUBITS])
    for end in range(2):
        node = ints[SRC] if end == 0 else ints[DST]
        f_qubit = qubit_mean[node] + params[QUBIT_SPREAD] * z[end]
        p_flip = 1.0 - min(max(f_qubit, 0.5), 1.0)
        logical_error = _majority_failure(p_flip, 2 * level + 1)
        total *= (1.0 - logical_error) ** float(split[end])
    return total >= floats[REQUIRED]


@njit(cache=True, inline="always")
def allocation_plan(state, model, e, action, columns, amounts):
    """The ledger usage of serving env ``e``'s head request with ``action`` (written into
    ``columns`` / ``amounts``; returns their count) and its resource cost: QKD holds the
    level's channels on each hop; DQC holds (2 level + 1) qubits per logical qubit at each end
    and gates x 2^depth pairs per slot on each hop. Cost: (holding / mean holding) x (qubit,
    channel and pair costs)."""
    params, ints = model[P], state[REQUEST_INTS][e]
    n, n_links = model[N_NODES], model[N_LINKS]
    path, level, depth = _decode(action)
    pair = ints[PAIR]
    links, hops = model[PAIR_PATHS][pair, path], model[PATH_HOPS][pair, path]
    qkd = ints[KIND] == QKD
    if qkd:
        per_hop, offset = state[CHANNELS_NEEDED][e, path, level], n
    else:
        per_hop, offset = float(ints[GATES] * 2**depth), n + n_links
    for h in range(hops):
        columns[h], amounts[h] = offset + links[h], per_hop
    per_logical = 0 if qkd else 2 * level + 1
    at_src, at_dst = _halves(ints[QUBITS])
    columns[hops], amounts[hops] = ints[SRC], float(at_src * per_logical)
    columns[hops + 1], amounts[hops + 1] = ints[DST], float(at_dst * per_logical)
    held_qubits = amounts[hops] + amounts[hops + 1]
    channels = hops * per_hop if qkd else 0.0
    pairs = 0.0 if qkd else hops * per_hop
    scale = state[REQUEST_FLOATS][e, HOLDING] / params[MEAN_HOLDING]
    cost = scale * (params[QUBIT_COST] * held_qubits + params[CHANNEL_COST] * channels
                    + params[PAIR_COST] * pairs)  # fmt: skip
    return hops + 2, cost


# --- the head request ----------------------------------------------------------------------------
@njit(cache=True, inline="always")
def _arrive(state, model, e):
    """Env ``e``'s next request: advance the clock by the drawn gap, release what departed,
    draw the request's kind and parameters."""
    params, ints, floats = model[P], state[REQUEST_INTS][e], state[REQUEST_FLOATS][e]
    u = state[SCRATCH][e, AMOUNTS]
    for j in range(REQUEST_UNIFORMS):
        u[j] = _draw(state, e, j)
    gap, src, dst, holding = _arrival(u[0], u[1], u[2], u[3], model[ARRIVAL_MEANS],
                                      model[ARRIVAL_SPANS])  # fmt: skip
    t = state[T][e] + gap
    state[T][e] = t
    release_until(state[DEPARTURE], state[USAGE], state[USED], state[RELEASED], e, t)
    state[COUNT][ARRIVED, e] += 1
    a = ARRIVAL_UNIFORMS
    ints[SRC], ints[DST] = int(src), int(dst)
    ints[KIND] = QKD if u[a] < params[QKD_FRACTION] else DQC
    ints[PAIR] = model[PAIR_INDEX][ints[SRC] * model[N_NODES] + ints[DST]]
    span = params[QUBITS_HIGH] + 1 - params[QUBITS_LOW]
    ints[QUBITS] = int(params[QUBITS_LOW] + _integer_offset(u[a + 1], span))
    span = params[GATES_HIGH] + 1 - params[GATES_LOW]
    ints[GATES] = int(params[GATES_LOW] + _integer_offset(u[a + 2], span))
    floats[DEMAND] = _uniform(u[a + 1], params[DEMAND_LOW], params[DEMAND_HIGH])
    floats[REQUIRED] = _uniform(u[a + 3], params[REQUIRED_LOW], params[REQUIRED_HIGH])
    floats[HOLDING] = holding


@njit(cache=True, inline="always")
def _path_offers(state, model, e):
    """Each path of env ``e``'s head request: exists, hops, free channels and free pairs on
    its busiest hop (0 for a missing path) and, for QKD, the channels per hop its demand needs
    at each level's margin (+inf where no channel carries key)."""
    params, ints = model[P], state[REQUEST_INTS][e]
    pair = ints[PAIR]
    used, view = state[USED][e], state[PATH_VIEW][e]
    need, rate_of = state[CHANNELS_NEEDED][e], state[NOMINAL_RATE][e]
    n, n_links = model[N_NODES], model[N_LINKS]
    demand = state[REQUEST_FLOATS][e, DEMAND]
    for p in range(model[K_PATHS]):
        links, hops = model[PAIR_PATHS][pair, p], model[PATH_HOPS][pair, p]
        exists = model[PATH_EXISTS][pair, p]
        free_channels, free_pairs, path_rate = np.inf, np.inf, np.inf
        for h in range(hops):
            link = links[h]
            free_channels = min(free_channels, params[CHANNELS_PER_LINK] - used[n + link])
            free_pairs = min(free_pairs, params[PAIR_CAPACITY] - used[n + n_links + link])
            path_rate = min(path_rate, rate_of[link])
        view[p, EXISTS], view[p, HOPS] = exists, hops
        view[p, FREE_CHANNELS] = free_channels if exists else 0.0
        view[p, FREE_PAIRS] = free_pairs if exists else 0.0
        for level in range(LEVELS):
            need[p, level] = 0.0
            if ints[KIND] == QKD:
                wanted = demand * (1.0 + params[MARGIN] * level)
                need[p, level] = np.ceil(wanted / path_rate) if path_rate > 0.0 else np.inf


@njit(cache=True, inline="always")
def request_views(state, model, outputs, e):
    """What env ``e``'s head request implies: its paths' offers, its mask (capacity and QKD
    channel limits per (path, level, depth)), the observation and the running metrics."""
    params, ints = model[P], state[REQUEST_INTS][e]
    _path_offers(state, model, e)
    view, need, mask = state[PATH_VIEW][e], state[CHANNELS_NEEDED][e], outputs[MASK][e]
    free_src = params[QUBITS_PER_NODE] - state[USED][e, ints[SRC]]
    free_dst = params[QUBITS_PER_NODE] - state[USED][e, ints[DST]]
    (at_src, at_dst), qkd = _halves(ints[QUBITS]), ints[KIND] == QKD
    mask[:] = False
    mask[0] = True  # reject is always allowed
    for p in range(model[K_PATHS]):
        for level in range(LEVELS):
            per_logical = 2 * level + 1
            qubits_fit = at_src * per_logical <= free_src and at_dst * per_logical <= free_dst
            for depth in range(LEVELS):
                if qkd:  # only depth 0: QKD needs no entangled pairs
                    fits = (depth == 0 and view[p, EXISTS] > 0
                            and need[p, level] <= params[MAX_PER_HOP]
                            and need[p, level] <= view[p, FREE_CHANNELS])  # fmt: skip
                else:
                    fits = qubits_fit and ints[GATES] * 2**depth <= view[p, FREE_PAIRS]
                mask[_encode(p, level, depth)] = fits
    _observe(state, model, outputs, e)


@njit(cache=True, inline="always")
def _observe(state, model, outputs, e):
    """Env ``e``'s observation (layout in the env docstring) and running metrics."""
    params, ints, floats = model[P], state[REQUEST_INTS][e], state[REQUEST_FLOATS][e]
    n, n_links, k = model[N_NODES], model[N_LINKS], model[K_PATHS]
    obs, used, view = outputs[OBSERVATION][e], state[USED][e], state[PATH_VIEW][e]
    qkd = 1.0 if ints[KIND] == QKD else 0.0
    dqc = 1.0 - qkd
    obs[:] = 0.0
    obs[ints[SRC]] = 1.0
    obs[n + ints[DST]] = 1.0
    i = 2 * n
    obs[i], obs[i + 1] = qkd, dqc
    obs[i + 2] = qkd * floats[DEMAND] * (1.0 / params[DEMAND_HIGH])
    obs[i + 3] = dqc * ints[QUBITS] * (1.0 / params[QUBITS_HIGH])
    obs[i + 4] = dqc * ints[GATES] * (1.0 / params[GATES_HIGH])
    obs[i + 5] = dqc * floats[REQUIRED]
    obs[i + 6] = min(floats[HOLDING] * (0.1 / params[MEAN_HOLDING]), 1.0)
    i += 7
    nominal, per_hop_max = state[NOMINAL_FIDELITY][e, ints[PAIR]], params[MAX_PER_HOP]
    for p in range(k):
        obs[i + 6 * p] = view[p, EXISTS]
        obs[i + 6 * p + 1] = view[p, HOPS] * (1.0 / model[PAIR_PATHS].shape[2])
        obs[i + 6 * p + 2] = view[p, FREE_CHANNELS] * (1.0 / params[CHANNELS_PER_LINK])
        obs[i + 6 * p + 3] = view[p, FREE_PAIRS] * (1.0 / params[PAIR_CAPACITY])
        obs[i + 6 * p + 4] = nominal[p]
        needed = min(state[CHANNELS_NEEDED][e, p, 0], per_hop_max)
        obs[i + 6 * p + 5] = qkd * needed * (1.0 / per_hop_max)
    i += 6 * k
    qubit_mean = state[QUBIT_MEAN][e]
    for node in range(n):
        obs[i + node] = (params[QUBITS_PER_NODE] - used[node]) * (1.0 / params[QUBITS_PER_NODE])
        obs[i + n + node] = qubit_mean[node]
    i += 2 * n
    pair_mean, det_mean = state[PAIR_MEAN][e], state[DETECTOR_MEAN][e]
    for link in range(n_links):
        free_channels = params[CHANNELS_PER_LINK] - used[n + link]
        free_pairs = params[PAIR_CAPACITY] - used[n + n_links + link]
        obs[i + link] = free_channels * (1.0 / params[CHANNELS_PER_LINK])
        obs[i + n_links + link] = free_pairs * (1.0 / params[PAIR_CAPACITY])
        obs[i + 2 * n_links + link] = pair_mean[link]
        obs[i + 3 * n_links + link] = 2 * det_mean[link]
    _metrics(state, model, outputs, e)


@njit(cache=True, inline="always")
def _metrics(state, model, outputs, e):
    """Acceptance and success ratios (0 before any decision), utility, and the utilisation
    of qubits, channels and pairs."""
    params, count, used = model[P], state[COUNT], state[USED][e]
    n, n_links = model[N_NODES], model[N_LINKS]
    allocated = count[SERVED, e] + count[FAILED, e]
    decided = allocated + count[REJECTED, e]
    floats = outputs[INFO_FLOATS][e]
    floats[0] = allocated / decided if decided > 0 else 0.0
    floats[1] = count[SERVED, e] / allocated if allocated > 0 else 0.0
    floats[2] = state[UTILITY][e]
    totals = (n * params[QUBITS_PER_NODE], n_links * params[CHANNELS_PER_LINK],
              n_links * params[PAIR_CAPACITY])  # fmt: skip
    starts = (0, n, n + n_links)
    sizes = (n, n_links, n_links)
    for part in range(3):
        held = 0.0
        for r in range(starts[part], starts[part] + sizes[part]):
            held += used[r]
        floats[3 + part] = held / totals[part] if totals[part] > 0 else 0.0


# --- steps and resets --------------------------------------------------------------------------
@njit(cache=True, inline="always")
def _serve(state, model, e, action):
    """Allocate ``action`` to env ``e``'s head request, draw its outcome; returns (reward,
    success)."""
    params, floats = model[P], state[REQUEST_FLOATS][e]
    width = model[PAIR_PATHS].shape[2] + 2
    columns, amounts = state[SCRATCH_COLUMNS][e], state[SCRATCH][e, AMOUNTS]
    count, cost = allocation_plan(state, model, e, action, columns, amounts)
    hold(state[DEPARTURE], state[USAGE], state[USED], state[ALLOCATED], model[LIMIT], e,
         state[T][e] + floats[HOLDING], columns, amounts, count)  # fmt: skip
    z = state[SCRATCH][e, NORMALS]
    for i in range(width):
        z[i] = _service_normal(state, e, i)
    ok = allocation_outcome(state, model, e, action, z, state[SCRATCH][e, FIDELITIES])
    scale = floats[HOLDING] / params[MEAN_HOLDING]
    if ok:
        state[COUNT][SERVED, e] += 1
        state[UTILITY][e] += params[UTILITY_GAIN] * scale
        return params[UTILITY_GAIN] * scale - cost, 1
    state[COUNT][FAILED, e] += 1
    return -params[FAILURE_PENALTY] - cost, 0


@njit(cache=True, inline="always")
def env_step(state, model, outputs, e, action):
    """Decide env ``e``'s head request with ``action`` (in the space, maybe masked out: then
    it rejects and pays the penalty), then draw the next request."""
    valid, serve = opening(outputs[MASK], e, action)
    reward, success = (0.0, NO_ALLOCATION) if valid else (-model[P][INVALID_PENALTY], NO_ALLOCATION)
    if serve:
        reward, success = _serve(state, model, e, action)
    truncated = closing(state[COUNT], state[STEPS], e, serve, REJECTED, model[P][HORIZON])
    outputs[REWARD][e], outputs[SUCCESS][e] = reward, success
    outputs[INVALID][e], outputs[TRUNCATED][e] = not valid, truncated
    _arrive(state, model, e)
    state[COUNTER][e] += _U64(1)
    request_views(state, model, outputs, e)


@njit(cache=True, inline="always")
def _device_means(state, model, e):
    """The episode's heterogeneous devices: each node's mean qubit fidelity, each link's mean
    pair fidelity and detector error (uniforms from index 8 of the reset's block), each
    link's nominal channel rate and every path's nominal fidelity (no purification, at the
    means; 0 for a missing path)."""
    params, n, n_links = model[P], model[N_NODES], model[N_LINKS]
    qubit_mean, pair_mean = state[QUBIT_MEAN][e], state[PAIR_MEAN][e]
    det_mean, rate = state[DETECTOR_MEAN][e], state[NOMINAL_RATE][e]
    base = REQUEST_UNIFORMS
    for node in range(n):
        qubit_mean[node] = _uniform(_draw(state, e, base + node), params[QUBIT_F_LOW],
                                    params[QUBIT_F_HIGH])  # fmt: skip
    for link in range(n_links):
        pair_mean[link] = _uniform(_draw(state, e, base + n + link), params[PAIR_F_LOW],
                                   params[PAIR_F_HIGH])  # fmt: skip
        det_mean[link] = _uniform(_draw(state, e, base + n + n_links + link), params[DET_LOW],
                                  params[DET_HIGH])  # fmt: skip
        rate[link] = _channel_rate_kbps(model, link, det_mean[link])
    paths, hops_of, exists = model[PAIR_PATHS], model[PATH_HOPS], model[PATH_EXISTS]
    nominal, fidelity = state[NOMINAL_FIDELITY][e], state[SCRATCH][e, FIDELITIES]
    for pair in range(paths.shape[0]):
        for p in range(paths.shape[1]):
            nominal[pair, p] = 0.0
            if exists[pair, p]:
                links, hops = paths[pair, p], hops_of[pair, p]
                for h in range(hops):
                    fidelity[h] = pair_mean[links[h]]
                nominal[pair, p] = path_pair_fidelity(model, links, hops, 0, fidelity)


@njit(cache=True, inline="always")
def env_reset(state, model, outputs, e):
    """Empty env ``e``'s network, draw the episode's devices and the first request."""
    restart(state[T], state[STEPS], state[COUNT], e)
    clear(state[DEPARTURE], state[USAGE], state[USED], state[ALLOCATED], state[RELEASED], e)
    state[UTILITY][e] = 0.0
    outputs[REWARD][e], outputs[SUCCESS][e] = 0.0, NO_ALLOCATION
    outputs[INVALID][e] = outputs[TRUNCATED][e] = False
    _device_means(state, model, e)
    _arrive(state, model, e)
    state[COUNTER][e] += _U64(1)
    request_views(state, model, outputs, e)


def _step_rows(state, model, outputs, rows, actions):
    """Step envs ``rows``; returns how many envs' slot tables are full (the core then makes
    room before the next step)."""
    n_full = 0
    for i in prange(rows.shape[0]):
        env_step(state, model, outputs, rows[i], actions[rows[i]])
        n_full += full(state[DEPARTURE], state[ALLOCATED], state[RELEASED], rows[i])
    return n_full


def _reset_rows(state, model, outputs, rows):
    n_full = 0
    for i in prange(rows.shape[0]):
        env_reset(state, model, outputs, rows[i])
        n_full += full(state[DEPARTURE], state[ALLOCATED], state[RELEASED], rows[i])
    return n_full


@njit(cache=True, inline="always")
def outcomes_of(state, model, e, actions, normals, out):
    """``out[i]``: :func:`allocation_outcome` of env ``e``'s head request with ``actions[i]``
    under ``normals[i]`` (what the baselines' expectations average)."""
    fidelity = np.empty(model[PAIR_PATHS].shape[2])
    for i in range(actions.shape[0]):
        out[i] = allocation_outcome(state, model, e, actions[i], normals[i], fidelity)


@njit(cache=True, inline="always")
def costs_of(state, model, e, actions, out):
    """``out[i]``: the resource cost of serving env ``e``'s head request with ``actions[i]``."""
    width = model[PAIR_PATHS].shape[2] + 2
    columns, amounts = np.empty(width, dtype=np.int64), np.empty(width)
    for i in range(actions.shape[0]):
        out[i] = allocation_plan(state, model, e, actions[i], columns, amounts)[1]


# One compiled driver per phase for one thread, and one that spreads envs over threads (the
# same per-env code; see the repeater chain's kernels for why one thread never starts numba's
# thread pool). The per-env code allocates nothing (draws, amounts, normals and fidelities go
# through each env's scratch rows), so the serial drivers run without reference counts.
DRIVERS = {
    parallel: {
        "step": compiled(_step_rows, parallel=parallel, counted=parallel),
        "reset": compiled(_reset_rows, parallel=parallel, counted=parallel),
    }
    for parallel in (False, True)
}
