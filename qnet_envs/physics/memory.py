"""Decoherence of entangled pairs held in quantum memories."""

from __future__ import annotations

import numpy as np

from .bell import depolarize, klein_convolve, werner


def decay_factor(t, t_coherence):
    """exp(-t / T), with T validated positive; the common factor of both memory models."""
    t = np.asarray(t, dtype=float)
    t_coherence = np.asarray(t_coherence, dtype=float)
    if np.any(t_coherence <= 0):
        raise ValueError(f"t_coherence must be > 0, got {t_coherence}")
    return np.exp(-t / t_coherence)


def decohere(f, t, t_coherence):
    """Fidelity of a pair after waiting ``t`` in a depolarising memory of coherence time ``T``.

    F(t) = 1/4 + (F - 1/4) exp(-t/T): the pair-level depolarising channel
    rho -> e^{-t/T} rho + (1 - e^{-t/T}) I/4 (Nielsen & Chuang Eq. 8.102 with p = 1 - e^{-t/T};
    the memory model of e.g. Dahlberg et al., SIGCOMM 2019, Sec. 5). For Bell-diagonal
    coefficients use :func:`qnet_envs.physics.bell.depolarize` with ``decay_factor(t, T)``.
    """
    return depolarized_fidelity(f, decay_factor(t, t_coherence))


def depolarized_fidelity(f, keep):
    """1/4 + (F - 1/4) ``keep``: a Werner pair of fidelity F after a depolarising channel that
    keeps the state with probability ``keep`` (:func:`decohere` with keep = exp(-t/T)). Plain
    arithmetic on arrays or scalars, so step kernels compile it."""
    return 0.25 + (np.float64(f) - 0.25) * keep


def dephase_bell(c, t, t_dephasing):
    """Bell-diagonal coefficients after pure dephasing of a pair for time ``t``.

    Phase damping (Nielsen & Chuang Sec. 8.3.6) acts on a Bell-diagonal pair as a Z error with
    probability (1 - exp(-t/T))/2, where T is the pair-level dephasing time (two memories of
    single-qubit T2 each give T = T2/2). Z maps Phi+ <-> Phi- and Psi+ <-> Psi-.
    """
    lam = decay_factor(t, t_dephasing)
    pz = (1.0 - lam) / 2.0
    zero = np.zeros_like(pz)
    return klein_convolve(c, np.stack([1.0 - pz, zero, zero, pz], axis=-1))


def dephase(f, t, t_dephasing):
    """Fidelity of a Werner pair of fidelity ``f`` after pure dephasing for time ``t``.

    F(t) = F (1 + e^{-t/T})/2 + (1 - F)/3 (1 - e^{-t/T})/2 (phase damping, Nielsen & Chuang
    Sec. 8.3.6, applied to a Werner state); it tends to (1 + 2F)/6, not to 1/4.
    """
    return dephase_bell(werner(f), t, t_dephasing)[..., 0]


def memory_pair_decay(t, depolarizing_times, dephasing_times=None):
    """Per-memory decoherence of a pair whose two qubits sit in memories a and b for time ``t``.

    Each memory applies its own single-qubit channels: depolarisation
    rho -> lam rho + (1 - lam) I/2 tr_q(rho) with lam = exp(-t/T_dep) (Nielsen & Chuang Eq. 8.102
    for one qubit; the ``DepolarNoiseModel`` of NetSquid, Coopmans et al., Commun. Phys. 4, 164
    (2021)), and pure dephasing, a Z error with probability (1 - exp(-t/T_2))/2 (Nielsen & Chuang
    Sec. 8.3.6). On a Bell-diagonal pair both reduce to pair-level maps whose rates add: the pair
    keeps ``keep = exp(-t (1/T_dep,a + 1/T_dep,b))`` and suffers a Z flip with probability
    ``pz = (1 - exp(-t (1/T_2,a + 1/T_2,b)))/2``. ``depolarizing_times`` and ``dephasing_times``
    are (T_a, T_b) pairs (arrays broadcast; ``inf`` or None means no such noise). Returns
    ``(keep, pz)`` for :func:`decohere_pair`.
    """
    t = np.asarray(t, dtype=float)
    rate = _rate(depolarizing_times[0]) + _rate(depolarizing_times[1])
    keep = np.exp(-t * rate)
    if dephasing_times is None:
        return keep, np.zeros_like(keep)
    rate2 = _rate(dephasing_times[0]) + _rate(dephasing_times[1])
    return keep, (1.0 - np.exp(-t * rate2)) / 2.0


def _rate(time):
    """1/T with None and inf meaning no decay; T must be > 0."""
    if time is None:
        return np.zeros(())
    time = np.asarray(time, dtype=float)
    if np.any(time <= 0):
        raise ValueError(f"memory times must be > 0 (or None/inf for none), got {time}")
    return 1.0 / time


def decohere_pair(c, keep, pz):
    """Bell-diagonal coefficients ``c`` after the pair-level maps of :func:`memory_pair_decay`:
    depolarisation keeping ``keep``, then a Z flip (Phi+ <-> Phi-, Psi+ <-> Psi-) with
    probability ``pz``. The two commute. ``keep`` and ``pz`` broadcast against ``c[..., 0]``."""
    c = depolarize(c, keep)
    pz = np.asarray(pz, dtype=float)[..., None]
    return (1.0 - pz) * c + pz * c[..., [3, 2, 1, 0]]
