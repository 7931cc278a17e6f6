"""Normalised scores: ``qnet_envs.normalized_score`` against the leaderboard that wrote its data,
a rerun of the random policy on the recorded seeds, and the README summary."""

import json
import sys
from pathlib import Path

import numpy as np
import pytest

import qnet_envs
from qnet_envs.rollout import run_episodes

ROOT = Path(__file__).resolve().parents[1]
BOARD = json.loads((ROOT / "docs" / "leaderboard.json").read_text())
sys.path.insert(0, str(ROOT / "scripts"))
import leaderboard  # noqa: E402


def test_random_scores_zero_and_the_reference_one():
    for name, result in BOARD.items():
        if result["reference"] is None:
            continue
        env_id, config = result["env_id"], result["env_config"]
        if name in leaderboard.METRIC:  # scored by a metric: not the id's return scale
            continue
        assert qnet_envs.normalized_score(env_id, result["random"], config) == pytest.approx(0.0)
        ref = result["reference_mean"]
        assert qnet_envs.normalized_score(env_id, ref, config) == pytest.approx(1.0)


def test_every_agent_row_is_the_normalised_mean_of_its_returns():
    for result in BOARD.values():
        low, high = result["random"], result["reference_mean"]
        for row in result["rows"]:
            if row["normalised"] is not None:
                assert row["normalised"] == pytest.approx((row["mean"] - low) / (high - low))


def test_the_random_mean_is_what_the_random_policy_scores_on_the_recorded_seeds():
    """The data file is regenerated, not written by hand: rerun the random policy of a cheap
    scenario on the same held-out seeds."""
    result = BOARD["qpu"]
    first, last = result["seeds"]
    rerun = run_episodes(result["env_id"], "random-valid", last - first + 1, first).returns
    assert np.mean(rerun) == pytest.approx(result["random"])
    assert qnet_envs.reference_scores(result["env_id"])["random"] == pytest.approx(np.mean(rerun))


def test_unknown_scenarios_are_refused_naming_what_exists():
    with pytest.raises(ValueError, match="no reference scores"):
        qnet_envs.normalized_score("qnet/QKDProvisioning-v0", 1.0, {"horizon": 3})
    with pytest.raises(ValueError, match="CartPole-v1"):
        qnet_envs.normalized_score("CartPole-v1", 1.0)


def test_every_gymnasium_id_and_the_offloading_pettingzoo_id_have_a_row():
    ids = {r["env_id"] for r in BOARD.values()}
    assert {spec.id for spec in qnet_envs.ENVS} <= ids
    assert "mec-marl" in BOARD
    for name, result in BOARD.items():
        agents = [r for r in result["rows"] if r["kind"] == "agent"]
        assert agents, f"{name}: no agent recorded"
        assert all(len(r["training_seeds"]) >= 3 for r in agents), name


def test_the_leaderboard_page_opens_with_the_summary_the_script_writes():
    text = (ROOT / "docs" / "leaderboard.md").read_text()
    assert "\n".join(leaderboard.summary(BOARD)) in text.split("\n## ", 2)[1]


def test_thin_curve_is_a_rolling_mean():
    curve = [(i, float(i % 2)) for i in range(100)]
    thin = leaderboard.thin_curve(curve, points=10, window=20)
    assert len(thin) == 10 and all(y == pytest.approx(0.5) for _, y in thin)
    assert thin[0][0] == 19 and thin[-1][0] == 99


def test_offline_search_references_are_cached_per_seed_and_config(tmp_path, monkeypatch):
    calls = []

    def search(config, seed):
        calls.append(seed)
        return float(seed % 7)

    monkeypatch.setattr(leaderboard, "REFERENCES", tmp_path)
    monkeypatch.setitem(leaderboard.SEARCHES, "com2net", ("ga", search))
    assert leaderboard.searched("com2net", [1, 2]) == [1.0, 2.0] and calls == [1, 2]
    assert leaderboard.searched("com2net", [2, 3]) == [2.0, 3.0] and calls == [1, 2, 3]
    cached = json.loads((tmp_path / "com2net-ga.json").read_text())
    assert cached["returns"] == {"1": 1.0, "2": 2.0, "3": 3.0}
    # another env config: the cache no longer applies and every seed is searched again
    monkeypatch.setitem(
        leaderboard.SCENARIOS, "com2net", ("qnet/Com2Net-v0", {"horizon": 5}, "ga", "")
    )
    leaderboard.searched("com2net", [1])
    assert calls == [1, 2, 3, 1]


def test_offline_search_rows_are_their_cached_returns_on_the_held_out_seeds():
    for name, (policy, _) in leaderboard.SEARCHES.items():
        result = BOARD[name]
        cached = json.loads((leaderboard.REFERENCES / f"{name}-{policy}.json").read_text())
        seeds = range(result["seeds"][0], result["seeds"][1] + 1)
        assert cached["env_config"] == result["env_config"], name
        row = next(r for r in result["rows"] if r["policy"] == policy)
        want = np.mean([cached["returns"][str(s)] for s in seeds])
        assert row["mean"] == pytest.approx(want), name
