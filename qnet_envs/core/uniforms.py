"""Random variates from U[0, 1) draws by inverse transforms (vectorised).

Cores read numbered uniforms of the counter-based generator
(:mod:`qnet_envs.core.counter_rng`) and turn them into variates here. Plain ufunc arithmetic
on arrays or scalars: numpy code calls these as they are and step kernels compile them.
"""

from __future__ import annotations

import numpy as np


def exponential(u, mean):
    """Exponential variates of mean ``mean``: -mean ln(1 - u) (inverse CDF)."""
    return -mean * np.log1p(-np.float64(u))


def integer_offset(u, span):
    """floor(u x span): an integer uniform on 0..span - 1 (as a float), the offset above
    ``low`` of an integer uniform on ``low..low + span - 1`` (``Generator.integers``'s range,
    high exclusive)."""
    return np.floor(np.float64(u) * span)


def uniform(u, low, high):
    """Uniform variates on [low, high)."""
    return low + (high - low) * np.float64(u)


def normal(u1, u2):
    """Standard normal variates from two independent uniforms: the Box-Muller transform
    (Box & Muller, Ann. Math. Statist. 29, 610, 1958), z = sqrt(-2 ln(1 - u1)) cos(2 pi u2).
    Plain ufunc arithmetic on float arrays or scalars, so step kernels compile it too."""
    return np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(2.0 * np.pi * u2)


def poisson(u, mean):
    """A Poisson variate of ``mean`` from one uniform, by inversion with sequential search
    (Devroye, Non-Uniform Random Variate Generation, Springer 1986, Sec. X.3.3): the least k
    with F(k) >= u. Scalars only (a loop; step kernels compile it). The search stops where the
    terms underflow past the mode, so a ``u`` above the rounded total probability returns
    there rather than looping."""
    term = np.exp(-np.float64(mean))
    total, count = term, 0
    while u > total:
        count += 1
        term *= mean / count
        total += term
        if term == 0.0 and count > mean:
            break
    return count
