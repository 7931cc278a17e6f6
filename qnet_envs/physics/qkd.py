"""Key rates of BB84 and decoy-state BB84 QKD."""

from __future__ import annotations

import numpy as np

from .channels import fiber_transmittance

# Device parameters of the GYS experiment (Gobby, Yuan & Shields, APL 84, 3762 (2004)), as used
# for the decoy-state simulations of Ma, Qi, Zhao & Lo, PRA 72, 012326 (2005), Table I.
GYS_ALPHA_DB_PER_KM = 0.21
GYS_ETA_BOB = 0.045  # Bob's detection efficiency times internal transmittance
GYS_DARK_YIELD = 1.7e-6  # Y0, background (dark count) yield per pulse
GYS_DETECTOR_ERROR = 0.033  # e_detector, misalignment error probability
GYS_EC_EFFICIENCY = 1.22  # f(E), error-correction inefficiency
GYS_REPETITION_RATE_HZ = 2.0e6


def binary_entropy(p):
    """h(p) = -p log2 p - (1-p) log2 (1-p); h(0) and h(1) are 0 to within 1e-14. Plain ufunc
    arithmetic, so step kernels compile it too (as the two functions below)."""
    p = np.minimum(np.maximum(p, 1e-300), 1.0 - 1e-16)
    return -p * np.log2(p) - (1.0 - p) * np.log2(1.0 - p)


def bb84_key_rate(qber, ec_efficiency=1.0):
    """Asymptotic secret fraction of BB84 with one-way post-processing: max(0, 1 - f h(Q) - h(Q)).

    Shor & Preskill, PRL 85, 441 (2000), Eq. 1 (f = 1); f > 1 accounts for practical error
    correction (Scarani et al., Rev. Mod. Phys. 81, 1301 (2009), Eq. 19). Zero above Q ~ 11%.
    """
    h = binary_entropy(qber)
    return np.maximum(0.0, 1.0 - ec_efficiency * h - h)


def qber_from_fidelity(f):
    """QBER of entanglement-based QKD (BBM92) on Werner pairs of fidelity F: Q = 2(1 - F)/3.

    In either measurement basis two of the three non-Phi+ Bell states give anticorrelated
    outcomes, each with weight (1-F)/3 (Bennett, Brassard & Mermin, PRL 68, 557 (1992)).
    """
    return 2.0 * np.subtract(1.0, f) / 3.0


def entanglement_key_fraction(f):
    """Secret-key fraction of entangled pairs of fidelity ``f`` used for entanglement-based QKD:
    BB84's asymptotic fraction (Shor & Preskill 2000) at the BBM92 QBER of a Werner pair,
    :func:`bb84_key_rate` of :func:`qber_from_fidelity`."""
    return bb84_key_rate(qber_from_fidelity(f))


def decoy_bb84_key_rate(
    length_km,
    e_detector=GYS_DETECTOR_ERROR,
    ec_efficiency=GYS_EC_EFFICIENCY,
    sift_factor=0.5,
    **channel,
):
    """Secret key bits per pulse of weak+vacuum decoy-state BB84 over ``length_km`` of fibre.

    Rate (GLLP with decoy estimates; Lo, Ma & Chen, PRL 94, 230504 (2005), Eq. 1):
        R = q [ -Q_mu f h(E_mu) + Q_1 (1 - h(e_1)) ],
    with the vacuum+weak decoy bounds of Ma, Qi, Zhao & Lo, PRA 72, 012326 (2005), Eqs. 34 and 37:
        Y_1 >= mu/(mu nu - nu^2) (Q_nu e^nu - Q_mu e^mu nu^2/mu^2 - (mu^2 - nu^2)/mu^2 Y_0),
        e_1 <= (E_nu Q_nu e^nu - e_0 Y_0) / (Y_1 nu),  Q_1 = Y_1 mu e^-mu,
    and the channel model of the same paper (Eqs. 8-11): eta = eta_Bob 10^(-alpha L/10),
    Q_x = Y_0 + 1 - e^(-eta x), E_x Q_x = e_0 Y_0 + e_det (1 - e^(-eta x)), e_0 = 1/2.

    Defaults are the GYS device parameters used in Ma et al. 2005 (module constants), signal
    mean photon number mu = 0.48 (near-optimal there) and decoy nu = 0.05; q = 1/2 is BB84 basis
    sifting. ``channel``: the keywords of :func:`decoy_bb84_terms` (mu, nu, alpha_db_per_km,
    eta_bob, dark_yield). Multiply by the source repetition rate for bits/s. Never negative.
    Arrays broadcast; to evaluate many detector errors on fixed links, compute
    :func:`decoy_bb84_terms` once and call :func:`decoy_bb84_rate_from_terms`.
    """
    terms = decoy_bb84_terms(length_km, **channel)
    return decoy_bb84_rate_from_terms(terms, e_detector, ec_efficiency, sift_factor)


