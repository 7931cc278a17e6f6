"""Error protection of computation qubits."""

from __future__ import annotations

import numpy as np


def repetition_code_logical_error(p, distance):
    """Logical error probability of a distance-d repetition code under independent bit flips.

    Majority decoding fails when more than (d-1)/2 of the d physical qubits flip:
    p_L = sum_{j > (d-1)/2} C(d, j) p^j (1-p)^(d-j); d = 3 gives 3p^2 - 2p^3 (Nielsen & Chuang,
    Sec. 10.1.1). ``distance`` must be odd and >= 1 (d = 1 is an unprotected qubit).
    """
    d = int(distance)
    if d < 1 or d % 2 == 0:
        raise ValueError(f"distance={distance!r} must be an odd integer >= 1")
    return majority_failure(np.asarray(p, dtype=float), d)


def majority_failure(p, d):
    """:func:`repetition_code_logical_error` for a valid odd ``d``, summed over j from (d + 1)
    / 2 to d with C(d, j) built up term by term. Plain arithmetic on arrays or scalars, so
    step kernels compile it."""
    total = 0.0 * p
    binomial = 1.0  # C(d, j)
    for j in range(d + 1):
        if 2 * j > d:
            total = total + binomial * p ** float(j) * (1.0 - p) ** float(d - j)
        binomial = binomial * (d - j) / (j + 1)
    return total
