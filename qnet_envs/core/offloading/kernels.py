"""Compiled step kernels of the offloading model: one env's slot (dispatch of every mobile's
head task, one slot of processing, arrivals and fading) as plain loops over its mobiles,
shares and processors, run for every env of a batch.

:class:`qnet_envs.core.offloading.core.OffloadingCore` holds the state arrays and calls these;
the scalar envs (a batch of one) and the vector env run the same code. The kernels read three
tuples, indexed by the names below: ``state`` (per-env arrays), ``model`` (constants of the
config, built once by the core) and ``outputs`` (what a step leaves for the fronts).

Randomness (:mod:`qnet_envs.core.counter_rng`), at the env's counter, which every reset and
step advances by one: stream 0 holds the mobiles' positions (index 2i, 2i + 1: x, y of mobile
i; read by a reset only), stream 1 + i mobile i's slot: index 0 its arrivals, 1 + j the fading
of its link to edge j, 1 + E + 2c and 2 + E + 2c the n and k of its arrival c.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange, set_num_threads  # noqa: F401 (the core sets threads with it)

from ...physics.wireless import macro_path_gain, shannon_rate
from ..compiled import compiled
from ..compiled_draws import exponential as _exponential
from ..compiled_draws import integer_offset as _integer_offset
from ..compiled_draws import poisson as _poisson
from ..compiled_draws import uniform as _uniform
from ..compiled_draws import uniform_at as _uniform_at
from .layout import BACKLOG_SCALE_S, K_TABLE, N_TABLE

_path_gain = compiled(macro_path_gain)
_shannon_rate = compiled(shannon_rate)
_U64 = np.uint64

# --- the state tuple ---------------------------------------------------------------------------
(SLOT, NOW, KEY, COUNTER, MOBILE_XY, PATH_GAIN, GAIN, BEST_EDGE, QUEUE_SIZES, QUEUE_ARRIVAL,
 QUEUE_HEAD, QUEUE_LENGTH, SERVER_FREE, PART_FINISH, PART_ENDS_TASK, PART_COUNT, COUNT, TOTALS,
 BROADCAST, REMOTE, RECEIVED, DISPATCH_NODE, DISPATCH_SHARE, SHARE_NODE, SHARE_FRACTION,
 SHARE_FINISH) = range(26)  # fmt: skip
ARRIVED, COMPLETED, FAILED, DROPPED, IN_FLIGHT = range(5)  # columns of COUNT
COST, LATENCY, ENERGY = range(3)  # columns of TOTALS
# --- the model tuple ---------------------------------------------------------------------------
(N_MOBILE, N_EDGE, SERVER_OFFSET, NODE_QUBITS, NODE_KIND, KIND_RATES, SHOTS, SHOT_S, GATE_OPS,
 TASK_QUBITS, EDGE_XY, FRACTIONS, LIMITS, PHYSICS, WHOLE_IF_UNFIT) = range(15)  # fmt: skip
CLASSICAL_OPS, ACTIVE_W, IDLE_W = range(3)  # columns of KIND_RATES (rows: mobile, edge, cloud)
N_LOW, N_SPAN, K_LOW, K_SPAN, QUEUE_LIMIT, PART_LIMIT, HORIZON = range(7)  # entries of LIMITS
(SLOT_S, AREA_KM, BANDWIDTH_HZ, TX_POWER_W, NOISE_W, BACKHAUL_PROP_S, BACKHAUL_BPS,
 LATENCY_WEIGHT, ENERGY_WEIGHT, ENERGY_SCALE_J, FAILURE_COST, DROP_COST, TASK_RATE,
 STATES_PER_TASK) = range(14)  # fmt: skip  # entries of PHYSICS
# --- the outputs tuple -------------------------------------------------------------------------
MASK, OBSERVATION, REWARD, INVALID, INVALID_ANY, TRUNCATED, INFO_FLOATS = range(7)
MEAN_COST = 0  # column of INFO_FLOATS


@njit(cache=True, inline="always")
def backlog(server_free, offset, node, now):
    """Seconds until ``node``'s earliest processor is free (0 if one is free now)."""
    earliest = np.inf
    for p in range(offset[node], offset[node + 1]):
        earliest = min(earliest, server_free[p])
    return max(0.0, earliest - now)


