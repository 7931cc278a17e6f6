"""A new user's first hour, scripted: the commands the README shows and the mistakes people
make with them. Every mistake ends in one line ``qnet: error: ...`` (exit 2, no traceback), and
every phase that takes a while says what it is doing."""

from __future__ import annotations

import json
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def qnet(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qnet_envs.cli", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=600)  # fmt: skip


def assert_one_line_error(result: subprocess.CompletedProcess, *words: str) -> None:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1 and lines[0].startswith("qnet: error: "), result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])


@pytest.mark.parametrize("agent", ["ddqn", "vqc", "mappo", "ppo"])
@pytest.mark.parametrize(
    "config,field",
    [({"lr": "fast"}, "lr"), ({"gamma": "0.9"}, "gamma"), ({"hidden": "wide"}, "hidden")],
)
def test_agent_config_mistakes_are_one_line(agent, config, field, tmp_path):
    result = qnet("train", "--agent", agent, "--config", json.dumps(config), "--run-dir",
                  str(tmp_path / "run"))  # fmt: skip
    assert_one_line_error(result, field)


@pytest.mark.parametrize("agent", ["ddqn", "vqc"])
def test_a_width_where_a_list_of_widths_belongs_is_one_line(agent, tmp_path):
    result = qnet("train", "--agent", agent, "--config", '{"hidden": 64}', "--run-dir",
                  str(tmp_path / "run"))  # fmt: skip
    assert_one_line_error(result, "hidden=64", "a list")


def test_id_and_name_typos_suggest_the_close_one():
    assert_one_line_error(
        qnet("rollout", "--env", "qnet/EntanglementDistributon-v2"),
        "did you mean 'qnet/EntanglementDistribution-v2'",
    )
    assert_one_line_error(qnet("train", "--agent", "ddq"), "did you mean 'ddqn'")
    assert_one_line_error(
        qnet("rollout", "--env", "qnet/QPUScheduling-v0", "--policy", "eddf"), "did you mean 'edf'"
    )


def test_a_missing_dataset_names_the_command_that_records_one(tmp_path):
    result = qnet("train", "--agent", "dt", "--dataset", "qnet/Nothing/here-v0", "--root",
                  str(tmp_path))  # fmt: skip
    assert_one_line_error(result, "qnet collect")
    assert "download" not in result.stderr


def test_an_agent_on_the_wrong_kind_of_env_is_refused():
    assert_one_line_error(
        qnet("train", "--agent", "ddqn", "--env", "qnet/MobileEdgeCloud-v0"), "--agent ppo"
    )
    assert_one_line_error(
        qnet("train", "--agent", "mappo", "--env", "qnet/QKDProvisioning-v0"), "PettingZoo"
    )


def test_evaluate_help_says_what_each_agent_writes():
    out = " ".join(qnet("evaluate", "--help").stdout.split())  # argparse wraps lines
    assert "best.pt" in out and "no best.pt" in out  # ppo writes only its final checkpoint


def test_a_short_ppo_run_says_it_rounds_and_is_short_and_shows_every_phase(tmp_path):
    result = qnet("train", "--agent", "ppo", "--env", "qnet/EntanglementDistribution-v2",
                  "--steps", "600", "--eval-episodes", "1", "--run-dir", str(tmp_path / "run"))  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "600 steps round up to 1,024" in result.stdout
    assert "this run is short: 1,024 steps" in result.stdout
    for label in ("ppo", "evaluating ppo", "baseline swap-asap", "baseline purify-then-swap"):
        assert f"{label}:" in result.stderr, label
    # the final table has the agent next to every online baseline
    assert "| **ppo" in result.stdout and "| purify-then-swap |" in result.stdout


def test_the_default_agent_labels_training_and_every_evaluation(tmp_path):
    result = qnet("train", "--agent", "ddqn", "--steps", "400", "--eval-episodes", "1",
                  "--config", json.dumps({"learning_starts": 100, "eval_every": 200,
                                          "eval_episodes": 1, "buffer_size": 200}),
                  "--run-dir", str(tmp_path / "run"))  # fmt: skip
    assert result.returncode == 0, result.stderr
    for label in ("training ddqn", "evaluating (1 greedy episodes)", "evaluating ddqn",
                  "baseline saa"):  # fmt: skip
        assert f"{label}:" in result.stderr, label
    assert "leaderboard (qra" in result.stdout  # the leaderboard's best agent on this env
    evaluated = qnet("evaluate", "--checkpoint", str(tmp_path / "run" / "best.pt"),
                     "--episodes", "1")  # fmt: skip
    assert evaluated.returncode == 0, evaluated.stderr
    for label in ("evaluating ddqn", "baseline greedy", "baseline saa"):
        assert f"{label}:" in evaluated.stderr, label


def test_building_the_docs_without_the_extra_names_it(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "mkdocs", None)  # as if not installed
    monkeypatch.setattr(sys, "argv", ["build_docs.py"])
    with pytest.raises(SystemExit) as stop:
        runpy.run_path(str(ROOT / "scripts" / "build_docs.py"), run_name="__main__")
    assert stop.value.code == 2
    assert "pip install -e '.[docs]'" in capsys.readouterr().err
