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
    """h(p) = -p log2 p - (1-p) log2 (1-p), with h(0) = h(1) = 0."""
    p = np.clip(np.asarray(p, dtype=float), 0.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -p * np.log2(p) - (1.0 - p) * np.log2(1.0 - p)
    return np.nan_to_num(h, nan=0.0)


def bb84_key_rate(qber, ec_efficiency=1.0):
    """Asymptotic secret fraction of BB84 with one-way post-processing: max(0, 1 - f h(Q) - h(Q)).

    Shor & Preskill, PRL 85, 441 (2000), Eq. 1 (f = 1); f > 1 accounts for practical error
    correction (Scarani et al., Rev. Mod. Phys. 81, 1301 (2009), Eq. 19). Zero above Q ~ 11%.
    """
    h = binary_entropy(qber)
    return np.maximum(0.0, 1.0 - np.asarray(ec_efficiency, dtype=float) * h - h)


def qber_from_fidelity(f):
    """QBER of entanglement-based QKD (BBM92) on Werner pairs of fidelity F: Q = 2(1 - F)/3.

    In either measurement basis two of the three non-Phi+ Bell states give anticorrelated
    outcomes, each with weight (1-F)/3 (Bennett, Brassard & Mermin, PRL 68, 557 (1992)).
    """
    return 2.0 * (1.0 - np.asarray(f, dtype=float)) / 3.0


def decoy_bb84_key_rate(
    length_km,
    mu=0.48,
    nu=0.05,
    alpha_db_per_km=GYS_ALPHA_DB_PER_KM,
    eta_bob=GYS_ETA_BOB,
    dark_yield=GYS_DARK_YIELD,
    e_detector=GYS_DETECTOR_ERROR,
    ec_efficiency=GYS_EC_EFFICIENCY,
    sift_factor=0.5,
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
    sifting. Multiply by the source repetition rate for bits/s. Never negative.
    """
    eta = eta_bob * fiber_transmittance(length_km, alpha_db_per_km)
    e0 = 0.5

    def gain_and_error(x):
        click = 1.0 - np.exp(-eta * x)
        q = dark_yield + click
        return q, (e0 * dark_yield + e_detector * click) / q

    q_mu, e_mu = gain_and_error(mu)
    q_nu, e_nu = gain_and_error(nu)
    y1 = (mu / (mu * nu - nu * nu)) * (
        q_nu * np.exp(nu)
        - q_mu * np.exp(mu) * nu * nu / (mu * mu)
        - (mu * mu - nu * nu) / (mu * mu) * dark_yield
    )
    y1_safe = np.where(y1 > 0, y1, 1.0)
    e1 = np.clip((e_nu * q_nu * np.exp(nu) - e0 * dark_yield) / (y1_safe * nu), 0.0, 0.5)
    q1 = np.where(y1 > 0, y1, 0.0) * mu * np.exp(-mu)
    rate = sift_factor * (
        -q_mu * ec_efficiency * binary_entropy(e_mu) + q1 * (1.0 - binary_entropy(e1))
    )
    return np.maximum(rate, 0.0)