@njit(cache=True, inline="always")
def plan(model, nodes, shares, mobile, target, fraction, forward, forward_fraction):
    """Write the shares of shots per node of a mobile's decision into ``nodes`` / ``shares``
    and return how many: ``target`` 0 local, 1..E an edge, E + 1 the cloud; ``fraction`` of the
    shots leaves, the rest runs on the mobile; edge j forwards ``forward_fraction[j]`` of what
    it receives to the cloud if ``forward[j]``. Nodes: mobiles 0..M-1, edges M..M+E-1, cloud
    M+E."""
    m, e = model[N_MOBILE], model[N_EDGE]
    if target == 0 or fraction <= 0.0:
        nodes[0], shares[0] = mobile, 1.0
        return 1
    count = 0
    if fraction < 1.0:
        nodes[0], shares[0] = mobile, 1.0 - fraction
        count = 1
    if target == e + 1:
        nodes[count], shares[count] = m + e, fraction
        return count + 1
    j = target - 1
    forwarded = forward_fraction[j] if forward[j] != 0 else 0.0
    if forwarded < 1.0:
        nodes[count], shares[count] = m + j, fraction * (1.0 - forwarded)
        count += 1
    if forwarded > 0.0:
        nodes[count], shares[count] = m + e, fraction * forwarded
        count += 1
    return count


@njit(cache=True, inline="always")
def dispatch(model, server_free, nodes, shares, count, finishes, mobile, n, k, arrival, relay,
             gain_row, now):  # fmt: skip
    """Dispatch a task of (n, k) that arrived at ``arrival`` as ``count`` shares (all fitting
    their nodes) at time ``now``: each share waits for its payload (uplink over the relay
    edge's radio, plus the fibre backhaul for the cloud), then runs on its node's first
    earliest-free processor, whose free time ``server_free`` it updates; the shares' finish
    times go to ``finishes``. Returns (latency, energy, cost): latency from arrival to the
    last share's finish; energy of the radio, the processors and the mobile idling while it
    waits for remote results (seed 002, Sec. IV; the MEC energy model of Mao et al., IEEE
    Commun. Surveys Tuts. 19(4), 2017, Sec. III); cost d latency + e energy / scale."""
    physics, rates = model[PHYSICS], model[KIND_RATES]
    cloud = model[N_MOBILE] + model[N_EDGE]
    row, col = n - N_TABLE, k - K_TABLE
    gate_ops = model[GATE_OPS][row, col]
    remote = count > 1 or nodes[0] != mobile
    payload = physics[STATES_PER_TASK] * 2.0**n * 64.0  # states x 2^n amplitudes x 64 bits
    t_up = 0.0
    if remote:
        snr = physics[TX_POWER_W] * gain_row[relay] / physics[NOISE_W]
        t_up = payload / _shannon_rate(physics[BANDWIDTH_HZ], snr)
    t_back = physics[BACKHAUL_PROP_S] + payload / physics[BACKHAUL_BPS]
    energy = physics[TX_POWER_W] * t_up
    finish_all, finish_remote = now, now
    offset = model[SERVER_OFFSET]
    for s in range(count):
        node = nodes[s]
        kind = model[NODE_KIND][node]
        shots = np.ceil(model[SHOTS][kind, row, col] * shares[s])
        classical = (gate_ops + 10.0 * shots) / rates[kind, CLASSICAL_OPS]
        busy = shots * model[SHOT_S][kind, row, col] + classical
        ready = now + (t_up if node != mobile else 0.0) + (t_back if node == cloud else 0.0)
        earliest, first = np.inf, offset[node]
        for p in range(offset[node], offset[node + 1]):
            if server_free[p] < earliest:
                earliest, first = server_free[p], p
        finish = max(ready, earliest) + busy
        server_free[first] = finish
        finishes[s] = finish
        energy += rates[kind, ACTIVE_W] * busy
        finish_all = max(finish_all, finish)
        if node != mobile:
            finish_remote = max(finish_remote, finish)
    if remote:
        energy += rates[model[NODE_KIND][mobile], IDLE_W] * (finish_remote - now)
    latency = finish_all - arrival
    cost = (physics[LATENCY_WEIGHT] * latency
            + physics[ENERGY_WEIGHT] * energy / physics[ENERGY_SCALE_J])  # fmt: skip
    return latency, energy, cost


@njit(cache=True, inline="always")
def _fits(model, nodes, count, need):
    """Whether every share's node holds ``need`` qubits (what the masks know)."""
    for s in range(count):
        if need > model[NODE_QUBITS][nodes[s]]:
            return False
    return True


