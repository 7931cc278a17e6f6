"""The classical radio link of a mobile node: path loss and the Shannon rate of its uplink.

Plain arithmetic and numpy ufuncs on arrays or scalars: numpy callers use them as they are and
step kernels compile them (:func:`qnet_envs.core.compiled.compiled`).
"""

from __future__ import annotations

import numpy as np

MIN_DISTANCE_KM = 0.035
"""Minimum distance between a user and a macro base station (35 m, the macro-cell simulation
baseline of 3GPP TR 36.814 V9.0.0, Annex A.2.1): path losses are evaluated no closer."""


def macro_path_gain(distance_km):
    """Linear path gain 10^(-PL / 10) of the 3GPP macro-cell path loss
    PL(dB) = 128.1 + 37.6 log10(d_km) (3GPP TR 36.814 V9.0.0,
    Annex A.2.1, macro cell, 2 GHz),
    with ``distance_km`` floored at :data:`MIN_DISTANCE_KM`."""
    distance = np.maximum(distance_km, MIN_DISTANCE_KM)
    return 10.0 ** (-(128.1 + 37.6 * np.log10(distance)) / 10.0)


def shannon_rate(bandwidth_hz, snr):
    """Shannon capacity B log2(1 + SNR) in bit/s (Shannon, Bell Syst. Tech. J. 27, 1948),
    computed as B ln(1 + SNR) / ln 2 with log1p, which keeps the rate positive for the tiny
    SNRs of far, weak links (log2(1 + snr) rounds to 0 below snr ~ 1e-16 and an upload time
    would divide by zero); the floor of 1e-300 bit/s only guards an SNR that underflows to 0."""
    return np.maximum(bandwidth_hz * np.log1p(snr) / np.log(2.0), 1e-300)
