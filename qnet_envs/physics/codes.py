"""Error protection of computation qubits."""

from __future__ import annotations

from math import comb

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
    p = np.asarray(p, dtype=float)
    return sum(comb(d, j) * p**j * (1.0 - p) ** (d - j) for j in range((d + 1) // 2, d + 1))
