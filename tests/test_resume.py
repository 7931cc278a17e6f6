"""Ctrl-C then ``--resume`` is the uninterrupted run, bit for bit: DDQN and the VQC agent
(one training loop), MAPPO and the Decision Transformer, each interrupted by a real SIGINT at
several points. And a damaged, foreign or tampered checkpoint is one clear error."""

import os
import signal
from dataclasses import replace

import gymnasium as gym
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from qnet_agents import ddqn  # noqa: E402
from qnet_agents.common import CheckpointError, load_checkpoint, save_checkpoint  # noqa: E402


class CtrlCAt(gym.Wrapper):
    """Sends the process a real SIGINT during env step number ``at`` (as a user's Ctrl-C)."""

    def __init__(self, env, at):
        super().__init__(env)
        self.at, self.n = at, 0

    def step(self, action):
        self.n += 1
        if self.n == self.at:
            os.kill(os.getpid(), signal.SIGINT)
        return self.env.step(action)


def ddqn_config(tmp_path, name, **kw):
    base = dict(
        total_steps=700, learning_starts=100, buffer_size=1000, batch_size=32, train_freq=2,
        eval_every=0, checkpoint_every=0, hidden=(32,), seed=3, run_dir=str(tmp_path / name),
        progress=False, tensorboard=False,
    )  # fmt: skip
    return ddqn.DDQNConfig(**{**base, **kw})


def assert_same_state(a: dict, b: dict, keys) -> None:
    for key in keys:
        for name in a[key]:
            assert torch.equal(a[key][name], b[key][name]), (key, name)


@pytest.mark.parametrize("at", [50, 333, 650])
def test_ddqn_ctrl_c_then_resume_is_the_uninterrupted_run(tmp_path, at):
    env_id = "qnet/QKDProvisioning-v0"
    full = ddqn.train(env_id, ddqn_config(tmp_path, "full"))
    cfg = ddqn_config(tmp_path, "cut")
    cut = ddqn.train(CtrlCAt(gym.make(env_id), at), cfg)
    assert cut.interrupted and cut.global_step == at  # the step in flight completed
    resumed = ddqn.train(env_id, cfg, resume=cut.checkpoint)
    assert resumed.global_step == full.global_step and not resumed.interrupted
    a, b = load_checkpoint(full.checkpoint), load_checkpoint(resumed.checkpoint)
    assert_same_state(a, b, ["q", "target"])
    assert a["buffer"]["pos"] == b["buffer"]["pos"]  # no transition replayed or lost
    assert torch.equal(a["buffer"]["obs"], b["buffer"]["obs"])
    assert a["curve"] == b["curve"] and a["rng"] == b["rng"]


def test_vqc_ctrl_c_then_resume_is_the_uninterrupted_run(tmp_path):
    pytest.importorskip("pennylane")
    from qnet_agents import vqc_qlearning

    kw = dict(total_steps=160, learning_starts=40, buffer_size=200, batch_size=8, eval_every=0,
              checkpoint_every=0, progress=False, tensorboard=False, seed=1)  # fmt: skip
    full_cfg = vqc_qlearning.config_from(run_dir=str(tmp_path / "full"), **kw)
    full = vqc_qlearning.train("CartPole-v1", full_cfg)
    cfg = vqc_qlearning.config_from(run_dir=str(tmp_path / "cut"), **kw)
    cut = vqc_qlearning.train(CtrlCAt(gym.make("CartPole-v1"), 97), cfg)
    assert cut.interrupted and cut.global_step == 97
    resumed = vqc_qlearning.train("CartPole-v1", cfg, resume=cut.checkpoint)
    assert_same_state(load_checkpoint(full.checkpoint), load_checkpoint(resumed.checkpoint), ["q"])


@pytest.fixture
def checkpoint(tmp_path):
    path = tmp_path / "checkpoint.pt"
    save_checkpoint(path, {"algo": "ddqn", "env_id": "CartPole-v1", "q": {"w": torch.ones(64)}})
    return path


def test_a_flipped_byte_is_a_checksum_error(checkpoint):
    raw = bytearray(checkpoint.read_bytes())
    raw[-100] ^= 0xFF
    checkpoint.write_bytes(bytes(raw))
    with pytest.raises(CheckpointError, match="checksum mismatch"):
        load_checkpoint(checkpoint)


