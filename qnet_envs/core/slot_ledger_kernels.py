"""The slot ledger's two operations, compiled: release what departed, hold a new allocation.

One env's ledger is a departure time per slot (``departure``; +inf: the slot is free), a usage
vector per slot (``usage``) and the resources in use (``used``), as laid out by
:class:`qnet_envs.core.slot_ledger.SlotLedger`. The compiled request cores call these on one
env inside their step kernels; the ledger's own batch methods call them through the drivers
below, so releasing and holding are written once.

This module imports numba: only cores import it, when an env is made.
"""

from __future__ import annotations

import numpy as np
from numba import njit

INF = np.inf


@njit(cache=True)
def release_until(departure, usage, used, released, e, t):
    """Free env ``e``'s slots whose departure time is <= ``t`` (in slot order), subtracting
    their usage and counting them in ``released``; returns how many."""
    rows, row_usage, row_used = departure[e], usage[e], used[e]
    count = 0
    for slot in range(rows.shape[0]):
        if rows[slot] <= t and rows[slot] < INF:
            for r in range(row_used.shape[0]):
                row_used[r] -= row_usage[slot, r]
            rows[slot] = INF
            count += 1
    released[e] += count
    return count


@njit(cache=True)
def hold(departure, usage, used, allocated, limit, e, until, columns, amounts, count):
    """Hold ``amounts[:count]`` of the resources ``columns[:count]`` in env ``e``'s first free
    slot until ``until``, counting it in ``allocated`` (the caller keeps a slot free:
    :meth:`SlotLedger.make_room` after :func:`full`); raises if a resource would go beyond its
    ``limit`` (capacity + tolerance)."""
    rows = departure[e]
    slot = 0
    while rows[slot] != INF:
        slot += 1
    row, row_used = usage[e, slot], used[e]
    row[:] = 0.0
    for j in range(count):
        row[columns[j]] += amounts[j]
    for r in range(row_used.shape[0]):
        if row_used[r] + row[r] > limit[r]:
            raise RuntimeError("an allocation exceeds a resource's free capacity")
    for r in range(row_used.shape[0]):
        row_used[r] += row[r]
    rows[slot] = until
    allocated[e] += 1


@njit(cache=True)
def full(departure, allocated, released, e):
    """Whether env ``e``'s slot table has no free slot left."""
    return allocated[e] - released[e] >= departure.shape[1]


@njit(cache=True)
def release_rows(departure, usage, used, released, rows, t):
    """:func:`release_until` in envs ``rows`` at their times ``t`` (one per row); returns the
    total released."""
    total = 0
    for i in range(rows.shape[0]):
        total += release_until(departure, usage, used, released, rows[i], t[i])
    return total


@njit(cache=True)
def hold_rows(departure, usage, used, allocated, limit, rows, vectors, until):
    """Hold the usage ``vectors[i]`` (R,) in env ``rows[i]`` until ``until[i]`` (the caller
    makes room first: :meth:`SlotLedger.make_room`)."""
    columns = np.arange(used.shape[1])
    for i in range(rows.shape[0]):
        hold(departure, usage, used, allocated, limit, rows[i], until[i], columns, vectors[i],
             columns.shape[0])  # fmt: skip


@njit(cache=True)
def clear(departure, usage, used, allocated, released, e):
    """Empty env ``e``'s ledger (a new episode)."""
    used[e] = 0.0
    departure[e] = INF
    usage[e] = 0.0
    allocated[e] = released[e] = 0