@njit(cache=True, inline="always")
def _relay(model, best_edge, mobile, target):
    """The edge whose radio carries the payload: the target edge, or for the cloud (and a
    local task, which sends nothing) the edge with the best channel this slot."""
    if 1 <= target <= model[N_EDGE]:
        return target - 1
    return best_edge[mobile]


@njit(cache=True, inline="always")
def _end_unserved(count, totals, how, cost):
    count[how] += 1
    totals[COST] += cost
    return cost


@njit(cache=True)
def _slot_draws(state, model, e):
    """Env ``e``'s arrivals (Poisson per mobile, (n, k) uniform on their ranges) and the
    slot's Rayleigh fading (|h|^2 ~ Exp(1) per link); returns the cost of the arrivals dropped
    at a full decision queue."""
    m, n_edge, limits, physics = model[N_MOBILE], model[N_EDGE], model[LIMITS], model[PHYSICS]
    key, counter = state[KEY][e], state[COUNTER][e]
    count, totals, now = state[COUNT][e], state[TOTALS][e], state[NOW][e]
    sizes, arrival = state[QUEUE_SIZES][e], state[QUEUE_ARRIVAL][e]
    head, length = state[QUEUE_HEAD][e], state[QUEUE_LENGTH][e]
    path_gain, gain, best = state[PATH_GAIN][e], state[GAIN][e], state[BEST_EDGE][e]
    queue_limit = limits[QUEUE_LIMIT]
    cost = 0.0
    for i in range(m):
        stream = _U64(1 + i)
        arrivals = _poisson(_uniform_at(key, counter, stream, _U64(0)), physics[TASK_RATE])
        for c in range(arrivals):
            index = _U64(1 + n_edge + 2 * c)
            n = limits[N_LOW] + int(_integer_offset(_uniform_at(key, counter, stream, index),
                                                    limits[N_SPAN]))  # fmt: skip
            k = limits[K_LOW] + int(
                _integer_offset(_uniform_at(key, counter, stream, index + _U64(1)), limits[K_SPAN])
            )
            count[ARRIVED] += 1
            if length[i] >= queue_limit:
                cost += _end_unserved(count, totals, DROPPED, physics[DROP_COST])
                continue
            slot = (head[i] + length[i]) % queue_limit
            sizes[i, slot, 0], sizes[i, slot, 1] = n, k
            arrival[i, slot] = now
            length[i] += 1
        best[i] = 0
        for j in range(n_edge):
            fading = _exponential(_uniform_at(key, counter, stream, _U64(1 + j)), 1.0)
            gain[i, j] = path_gain[i, j] * fading
            if gain[i, j] > gain[i, best[i]]:
                best[i] = j
    state[COUNTER][e] = counter + _U64(1)
    return cost


@njit(cache=True, inline="always")
def _retire(state, model, e, now):
    """Shares finished by ``now`` leave their processors' queues; a task whose last share
    leaves is completed."""
    finish, ends = state[PART_FINISH][e], state[PART_ENDS_TASK][e]
    part_count, count = state[PART_COUNT][e], state[COUNT][e]
    for node in range(part_count.shape[0]):
        kept = 0
        for s in range(part_count[node]):
            if finish[node, s] > now:
                finish[node, kept], ends[node, kept] = finish[node, s], ends[node, s]
                kept += 1
            elif ends[node, s]:
                count[COMPLETED] += 1
                count[IN_FLIGHT] -= 1
        part_count[node] = kept


@njit(cache=True, inline="always")
def _admit(state, model, e, mobile, count):
    """Queue the ``count`` shares just dispatched for ``mobile`` (planned in the env's share
    rows): the one finishing last (the first of equals) carries the task's completion."""
    m, n_edge = model[N_MOBILE], model[N_EDGE]
    nodes, shares, finishes = state[SHARE_NODE][e], state[SHARE_FRACTION][e], state[SHARE_FINISH][e]
    part_finish, part_ends, part_count = (
        state[PART_FINISH][e],
        state[PART_ENDS_TASK][e],
        state[PART_COUNT][e],
    )
    last = 0
    for s in range(1, count):
        if finishes[s] > finishes[last]:
            last = s
    remote = 0
    for s in range(count):
        node = nodes[s]
        if node != mobile:  # what the picture draws
            state[DISPATCH_NODE][e, mobile, remote] = node
            state[DISPATCH_SHARE][e, mobile, remote] = shares[s]
            remote += 1
        slot = part_count[node]
        part_finish[node, slot], part_ends[node, slot] = finishes[s], s == last
        part_count[node] = slot + 1
        if m <= node < m + n_edge:
            state[RECEIVED][e, node - m] += 1


