"""Capacity-limited network resources held by requests until their departure time, batch-first.

The one ledger of the provisioning cores (QKD provisioning, quantum resource allocation): they
call ``allocate`` when they serve a request and ``release_until`` as time passes, so "no
resource beyond its capacity" and "every allocation released exactly once" are properties of
this class, checked in one place (``check``).

Every array has a leading env axis (a scalar env is a batch of one). The resources are named
parts of one usage vector (e.g. qubits per node | channels per link | pairs per link); each
env's active allocations sit in a slot table: a departure time (+inf: slot free) and a usage
vector per slot. The table doubles when some env needs more slots than it has. Usages are
whole numbers of qubits, channels or pairs, so sums are exact whatever the release order.
"""

from __future__ import annotations

import numpy as np

TOLERANCE = 1e-9


def _kernels():
    """The compiled operations (imported with the first ledger, never with the package)."""
    from . import slot_ledger_kernels

    return slot_ledger_kernels


class SlotLedger:
    def __init__(self, capacities: dict[str, np.ndarray], num_envs: int = 1, slots: int = 32):
        sizes = {k: np.asarray(v, dtype=float).ravel() for k, v in capacities.items()}
        if not sizes or any(v.size == 0 for v in sizes.values()):
            raise ValueError(f"every resource needs at least one element: {list(sizes)}")
        self.parts: dict[str, slice] = {}
        start = 0
        for name, cap in sizes.items():
            self.parts[name] = slice(start, start + cap.size)
            start += cap.size
        self.capacity = np.concatenate(list(sizes.values()))  # (R,)
        self._limit = self.capacity + TOLERANCE  # what an allocation may fill up to
        self._totals = np.array([self.capacity[s].sum() for s in self.parts.values()])
        self._starts = np.array([s.start for s in self.parts.values()])
        self.num_envs = num_envs
        self.used = np.zeros((num_envs, start))
        self.dep = np.full((num_envs, slots), np.inf)
        self.usage = np.zeros((num_envs, slots, start))
        self.allocated = np.zeros(num_envs, dtype=np.int64)
        self.released = np.zeros(num_envs, dtype=np.int64)

    @property
    def width(self) -> int:
        """R: the length of a usage vector."""
        return self.capacity.size

    def used_of(self, part: str) -> np.ndarray:
        """(N, size) used capacity of ``part`` in every env (a view)."""
        return self.used[:, self.parts[part]]

    def vector(self, usage: dict[str, np.ndarray]) -> np.ndarray:
        """A (R,) usage vector from named parts (parts not given are zero)."""
        out = np.zeros(self.width)
        for k, u in usage.items():
            out[self.parts[k]] = u
        return out

    def release_until(self, rows: np.ndarray, t: np.ndarray) -> int:
        """Release, in envs ``rows`` (distinct), every allocation whose departure time is <=
        that env's ``t``; returns how many (:func:`slot_ledger_kernels.release_until`)."""
        rows = np.asarray(rows, dtype=np.int64)
        t = np.broadcast_to(np.asarray(t, dtype=float), rows.shape)
        return int(_kernels().release_rows(
            self.dep, self.usage, self.used, self.released, rows, t))  # fmt: skip

    def allocate(self, rows: np.ndarray, usage: np.ndarray, until: np.ndarray) -> None:
        """Hold ``usage`` (len(rows), R) in envs ``rows`` (distinct) until ``until``; raises
        RuntimeError if an allocation would exceed a capacity."""
        rows = np.asarray(rows, dtype=np.int64)
        usage = np.asarray(usage, dtype=float).reshape(len(rows), self.width)
        until = np.broadcast_to(np.asarray(until, dtype=float), rows.shape)
        if np.any(self.used[rows] + usage > self._limit):
            raise RuntimeError(f"allocation {usage} exceeds free capacity")
        self.make_room(rows)
        _kernels().hold_rows(self.dep, self.usage, self.used, self.allocated, self._limit,
                                rows, usage, until)  # fmt: skip

    def make_room(self, rows: np.ndarray | None = None) -> bool:
        """Double the slot table if an env of ``rows`` (default: every env) has no free slot;
        returns whether it grew. The compiled cores call it whenever a step leaves an env's
        table full, so that the next allocation always finds a slot."""
        held = self.allocated - self.released
        if rows is not None:
            held = held[rows]
        if held.size == 0 or held.max() < self.dep.shape[1]:
            return False
        grow = self.dep.shape[1]
        self.dep = np.concatenate([self.dep, np.full((self.num_envs, grow), np.inf)], axis=1)
        self.usage = np.concatenate([self.usage, np.zeros_like(self.usage)], axis=1)
        return True

    def active(self) -> np.ndarray:
        """(N,) allocations held in each env."""
        return np.isfinite(self.dep).sum(axis=1)

    def load(self, part: str) -> np.ndarray:
        """(N, size) used / capacity of each element of ``part`` (what the pictures colour)."""
        return self.used_of(part) / self.capacity[self.parts[part]]

    def utilisations(self) -> np.ndarray:
        """(N, parts) used / total capacity of every part in each env (0 for an empty part)."""
        return np.divide(
            np.add.reduceat(self.used, self._starts, axis=1),
            self._totals,
            out=np.zeros((self.num_envs, len(self.parts))),
            where=self._totals > 0,
        )

    def check(self) -> None:
        """Assert the invariants in every env: usage within [0, capacity], equal to the active
        allocations' sum, and allocated = released + active."""
        held = np.isfinite(self.dep)
        total = (self.usage * held[..., None]).sum(axis=1)
        assert np.allclose(total, self.used), "ledger out of sync with its allocations"
        assert np.all(self.used >= -TOLERANCE), "negative usage"
        assert np.all(self.used <= self.capacity + TOLERANCE), "over capacity"
        np.testing.assert_array_equal(self.allocated, self.released + held.sum(axis=1))
