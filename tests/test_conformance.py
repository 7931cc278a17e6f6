"""One conformance file over the env table (the model: Gymnasium's tests/envs/test_envs.py).

For every registered Gymnasium id: the env checker in every render mode, multi-step
determinism under a seed and the seed's effect, pickle and deepcopy mid-episode, out-of-space
actions, masked-out actions flagged, and the vector env where one is registered. For every
PettingZoo id: parallel_api_test, the AEC api_test and multi-step determinism. The per-env test
files keep only model-specific behaviour.
"""

import copy
import pickle
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import qnet_envs
from qnet_envs import component_masks

IDS = [spec.id for spec in qnet_envs.ENVS]
VECTOR_IDS = [spec.id for spec in qnet_envs.ENVS if spec.vector_entry_point]
PARALLEL_IDS = qnet_envs.parallel_env_ids()


def _trace(env, seed: int, steps: int) -> list:
    obs, info = env.reset(seed=seed)
    env.action_space.seed(seed)
    out = [repr(obs)]
    for _ in range(steps):
        obs, r, te, tr, info = env.step(
            env.action_space.sample(mask=component_masks(env.action_space, info["action_mask"]))
        )
        out.append((repr(obs), float(r), bool(te), bool(tr)))
        if te or tr:
            obs, info = env.reset()
            out.append(repr(obs))
    return out


@pytest.mark.parametrize("env_id", IDS)
@pytest.mark.parametrize("render_mode", [None, "ansi", "rgb_array"])
def test_env_checker(env_id, render_mode):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_env(gym.make(env_id, render_mode=render_mode).unwrapped, skip_render_check=False)


@pytest.mark.parametrize("env_id", IDS)
def test_deterministic_over_many_steps_and_seed_matters(env_id):
    a = _trace(gym.make(env_id).unwrapped, 11, 600)
    b = _trace(gym.make(env_id).unwrapped, 11, 600)
    c = _trace(gym.make(env_id).unwrapped, 12, 600)
    assert a == b
    assert a != c


@pytest.mark.parametrize("env_id", IDS)
def test_pickle_and_deepcopy_mid_episode_continue_identically(env_id):
    env = gym.make(env_id).unwrapped
    obs, info = env.reset(seed=3)
    env.action_space.seed(1)
    for _ in range(25):
        obs, r, te, tr, info = env.step(
            env.action_space.sample(mask=component_masks(env.action_space, info["action_mask"]))
        )
        if te or tr:
            obs, info = env.reset()
    clones = [env, pickle.loads(pickle.dumps(env)), copy.deepcopy(env)]
    traces = []
    for clone in clones:
        clone.action_space.seed(7)
        inf, out = info, []
        for _ in range(150):
            o, r, te, tr, inf = clone.step(
                clone.action_space.sample(
                    mask=component_masks(clone.action_space, inf["action_mask"])
                )
            )
            out.append((repr(o), float(r), _info_repr(inf)))
            if te or tr:
                break
        traces.append(out)
    assert traces[0] == traces[1] == traces[2]


def _info_repr(info: dict) -> str:
    """Every info entry, arrays included, as text (copies must agree on all of them)."""
    return repr({k: np.asarray(v).tolist() for k, v in sorted(info.items())})


def _bad_actions(space):
    if isinstance(space, gym.spaces.Discrete):
        return [int(space.start + space.n), -1, 0.5, "0", None]
    return [np.asarray(space.nvec) + 1, -np.ones_like(space.nvec), np.zeros(len(space.nvec) + 1)]


@pytest.mark.parametrize("env_id", IDS)
def test_out_of_space_actions_raise(env_id):
    env = gym.make(env_id).unwrapped
    env.reset(seed=0)
    for bad in _bad_actions(env.action_space):
        with pytest.raises(ValueError):
            env.step(bad)


def _masked_out(space, mask):
    """An action inside the space that the mask forbids, or None if every action is allowed."""
    if isinstance(mask, tuple):
        for i, m in enumerate(mask):
            bad = np.flatnonzero(np.asarray(m) == 0)
            if bad.size:
                action = np.array([int(np.flatnonzero(mm)[0]) for mm in mask], dtype=np.int64)
                action[i] = bad[0]
                return action
        return None
    bad = np.flatnonzero(np.asarray(mask) == 0)
    return int(bad[0]) if bad.size else None


@pytest.mark.parametrize("env_id", IDS)
def test_masked_out_actions_are_flagged_not_crashes(env_id):
    env = gym.make(env_id).unwrapped
    obs, info = env.reset(seed=0)
    env.action_space.seed(0)
    flagged = 0
    for _ in range(200):
        action = _masked_out(
            env.action_space, component_masks(env.action_space, info["action_mask"])
        )
        if action is None:
            action = env.action_space.sample(
                mask=component_masks(env.action_space, info["action_mask"])
            )
            obs, r, te, tr, info = env.step(action)
        else:
            obs, r, te, tr, info = env.step(action)
            assert info["invalid_action"], f"masked-out {action} not flagged"
            flagged += 1
        assert np.isfinite(r) and env.observation_space.contains(obs)
        if te or tr:
            obs, info = env.reset()
    if not flagged:
        pytest.skip("the mask allowed every action in 200 steps of this env's default config")


