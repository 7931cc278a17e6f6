"""Compiled step kernels of QKD provisioning: one env's decision and next arrival as plain
loops over its paths, hops and channels, run for every env of a batch.

:class:`qnet_envs.core.qkd_provisioning.core.QKDProvisioning` holds the state arrays and calls
these; the scalar env (a batch of one) and the vector env run the same code. The kernels read
three tuples, indexed by the names below: ``state`` (per-env arrays), ``model`` (constants of
the config and the network, built once by the core) and ``outputs`` (what a step leaves for
the fronts). Randomness: each reset and step reads five uniforms of stream 0 at the env's
counter (:mod:`qnet_envs.core.counter_rng`): the arrival's four, then the demand.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange, set_num_threads  # noqa: F401 (the core sets threads with it)

from ..compiled import compiled
from ..compiled_draws import arrival as _arrival
from ..compiled_draws import uniform as _uniform
from ..compiled_draws import uniform_at as _uniform_at
from ..request_kernels import closing, opening, restart
from ..slot_ledger_kernels import clear, full, hold, release_until
from . import codec
from .layout import ARRIVED, EXISTS, FREE, HOPS, NEEDED, RATE, REJECTED, SERVED

_decode = compiled(codec.decode)
_encode = compiled(codec.encode)
_U64 = np.uint64

# --- the state tuple ---------------------------------------------------------------------------
(T, STEPS, COUNT, KEY, COUNTER, USED, DEPARTURE, USAGE, ALLOCATED, RELEASED, REQUEST_ENDS,
 REQUEST_VALUES, REQUEST_PAIR, PATH_VIEW, SCRATCH) = range(15)  # fmt: skip
SRC, DST = range(2)  # columns of REQUEST_ENDS
HOLDING, DEMAND = range(2)  # columns of REQUEST_VALUES
# --- the model tuple ---------------------------------------------------------------------------
(N_NODES, K_PATHS, MAX_PER_HOP, PAIR_SLOT, PAIR_LINKS, LINK_RATE, ARRIVAL_MEANS, ARRIVAL_SPANS,
 DEMAND_RANGE, COSTS, MEAN_HOLDING, HORIZON, LIMIT, CHANNELS_PER_LINK,
 MAX_HOPS) = range(15)  # fmt: skip
LOW, HIGH, MEAN = range(3)  # entries of DEMAND_RANGE
CHANNEL_COST, INVALID_PENALTY = range(2)  # entries of COSTS
# --- the outputs tuple -------------------------------------------------------------------------
MASK, OBSERVATION, REWARD, INVALID, TRUNCATED, KEY_RATE, INFO_FLOATS = range(7)
BLOCKING, UTILISATION = range(2)  # columns of INFO_FLOATS


@njit(cache=True, inline="always")
def _arrive(state, model, e):
    """Env ``e``'s next request: read its five uniforms, advance the clock by the gap,
    release what departed; returns whether the request's (src, dst) pair has its paths
    (not yet, with the on-demand table, the first time a request needs them)."""
    key, counter = state[KEY][e], state[COUNTER][e]
    u = state[SCRATCH][e]
    for j in range(5):
        u[j] = _uniform_at(key, counter, _U64(0), _U64(j))
    state[COUNTER][e] = counter + _U64(1)
    gap, src, dst, holding = _arrival(u[0], u[1], u[2], u[3], model[ARRIVAL_MEANS],
                                      model[ARRIVAL_SPANS])  # fmt: skip
    demand_range = model[DEMAND_RANGE]
    t = state[T][e] + gap
    state[T][e] = t
    release_until(state[DEPARTURE], state[USAGE], state[USED], state[RELEASED], e, t)
    state[COUNT][ARRIVED, e] += 1
    ends, values = state[REQUEST_ENDS][e], state[REQUEST_VALUES][e]
    ends[SRC], ends[DST] = int(src), int(dst)
    values[HOLDING] = holding
    values[DEMAND] = _uniform(u[4], demand_range[LOW], demand_range[HIGH])
    return model[PAIR_SLOT][ends[SRC] * model[N_NODES] + ends[DST]] >= 0


@njit(cache=True, inline="always")
def request_views(state, model, outputs, e):
    """What env ``e``'s head request implies (its pair's paths must be known): per path,
    whether it exists, its hops, rate per channel (the slowest hop's), free channels on its
    busiest hop and channels per hop the demand needs; the mask, observation and info."""
    k, per_hop_max = model[K_PATHS], model[MAX_PER_HOP]
    ends = state[REQUEST_ENDS][e]
    pair = model[PAIR_SLOT][ends[SRC] * model[N_NODES] + ends[DST]]
    state[REQUEST_PAIR][e] = pair
    links = model[PAIR_LINKS][pair]
    link_rate, width = model[LINK_RATE], model[CHANNELS_PER_LINK]
    used, view, mask = state[USED][e], state[PATH_VIEW][e], outputs[MASK][e]
    demand = state[REQUEST_VALUES][e, DEMAND]
    mask[:] = False
    mask[0] = True  # reject is always allowed
    for p in range(k):
        hops, rate, free = 0, np.inf, np.inf
        for h in range(links.shape[1]):
            link = links[p, h]
            if link < 0:
                break
            hops += 1
            rate = min(rate, link_rate[link])
            free = min(free, width - used[link])
        exists = hops > 0
        needed = np.ceil(demand / rate) if exists and rate > 0.0 else np.inf
        view[p, EXISTS], view[p, HOPS] = exists, hops
        view[p, RATE] = rate if exists else 0.0
        view[p, FREE] = free if exists else 0.0
        view[p, NEEDED] = needed
        for c in range(1, per_hop_max + 1):
            mask[_encode(p, c, per_hop_max)] = c <= view[p, FREE] and c >= needed
    _observe(state, model, outputs, e)


@njit(cache=True, inline="always")
def _observe(state, model, outputs, e):
    """Env ``e``'s observation (layout in the env docstring) and running metrics."""
    n, k, per_hop_max = model[N_NODES], model[K_PATHS], model[MAX_PER_HOP]
    width = model[CHANNELS_PER_LINK]
    obs, ends, values = outputs[OBSERVATION][e], state[REQUEST_ENDS][e], state[REQUEST_VALUES][e]
    view, used, count = state[PATH_VIEW][e], state[USED][e], state[COUNT]
    obs[:] = 0.0
    obs[ends[SRC]] = 1.0
    obs[n + ends[DST]] = 1.0
    obs[2 * n] = values[DEMAND] / model[DEMAND_RANGE][HIGH]
    obs[2 * n + 1] = min(values[HOLDING] / (10 * model[MEAN_HOLDING]), 1.0)
    i = 2 * n + 2
    for p in range(k):
        obs[i + 4 * p] = view[p, EXISTS]
        obs[i + 4 * p + 1] = view[p, HOPS] / model[MAX_HOPS]
        obs[i + 4 * p + 2] = view[p, FREE] / width
        obs[i + 4 * p + 3] = min(view[p, NEEDED], per_hop_max + 1) / (per_hop_max + 1)
    total = 0.0
    for link in range(used.shape[0]):
        obs[i + 4 * k + link] = (width - used[link]) / width
        total += used[link]
    floats = outputs[INFO_FLOATS][e]
    decided = count[SERVED, e] + count[REJECTED, e]
    floats[BLOCKING] = count[REJECTED, e] / decided if decided > 0 else 0.0
    floats[UTILISATION] = total / (used.shape[0] * width)


@njit(cache=True, inline="always")
def _serve(state, model, e, action):
    """Hold the chosen channels per hop on the chosen path for env ``e``'s head request;
    returns (reward, key rate of the allocation)."""
    per_hop_max, costs = model[MAX_PER_HOP], model[COSTS]
    path, channels = _decode(action, per_hop_max)
    links = model[PAIR_LINKS][state[REQUEST_PAIR][e], path]
    view, values = state[PATH_VIEW][e], state[REQUEST_VALUES][e]
    hops = int(view[path, HOPS])
    amounts = state[SCRATCH][e]
    amounts[:hops] = channels
    hold(state[DEPARTURE], state[USAGE], state[USED], state[ALLOCATED], model[LIMIT], e,
         state[T][e] + values[HOLDING], links, amounts, hops)  # fmt: skip
    state[COUNT][SERVED, e] += 1
    demand_range = model[DEMAND_RANGE]
    revenue = values[DEMAND] / demand_range[MEAN] * (values[HOLDING] / model[MEAN_HOLDING])
    return revenue - costs[CHANNEL_COST] * channels * hops, channels * view[path, RATE]


@njit(cache=True, inline="always")
def env_step(state, model, outputs, e, action):
    """Decide env ``e``'s head request with ``action`` (in the space, maybe masked out: then
    it rejects and pays the penalty), then draw the next request. Returns True when the new
    request's views are written (False: its pair's paths must be computed first)."""
    valid, serve = opening(outputs[MASK], e, action)
    reward, key_rate = (0.0, 0.0) if valid else (-model[COSTS][INVALID_PENALTY], 0.0)
    if serve:
        reward, key_rate = _serve(state, model, e, action)
    truncated = closing(state[COUNT], state[STEPS], e, serve, REJECTED, model[HORIZON])
    outputs[REWARD][e], outputs[KEY_RATE][e] = reward, key_rate
    outputs[INVALID][e], outputs[TRUNCATED][e] = not valid, truncated
    if not _arrive(state, model, e):
        return False
    request_views(state, model, outputs, e)
    return True


@njit(cache=True, inline="always")
def env_reset(state, model, outputs, e):
    """Empty env ``e``'s network and draw its first request (returns as :func:`env_step`)."""
    restart(state[T], state[STEPS], state[COUNT], e)
    clear(state[DEPARTURE], state[USAGE], state[USED], state[ALLOCATED], state[RELEASED], e)
    outputs[REWARD][e] = outputs[KEY_RATE][e] = 0.0
    outputs[INVALID][e] = outputs[TRUNCATED][e] = False
    if not _arrive(state, model, e):
        return False
    request_views(state, model, outputs, e)
    return True


def _step_rows(state, model, outputs, rows, actions, waiting):
    """Step envs ``rows``; ``waiting[e]``: env e's new request awaits its pair's paths.
    Returns how many envs' slot tables are full (the core then makes room)."""
    n_full = 0
    for i in prange(rows.shape[0]):
        e = rows[i]
        waiting[e] = not env_step(state, model, outputs, e, actions[e])
        n_full += full(state[DEPARTURE], state[ALLOCATED], state[RELEASED], e)
    return n_full


def _reset_rows(state, model, outputs, rows, waiting):
    n_full = 0
    for i in prange(rows.shape[0]):
        e = rows[i]
        waiting[e] = not env_reset(state, model, outputs, e)
        n_full += full(state[DEPARTURE], state[ALLOCATED], state[RELEASED], e)
    return n_full


def _views_rows(state, model, outputs, rows):
    for i in prange(rows.shape[0]):
        request_views(state, model, outputs, rows[i])


# One compiled driver per phase for one thread, and one that spreads envs over threads (the
# same per-env code; see the repeater chain's kernels for why one thread never starts numba's
# thread pool). The per-env code allocates nothing (draws and amounts go through each env's
# ``scratch`` row), so the serial drivers run without reference counts.
DRIVERS = {
    parallel: {
        "step": compiled(_step_rows, parallel=parallel, counted=parallel),
        "reset": compiled(_reset_rows, parallel=parallel, counted=parallel),
        "views": compiled(_views_rows, parallel=parallel, counted=parallel),
    }
    for parallel in (False, True)
}
