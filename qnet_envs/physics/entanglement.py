"""Entanglement swapping and purification of Bell-diagonal and Werner pairs."""

from __future__ import annotations

import numpy as np

from .bell import depolarize, klein_convolve, werner


def measurement_error_paulis(meas_fidelity):
    """Pauli-error distribution (I, Y, X, Z) that a noisy Bell measurement leaves on the pair.

    A Bell measurement reads two bits; each is flipped independently with probability 1 - eta
    (the measurement model of Briegel, Duer, Cirac & Zoller, PRL 81, 5932 (1998), Eq. 2). A flipped
    phase bit applies the wrong Z correction, a flipped parity bit the wrong X, both a Y.
    """
    eta = np.asarray(meas_fidelity, dtype=float)
    flip = 1.0 - eta
    return np.stack([eta * eta, flip * flip, eta * flip, eta * flip], axis=-1)


def swap_bell_diagonal(c1, c2, gate_fidelity=1.0, meas_fidelity=1.0):
    """Bell-diagonal coefficients after swapping pairs ``c1`` (A-B) and ``c2`` (B-C) at B.

    Ideal swapping with Pauli correction composes the two pairs' Pauli labels (Klein-group
    convolution, see :func:`qnet_envs.physics.bell.klein_convolve`). Imperfect operations follow
    Briegel et al., PRL 81, 5932 (1998), Eqs. 2-3: the two-qubit gate at B depolarises the
    measured qubits with probability 1 - p (``gate_fidelity``), which leaves the end pair
    maximally mixed, and each measured bit is wrong with probability 1 - eta (``meas_fidelity``).
    For Werner inputs this gives w = p (4 eta^2 - 1)/3 * w1 * w2 with w = (4F - 1)/3.
    """
    ideal = klein_convolve(c1, c2)
    noisy = depolarize(ideal, gate_fidelity)
    return klein_convolve(noisy, measurement_error_paulis(meas_fidelity))


def swap_fidelity(f1, f2, gate_fidelity=1.0, meas_fidelity=1.0):
    """Fidelity of the pair made by swapping two Werner pairs of fidelities ``f1`` and ``f2``.

    Ideal: F = F1 F2 + (1 - F1)(1 - F2)/3 (Duer & Briegel, Rep. Prog. Phys. 70, 1381 (2007),
    Eq. 10). With a gate of fidelity p and measurement fidelity eta, as in the Bell-diagonal
    model of Briegel et al., PRL 81, 5932 (1998), Eq. 3: F = 1/4 + 3/4 p (4 eta^2 - 1)/3 w1 w2
    with Werner parameters w = (4F - 1)/3. This is the Werner special case of
    :func:`swap_bell_diagonal` in closed form (hot paths call it on scalars); the tests check
    both against a density-matrix simulation. Scalars and arrays broadcast.
    """
    w1 = (4.0 * np.float64(f1) - 1.0) / 3.0
    w2 = (4.0 * np.float64(f2) - 1.0) / 3.0
    return 0.25 + 0.25 * gate_fidelity * (4.0 * meas_fidelity * meas_fidelity - 1.0) * w1 * w2


def bbpssw(f1, f2, gate_fidelity=1.0, meas_fidelity=1.0):
    """BBPSSW recurrence purification of two Werner pairs: returns ``(f_out, p_success)``.

    Bennett, Brassard, Popescu, Schumacher, Smolin & Wootters, PRL 76, 722 (1996), Eq. 2,
    generalised to unequal inputs (Duer & Briegel 2007, Eq. 14):
    F' = [F1 F2 + (1-F1)(1-F2)/9] / N,
    N = F1 F2 + F1 (1-F2)/3 + (1-F1) F2/3 + 5 (1-F1)(1-F2)/9 = p_success.
    The kept pair is twirled back to a Werner state of fidelity F'. This is the bilateral CNOT
    of :func:`noisy_bilateral_cnot` (noiseless) on Werner inputs, in closed form for hot paths; the tests check
    it against a density-matrix simulation of the protocol. With ``gate_fidelity`` or
    ``meas_fidelity`` below 1 the noisy local operations of :func:`noisy_bilateral_cnot` apply
    (Duer, Briegel, Cirac & Zoller, PRA 59, 169 (1999)).
    """
    if gate_fidelity != 1.0 or meas_fidelity != 1.0:
        c, p = noisy_bilateral_cnot(werner(f1), werner(f2), gate_fidelity, meas_fidelity)
        return c[..., 0], p
    return bbpssw_werner(f1, f2)


def bbpssw_werner(f1, f2):
    """:func:`bbpssw` with noiseless local operations, ``(f_out, p_success)`` in closed form
    (the equations there). Plain arithmetic on arrays or scalars, so step kernels compile it."""
    f1 = np.float64(f1)
    f2 = np.float64(f2)
    g1, g2 = 1.0 - f1, 1.0 - f2
    p = f1 * f2 + (f1 * g2 + g1 * f2) / 3.0 + 5.0 * g1 * g2 / 9.0
    return (f1 * f2 + g1 * g2 / 9.0) / p, p


