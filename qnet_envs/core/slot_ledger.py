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


def read_rows(arr: np.ndarray, rows: np.ndarray, num_envs: int) -> np.ndarray:
    """``arr[rows]`` for reading, for distinct sorted env ``rows`` of a batch of ``num_envs``:
    ``arr`` itself when ``rows`` are every env (a scalar env's batch of one), so no gather;
    never write to the result."""
    return arr if len(rows) == num_envs else arr[rows]


def write_index(rows: np.ndarray, num_envs: int):
    """The index that writes ``arr[rows]`` (distinct sorted env rows of a batch of
    ``num_envs``): a slice of every row when ``rows`` are every env, so that
    ``arr[write_index(rows, n)] += x`` costs what a scalar update would, not a gather and a
    scatter."""
    return slice(None) if len(rows) == num_envs else rows


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

    def clear(self, rows) -> None:
        """Empty the ledgers of envs ``rows`` (a new episode)."""
        self.used[rows] = 0.0
        self.dep[rows] = np.inf
        self.usage[rows] = 0.0
        self.allocated[rows] = 0
        self.released[rows] = 0

    def free(self, part: str) -> np.ndarray:
        """(N, size) free capacity of ``part`` in every env."""
        s = self.parts[part]
        return self.capacity[s] - self.used[:, s]

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
        """Release, in envs ``rows`` (distinct, sorted), every allocation whose departure time
        is <= that env's ``t``; returns how many."""
        dep = read_rows(self.dep, rows, self.num_envs)
        due = dep <= np.asarray(t)[:, None]
        if not due.any():
            return 0
        due &= dep < np.inf  # free slots hold +inf (due only when t is +inf)
        r, s = np.nonzero(due)
        if r.size:
            env = rows[r]
            np.subtract.at(self.used, env, self.usage[env, s])
            self.dep[env, s] = np.inf
            np.add.at(self.released, env, 1)
        return int(r.size)

    def allocate(self, rows: np.ndarray, usage: np.ndarray, until: np.ndarray) -> None:
        """Hold ``usage`` (len(rows), R) in envs ``rows`` (distinct, sorted) until ``until``; raises
        RuntimeError if an allocation would exceed a capacity."""
        n = self.num_envs
        if np.any(read_rows(self.used, rows, n) + usage > self._limit):
            raise RuntimeError(f"allocation {usage} exceeds free capacity")
        slot = np.argmax(read_rows(self.dep, rows, n), axis=1)  # first free (+inf) slot
        if np.isfinite(self.dep[rows, slot]).any():  # some env's table is full: double it
            grow = self.dep.shape[1]
            self.dep = np.concatenate([self.dep, np.full((self.num_envs, grow), np.inf)], axis=1)
            self.usage = np.concatenate([self.usage, np.zeros_like(self.usage)], axis=1)
            slot = np.argmax(self.dep[rows], axis=1)
        self.dep[rows, slot] = until
        self.usage[rows, slot] = usage
        at = write_index(rows, n)
        self.used[at] += usage
        self.allocated[at] += 1

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
