"""MaskablePPO (`qnet train --agent ppo`): Discrete and MultiDiscrete envs, checkpoints loaded
weights-only, resume continues the step count, evaluation against the baselines."""

from dataclasses import replace

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("sb3_contrib")

from qnet_agents import ppo  # noqa: E402
from qnet_agents.common import load_checkpoint  # noqa: E402
from qnet_agents.jobs import RunRequest, ppo_job  # noqa: E402

PRESET = {"preset": "inesta2023", "horizon": 100}


def test_hyperparameter_file_has_defaults_and_env_entries():
    assert ppo.hyperparams("qnet/QKDProvisioning-v0")["n_steps"] == 256
    assert ppo.hyperparams("qnet/EntanglementDistribution-v2")["total_steps"] == 60_000
    with pytest.raises(ValueError, match="unknown config keys"):
        ppo.config_from("qnet/QKDProvisioning-v0", learning_rat=1e-3)
    with pytest.raises(ValueError, match="gamma"):
        ppo.config_from("qnet/QKDProvisioning-v0", gamma=1.5)


@pytest.mark.parametrize(
    "env_id,env_config",
    [("qnet/EntanglementDistribution-v2", PRESET), ("qnet/QKDProvisioning-v0", {"horizon": 50})],
)
def test_ppo_job_trains_evaluates_and_resumes(tmp_path, env_id, env_config):
    run = tmp_path / "run"
    config = {"env_config": env_config, "n_envs": 2, "n_steps": 64, "batch_size": 64,
              "n_epochs": 1, "tensorboard": False}  # fmt: skip
    out = ppo_job(env_id, RunRequest(256, 0, config, str(run), episodes=2, progress=False))
    assert out["steps"] >= 256 and "| **ppo" in out["table"] and "random-valid" in out["table"]
    state = load_checkpoint(run / "checkpoint.pt")  # weights-only load
    assert state["algo"] == "ppo" and state["global_step"] == out["steps"]
    again = ppo_job(env_id, RunRequest(512, 0, config, str(run), True, 2, False))
    assert again["steps"] >= 512 and (run / "results.md").exists()
    act, _ = ppo.load_policy(str(run / "checkpoint.pt"))
    assert len(ppo.evaluate(act, env_id, 2, 7, env_config)) == 2


FIDELITY = {"n_nodes": 4, "link_length_km": [10.0, 40.0, 20.0], "memory_depolarizing_time_s": 0.02,
            "objective": "pairs_above_target", "target_fidelity": 0.7, "horizon": 300}  # fmt: skip


def test_potential_shaping_telescopes_to_the_env_return():
    """Ng et al. (1999): with gamma = 1 the shaping terms of an episode sum to
    Phi(s_T) - Phi(s_0), so shaped and unshaped returns differ by exactly that."""
    import gymnasium as gym

    import qnet_envs  # noqa: F401
    from qnet_agents.shaping import PotentialShaping, repeater_span_potential

    env = PotentialShaping(
        gym.make("qnet/EntanglementDistribution-v2", config=FIDELITY), "repeater-span", 1.0
    )
    env.reset(seed=3)
    phi0 = repeater_span_potential(env.unwrapped)
    env.action_space.seed(3)
    shaped = unshaped = 0.0
    seen = set()
    done = False
    while not done:
        masks = env.action_masks()
        mask = masks.reshape(len(env.action_space.nvec), -1)
        action = [int(env.np_random.choice(row.nonzero()[0])) for row in mask]
        _, reward, terminated, truncated, info = env.step(action)
        shaped += reward
        unshaped += info["unshaped_reward"]
        seen.add(round(repeater_span_potential(env.unwrapped), 3))
        done = terminated or truncated
    end = 0.0 if terminated else repeater_span_potential(env.unwrapped)
    assert shaped == pytest.approx(unshaped + end - phi0, abs=1e-9)
    assert len(seen) >= 2  # the potential moved: the check is not 0 == 0
    with pytest.raises(ValueError, match="shaping"):
        ppo.config_from("qnet/EntanglementDistribution-v2", shaping="nope")
    with pytest.raises(ValueError, match="reads the state of"):
        PotentialShaping(gym.make("qnet/QKDProvisioning-v0"), "repeater-span", 0.99)


def test_behaviour_cloning_reproduces_the_teacher():
    """The cloned actor picks the teacher's action on most demonstration states (best-fit on a
    short QKD episode), where the fresh policy agrees only by chance."""
    import torch

    from qnet_agents.behaviour_cloning import clone, record

    cfg = ppo.config_from("qnet/QKDProvisioning-v0", env_config={"horizon": 200}, n_envs=1,
                          tensorboard=False, progress=False)  # fmt: skip
    model = ppo._model("qnet/QKDProvisioning-v0", cfg)
    demos = record("qnet/QKDProvisioning-v0", "best-fit", 3, 20_000, 0.99, cfg.env_config)
    assert len(demos.actions) == 600 and demos.masks[np.arange(600), demos.actions].all()

    def agreement() -> float:
        obs = model.policy.obs_to_tensor(demos.obs)[0]
        with torch.no_grad():
            dist = model.policy.get_distribution(obs, action_masks=demos.masks)
            return float((dist.mode().numpy() == demos.actions).mean())

    before = agreement()
    losses = clone(model.policy, demos, epochs=30, batch_size=64, seed=0)
    assert agreement() >= 0.9 > before and losses["nll"] < 0.5


def test_ppo_with_a_teacher_writes_the_cloned_policy(tmp_path):
    import json

    cfg = ppo.config_from("qnet/QKDProvisioning-v0", env_config={"horizon": 50}, n_envs=1,
                          n_steps=64, batch_size=64, n_epochs=1, total_steps=64,
                          bc_teacher="best-fit", bc_episodes=2, bc_epochs=2, tensorboard=False,
                          eval_deterministic=False,
                          progress=False, run_dir=str(tmp_path))  # fmt: skip
    result = ppo.train("qnet/QKDProvisioning-v0", cfg)
    report = json.loads((tmp_path / "bc.json").read_text())
    assert report["teacher"] == "best-fit" and report["samples"] == 100
    assert report["seeds"] == [20_000, 20_001] and len(report["teacher_returns"]) == 2
    assert load_checkpoint(tmp_path / "bc.pt")["global_step"] == 0 and result.global_step >= 64
    # played as a sampled policy: reproducible under the episode seeds, not the mode's play
    sampled, _ = ppo.load_policy(result.checkpoint)
    env_config = {"horizon": 50}
    first = ppo.evaluate(sampled, "qnet/QKDProvisioning-v0", 3, 7, env_config)
    assert ppo.evaluate(sampled, "qnet/QKDProvisioning-v0", 3, 7, env_config) == first
    with pytest.raises(ValueError, match="unknown policy"):
        ppo.train(
            "qnet/QKDProvisioning-v0", replace(cfg, bc_teacher="nope", run_dir=str(tmp_path / "x"))
        )