@njit(cache=True, inline="always")
def _decide(state, model, outputs, e, mobile, choice, fraction):
    """Pop ``mobile``'s head task and dispatch it as decided; returns the task's cost (a
    failure's or a drop's if it is not dispatched)."""
    m, limits, physics = model[N_MOBILE], model[LIMITS], model[PHYSICS]
    count, totals = state[COUNT][e], state[TOTALS][e]
    head, length = state[QUEUE_HEAD][e], state[QUEUE_LENGTH][e]
    slot = head[mobile]
    n, k = state[QUEUE_SIZES][e, mobile, slot, 0], state[QUEUE_SIZES][e, mobile, slot, 1]
    arrival = state[QUEUE_ARRIVAL][e, mobile, slot]
    head[mobile] = (slot + 1) % limits[QUEUE_LIMIT]
    length[mobile] -= 1
    need = model[TASK_QUBITS][n - N_TABLE, k - K_TABLE]
    target, share = choice[mobile], fraction[mobile]
    # a task too big for its mobile leaves no share behind (the continuous fraction has no mask)
    if model[WHOLE_IF_UNFIT] and target > 0 and share < 1.0 and need > model[NODE_QUBITS][mobile]:
        share = 1.0
    nodes, shares = state[SHARE_NODE][e], state[SHARE_FRACTION][e]
    n_shares = plan(model, nodes, shares, mobile, target, share, choice[m:], fraction[m:])
    if not _fits(model, nodes, n_shares, need):
        outputs[INVALID][e, mobile] = True
        return _end_unserved(count, totals, FAILED, physics[FAILURE_COST])
    for s in range(n_shares):
        if state[PART_COUNT][e, nodes[s]] >= limits[PART_LIMIT]:
            return _end_unserved(count, totals, DROPPED, physics[DROP_COST])
    relay = _relay(model, state[BEST_EDGE][e], mobile, target)
    latency, energy, cost = dispatch(
        model, state[SERVER_FREE][e], nodes, shares, n_shares, state[SHARE_FINISH][e], mobile,
        n, k, arrival, relay, state[GAIN][e, mobile], state[NOW][e],
    )  # fmt: skip
    _admit(state, model, e, mobile, n_shares)
    count[IN_FLIGHT] += 1
    totals[LATENCY] += latency
    totals[ENERGY] += energy
    totals[COST] += cost
    return cost


@njit(cache=True, inline="always")
def env_step(state, model, outputs, e, choice, fraction):
    """One slot of env ``e``: every mobile's head task dispatched with ``choice[i]`` (target)
    and ``fraction[i]``, edge j's rule ``choice[M + j]`` (forward) and ``fraction[M + j]``;
    the edges' and the cloud's backlogs broadcast; one slot of processing; arrivals and
    fading of the next slot; the views."""
    m, n_edge = model[N_MOBILE], model[N_EDGE]
    state[RECEIVED][e, :] = 0
    state[DISPATCH_NODE][e, :, :] = -1
    outputs[INVALID][e, :] = False
    length = state[QUEUE_LENGTH][e]
    cost = 0.0
    for i in range(m):
        if length[i] > 0:
            cost += _decide(state, model, outputs, e, i, choice, fraction)
    server_free, offset, now = state[SERVER_FREE][e], model[SERVER_OFFSET], state[NOW][e]
    for j in range(n_edge + 1):  # what every mobile learns of the edges and the cloud
        state[BROADCAST][e, j] = backlog(server_free, offset, m + j, now)
    slot = state[SLOT][e] + 1
    state[SLOT][e] = slot
    state[NOW][e] = now = slot * model[PHYSICS][SLOT_S]
    _retire(state, model, e, now)
    cost += _slot_draws(state, model, e)
    invalid = False
    for i in range(m):
        invalid = invalid or outputs[INVALID][e, i]
    outputs[REWARD][e], outputs[INVALID_ANY][e] = -cost, invalid
    outputs[TRUNCATED][e] = slot >= model[LIMITS][HORIZON]
    views(state, model, outputs, e)


