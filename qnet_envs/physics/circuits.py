"""Resource counts of the quantum circuits the offloading and scheduling models run."""

from __future__ import annotations

import numpy as np


def qae_qubits(n, k):
    """Qubits of a quantum autoencoder compressing ``n`` qubits to ``k``: 2n - k + 1.

    The n input qubits, n - k fresh reference qubits that the n - k trash qubits are compared
    with, and one ancilla for the swap test (Romero, Olson & Aspuru-Guzik, Quantum Sci. Technol.
    2, 045001 (2017), Fig. 2; the count used in seed 002, Sec. IV).
    """
    n = np.asarray(n)
    k = np.asarray(k)
    if np.any(k < 1) or np.any(k >= n):
        raise ValueError(f"qae_qubits needs 1 <= k < n, got n={n}, k={k}")
    return 2 * n - k + 1
