"""The offloading model's vector env reproduces N scalar envs step for step, bit for bit,
through autoresets and with masked-out choices, infos included; two threads give the same
trajectories as one; bad batches of actions raise."""

import subprocess
import sys

import gymnasium as gym
import numpy as np
import pytest

import qnet_envs

MEC = "qnet/MobileEdgeCloud-v0"
SMALL = "qnet/MobileEdgeCloud-small-v0"
CASES = [
    (SMALL, {"horizon": 30}),
    (MEC, {"horizon": 25, "task_rate": 1.2, "processor_queue_limit": 3}),
    (MEC, {"horizon": 20, "n_mobile": 6, "n_edge": 3, "edge_qpu": {"servers": 3},
           "decision_queue_limit": 2, "qos": "latency"}),
]  # fmt: skip


def _masked_actions(rng, masks, nvec, p_masked):
    """Per env a MultiDiscrete action: each component from its mask, or any value with
    probability ``p_masked`` (then maybe masked out)."""
    out = []
    for mask in masks:
        parts = qnet_envs.component_masks(gym.spaces.MultiDiscrete(nvec), mask)
        out.append([
            rng.integers(n) if rng.random() < p_masked else rng.choice(np.flatnonzero(m))
            for m, n in zip(parts, nvec, strict=True)
        ])  # fmt: skip
    return np.array(out, dtype=np.int64)


@pytest.mark.parametrize("env_id,config", CASES)
def test_vector_env_matches_scalar_envs_through_autoresets(env_id, config):
    n, seed = 4, 7
    vec = gym.make_vec(env_id, num_envs=n, vectorization_mode="vector_entry_point", config=config)
    scalars = [gym.make(env_id, config=config).unwrapped for _ in range(n)]
    obs, infos = vec.reset(seed=seed)
    for i, env in enumerate(scalars):
        o, info = env.reset(seed=seed + i)
        np.testing.assert_array_equal(obs[i], o)
    rng, pending, resets, flagged = np.random.default_rng(0), np.zeros(n, bool), 0, 0
    nvec = vec.single_action_space.nvec
    for _ in range(3 * config["horizon"] + 5):
        actions = _masked_actions(rng, infos["action_mask"], nvec, 0.05)
        obs, rew, term, trunc, infos = vec.step(actions)
        for i, env in enumerate(scalars):
            if pending[i]:
                o, info = env.reset()
                r = 0.0
            else:
                o, r, _, _, info = env.step(actions[i])
            np.testing.assert_array_equal(obs[i], o)
            assert rew[i] == r
            assert set(infos) == set(info)
            for key, value in info.items():
                np.testing.assert_array_equal(infos[key][i], value, err_msg=key)
            env.check_invariants()
        vec.unwrapped.core.check_invariants()
        flagged += int(infos["invalid_action"].sum())
        resets += int(pending.sum())
        pending = term | trunc
    assert resets >= n and flagged > 0


def test_vector_spaces_and_bad_actions():
    vec = gym.make_vec(SMALL, num_envs=3)
    assert vec.single_action_space == gym.make(SMALL).action_space
    assert vec.single_observation_space == gym.make(SMALL).observation_space
    obs, infos = vec.reset(seed=0)
    assert vec.observation_space.contains(obs)
    width = len(vec.single_action_space.nvec)
    good = np.zeros((3, width), dtype=np.int64)
    for bad in (good[:2], good.astype(float), good - 1, good + vec.single_action_space.nvec):
        with pytest.raises(ValueError):
            vec.step(bad)
    with pytest.raises(ValueError, match="n_mobile"):
        gym.make_vec(MEC, num_envs=2, config={"n_mobile": 0})
    with pytest.raises(ValueError, match="num_threads"):
        gym.make_vec(MEC, num_envs=2, num_threads=0)


TRACE = """
import gymnasium as gym, numpy as np, qnet_envs, sys
vec = gym.make_vec("qnet/MobileEdgeCloud-v0", num_envs=32, vectorization_mode="vector_entry_point",
                   config={"horizon": 40, "task_rate": 0.9}, num_threads=int(sys.argv[1]))
obs, infos = vec.reset(seed=3)
vec.action_space.seed(0)
out = [obs]
for _ in range(120):
    obs, rew, term, trunc, infos = vec.step(vec.action_space.sample())
    out += [obs, rew, term, trunc, *infos.values()]
np.savez(sys.argv[2], *out)
"""


def test_two_threads_give_the_same_trajectories_as_one(tmp_path):
    # in a child process: numba's thread pool stays out of the test process (see the repeater
    # chain's kernel tests)
    traces = []
    for threads in (1, 2):
        path = tmp_path / f"trace{threads}.npz"
        subprocess.run([sys.executable, "-c", TRACE, str(threads), str(path)], check=True)
        traces.append(np.load(path))
    one, two = traces
    assert len(one.files) == len(two.files) > 500
    for name in one.files:
        np.testing.assert_array_equal(one[name], two[name], err_msg=name)


def test_a_config_too_large_for_its_queue_tables_is_refused():
    with pytest.raises(ValueError, match="processor_queue_limit=100000"):
        gym.make(MEC, config={"n_mobile": 1_000, "processor_queue_limit": 100_000})


def test_poisson_inversion_follows_the_distribution():
    """The arrivals' Poisson variates by inversion (one uniform each) against the Poisson
    probabilities, by a chi-square test, at a small and a large mean."""
    from scipy import stats

    from qnet_envs.core.uniforms import poisson

    rng = np.random.default_rng(3)
    for mean in (0.3, 40.0):
        draws = np.array([poisson(u, mean) for u in rng.random(40_000)])
        top = int(stats.poisson(mean).ppf(0.999))
        observed = np.bincount(np.minimum(draws, top), minlength=top + 1)
        expected = stats.poisson(mean).pmf(np.arange(top + 1)) * draws.size
        expected[-1] += stats.poisson(mean).sf(top) * draws.size
        keep = expected > 5
        observed, expected = observed[keep], expected[keep]
        expected *= observed.sum() / expected.sum()
        assert stats.chisquare(observed, expected).pvalue > 1e-3, mean
