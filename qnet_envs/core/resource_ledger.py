"""Capacity-limited network resources held by requests until their departure time.

The ledger is the single place where resources are allocated and released: the provisioning
cores call ``allocate`` when they serve a request and ``release_until(t)`` as time passes, so
"no resource beyond its capacity" and "every allocation released exactly once" are properties
of this class and are checked in one place (``check``).
"""

from __future__ import annotations

import heapq

import numpy as np


class ResourceLedger:
    def __init__(self, capacities: dict[str, np.ndarray]):
        self.capacity = {k: np.asarray(v, dtype=float).copy() for k, v in capacities.items()}
        self.used = {k: np.zeros_like(v) for k, v in self.capacity.items()}
        self._total = {k: float(v.sum()) for k, v in self.capacity.items()}
        self._used_total = dict.fromkeys(self.capacity, 0.0)
        self._free: dict[str, np.ndarray] = {}
        self._heap: list[tuple[float, int]] = []
        self._active: dict[int, dict[str, np.ndarray]] = {}
        self._next_id = 0
        self.allocated = 0
        self.released = 0

    def free(self, kind: str) -> np.ndarray:
        """Free capacity per element (cached until the next allocation or release; read-only)."""
        cached = self._free.get(kind)
        if cached is None:
            cached = self._free[kind] = self.capacity[kind] - self.used[kind]
        return cached

    def fits(self, usage: dict[str, np.ndarray]) -> bool:
        return all(np.all(self.used[k] + u <= self.capacity[k] + 1e-9) for k, u in usage.items())

    def allocate(self, usage: dict[str, np.ndarray], until: float) -> int:
        """Hold ``usage`` until time ``until``; raises if it would exceed a capacity."""
        if not self.fits(usage):
            raise RuntimeError(f"allocation {usage} exceeds free capacity")
        self._free.clear()
        for k, u in usage.items():
            self.used[k] += u
            self._used_total[k] += float(u.sum())
        aid = self._next_id
        self._next_id += 1
        self._active[aid] = usage
        heapq.heappush(self._heap, (until, aid))
        self.allocated += 1
        return aid

    def release_until(self, t: float) -> int:
        """Release every allocation whose departure time is <= t; returns how many."""
        n = 0
        while self._heap and self._heap[0][0] <= t:
            _, aid = heapq.heappop(self._heap)
            self._free.clear()
            for k, u in self._active.pop(aid).items():
                self.used[k] -= u
                self._used_total[k] -= float(u.sum())
            self.released += 1
            n += 1
        return n

    @property
    def active(self) -> int:
        return len(self._active)

    def utilisation(self) -> dict[str, float]:
        return {k: self._used_total[k] / t if t > 0 else 0.0 for k, t in self._total.items()}

    def check(self) -> None:
        """Assert the invariants: usage within [0, capacity], equal to the active allocations'
        sum, and allocated = released + active."""
        for k in self.capacity:
            total = np.zeros_like(self.capacity[k])
            for usage in self._active.values():
                if k in usage:
                    total += usage[k]
            assert np.allclose(total, self.used[k]), f"{k}: ledger out of sync"
            assert np.all(self.used[k] >= -1e-9), f"{k}: negative usage"
            assert np.all(self.used[k] <= self.capacity[k] + 1e-9), f"{k}: over capacity"
        assert self.allocated == self.released + self.active