@njit(cache=True, inline="always")
def env_reset(state, model, outputs, e):
    """Start env ``e`` over: mobiles placed uniformly in the area (path gains from their
    distances to the edges), every queue and processor empty, the first slot's arrivals and
    fading, the views."""
    m, n_edge, physics = model[N_MOBILE], model[N_EDGE], model[PHYSICS]
    key, counter = state[KEY][e], state[COUNTER][e]
    xy, path_gain, edge_xy = state[MOBILE_XY][e], state[PATH_GAIN][e], model[EDGE_XY]
    for i in range(m):
        for axis in range(2):
            u = _uniform_at(key, counter, _U64(0), _U64(2 * i + axis))
            xy[i, axis] = _uniform(u, 0.0, physics[AREA_KM])
        for j in range(n_edge):
            dx, dy = xy[i, 0] - edge_xy[j, 0], xy[i, 1] - edge_xy[j, 1]
            path_gain[i, j] = _path_gain(np.sqrt(dx * dx + dy * dy))
    state[SLOT][e], state[NOW][e] = 0, 0.0
    state[QUEUE_HEAD][e, :] = 0
    state[QUEUE_LENGTH][e, :] = 0
    state[SERVER_FREE][e, :] = 0.0
    state[PART_COUNT][e, :] = 0
    state[COUNT][e, :] = 0
    state[TOTALS][e, :] = 0.0
    state[BROADCAST][e, :] = 0.0
    state[RECEIVED][e, :] = 0
    state[DISPATCH_NODE][e, :, :] = -1
    outputs[INVALID][e, :] = False
    outputs[REWARD][e], outputs[INVALID_ANY][e], outputs[TRUNCATED][e] = 0.0, False, False
    _slot_draws(state, model, e)  # the positions' draws share the counter (stream 0)
    views(state, model, outputs, e)


@njit(cache=True, inline="always")
def _mobile_views(state, model, outputs, e, i, width):
    """Mobile ``i``'s row of the state (layout in the env docstring) and its mask."""
    m, n_edge = model[N_MOBILE], model[N_EDGE]
    obs, mask = outputs[OBSERVATION][e], outputs[MASK][e]
    qubits = model[NODE_QUBITS]
    row = i * width
    need = 0
    for f in range(5):
        obs[row + f] = 0.0
    if state[QUEUE_LENGTH][e, i] > 0:
        slot = state[QUEUE_HEAD][e, i]
        n, k = state[QUEUE_SIZES][e, i, slot, 0], state[QUEUE_SIZES][e, i, slot, 1]
        need = model[TASK_QUBITS][n - N_TABLE, k - K_TABLE]
        obs[row], obs[row + 1], obs[row + 2] = 1.0, n / 9.0, k / 5.0
        obs[row + 3], obs[row + 4] = need / 16.0, 1.0 if need <= qubits[i] else 0.0
    # the observation holds the backlog in float32, and scales it there
    own = np.float32(backlog(state[SERVER_FREE][e], model[SERVER_OFFSET], i, state[NOW][e]))
    obs[row + 5] = min(own / np.float32(BACKLOG_SCALE_S), np.float32(1.0))
    obs[row + 6] = state[QUEUE_LENGTH][e, i] / model[LIMITS][QUEUE_LIMIT]
    for j in range(n_edge):  # channel gain in dB mapped to [0, 1]
        scaled = (10.0 * np.log10(state[GAIN][e, i, j]) + 140.0) / 60.0
        obs[row + 7 + j] = min(max(scaled, 0.0), 1.0)
    for j in range(n_edge + 1):
        obs[row + 7 + n_edge + j] = state[REMOTE][e, j]
    fractions = model[FRACTIONS]
    levels = fractions.shape[0]
    fits_locally = need <= qubits[i]
    for t in range(n_edge + 2):  # per (target, level): the target fits, and so does what stays
        fits = need <= (qubits[i] if t == 0 else qubits[m + t - 1])
        for level in range(levels):
            whole = t == 0 or fractions[level] >= 1.0
            mask[(i * (n_edge + 2) + t) * levels + level] = fits and (whole or fits_locally)


