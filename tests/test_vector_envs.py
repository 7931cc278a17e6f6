"""The batched request envs (QuantumResourceAllocation, QKDProvisioning) reproduce N scalar envs
step for step, bit for bit, through autoresets (the repeater chain's vector env is tested in
test_entanglement_distribution_env.py)."""

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qnet_envs  # noqa: F401
from qnet_envs.core.fidelity_distribution import FidelityDistribution

QRA = "qnet/QuantumResourceAllocation-v0"
QKD = "qnet/QKDProvisioning-v0"


QRA_CASES = [
    {"horizon": 40},
    {"horizon": 30, "topology": "nsfnet", "k_paths": 2},
    {"horizon": 50, "load_erlang": 40.0, "qubits_per_node": 8, "qkd_fraction": 0.2},
    {"horizon": 25, "k_paths": 1, "qkd_fraction": 0.9, "mean_holding": 30.0},
]
QKD_CASES = [
    {"horizon": 40},
    {"horizon": 30, "topology": "metro6", "k_paths": 2, "channels_per_link": 3},
    {"horizon": 50, "load_erlang": 120.0, "max_channels_per_hop": 2},
    {"horizon": 35, "path_table": "on-demand", "k_paths": 4},
]


def _compare(env_id, config, vec_kwargs, steps=130, n=6, seed=11):
    """Drive N scalar envs and one batched env with the same seeds and actions (mostly valid,
    some masked out) and compare everything, step by step, through autoresets."""
    vec = gym.make_vec(
        env_id, num_envs=n, vectorization_mode="vector_entry_point", config=config, **vec_kwargs
    )
    scalars = [gym.make(env_id, config=config).unwrapped for _ in range(n)]
    obs, infos = vec.reset(seed=seed)
    s_out = [env.reset(seed=seed + i) for i, env in enumerate(scalars)]
    np.testing.assert_array_equal(obs, np.stack([o for o, _ in s_out]))
    rng = np.random.default_rng(0)
    masks = infos["action_mask"]
    pending = np.zeros(n, bool)
    resets = 0
    for _ in range(steps):
        actions = np.array(
            [
                rng.integers(len(m)) if rng.random() < 0.1 else rng.choice(np.flatnonzero(m))
                for m in masks
            ]
        )
        obs, rew, term, trunc, infos = vec.step(actions)
        for i, env in enumerate(scalars):
            if pending[i]:
                o, info = env.reset()
                r, tr = 0.0, False
            else:
                o, r, _, tr, info = env.step(int(actions[i]))
            np.testing.assert_array_equal(obs[i], o)
            assert rew[i] == r  # bit for bit: the same code on the same numbers
            assert trunc[i] == tr and not term[i]
            assert set(infos) == set(info)
            for key, value in info.items():
                np.testing.assert_array_equal(infos[key][i], value, err_msg=key)
        resets += int(pending.sum())
        pending = trunc.copy()
        masks = infos["action_mask"]
    assert resets >= n  # every env went through at least one autoreset
    return vec


@pytest.mark.parametrize("config", QRA_CASES)
def test_batched_qra_matches_scalar_envs_step_for_step(config):
    _compare(QRA, config, {})


def test_batched_qra_grows_its_allocation_table():
    # two slots per env cannot hold the active allocations: the table must grow, not drop any
    vec = _compare(QRA, {"horizon": 40, "load_erlang": 30.0}, {"slots": 2})
    assert vec.unwrapped.core.ledger.dep.shape[1] > 2


@pytest.mark.parametrize("config", QKD_CASES)
def test_batched_qkd_matches_scalar_envs_step_for_step(config):
    vec = _compare(QKD, config, {"slots": 3})
    assert vec.unwrapped.core.ledger.dep.shape[1] > 3  # the table grew, nothing dropped


@pytest.mark.parametrize("env_id", [QRA, QKD])
def test_batched_envs_match_scalar_envs_over_5000_steps(env_id):
    """The issue's bar: 5,000 steps of two envs, default configs (five episodes each)."""
    _compare(env_id, None, {}, steps=5000, n=2, seed=5)