def dejmps(c1, c2, gate_fidelity=1.0, meas_fidelity=1.0):
    """DEJMPS purification of two Bell-diagonal pairs: returns ``(c_out, p_success)``.

    Deutsch, Ekert, Jozsa, Macchiavello, Popescu & Sanpera, PRL 77, 2818 (1996), Eq. 8. Each
    party first rotates its qubits (Alice Rx(pi/2), Bob Rx(-pi/2)), which exchanges the Psi- and
    Phi- coefficients; then a bilateral CNOT with post-selection:
    A' = (A1 A2 + B1 B2)/N, B' = (C1 D2 + D1 C2)/N, C' = (C1 C2 + D1 D2)/N,
    D' = (A1 B2 + B1 A2)/N, N = (A1 + B1)(A2 + B2) + (C1 + D1)(C2 + D2),
    with (A, B, C, D) = (Phi+, Psi-, Psi+, Phi-). Arrays of shape (..., 4) broadcast. With
    ``gate_fidelity`` or ``meas_fidelity`` below 1 the CNOTs and measurements are those of
    :func:`noisy_bilateral_cnot` (the single-qubit rotations are taken as perfect).
    """
    rot = [0, 3, 2, 1]  # the local rotations exchange Psi- and Phi-
    c1 = np.asarray(c1, dtype=float)[..., rot]
    c2 = np.asarray(c2, dtype=float)[..., rot]
    return noisy_bilateral_cnot(c1, c2, gate_fidelity, meas_fidelity)


# Bell labels as (x, z) bits in the (Phi+, Psi-, Psi+, Phi-) order, and the 16 input pairs of the
# bilateral CNOT: the source keeps (x1, z1 ^ z2); the target's Z readouts agree iff x1 == x2.
_X = np.array([0, 1, 1, 0])
_Z = np.array([0, 1, 0, 1])
_INDEX = np.array([[0, 3], [2, 1]])  # _INDEX[x, z]
_I1, _I2 = np.meshgrid(np.arange(4), np.arange(4), indexing="ij")
_OUT = _INDEX[_X[_I1], _Z[_I1] ^ _Z[_I2]]
_AGREE = _X[_I1] == _X[_I2]
_ROUTE = np.zeros((2, 16, 4))  # [agree?][input pair][output label]
_ROUTE[1, np.flatnonzero(_AGREE.ravel()), _OUT.ravel()[_AGREE.ravel()]] = 1.0
_ROUTE[0, np.flatnonzero(~_AGREE.ravel()), _OUT.ravel()[~_AGREE.ravel()]] = 1.0


def noisy_bilateral_cnot(c1, c2, gate_fidelity=1.0, meas_fidelity=1.0):
    """Bilateral CNOT (pair 1 controls pair 2) with noisy gates and readout, pair 2 measured in Z
    at both ends, pair 1 kept when the two readouts agree. Returns ``(c_out, p_success)``.

    Ideal part: with Bell labels (x, z) the CNOTs map (x1, z1)(x2, z2) -> (x1, z1^z2)(x1^x2, z2);
    the readouts agree iff x1 == x2, leaving the source in (x1, z1^z2). With p = eta = 1 this is
    the noiseless protocol exactly.

    Noise model of Duer, Briegel, Cirac & Zoller, PRA 59, 169 (1999), Sec. III (the same as
    :func:`swap_bell_diagonal`, Briegel et al., PRL 81, 5932 (1998), Eq. 2): each node's CNOT is
    followed by two-qubit depolarisation with probability 1 - p (``gate_fidelity``) and each
    readout bit is flipped with probability 1 - eta (``meas_fidelity``). For Bell-diagonal inputs
    the reduced state at each node is maximally mixed, so the two noisy gates together leave
    p^2 (ideal state) + (1 - p^2) I/16; the readouts then agree on the ideal agreeing branch with
    probability eta^2 + (1 - eta)^2 and on the disagreeing branch with 2 eta (1 - eta), and on the
    white part with probability 1/2. Bell-diagonal arrays of shape (..., 4) broadcast.
    """
    c1 = np.asarray(c1, dtype=float)
    c2 = np.asarray(c2, dtype=float)
    joint = (c1[..., :, None] * c2[..., None, :]).reshape(
        *np.broadcast_shapes(c1.shape[:-1], c2.shape[:-1]), 16
    )
    agree, disagree = joint @ _ROUTE[1], joint @ _ROUTE[0]
    p2 = np.asarray(gate_fidelity, dtype=float) ** 2
    eta = np.asarray(meas_fidelity, dtype=float)
    same, crossed = eta * eta + (1.0 - eta) ** 2, 2.0 * eta * (1.0 - eta)
    kept = p2[..., None] * (same[..., None] * agree + crossed[..., None] * disagree)
    kept = kept + ((1.0 - p2) / 8.0)[..., None]
    p = kept.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return kept / p[..., None], p
