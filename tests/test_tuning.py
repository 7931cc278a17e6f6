"""``qnet tune``: an Optuna study writes its best trial into the agent's YAML (replacing an
older entry of the same name) and the study into its own file; the entry then trains."""

from __future__ import annotations

import json
import shutil

import pytest

pytest.importorskip("optuna")
pytest.importorskip("torch")

from qnet_agents import tuning  # noqa: E402


def test_a_removed_entry_takes_its_comment_with_it():
    text = "# a\nfirst:\n  x: 1\n\n# about b\nsecond:\n  y: 2\nthird:\n  z: 3\n"
    assert tuning._without_entry(text, "second") == "# a\nfirst:\n  x: 1\n\nthird:\n  z: 3\n"


@pytest.mark.parametrize("agent", ["ppo", "ddqn"])
def test_a_small_study_writes_an_entry_that_trains(agent, tmp_path):
    folder = tmp_path / "hyperparams"
    shutil.copytree(tuning.HYPERPARAMS, folder)
    studies_before = (folder / f"{agent}.yml").read_text().count("# Tuned:")
    req = tuning.TuneRequest(agent, "qnet/QuantumInvocation-v0", trials=2, budget=600,
                             entry="qip test", run_dir=str(tmp_path / "runs"), progress=False,
                             hyperparams_dir=folder, study_dir=tmp_path / "tuning")  # fmt: skip
    summary = tuning.tune(req)
    assert summary["complete"] + summary["pruned"] == 2
    study = json.loads((tmp_path / "tuning" / "qip-test.json").read_text())
    assert len(study["trials"]) == 2 and study["summary"]["best_values"]
    text = (folder / f"{agent}.yml").read_text()
    assert text.count("qip test:") == 1 and "# Tuned: qnet tune --agent" in text
    tuning.tune(req)  # a second study replaces the entry
    text = (folder / f"{agent}.yml").read_text()
    assert text.count("qip test:") == 1 and text.count("# Tuned:") == studies_before + 1
    import yaml

    entry = yaml.safe_load(text)["qip test"]
    assert entry["total_steps"] == 600
    for key, value in summary["best_values"].items():
        assert entry[key] == value or list(entry[key]) == list(value)
