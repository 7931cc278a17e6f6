"""Batched vector envs reproduce N scalar envs step for step, through autoresets."""

import gymnasium as gym
import numpy as np
import pytest

import qnet_envs  # noqa: F401
from qnet_envs.core.fidelity_distribution import FidelityDistribution

ED = "qnet/EntanglementDistribution-v0"
INFO_KEYS = ("delivered", "delivered_above_target", "attempts", "swaps", "purifications", "t")


@pytest.mark.parametrize(
    "config",
    [
        {"horizon": 40},
        {"horizon": 25, "purification": "bbpssw", "n_nodes": 5, "memories_per_side": 3},
        {"horizon": 30, "initial_fidelity": {"kind": "uniform", "mean": 0.9, "spread": 0.05}},
        {"horizon": 30, "reveal_fidelity": True, "link_length_km": [10.0, 40.0, 25.0]},
    ],
)
def test_batched_matches_scalar_envs_step_for_step(config):
    n, seed, steps = 6, 11, 130
    vec = gym.make_vec(ED, num_envs=n, vectorization_mode="vector_entry_point", config=config)
    scalars = [gym.make(ED, config=config).unwrapped for _ in range(n)]
    obs, infos = vec.reset(seed=seed)
    s_out = [env.reset(seed=seed + i) for i, env in enumerate(scalars)]
    np.testing.assert_array_equal(obs, np.stack([o for o, _ in s_out]))
    rng = np.random.default_rng(0)
    masks = infos["action_mask"]
    pending = np.zeros(n, bool)
    resets = 0
    for _ in range(steps):
        # mostly valid actions, some masked-out ones to exercise the penalty path
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
            assert rew[i] == pytest.approx(r, abs=1e-12)
            assert trunc[i] == tr and not term[i]
            np.testing.assert_array_equal(infos["action_mask"][i], info["action_mask"])
            assert infos["invalid_action"][i] == info["invalid_action"]
            for k in INFO_KEYS:
                assert infos[k][i] == info[k], k
            assert infos["mean_delivered_fidelity"][i] == pytest.approx(
                info["mean_delivered_fidelity"], abs=1e-12
            )
        resets += int(pending.sum())
        pending = trunc.copy()
        masks = infos["action_mask"]
    assert resets >= n  # every env went through at least one autoreset


def test_vector_spaces_and_bad_actions():
    vec = gym.make_vec(ED, num_envs=4)
    assert vec.single_action_space == gym.make(ED).action_space
    assert vec.observation_space.shape == (4, *vec.single_observation_space.shape)
    obs, infos = vec.reset(seed=0)
    assert vec.observation_space.contains(obs)
    assert infos["action_mask"].shape == (4, vec.single_action_space.n)
    for bad in (np.array([0, 0, 0, 99]), np.array([0, 0, -1, 0]), np.zeros(3, int), np.zeros(4)):
        with pytest.raises(ValueError):
            vec.step(bad)
    with pytest.raises(ValueError, match="horizon"):
        gym.make_vec(ED, num_envs=2, config={"horizon": 0})


def test_different_seeds_differ_and_same_seed_repeats():
    def trace(seed):
        vec = gym.make_vec(ED, num_envs=3)
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
