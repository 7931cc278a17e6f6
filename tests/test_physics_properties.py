"""Property tests of the physics layer (hypothesis) and checks against published numbers."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from qnet_envs import physics

fid = st.floats(0.25, 1.0)
pos = st.floats(1e-3, 1e3)
unit = st.floats(0.5, 1.0)


@given(fid, fid, unit, unit)
def test_swap_output_is_a_fidelity_and_never_beats_inputs(f1, f2, g, m):
    f = physics.swap_fidelity(f1, f2, g, m)
    assert 0.25 - 1e-12 <= f <= 1 + 1e-12
    assert f <= max(f1, f2) + 1e-12


@given(fid)
def test_swapping_with_a_perfect_pair_changes_nothing(f):
    assert abs(physics.swap_fidelity(f, 1.0) - f) < 1e-12
    assert abs(physics.swap_fidelity(1.0, f) - f) < 1e-12


@given(fid, fid)
def test_bbpssw_outputs_in_range(f1, f2):
    f, p = physics.bbpssw(f1, f2)
    assert 0 < p <= 1 + 1e-12
    assert 0 <= f <= 1 + 1e-12


@given(st.floats(0.26, 0.999))
def test_purification_raises_fidelity_iff_above_half(f):
    out, _ = physics.bbpssw(f, f)
    c, _ = physics.dejmps(physics.werner(f), physics.werner(f))
    if f > 0.5 + 1e-9:
        assert out > f and c[0] > f
    elif f < 0.5 - 1e-9:
        assert out < f and c[0] < f


@given(
    st.lists(st.floats(0.01, 1.0), min_size=4, max_size=4),
    st.lists(st.floats(0.01, 1.0), min_size=4, max_size=4),
)
def test_dejmps_output_is_a_distribution(a, b):
    a, b = np.array(a) / sum(a), np.array(b) / sum(b)
    c, p = physics.dejmps(a, b)
    assert 0 < p <= 1 + 1e-12
    assert abs(c.sum() - 1) < 1e-9 and (c >= -1e-12).all()


@given(fid, st.floats(0, 50), st.floats(0, 50), pos)
def test_decoherence_is_monotone_and_tends_to_a_quarter(f, t1, t2, T):
    lo, hi = sorted((t1, t2))
    assert physics.decohere(f, hi, T) <= physics.decohere(f, lo, T) + 1e-12
    assert abs(physics.decohere(f, 1e6 * T, T) - 0.25) < 1e-9
    assert abs(physics.decohere(f, 0.0, T) - f) < 1e-12


def test_decohere_rejects_nonpositive_coherence_time():
    with pytest.raises(ValueError, match="t_coherence"):
        physics.decohere(0.9, 1.0, 0.0)


@given(fid, pos)
def test_dephasing_tends_to_its_classical_limit(f, T):
    assert abs(physics.dephase(f, 1e6 * T, T) - (1 + 2 * f) / 6) < 1e-9


def test_bb84_threshold_is_shor_preskill_eleven_percent():
    from scipy.optimize import brentq

    q_star = brentq(lambda q: 1 - 2 * physics.binary_entropy(q), 0.05, 0.2)
    assert 0.1099 < q_star < 0.1101  # Shor & Preskill 2000: 11.0%
    assert physics.bb84_key_rate(q_star + 1e-4) == 0
    assert physics.bb84_key_rate(q_star - 1e-3) > 0


@given(st.floats(0.111, 0.5))
def test_bb84_rate_is_zero_above_threshold(q):
    assert physics.bb84_key_rate(q) == 0.0


@given(st.floats(0.0, 0.5), st.floats(1.0, 1.5))
def test_bb84_rate_in_unit_interval(q, f):
    assert 0 <= physics.bb84_key_rate(q, f) <= 1


def test_decoy_rate_below_infinite_decoy_bound_and_near_it():
    """Weak+vacuum estimates can only lose against knowing Y1 and e1 exactly (infinite decoys)."""
    L = np.linspace(0, 130, 27)
    eta = physics.qkd.GYS_ETA_BOB * physics.fiber_transmittance(L, physics.qkd.GYS_ALPHA_DB_PER_KM)
    y0, ed, mu, f = 1.7e-6, 0.033, 0.48, 1.22
    y1 = y0 + eta  # exact single-photon yield
    e1 = (0.5 * y0 + ed * eta) / y1
    q_mu = y0 + 1 - np.exp(-eta * mu)
    e_mu = (0.5 * y0 + ed * (1 - np.exp(-eta * mu))) / q_mu
    h = physics.binary_entropy
    exact = 0.5 * (-q_mu * f * h(e_mu) + y1 * mu * np.exp(-mu) * (1 - h(e1)))
    got = physics.decoy_bb84_key_rate(L)
    assert np.all(got <= exact + 1e-15)
    assert np.all(got[L <= 80] >= 0.85 * exact[L <= 80])


def test_decoy_rate_reaches_published_distance_with_gys_parameters():
    # Ma, Qi, Zhao & Lo (2005), Fig. 2: vacuum+weak decoy with GYS parameters reaches ~140 km.
    L = np.arange(0, 200, 0.5)
    r = physics.decoy_bb84_key_rate(L)
    assert 130 <= L[r > 0].max() <= 150
    assert np.all(np.diff(r) <= 1e-18)


def test_heralded_probability_matches_monte_carlo_photon_survival():
    rng = np.random.default_rng(0)
    L, n = 30.0, 400_000
    arm = 0.8 * 0.9 * 10 ** (-0.2 * L / 2 / 10)
    both = (rng.random(n) < arm) & (rng.random(n) < arm) & (rng.random(n) < 0.5)
    p = physics.heralded_success_probability(
        L, 0.2, detector_efficiency=0.9, emission_efficiency=0.8
    )
    assert abs(both.mean() - p) < 5 * np.sqrt(p * (1 - p) / n)


def test_fibre_loss_in_decibels_and_attempt_time():
    assert physics.fiber_transmittance(50.0) == pytest.approx(0.1)  # 10 dB at 0.2 dB/km
    # 100 km at c/1.44: ~480 microseconds for photon out and herald back.
    assert physics.heralded_attempt_time(100.0) == pytest.approx(100 * 1.44 / 299792.458)


def test_functions_broadcast_over_arrays():
    f = np.linspace(0.3, 1, 7)
    assert physics.swap_fidelity(f, f[::-1]).shape == (7,)
    assert physics.bbpssw(f, 0.9)[0].shape == (7,)
    assert physics.dejmps(physics.werner(f), physics.werner(f))[0].shape == (7, 4)
    assert physics.decohere(f, 1.0, 2.0).shape == (7,)
    assert physics.decoy_bb84_key_rate(np.array([10.0, 20.0])).shape == (2,)
    assert physics.qae_qubits(np.array([6, 9]), np.array([3, 5])).tolist() == [10, 14]
    with pytest.raises(ValueError, match="k < n"):
        physics.qae_qubits(4, 4)