@njit(cache=True)
def views(state, model, outputs, e):
    """Env ``e``'s state vector (mobiles' rows with the current backlogs, edges' rows, the
    edges' and the cloud's backlogs), masks (per mobile and (target, level), then the edges'
    choices, always allowed) and mean cost per task."""
    m, n_edge, limits = model[N_MOBILE], model[N_EDGE], model[LIMITS]
    server_free, offset, now = state[SERVER_FREE][e], model[SERVER_OFFSET], state[NOW][e]
    remote = state[REMOTE][e]
    for j in range(n_edge + 1):
        remote[j] = min(backlog(server_free, offset, m + j, now) / BACKLOG_SCALE_S, 1.0)
    width = 8 + 2 * n_edge
    for i in range(m):
        _mobile_views(state, model, outputs, e, i, width)
    obs, mask = outputs[OBSERVATION][e], outputs[MASK][e]
    base = m * width
    one = np.float32(1.0)
    cloud_broadcast = np.float32(state[BROADCAST][e, n_edge] / BACKLOG_SCALE_S)
    for j in range(n_edge):  # each value rounded to float32 once, then capped at 1
        obs[base + 4 * j] = min(np.float32(remote[j]), one)
        queued = state[PART_COUNT][e, m + j] / limits[PART_LIMIT]
        obs[base + 4 * j + 1] = min(np.float32(queued), one)
        obs[base + 4 * j + 2] = min(np.float32(state[RECEIVED][e, j] / m), one)
        obs[base + 4 * j + 3] = min(cloud_broadcast, one)
    base += 4 * n_edge
    for j in range(n_edge + 1):
        obs[base + j] = remote[j]
    for a in range(m * (n_edge + 2) * model[FRACTIONS].shape[0], mask.shape[0]):
        mask[a] = True
    count = state[COUNT][e]
    decided = count[COMPLETED] + count[FAILED] + count[DROPPED] + count[IN_FLIGHT]
    cost = state[TOTALS][e, COST]
    outputs[INFO_FLOATS][e, MEAN_COST] = cost / decided if decided > 0 else 0.0


@njit(cache=True)
def joint_costs(state, model, e, mobiles, targets, fractions, keep, free, costs):
    """``costs[c]``: the total cost of dispatching the head tasks of ``mobiles`` (in order)
    with ``targets[c]`` and ``fractions[c]`` now, edges keeping what they get (``keep``: E
    zeros), on a copy of env ``e``'s processors (``free``, working space): a share too big for
    its node costs ``failure_cost``. What the slot oracle and the best response minimise."""
    physics = model[PHYSICS]
    nodes, shares, finishes = state[SHARE_NODE][e], state[SHARE_FRACTION][e], state[SHARE_FINISH][e]
    server_free = state[SERVER_FREE][e]
    for c in range(targets.shape[0]):
        for p in range(free.shape[0]):
            free[p] = server_free[p]
        total = 0.0
        for t in range(mobiles.shape[0]):
            i = mobiles[t]
            slot = state[QUEUE_HEAD][e, i]
            n, k = state[QUEUE_SIZES][e, i, slot, 0], state[QUEUE_SIZES][e, i, slot, 1]
            need = model[TASK_QUBITS][n - N_TABLE, k - K_TABLE]
            count = plan(model, nodes, shares, i, targets[c, t], fractions[c, t], keep, keep)
            if not _fits(model, nodes, count, need):
                total += physics[FAILURE_COST]
                continue
            relay = _relay(model, state[BEST_EDGE][e], i, targets[c, t])
            total += dispatch(model, free, nodes, shares, count, finishes, i, n, k,
                              state[QUEUE_ARRIVAL][e, i, slot], relay, state[GAIN][e, i],
                              state[NOW][e])[2]  # fmt: skip
        costs[c] = total


def _step_rows(state, model, outputs, rows, choice, fraction):
    for r in prange(rows.shape[0]):
        e = rows[r]
        env_step(state, model, outputs, e, choice[e], fraction[e])


def _reset_rows(state, model, outputs, rows):
    for r in prange(rows.shape[0]):
        env_reset(state, model, outputs, rows[r])


# ``views`` and ``_slot_draws`` are compiled once, not inlined: both drivers call them, and
# inlining compiled them twice (the step driver's first compile took 12.5 s instead of 8.3 s;
# the step's time is the same either way). One compiled driver per phase for one thread, and one that spreads envs over threads (the
# same per-env code; see the repeater chain's kernels for why one thread never starts numba's
# thread pool). The per-env code allocates nothing (shares and finish times go through each
# env's rows), so the serial drivers run without reference counts.
DRIVERS = {
    parallel: {
        "step": compiled(_step_rows, parallel=parallel, counted=parallel),
        "reset": compiled(_reset_rows, parallel=parallel, counted=parallel),
    }
    for parallel in (False, True)
}