@pytest.mark.parametrize("env_id", [QRA, QKD])
def test_vector_spaces_and_bad_actions(env_id):
    vec = gym.make_vec(env_id, num_envs=4)
    assert vec.single_action_space == gym.make(env_id).action_space
    assert vec.observation_space.shape == (4, *vec.single_observation_space.shape)
    obs, infos = vec.reset(seed=0)
    assert vec.observation_space.contains(obs)
    assert infos["action_mask"].shape == (4, vec.single_action_space.n)
    for bad in (np.array([0, 0, 0, 99]), np.array([0, 0, -1, 0]), np.zeros(3, int), np.zeros(4)):
        with pytest.raises(ValueError):
            vec.step(bad)
    with pytest.raises(ValueError, match="horizon"):
        gym.make_vec(env_id, num_envs=2, config={"horizon": 0})


@pytest.mark.parametrize("env_id", [QRA, QKD])
def test_different_seeds_differ_and_same_seed_repeats(env_id):
    def trace(seed):
        vec = gym.make_vec(env_id, num_envs=3)
        obs, infos = vec.reset(seed=seed)
        out = [obs.copy()]
        for _ in range(200):
            acts = np.array([int(np.flatnonzero(m)[-1]) for m in infos["action_mask"]])
            obs, r, te, tr, infos = vec.step(acts)
            out.append(obs.copy())
        return np.stack(out)

    a, b, c = trace(3), trace(3), trace(4)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_box_muller_fidelities_follow_the_configured_normal():
    dist = FidelityDistribution(kind="normal", mean=0.9, spread=0.02, low=0.25)
    rng = np.random.default_rng(1)
    f = dist.from_uniforms(rng.random(200_000), rng.random(200_000))
    assert f.mean() == pytest.approx(0.9, abs=2e-4)
    assert f.std() == pytest.approx(0.02, rel=0.01)
    # one-sided tail mass beyond 2 sigma of a normal: 2.275%
    assert np.mean(f > 0.94) == pytest.approx(0.02275, abs=0.002)


def test_inverse_transform_variates_follow_their_distributions():
    """The arrival stream's variates from uniforms (exponential gaps and holding times, uniform
    node pairs with src != dst) against their distributions, by KS and chi-square tests."""
    from scipy import stats

    from qnet_envs.core.request_stream import arrivals

    rng = np.random.default_rng(5)
    gap, src, dst, hold = arrivals(rng.random((100_000, 4)), 6, 1.2, 10.0)
    assert stats.kstest(gap, stats.expon(scale=1 / 1.2).cdf).pvalue > 1e-3
    assert stats.kstest(hold, stats.expon(scale=10.0).cdf).pvalue > 1e-3
    assert np.all(src != dst)
    pairs = np.bincount(src * 6 + dst, minlength=36).reshape(6, 6)
    off = pairs[~np.eye(6, dtype=bool)]
    assert stats.chisquare(off).pvalue > 1e-3


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    load=st.floats(2.0, 60.0),
    qkd_fraction=st.floats(0.0, 1.0),
    qubits=st.integers(4, 30),
    p_invalid=st.floats(0.0, 0.5),
)
def test_batched_qra_conserves_requests_and_resources(seed, load, qkd_fraction, qubits, p_invalid):
    """Nothing is lost in the batched ledger: every arrived request is decided exactly once (or
    is the one awaiting a decision), usage stays within capacity and equals the sum of the
    active allocations, and released allocations leave no residue."""
    config = {
        "horizon": 60,
        "load_erlang": load,
        "qkd_fraction": qkd_fraction,
        "qubits_per_node": qubits,
    }
    vec = gym.make_vec(QRA, num_envs=4, config=config, slots=4)
    env = vec.unwrapped
    rng = np.random.default_rng(seed)
    obs, infos = vec.reset(seed=seed)
    for _ in range(90):
        masks = infos["action_mask"]
        actions = np.array(
            [
                rng.integers(len(m)) if rng.random() < p_invalid else rng.choice(np.flatnonzero(m))
                for m in masks
            ]
        )
        obs, rew, term, trunc, infos = vec.step(actions)
        c = infos
        np.testing.assert_array_equal(c["arrived"], c["served"] + c["failed"] + c["rejected"] + 1)
        env.core.check_invariants()
        assert vec.observation_space.contains(obs)
