"""MaskablePPO (`qnet train --agent ppo`): Discrete and MultiDiscrete envs, checkpoints loaded
weights-only, resume continues the step count, evaluation against the baselines."""

import pytest

pytest.importorskip("torch")
pytest.importorskip("sb3_contrib")

from qnet_agents import ppo  # noqa: E402
from qnet_agents.common import load_checkpoint  # noqa: E402
from qnet_agents.jobs import RunRequest, ppo_job  # noqa: E402

PRESET = {"preset": "inesta2023", "horizon": 100}


def test_hyperparameter_file_has_defaults_and_env_entries():
    assert ppo.hyperparams("qnet/QKDProvisioning-v0")["n_steps"] == 256
    assert ppo.hyperparams("qnet/EntanglementDistribution-v1")["total_steps"] == 60_000
    with pytest.raises(ValueError, match="unknown config keys"):
        ppo.config_from("qnet/QKDProvisioning-v0", learning_rat=1e-3)
    with pytest.raises(ValueError, match="gamma"):
        ppo.config_from("qnet/QKDProvisioning-v0", gamma=1.5)


@pytest.mark.parametrize(
    "env_id,env_config",
    [("qnet/EntanglementDistribution-v1", PRESET), ("qnet/QKDProvisioning-v0", {"horizon": 50})],
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
