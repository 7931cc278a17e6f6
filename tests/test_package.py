"""Packaging promises: a light import, registration at import, the CLI, the stats helpers."""

import json
import subprocess
import sys

import gymnasium as gym
import numpy as np
import pytest

import qnet_envs
from qnet_envs.cli import main
from qnet_envs.stats import mean_ci95

HEAVY = ("torch", "pennylane", "qiskit", "ray", "tensorboard", "stable_baselines3", "scipy")


def test_import_is_light():
    code = (
        "import sys, json, qnet_envs; "
        f"print(json.dumps({{'heavy': [m for m in {HEAVY!r} if m in sys.modules]}}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["heavy"] == []  # (the import time is reported by scripts/benchmark.py)


def test_gymnasium_fronts_run_without_importing_pettingzoo():
    """Every Gymnasium id makes, resets, steps and renders without PettingZoo being imported
    (the PettingZoo fronts share the cores and views, not the other way round)."""
    code = (
        "import sys, gymnasium as gym, qnet_envs\n"
        "for spec in qnet_envs.ENVS:\n"
        "    env = gym.make(spec.id, render_mode='rgb_array')\n"
        "    env.reset(seed=0)\n"
        "    env.step(env.action_space.sample())\n"
        "    env.render()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'pettingzoo'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_every_table_id_is_registered_and_makes():
    for spec in qnet_envs.ENVS:
        assert spec.id in gym.registry
        env = gym.make(spec.id)
        env.reset(seed=0)
        env.close()
    assert qnet_envs.parallel_env_ids() == [s.id for s in qnet_envs.PARALLEL_ENVS]
    with pytest.raises(ValueError, match="unknown parallel env"):
        qnet_envs.make_parallel("qnet/Nope-v0")


def test_cli_list(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for spec in qnet_envs.ENVS:
        assert spec.id in out


def test_cli_rollout_prints_ci_table(capsys):
    rc = main(
        [
            "rollout",
            "--env",
            "qnet/EntanglementDistribution-v2",
            "--policy",
            "swap-asap",
            "--episodes",
            "3",
            "--config",
            '{"horizon": 200}',
        ]
    )
    assert rc == 0
    out = capsys.readouterr().out
    assert "| swap-asap |" in out and "±" in out


def test_cli_rollout_rejects_unknown_policy(capsys):
    assert main(["rollout", "--env", "qnet/EntanglementDistribution-v2", "--policy", "nope"]) == 2
    assert "unknown policy" in capsys.readouterr().err


def test_ci95_matches_student_t():
    stats = pytest.importorskip("scipy.stats")
    x = np.random.default_rng(0).normal(size=12)
    m, h = mean_ci95(x)
    lo, hi = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    assert m == pytest.approx(x.mean())
    assert h == pytest.approx((hi - lo) / 2, rel=1e-3)


def test_a_registered_variant_keeps_its_identity_under_a_user_config():
    """Com2Net-joint-v1 registers action_mode='joint'; a user's config merges on top of it
    instead of replacing it (it used to silently build the compact Discrete(4) env)."""
    import gymnasium as gym

    env = gym.make("qnet/Com2Net-joint-v1", config={"horizon": 40})
    assert env.action_space == gym.spaces.Discrete(72)
    assert env.unwrapped.config.horizon == 40


@pytest.mark.parametrize("value", [4.0, float("nan"), float("inf"), "4", None, True])
def test_integer_fields_reject_floats_strings_none_and_bools(value):
    import gymnasium as gym

    with pytest.raises(ValueError, match="n_nodes"):
        gym.make("qnet/EntanglementDistribution-v2", config={"n_nodes": value})