def decoy_bb84_terms(
    length_km,
    mu=0.48,
    nu=0.05,
    alpha_db_per_km=GYS_ALPHA_DB_PER_KM,
    eta_bob=GYS_ETA_BOB,
    dark_yield=GYS_DARK_YIELD,
):
    """The parts of :func:`decoy_bb84_key_rate` that do not depend on the detector error: both
    error rates are affine in e_det, E_mu = a_mu + b_mu e_det and e_1 = a_1 + b_1 e_det."""
    eta = eta_bob * fiber_transmittance(length_km, alpha_db_per_km)
    e0 = 0.5
    click_mu = 1.0 - np.exp(-eta * mu)
    click_nu = 1.0 - np.exp(-eta * nu)
    q_mu = dark_yield + click_mu
    q_nu = dark_yield + click_nu
    y1 = (mu / (mu * nu - nu * nu)) * (
        q_nu * np.exp(nu)
        - q_mu * np.exp(mu) * nu * nu / (mu * mu)
        - (mu * mu - nu * nu) / (mu * mu) * dark_yield
    )
    y1_safe = np.where(y1 > 0, y1, 1.0)
    return {
        "q_mu": q_mu,
        "a_mu": e0 * dark_yield / q_mu,
        "b_mu": click_mu / q_mu,
        "q_1": np.where(y1 > 0, y1, 0.0) * mu * np.exp(-mu),
        "a_1": (e0 * dark_yield * np.exp(nu) - e0 * dark_yield) / (y1_safe * nu),
        "b_1": click_nu * np.exp(nu) / (y1_safe * nu),
    }


def decoy_bb84_rate_from_terms(
    terms, e_detector=GYS_DETECTOR_ERROR, ec_efficiency=GYS_EC_EFFICIENCY, sift_factor=0.5
):
    """Key bits per pulse from :func:`decoy_bb84_terms` at detector error ``e_detector``."""
    return decoy_bb84_rate_at(*(terms[k] for k in DECOY_TERMS), e_detector, ec_efficiency,
                              sift_factor)  # fmt: skip


DECOY_TERMS = ("q_mu", "a_mu", "b_mu", "q_1", "a_1", "b_1")  # the keys of decoy_bb84_terms


def decoy_bb84_rate_at(q_mu, a_mu, b_mu, q_1, a_1, b_1, e_detector, ec_efficiency, sift_factor):
    """:func:`decoy_bb84_rate_from_terms` with the terms (in ``DECOY_TERMS`` order) as
    arguments: the GLLP rate of Lo, Ma & Chen (2005), Eq. 1. Plain arithmetic on arrays or
    scalars, so step kernels compile it."""
    e_mu = a_mu + b_mu * e_detector
    e_1 = np.minimum(np.maximum(a_1 + b_1 * e_detector, 0.0), 0.5)
    rate = sift_factor * (
        -q_mu * ec_efficiency * binary_entropy(e_mu) + q_1 * (1.0 - binary_entropy(e_1))
    )
    return np.maximum(rate, 0.0)
