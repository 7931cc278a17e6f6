"""Offline behaviour cloning (``qnet train --agent bc``): which episodes it clones, that its
loss falls and its masked greedy policy acts validly, that a resumed run is the uninterrupted
one, and the Decision Transformer's return scale and warm-up."""

import json
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("minari")

import qnet_envs  # noqa: E402,F401
from qnet_agents import bc, datasets  # noqa: E402
from qnet_agents import decision_transformer as dt  # noqa: E402
from qnet_agents.common import load_checkpoint  # noqa: E402


@pytest.fixture(scope="module")
def small_dataset(tmp_path_factory):
    root = tmp_path_factory.mktemp("minari")
    out = datasets.collect("qnet/QKDProvisioning-v0", ["random-valid", "best-fit"], 6,
                           str(root), name="small", progress=False,
                           env_config={"horizon": 60})  # fmt: skip
    return root, out


def _config(small_dataset, tmp_path, **kw):
    root, out = small_dataset
    base = dict(dataset_id=out["dataset_id"], root=str(root), train_steps=120, batch_size=32,
                run_dir=str(tmp_path / "bc"), progress=False, tensorboard=False)  # fmt: skip
    return bc.config_from(**{**base, **kw})


def test_selections_clone_the_episodes_they_name(small_dataset, tmp_path):
    root, out = small_dataset
    recorded = json.loads((Path(out["path"]) / "policies.json").read_text())
    best = max(recorded["mean_by_policy"], key=recorded["mean_by_policy"].get)
    _, episodes = datasets.load_labelled_episodes(str(root), out["dataset_id"])
    chosen = bc.select(episodes, _config(small_dataset, tmp_path, clone="best-policy"))
    assert {e["policy"] for e in chosen} == {best} and len(chosen) == 3
    top = bc.select(episodes, _config(small_dataset, tmp_path, clone="top", top_fraction=0.5))
    np.testing.assert_allclose(  # float32 rewards summed: equal to the recorded ones to 1e-6
        sorted(e["return"] for e in top), sorted(recorded["returns"])[3:], rtol=1e-6
    )
    assert len(bc.select(episodes, _config(small_dataset, tmp_path))) == 6
    with pytest.raises(ValueError, match="clone"):
        bc.select(episodes, bc.BCConfig(clone="worst"))


def test_loss_falls_and_the_policy_acts_within_the_masks(small_dataset, tmp_path):
    result = bc.train(_config(small_dataset, tmp_path, clone="best-policy", lr=3e-3))
    early, late = np.mean(result["losses"][:10]), np.mean(result["losses"][-10:])
    assert late < 0.7 * early
    act, meta = bc.load_policy(result["checkpoint"])
    assert meta["cloned_policies"] == ["best-fit"]
    env = gym.make("qnet/QKDProvisioning-v0", config={"horizon": 40})
    obs, info = env.reset(seed=3)
    done = False
    while not done:
        obs, r, te, tr, info = env.step(act(obs, info["action_mask"]))
        assert not info["invalid_action"]
        done = te or tr


def test_ctrl_c_then_resume_is_the_uninterrupted_run(small_dataset, tmp_path, monkeypatch):
    import os
    import signal

    import torch

    full = bc.train(_config(small_dataset, tmp_path / "full", train_steps=40))
    real, calls = bc._Run.learn, {"n": 0}

    def ctrl_c_at_17(self):
        calls["n"] += 1
        if calls["n"] == 17:
            os.kill(os.getpid(), signal.SIGINT)
        return real(self)

    monkeypatch.setattr(bc._Run, "learn", ctrl_c_at_17)
    cut = bc.train(_config(small_dataset, tmp_path / "cut", train_steps=40))
    monkeypatch.setattr(bc._Run, "learn", real)
    assert cut["interrupted"] and cut["step"] == 17
    resumed = bc.train(_config(small_dataset, tmp_path / "cut", train_steps=40),
                       resume=cut["checkpoint"])  # fmt: skip
    a, b = load_checkpoint(full["checkpoint"]), load_checkpoint(resumed["checkpoint"])
    for name in a["model"]:
        assert torch.equal(a["model"][name], b["model"][name]), name
    assert a["losses"] == b["losses"]


def test_decision_transformer_scales_returns_by_the_data_and_warms_up_within_the_run(
    small_dataset, tmp_path
):
    root, out = small_dataset
    recorded = json.loads((Path(out["path"]) / "policies.json").read_text())
    cfg = dt.config_from(dataset_id=out["dataset_id"], root=str(root), train_steps=20,
                         batch_size=8, embed=32, run_dir=str(tmp_path / "dt"), progress=False,
                         tensorboard=False)  # fmt: skip
    result = dt.train(cfg)
    scale = load_checkpoint(result["checkpoint"])["meta"]["return_scale"]
    assert scale == pytest.approx(max(abs(r) for r in recorded["returns"]), rel=1e-6)
    assert dt.warmup_steps(cfg) == 2  # a tenth of a 20-step run, not the paper's 1,000
    assert dt.warmup_steps(dt.DTConfig(train_steps=100_000)) == 1000
