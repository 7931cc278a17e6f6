"""RLlib integration (the ``rllib`` extra): one PPO iteration on a Gymnasium id and on the
multi-agent offloading env, locally, with no remote env runners."""

import numpy as np
import pytest

ray = pytest.importorskip("ray")
pytest.importorskip("ray.rllib")

from qnet_envs.wrappers.rllib import make_offloading, policy_mapping_fn, ppo_config  # noqa: E402


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, ignore_reinit_error=True, log_to_driver=False)
    yield
    ray.shutdown()


def _one_iteration(env_id, env_config):
    cfg = ppo_config(env_id, env_config, num_env_runners=0, train_batch_size=256, minibatch_size=64)
    cfg = cfg.training(num_epochs=1)
    algo = cfg.build_algo() if hasattr(cfg, "build_algo") else cfg.build()
    try:
        result = algo.train()
    finally:
        algo.stop()
    return result


def test_ppo_iteration_on_gymnasium_env(local_ray):
    result = _one_iteration("qnet/QuantumResourceAllocation-v0", {"horizon": 50})
    assert result["env_runners"]["num_env_steps_sampled_lifetime"] >= 256
    assert np.isfinite(result["env_runners"]["episode_return_mean"])


def test_ppo_iteration_on_the_repeater_chain(local_ray):
    """MultiDiscrete per-node actions with tuple info masks go through RLlib's PPO."""
    result = _one_iteration("qnet/EntanglementDistribution-v2", {"horizon": 50})
    assert result is not None


def test_ppo_iteration_on_multiagent_offloading(local_ray):
    result = _one_iteration("qnet/MobileEdgeCloud-small-v0", {"horizon": 20})
    learners = result["learners"]
    assert {"mobile", "edge"} <= set(learners)  # one shared policy per role trained
    assert result["env_runners"]["num_env_steps_sampled_lifetime"] >= 256


def test_wrapper_spaces_and_roles():
    env = make_offloading("qnet/MobileEdgeCloud-small-v0", {"horizon": 5})
    obs, infos = env.reset(seed=0)
    assert set(obs) == set(env.possible_agents)
    assert {policy_mapping_fn(a) for a in env.possible_agents} == {"mobile", "edge"}
    with pytest.raises(ValueError, match="neither"):
        policy_mapping_fn("cloud_0")
    actions = {a: env.action_space[a].sample() for a in obs}
    obs, rew, term, trunc, infos = env.step(actions)
    assert "__all__" in term and set(rew) <= set(env.possible_agents)
