"""The qnet command: help and version everywhere, and one line `qnet: error: ...` for every
user mistake (issue 13's list)."""

import json

import pytest

from qnet_envs.cli import main


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["-h"], ["--version"]]
    + [
        [cmd, flag]
        for cmd in ("list", "rollout", "train", "collect", "evaluate")
        for flag in ("--help", "--version")
    ],  # fmt: skip
)
def test_help_and_version_exit_zero(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert ("usage:" in out) or ("qnet 0." in out)


def test_rollout_help_lists_the_policy_names(capsys):
    with pytest.raises(SystemExit):
        main(["rollout", "--help"])
    out = capsys.readouterr().out
    assert "swap-asap" in out and "95% CIs" in out


def _one_line_error(argv, capsys, *needles):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("qnet: error: ") and "\n" not in err, err
    for needle in needles:
        assert needle in err, err


@pytest.mark.parametrize(
    "argv,needles",
    [
        (["rollout", "--env", "qnet/EntanglementDistrbution-v1"], ["--env", "qnet/"]),
        (["rollout", "--env", "CartPole-v1"], ["--env", "only for qnet/"]),
        (["collect", "--env", "CartPole-v1"], ["--env", "qnet collect"]),
        (["rollout", "--env", "qnet/QKDProvisioning-v0", "--episodes", "0"], ["--episodes=0"]),
        (["train", "--eval-episodes", "0"], ["--eval-episodes=0"]),
        (["train", "--env", "qnet/EntanglementDistribution-v2"], ["Discrete", "--agent ppo"]),
        (["train", "--config", "missing.json"], ["--config missing.json", "no such file"]),
        (
            ["train", "--agent", "mappo", "--env", "qnet/QKDProvisioning-v0"],
            ["mappo", "PettingZoo"],
        ),
        (["rollout", "--env", "qnet/QKDProvisioning-v0", "--config", "{bad"], ["not valid JSON"]),
        (
            ["rollout", "--env", "qnet/QKDProvisioning-v0", "--config", '{"horizon": 0}'],
            ["--config", "horizon=0"],
        ),
        (["rollout", "--env", "qnet/QKDProvisioning-v0", "--policy", "nope"], ["unknown policy"]),
        (["evaluate", "--checkpoint", "missing.pt"], ["--checkpoint missing.pt"]),
    ],
)
def test_user_mistakes_end_in_one_line(argv, needles, capsys):
    _one_line_error(argv, capsys, *needles)


def test_config_is_a_json_string_or_a_json_or_yaml_file(tmp_path, capsys):
    args = [
        "rollout",
        "--env",
        "qnet/QKDProvisioning-v0",
        "--policy",
        "first-fit",
        "--episodes",
        "1",
    ]
    inline = json.dumps({"horizon": 20})
    (tmp_path / "c.json").write_text(inline)
    (tmp_path / "c.yaml").write_text("horizon: 20\n")
    outs = []
    for value in (inline, str(tmp_path / "c.json"), str(tmp_path / "c.yaml")):
        assert main([*args, "--config", value]) == 0
        outs.append(capsys.readouterr().out.splitlines()[-1])
    assert outs[0] == outs[1] == outs[2]


def test_a_run_folder_is_not_reused_silently(tmp_path, capsys):
    pytest.importorskip("torch")
    from qnet_agents.jobs import prepare_run_dir

    run = tmp_path / "run"
    run.mkdir()
    (run / "events.out.tfevents.0").write_text("x")
    _one_line_error(
        ["train", "--run-dir", str(run), "--steps", "10"], capsys, "--resume", "--overwrite"
    )
    _one_line_error(["train", "--run-dir", str(run), "--resume"], capsys, "no checkpoint")
    assert prepare_run_dir(str(run), resume=False, overwrite=True) is None
    assert not run.exists()  # replaced: the old run's files are gone
    (tmp_path / "fresh").mkdir()
    assert prepare_run_dir(str(tmp_path / "fresh"), resume=False, overwrite=False) is None


@pytest.mark.parametrize("damage", ["flip", "truncate", "evil_env_id"])
def test_a_bad_checkpoint_is_one_line_naming_the_file(tmp_path, capsys, damage):
    torch = pytest.importorskip("torch")
    from qnet_agents.common import save_checkpoint

    path = tmp_path / "checkpoint.pt"
    env_id = "os:CartPole-v1" if damage == "evil_env_id" else "CartPole-v1"
    save_checkpoint(path, {"algo": "ddqn", "env_id": env_id, "q": {"w": torch.ones(99)}})
    raw = bytearray(path.read_bytes())
    if damage == "flip":
        raw[-50] ^= 1
    elif damage == "truncate":
        raw = raw[:-200]
    path.write_bytes(bytes(raw))
    _one_line_error(["evaluate", "--checkpoint", str(path)], capsys, str(path))


def test_any_failure_to_build_the_env_from_a_config_is_one_line(monkeypatch, capsys):
    """Not only ValueError: whatever building the env raises ends in one line naming the
    config (no traceback)."""
    import gymnasium as gym

    def broken_make(*args, **kwargs):
        raise ZeroDivisionError("float division by zero")

    monkeypatch.setattr(gym, "make", broken_make)
    code = main(["rollout", "--env", "qnet/QKDProvisioning-v0", "--config", '{"horizon": 5}'])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert err[0].startswith("qnet: error: --config") and "ZeroDivisionError" in err[0]
    # the agents build their envs through the same helper (qnet train)
    from qnet_agents.common import make_env

    with pytest.raises(ValueError, match="ZeroDivisionError"):
        make_env("qnet/QKDProvisioning-v0", {"horizon": 5})
