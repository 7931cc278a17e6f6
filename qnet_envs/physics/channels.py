"""Photonic channels: fibre loss and heralded entanglement generation between two memories."""

from __future__ import annotations

import numpy as np

SPEED_OF_LIGHT_KM_PER_S = 299_792.458
FIBER_REFRACTIVE_INDEX = 1.44
"""Group index of standard single-mode fibre at 1550 nm (1.44-1.47; SMF-28's datasheet gives
1.468): the one value every model of the suite uses for light in fibre, c / 1.44, about
2.08e5 km/s, the figure common in repeater and QKD analyses."""
FIBRE_S_PER_KM = FIBER_REFRACTIVE_INDEX / SPEED_OF_LIGHT_KM_PER_S
"""Propagation delay of fibre, about 4.8 us per km: classical messages, heralds, backhaul."""


def fiber_transmittance(length_km, alpha_db_per_km=0.2):
    """Power transmittance 10^(-alpha L / 10) of ``length_km`` of fibre.

    alpha = 0.2 dB/km is the attenuation of standard telecom fibre at 1550 nm (ITU-T G.652;
    Gisin et al., Rev. Mod. Phys. 74, 145 (2002), Sec. II.D).
    """
    length_km = np.asarray(length_km, dtype=float)
    return 10.0 ** (-np.asarray(alpha_db_per_km, dtype=float) * length_km / 10.0)


def heralded_success_probability(
    length_km,
    alpha_db_per_km=0.2,
    detector_efficiency=0.9,
    emission_efficiency=1.0,
    bsm_efficiency=0.5,
):
    """Probability that one midpoint-heralded generation attempt over a link succeeds.

    Both memories emit a photon entangled with them; the photons travel L/2 each to a linear-optics
    Bell-state measurement at the midpoint (the "meet in the middle" scheme, Barrett & Kok,
    PRA 71, 060310 (2005); Jones et al., NJP 18, 083015 (2016), Eq. 1):
    p = p_bsm * (eta_emit * eta_det * 10^(-alpha L/20))^2.

    Defaults: p_bsm = 1/2 (linear optics resolves two of the four Bell states), detector
    efficiency 0.9 (superconducting nanowire detectors), emission-and-coupling efficiency 1, so
    the default link is limited by fibre loss; lower it to model a specific memory platform.
    """
    arm = (
        emission_efficiency
        * detector_efficiency
        * fiber_transmittance(np.asarray(length_km, dtype=float) / 2.0, alpha_db_per_km)
    )
    return bsm_efficiency * arm * arm


def heralded_attempt_time(length_km, refractive_index=FIBER_REFRACTIVE_INDEX, local_time_s=0.0):
    """Duration in seconds of one midpoint-heralded attempt: the photon's L/2 to the station, the
    herald's L/2 back, plus ``local_time_s`` for emission and reset: t = n L / c + t_local
    (Jones et al., NJP 18, 083015 (2016), Sec. 2). One env time slot is one such round trip.
    """
    length_km = np.asarray(length_km, dtype=float)
    return refractive_index * length_km / SPEED_OF_LIGHT_KM_PER_S + local_time_s