@pytest.mark.parametrize("env_id", VECTOR_IDS)
def test_vector_env_matches_scalar_envs(env_id):
    n, seed = 3, 5
    vec = gym.make_vec(env_id, num_envs=n, vectorization_mode="vector_entry_point")
    scalars = [gym.make(env_id).unwrapped for _ in range(n)]
    obs, infos = vec.reset(seed=seed)
    outs = [env.reset(seed=seed + i) for i, env in enumerate(scalars)]
    np.testing.assert_array_equal(obs, np.stack([o for o, _ in outs]))
    for i, (_, info) in enumerate(outs):
        _assert_row_info(infos, i, info)
    pending = np.zeros(n, bool)
    vec.action_space.seed(0)
    for _ in range(300):
        actions = vec.action_space.sample()
        obs, rew, term, trunc, infos = vec.step(actions)
        for i, env in enumerate(scalars):
            if pending[i]:
                o, info = env.reset()
                r = 0.0
            else:
                o, r, _, _, info = env.step(actions[i])
            np.testing.assert_array_equal(obs[i], o)
            assert rew[i] == pytest.approx(r, abs=1e-12)
            _assert_row_info(infos, i, info)
        pending = term | trunc


def _assert_row_info(infos: dict, i: int, info: dict) -> None:
    """The vector env's infos hold the scalar env's info keys, row i equal to env i's values
    (masks compared as booleans: the batched request envs keep them as int8)."""
    assert set(infos) == set(info), set(infos) ^ set(info)
    for key, value in info.items():
        row = infos[key][i]
        if key == "action_mask":
            row, value = np.asarray(row, bool), np.asarray(value, bool)
        np.testing.assert_array_equal(row, value, err_msg=key)


@pytest.mark.parametrize("env_id", PARALLEL_IDS)
def test_pettingzoo_api_tests(env_id):
    from pettingzoo.test import api_test, parallel_api_test
    from pettingzoo.utils.conversions import parallel_to_aec

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parallel_api_test(qnet_envs.make_parallel(env_id), num_cycles=200)
        api_test(parallel_to_aec(qnet_envs.make_parallel(env_id)), num_cycles=200)


# every PettingZoo id with its default config, plus the offloading env's flat actions
PARALLEL_CASES = [(i, None) for i in PARALLEL_IDS] + [
    ("qnet/MobileEdgeCloud-v0", {"flat_actions": True})
]


def _parallel_trace(env_id, seed, config=None, steps=300):
    env = qnet_envs.make_parallel(env_id, config=config)
    obs, infos = env.reset(seed=seed)
    for k, agent in enumerate(env.possible_agents):
        env.action_space(agent).seed(seed * 100 + k)
    out = []
    for _ in range(steps):
        if not env.agents:
            obs, infos = env.reset()
        acts = {a: env.action_space(a).sample() for a in env.agents}
        obs, rew, term, trunc, infos = env.step(acts)
        observed = repr(sorted((a, repr(o)) for a, o in obs.items()))
        out.append((observed, sorted(rew.items()), env.state().tobytes()))
    return out


@pytest.mark.parametrize("env_id,config", PARALLEL_CASES)
def test_pettingzoo_deterministic_over_many_steps_and_seed_matters(env_id, config):
    a = _parallel_trace(env_id, 3, config)
    assert a == _parallel_trace(env_id, 3, config)
    assert a != _parallel_trace(env_id, 4, config)


@pytest.mark.parametrize("env_id", IDS)
def test_invariants_hold_after_every_step(env_id):
    """Each model's check_invariants (conservation, capacities, distributions) after every
    one of 400 random valid steps, through resets; scripts/soak.py runs the same for longer."""
    env = gym.make(env_id).unwrapped
    obs, info = env.reset(seed=1)
    env.action_space.seed(1)
    env.check_invariants()
    for _ in range(400):
        action = env.action_space.sample(
            mask=component_masks(env.action_space, info["action_mask"])
        )
        obs, r, te, tr, info = env.step(action)
        env.check_invariants()
        if te or tr:
            obs, info = env.reset()


@pytest.mark.parametrize("env_id", PARALLEL_IDS)
def test_parallel_invariants_hold_after_every_step(env_id):
    env = qnet_envs.make_parallel(env_id)
    env.reset(seed=2)
    for k, a in enumerate(env.possible_agents):
        env.action_space(a).seed(k)
    for _ in range(200):
        if not env.agents:
            env.reset()
        env.step({a: env.action_space(a).sample() for a in env.agents})
        env.check_invariants()


@pytest.mark.parametrize("env_id", IDS)
def test_an_int8_info_mask_is_one_that_sample_takes(env_id):
    """Generic tools (Gymnasium's own idiom, the suite's conformance check) pass an int8
    ``info["action_mask"]`` straight to ``action_space.sample``: it must work there. A
    MultiDiscrete env's flat mask is bool, so it is never mistaken for one."""
    env = gym.make(env_id).unwrapped
    _, info = env.reset(seed=0)
    mask = info["action_mask"]
    if isinstance(mask, np.ndarray) and mask.dtype == np.int8:
        assert env.action_space.contains(env.action_space.sample(mask=mask))
    else:
        assert isinstance(env.action_space, gym.spaces.MultiDiscrete) and mask.dtype == bool
