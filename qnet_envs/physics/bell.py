"""Bell-diagonal two-qubit states, the representation every entanglement formula here uses.

Coefficient arrays have shape ``(..., 4)`` in the order (Phi+, Psi-, Psi+, Phi-), the order of
Deutsch et al., PRL 77, 2818 (1996) ("DEJMPS"). Each Bell state is ``(I x P)|Phi+>`` for the
Pauli P = (I, Y, X, Z) respectively, so combining Bell-diagonal states under swapping or Pauli
noise is a convolution over the Klein group {I, X, Y, Z} (Pauli products up to phase).
"""

from __future__ import annotations

import numpy as np

PHI_PLUS, PSI_MINUS, PSI_PLUS, PHI_MINUS = 0, 1, 2, 3


def werner(f):
    """Bell-diagonal coefficients of the Werner state with fidelity ``f`` to Phi+.

    A Werner state is F|Phi+><Phi+| + (1-F)/3 (1 - |Phi+><Phi+|)
    (Werner, PRA 40, 4277 (1989); Bennett et al., PRA 54, 3824 (1996), Eq. 4 with Phi+ as the
    reference state). Returns shape ``f.shape + (4,)``.
    """
    f = np.asarray(f, dtype=float)
    rest = (1.0 - f) / 3.0
    return np.stack([f, rest, rest, rest], axis=-1)


def klein_convolve(a, b):
    """Coefficients of the Bell-diagonal state reached by composing Pauli-labelled mixtures.

    If a state is the Bell state of Pauli P_i with probability ``a[i]`` and an independent Pauli
    P_j is applied with probability ``b[j]``, the result is the Bell state of P_i P_j. In the
    (I, Y, X, Z) labelling: I.I = Y.Y = X.X = Z.Z = I, Y.X = Z, Y.Z = X, X.Z = Y (up to phase).
    This is the rule behind ideal entanglement swapping of Bell-diagonal pairs (Duer & Briegel,
    Rep. Prog. Phys. 70, 1381 (2007), Sec. 4.1) and behind Pauli noise on one qubit of a pair.
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    a0, a1, a2, a3 = a[..., 0], a[..., 1], a[..., 2], a[..., 3]
    b0, b1, b2, b3 = b[..., 0], b[..., 1], b[..., 2], b[..., 3]
    return np.stack(
        [
            a0 * b0 + a1 * b1 + a2 * b2 + a3 * b3,
            a0 * b1 + a1 * b0 + a2 * b3 + a3 * b2,
            a0 * b2 + a2 * b0 + a1 * b3 + a3 * b1,
            a0 * b3 + a3 * b0 + a1 * b2 + a2 * b1,
        ],
        axis=-1,
    )


def depolarize(c, keep):
    """Mix Bell-diagonal coefficients ``c`` with the maximally mixed state: keep*c + (1-keep)/4.

    The two-qubit depolarising map rho -> keep*rho + (1-keep) I/4 (Nielsen & Chuang, Eq. 8.102,
    applied to a pair). ``keep`` broadcasts against ``c[..., 0]``.
    """
    keep = np.asarray(keep, dtype=float)[..., None]
    return keep * np.asarray(c, dtype=float) + (1.0 - keep) / 4.0
