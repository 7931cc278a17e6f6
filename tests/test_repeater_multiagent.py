"""PettingZoo front of the repeater chain: API tests, multi-step seeding, local information."""

import numpy as np
import pytest

import qnet_envs
from qnet_envs import make_parallel

ENV_ID = "qnet/EntanglementDistribution-v2"


def test_listed_among_parallel_ids():
    assert ENV_ID in qnet_envs.parallel_env_ids()


def _roll(seed, steps=400, config=None):
    env = make_parallel(ENV_ID, config=config or {"horizon": 120})
    obs, infos = env.reset(seed=seed)
    rng = np.random.default_rng(seed)
    out = [repr(sorted((a, o.tobytes()) for a, o in obs.items()))]
    for _ in range(steps):
        if not env.agents:
            obs, infos = env.reset()
            continue
        acts = {a: int(rng.choice(np.flatnonzero(infos[a]["action_mask"]))) for a in env.agents}
        obs, rew, term, trunc, infos = env.step(acts)
        out.append((repr(sorted((a, o.tobytes()) for a, o in obs.items())), sorted(rew.items())))
    return out


def test_deterministic_over_many_steps_and_seed_matters():
    assert _roll(5) == _roll(5)
    assert _roll(5) != _roll(6)


def test_each_node_sees_only_what_its_messages_told_it():
    """After both interior nodes swap, the end nodes hold the new pair but do not know its frame
    until the swap outcomes arrive (one slot per 25 km hop): they see it as pending."""
    cfg = {
        "generation_success": 1.0,
        "memories_per_side": 1,
        "initial_fidelity": {"kind": "fixed", "mean": 0.95, "spread": 0.0},
    }
    env = make_parallel(ENV_ID, config=cfg)
    obs, infos = env.reset(seed=0)
    assert obs["node_0"].reshape(2, 6)[1, 1] == 1  # right memory: pair with known frame
    swap = env.codec.swap(0, 0)
    obs, *_ = env.step({"node_0": 0, "node_1": swap, "node_2": swap, "node_3": 0})
    right0 = obs["node_0"].reshape(2, 6)[1]
    assert right0[1] == 0 and right0[2] == 1 and right0[3] == 0  # pending, far node unknown
    left3 = obs["node_3"].reshape(2, 6)[0]
    assert left3[1] == 0 and left3[2] == 1
    np.testing.assert_array_equal(
        env.state(), np.concatenate([obs[a] for a in env.possible_agents])
    )


def test_split_rewards_sum_to_the_shared_reward():
    cfg = {
        "generation_success": 1.0,
        "memories_per_side": 1,
        "classical_delays": False,
        "objective": "fidelity",
    }
    shared = make_parallel(ENV_ID, config=cfg)
    split = make_parallel(ENV_ID, config=cfg, reward_sharing="split")
    for env in (shared, split):
        env.reset(seed=0)
    swap = shared.codec.swap(0, 0)
    acts = {"node_0": 0, "node_1": swap, "node_2": swap, "node_3": 0}
    r_shared = shared.step(acts)[1]
    r_split = split.step(acts)[1]
    assert r_shared["node_0"] > 0.5 and len(set(r_shared.values())) == 1
    assert sum(r_split.values()) == pytest.approx(r_shared["node_0"])


@pytest.mark.parametrize(
    "actions",
    [
        {"node_0": 0, "node_1": 0, "node_2": 0},
        {"node_0": 0, "node_1": 0, "node_2": 0, "node_3": 0, "node_9": 0},
        {"node_0": 0, "node_1": 0, "node_2": 0, "node_3": 99},
        {"node_0": 0, "node_1": 0, "node_2": 0, "node_3": "0"},
        [0, 0, 0, 0],
    ],
)
def test_malformed_actions_raise_naming_the_agent(actions):
    env = make_parallel(ENV_ID)
    env.reset(seed=0)
    with pytest.raises(ValueError):
        env.step(actions)


@pytest.mark.parametrize("module", ["entanglement_distribution", "mobile_edge_cloud"])
def test_pettingzoo_render_and_max_cycles_tests(module, capsys):
    import importlib

    from pettingzoo.test import max_cycles_test, render_test

    mod = importlib.import_module(f"qnet_envs.multiagent.{module}")
    render_test(mod.env)
    max_cycles_test(mod)
    capsys.readouterr()  # the human mode printed its text pictures
