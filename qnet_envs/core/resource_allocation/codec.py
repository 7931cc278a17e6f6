"""The action layout of ``qnet/QuantumResourceAllocation-v0``, written once: 0 rejects,
``1 + (path * L + level) * L + depth`` serves on ``path`` with protection ``level`` and
purification ``depth`` (L = ``LEVELS``). Integer arithmetic on ints or arrays, so the core's
Python methods, the baselines and the compiled kernels share it."""

from __future__ import annotations

from .layout import LEVELS


def encode(path, level, depth):
    """The action serving on (path, level, depth)."""
    return 1 + (path * LEVELS + level) * LEVELS + depth


def decode(action):
    """(path, level, depth) of allocation actions (>= 1; ints or arrays)."""
    path, rest = divmod(action - 1, LEVELS * LEVELS)
    level, depth = divmod(rest, LEVELS)
    return path, level, depth