@pytest.mark.parametrize("damage", ["truncate", "empty", "foreign", "garbage"])
def test_damaged_checkpoints_are_one_line_errors_naming_the_file(checkpoint, damage):
    raw = checkpoint.read_bytes()
    data = {"truncate": raw[: len(raw) // 2], "empty": b"", "garbage": os.urandom(500)}
    if damage == "foreign":
        torch.save({"algo": "ddqn"}, checkpoint)  # a plain torch file, no qnet header
    else:
        checkpoint.write_bytes(data[damage])
    with pytest.raises(CheckpointError) as err:
        load_checkpoint(checkpoint)
    assert str(checkpoint) in str(err.value) and "\n" not in str(err.value)


def test_a_checkpoint_env_id_is_never_an_import(tmp_path):
    path = tmp_path / "evil.pt"
    save_checkpoint(path, {"algo": "ddqn", "env_id": "some_module:CartPole-v1"})
    with pytest.raises(CheckpointError, match="not a registered Gymnasium id"):
        load_checkpoint(path)


def test_a_checkpoint_that_does_not_fit_the_agent_is_one_error(tmp_path):
    cfg = ddqn_config(tmp_path, "a", total_steps=120)
    result = ddqn.train("CartPole-v1", cfg)
    state = load_checkpoint(result.checkpoint)
    state["q"] = {k: torch.zeros(3) for k in state["q"]}  # wrong shapes, valid checksum
    save_checkpoint(result.checkpoint, state)
    with pytest.raises(CheckpointError, match="does not fit this agent"):
        ddqn.train("CartPole-v1", replace(cfg, total_steps=200), resume=result.checkpoint)
    with pytest.raises(CheckpointError, match="does not fit this agent"):
        ddqn.load_policy(result.checkpoint)


def test_stale_temporary_files_are_removed_at_the_next_save(tmp_path):
    (tmp_path / "checkpoint.ptabc123.tmp").write_bytes(b"partial")
    save_checkpoint(tmp_path / "checkpoint.pt", {"algo": "ddqn"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint.pt"]
    assert np.all(load_checkpoint(tmp_path / "checkpoint.pt")["algo"] == "ddqn")


def test_resuming_removes_the_temporaries_a_killed_save_left(tmp_path):
    """A process killed while writing a checkpoint leaves ``checkpoint.pt*.tmp``; resuming the
    run removes it at start-up, before any new save."""
    from qnet_agents.jobs import prepare_run_dir

    run = tmp_path / "run"
    run.mkdir()
    (run / "checkpoint.pt").write_bytes(b"x")
    stale = run / "checkpoint.ptab12cd.tmp"
    stale.write_bytes(b"half a checkpoint")
    assert prepare_run_dir(str(run), resume=True, overwrite=False) == str(run / "checkpoint.pt")
    assert not stale.exists() and (run / "checkpoint.pt").exists()


@pytest.fixture(scope="module")
def ddqn_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ddqn")
    cfg = ddqn_config(tmp, "run", total_steps=150)
    return cfg, ddqn.train("CartPole-v1", cfg).checkpoint


def _tampered(src, dst, change) -> str:
    """A copy of checkpoint ``src`` with ``change(state)`` applied, re-sealed (so its checksum
    is valid and only its content is wrong)."""
    state = load_checkpoint(src)
    change(state)
    save_checkpoint(dst, state)
    return str(dst)


def _poison(value):
    def change(state):
        state["q"] = {k: torch.full_like(v, value) for k, v in state["q"].items()}

    return change


DDQN_DAMAGE = {
    "nan weights": (_poison(float("nan")), "NaN or infinite"),
    "inf weights": (_poison(float("inf")), "NaN or infinite"),
    "nan replay buffer": (
        lambda s: s["buffer"].update(
            obs=torch.full_like(torch.as_tensor(s["buffer"]["obs"]), float("nan"))
        ),
        "NaN or infinite",
    ),
    "negative step": (lambda s: s.update(global_step=-5), "global_step=-5"),
    "config not a mapping": (lambda s: s.update(config=[1, 2]), "config is list"),
    "another env": (lambda s: s.update(env_id="Acrobot-v1"), "trained on 'Acrobot-v1'"),
}


@pytest.mark.parametrize("damage", sorted(DDQN_DAMAGE))
def test_ddqn_checkpoint_content_is_checked_before_use(ddqn_run, tmp_path, damage):
    cfg, ckpt = ddqn_run
    change, message = DDQN_DAMAGE[damage]
    path = _tampered(ckpt, tmp_path / "checkpoint.pt", change)
    with pytest.raises(CheckpointError, match=message) as err:
        ddqn.train("CartPole-v1", replace(cfg, total_steps=200, run_dir=str(tmp_path / "r")),
                   resume=path)  # fmt: skip
    assert str(path) in str(err.value) and "\n" not in str(err.value)
    if damage != "another env":  # a policy alone plays on the env its checkpoint names
        with pytest.raises(CheckpointError):
            ddqn.load_policy(path)


@pytest.fixture(scope="module")
def ppo_run(tmp_path_factory):
    pytest.importorskip("sb3_contrib")
    from qnet_agents import ppo

    tmp = tmp_path_factory.mktemp("ppo")
    cfg = ppo.PPOConfig(
        total_steps=64, n_steps=32, batch_size=32, n_epochs=1, n_envs=1, seed=0,
        run_dir=str(tmp / "run"), progress=False, tensorboard=False, checkpoint_every=0,
    )  # fmt: skip
    return cfg, ppo.train("qnet/QKDProvisioning-v0", cfg).checkpoint


PPO_DAMAGE = {
    "wrong shape": lambda s: s["policy"].update({k: torch.zeros(3) for k in list(s["policy"])[:1]}),
    "missing tensor": lambda s: s["policy"].pop(next(iter(s["policy"]))),
    "no policy": lambda s: s.pop("policy"),
    "unknown config field": lambda s: s["config"].update(wings=2),
    "another env": lambda s: s.update(env_id="CartPole-v1"),
    "nan weights": lambda s: s.update(
        policy={
            k: torch.full_like(v, float("nan")) if v.is_floating_point() else v
            for k, v in s["policy"].items()
        }  # fmt: skip
    ),
}


@pytest.mark.parametrize("damage", sorted(PPO_DAMAGE))
def test_ppo_checkpoint_content_is_one_line_error(ppo_run, tmp_path, damage):
    from qnet_agents import ppo

    _, ckpt = ppo_run
    path = _tampered(ckpt, tmp_path / "checkpoint.pt", PPO_DAMAGE[damage])
    with pytest.raises(CheckpointError) as err:
        ppo.load_policy(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)


def test_a_ddqn_checkpoint_config_is_validated_like_a_users(ddqn_run, tmp_path):
    _, ckpt = ddqn_run
    for change, needle in (
        (lambda s: s["config"].update(wings=2), "wings"),
        (lambda s: s["config"].update(gamma=7.0), "gamma=7.0"),
    ):
        path = _tampered(ckpt, tmp_path / "checkpoint.pt", change)
        with pytest.raises(CheckpointError, match=needle):
            ddqn.load_policy(path)
