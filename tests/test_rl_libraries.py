"""Every registered id works in the RL libraries users already have, without glue:
Stable-Baselines3's make_vec_env (which asks for render_mode="rgb_array") and sb3-contrib's
MaskablePPO reading ``action_masks()``."""

import gymnasium as gym
import numpy as np
import pytest

import qnet_envs
from qnet_envs import component_masks

IDS = [spec.id for spec in qnet_envs.ENVS]


@pytest.mark.parametrize("env_id", IDS)
def test_action_masks_is_the_flat_info_mask(env_id):
    env = gym.make(env_id).unwrapped
    _, info = env.reset(seed=0)
    space = env.action_space
    size = space.n if isinstance(space, gym.spaces.Discrete) else int(np.sum(space.nvec))
    for _ in range(20):
        mask = env.action_masks()
        info_mask = info["action_mask"]
        discrete = isinstance(space, gym.spaces.Discrete)
        assert info_mask.dtype == (np.int8 if discrete else bool) and info_mask.shape == (size,)
        assert mask.dtype == bool and mask.shape == (size,)
        np.testing.assert_array_equal(mask, info_mask.astype(bool))
        _, _, te, tr, info = env.step(space.sample(mask=component_masks(space, info_mask)))
        if te or tr:
            _, info = env.reset()


@pytest.mark.parametrize("env_id", IDS)
def test_rgb_array_render_and_unsupported_mode(env_id):
    env = gym.make(env_id, render_mode="rgb_array")
    env.reset(seed=0)
    img = env.render()
    assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3
    with pytest.raises(ValueError, match="render_mode"):
        type(env.unwrapped)(render_mode="bogus")


@pytest.mark.parametrize("env_id", IDS)
def test_sb3_make_vec_env_and_maskable_ppo(env_id):
    pytest.importorskip("torch")
    sb3_contrib = pytest.importorskip("sb3_contrib")
    from stable_baselines3.common.env_util import make_vec_env

    venv = make_vec_env(env_id, n_envs=2, seed=0)
    model = sb3_contrib.MaskablePPO(
        "MlpPolicy", venv, n_steps=16, batch_size=16, n_epochs=1, seed=0, device="cpu"
    )
    model.learn(32)
    obs = venv.reset()
    masks = np.stack(venv.env_method("action_masks"))
    actions, _ = model.predict(obs, action_masks=masks, deterministic=True)
    assert venv.action_space.contains(actions[0])


@pytest.mark.parametrize("env_id", IDS)
def test_torchrl_batched_gym_env(env_id):
    """TorchRL's GymEnv with worker processes; "qnet_envs:" makes each worker import the
    package (Gymnasium 1.x registers ids only at import)."""
    pytest.importorskip("torchrl")
    from torchrl.envs import GymEnv

    env = GymEnv(f"qnet_envs:{env_id}", num_envs=2)
    try:
        env.set_seed(0)
        rollout = env.rollout(10, break_when_any_done=False)
        assert tuple(rollout.batch_size) == (2, 10)
    finally:
        env.close()


@pytest.mark.parametrize(
    "env_id,config",
    [
        ("qnet/MobileEdgeCloud-small-v0", {"flat_actions": True}),
        ("qnet/MobileEdgeCloud-v0", {"flat_actions": True}),
        ("qnet/EntanglementDistribution-v2", {"horizon": 50}),
    ],
)
def test_pettingzoo_envs_train_through_supersuit_with_sb3(env_id, config):
    """The usual PettingZoo -> SuperSuit -> SB3 pipeline (padding the per-role spaces).
    SuperSuit's ConcatVecEnv has no seed(), so PPO is built without seed=."""
    pytest.importorskip("torch")
    ss = pytest.importorskip("supersuit")
    from stable_baselines3 import PPO

    env = qnet_envs.make_parallel(env_id, config=config)
    env = ss.pad_action_space_v0(ss.pad_observations_v0(env))
    venv = ss.pettingzoo_env_to_vec_env_v1(env)
    venv = ss.concat_vec_envs_v1(venv, 2, num_cpus=0, base_class="stable_baselines3")
    model = PPO("MlpPolicy", venv, n_steps=32, batch_size=32, n_epochs=1, device="cpu")
    model.learn(128)
    assert model.num_timesteps >= 128


DISCRETE_IDS = [
    spec.id
    for spec in qnet_envs.ENVS
    if isinstance(gym.make(spec.id).action_space, gym.spaces.Discrete)
]


@pytest.mark.parametrize("env_id", DISCRETE_IDS)
def test_torchrl_action_mask_transform_reads_the_info_mask(env_id):
    """TorchRL's documented masking path: read ``info["action_mask"]`` with the stock info
    reader and let ``ActionMask`` restrict the action spec; random actions then respect it."""
    pytest.importorskip("torchrl")
    from torchrl.envs import GymEnv, TransformedEnv
    from torchrl.envs.gym_like import default_info_dict_reader
    from torchrl.envs.transforms import ActionMask

    env = GymEnv(f"qnet_envs:{env_id}")
    env.set_info_dict_reader(default_info_dict_reader(["action_mask"]))
    env = TransformedEnv(env, ActionMask())
    env.set_seed(0)
    rollout = env.rollout(30)
    masks, actions = rollout["action_mask"], rollout["action"]
    chosen = actions.argmax(-1) if actions.ndim == 2 else actions
    assert bool(masks.gather(-1, chosen.unsqueeze(-1).long()).all())
