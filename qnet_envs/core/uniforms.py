"""Random variates from U[0, 1) draws by inverse transforms (vectorised).

Cores that a batched env must reproduce read a fixed number of uniforms per step from their
generator and turn them into variates here, so that N scalar envs and one batched env read the
same numbers in the same order (see :class:`qnet_envs.core.counter_rng.CounterStreams`).
"""

from __future__ import annotations

import numpy as np


def exponential(u, mean):
    """Exponential variates of mean ``mean``: -mean ln(1 - u) (inverse CDF)."""
    return -mean * np.log1p(-np.asarray(u, dtype=float))


def integers(u, low, high):
    """Integers uniform on ``low..high - 1`` (``high`` exclusive, like ``Generator.integers``)."""
    return low + np.floor(np.asarray(u, dtype=float) * (high - low)).astype(np.int64)


def uniform(u, low, high):
    """Uniform variates on [low, high)."""
    return low + (high - low) * np.asarray(u, dtype=float)


def normal(u1, u2):
    """Standard normal variates from two independent uniforms: the Box-Muller transform
    (Box & Muller, Ann. Math. Statist. 29, 610, 1958), z = sqrt(-2 ln(1 - u1)) cos(2 pi u2).
    Plain ufunc arithmetic on float arrays or scalars, so step kernels compile it too."""
    return np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(2.0 * np.pi * u2)
