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
def release_due(departure, usage, used, t):
    """Free every slot whose departure time is <= ``t`` (in slot order), subtracting its
    usage; returns how many."""
    released = 0
    for slot in range(departure.shape[0]):
        if departure[slot] <= t and departure[slot] < INF:
            for r in range(used.shape[0]):
                used[r] -= usage[slot, r]
            departure[slot] = INF
            released += 1
    return released


@njit(cache=True)
def free_slot(departure):
    """The first free slot, or -1 when the table is full."""
    for slot in range(departure.shape[0]):
        if departure[slot] == INF:
            return slot
    return -1


@njit(cache=True)
def hold(departure, usage, used, limit, slot, until, columns, amounts, count):
    """Hold ``amounts[:count]`` of the resources ``columns[:count]`` in ``slot`` until
    ``until``; raises if a resource would go beyond its ``limit`` (capacity + tolerance)."""
    row = usage[slot]
    row[:] = 0.0
    for j in range(count):
        row[columns[j]] += amounts[j]
    for r in range(used.shape[0]):
        if used[r] + row[r] > limit[r]:
            raise RuntimeError("an allocation exceeds a resource's free capacity")
    for r in range(used.shape[0]):
        used[r] += row[r]
    departure[slot] = until


@njit(cache=True)
def release_rows(departure, usage, used, released, rows, t):
    """:func:`release_due` in envs ``rows`` at their times ``t`` (one per row); returns the
    total released."""
    total = 0
    for i in range(rows.shape[0]):
        e = rows[i]
        count = release_due(departure[e], usage[e], used[e], t[i])
        released[e] += count
        total += count
    return total


@njit(cache=True)
def hold_rows(departure, usage, used, allocated, limit, rows, vectors, until):
    """Hold the usage ``vectors[i]`` (R,) in env ``rows[i]`` until ``until[i]``, each in its
    first free slot (the caller makes room first: :meth:`SlotLedger.make_room`)."""
    columns = np.arange(used.shape[1])
    for i in range(rows.shape[0]):
        e = rows[i]
        slot = free_slot(departure[e])
        hold(departure[e], usage[e], used[e], limit, slot, until[i], columns, vectors[i],
             columns.shape[0])  # fmt: skip
        allocated[e] += 1


@njit(cache=True)
def clear(departure, usage, used, allocated, released, e):
    """Empty env ``e``'s ledger (a new episode)."""
    used[e] = 0.0
    departure[e] = INF
    usage[e] = 0.0
    allocated[e] = released[e] = 0
