"""Training and evaluation jobs behind ``qnet train`` and ``qnet evaluate``: run an agent, then
write its learning curve and a results table against the env's baselines."""

from __future__ import annotations

import json
import time
from dataclasses import fields, replace
from pathlib import Path

import numpy as np

from .common import baseline_rows, evaluate_greedy, plot_learning_curve, results_table

AGENTS = ("ddqn", "vqc")

DEFAULT_JOB = {"agent": "ddqn", "env": "qnet/QuantumResourceAllocation-v0", "steps": 60_000}
"""What ``qnet train`` runs with no arguments: about 5 minutes on a 2-core CPU."""


def _module(agent: str):
    if agent == "ddqn":
        from . import ddqn

        return ddqn
    if agent == "vqc":
        from . import vqc_qlearning

        return vqc_qlearning
    raise ValueError(f"agent={agent!r}; choose one of {AGENTS}")


def load_job_config(path: str | None) -> dict:
    """A JSON file of DDQNConfig fields, plus optional "preset" (and "n_qubits", "n_layers" for
    vqc). Unknown keys raise ``ValueError``."""
    if not path:
        return {}
    data = json.loads(Path(path).read_text())
    if not isinstance(data, dict):
        raise ValueError(f"--config {path}: expected a JSON object")
    return data


def train_job(
    agent: str,
    env_id: str,
    steps: int | None = None,
    seed: int = 0,
    config: dict | None = None,
    run_dir: str | None = None,
    resume: bool = False,
    eval_episodes: int = 10,
    progress: bool = True,
) -> dict:
    """Train, then evaluate the best greedy policy and the baselines on the same seeds; write
    ``results.md`` and ``learning_curve.png`` into the run folder. Returns a summary dict."""
    from .ddqn import DDQNConfig

    module = _module(agent)
    config = dict(config or {})
    preset = config.pop("preset", "default")
    circuit = {k: config.pop(k) for k in ("n_qubits", "n_layers") if k in config}
    allowed = {f.name for f in fields(DDQNConfig)}
    unknown = set(config) - allowed
    if unknown:
        raise ValueError(f"unknown config keys {sorted(unknown)}; allowed: {sorted(allowed)}")
    name = run_dir or f"runs/{agent}-{env_id.replace('/', '_')}-s{seed}"
    cfg = module.config_from(preset, seed=seed, run_dir=name, progress=progress, **config)
    if steps is not None:
        cfg = replace(cfg, total_steps=steps)
    ckpt = Path(name) / "checkpoint.pt"
    resume_from = str(ckpt) if resume and ckpt.exists() else None
    if resume and resume_from is None:
        raise ValueError(f"--resume: no checkpoint at {ckpt}")
    t0 = time.perf_counter()
    if agent == "vqc":
        result = module.train(env_id, cfg, resume=resume_from, **circuit)
    else:
        result = module.train(env_id, cfg, resume=resume_from)
    seconds = time.perf_counter() - t0
    summary = {
        "run_dir": name,
        "steps": result.global_step,
        "seconds": seconds,
        "parameters": result.parameters,
        "interrupted": result.interrupted,
    }
    if result.interrupted:
        summary["message"] = f"interrupted at step {result.global_step}; resume with --resume"
        return summary
    policy_ckpt = result.best_checkpoint or result.checkpoint
    act, _ = load_policy(agent, policy_ckpt, circuit)
    agent_returns = evaluate_greedy(act, env_id, eval_episodes, 100_000, cfg.env_config)
    rows = baseline_rows(env_id, eval_episodes, 100_000, cfg.env_config)
    table = results_table(f"{agent} ({result.parameters:,} parameters)", agent_returns, rows)
    plot_learning_curve(
        result.curve, result.evals, Path(name) / "learning_curve.png", f"{agent} on {env_id}"
    )
    header = (
        f"# {agent} on {env_id}\n\n{result.global_step:,} steps in {seconds:.0f} s, seed {seed}; "
        f"policy: {Path(policy_ckpt).name}. Greedy evaluation on seeds 100000..{100_000 + eval_episodes - 1}, "
        f"the same seeds for every baseline; mean ± 95% CI (Student t).\n\n"
    )
    (Path(name) / "results.md").write_text(header + table + "\n")
    summary.update(table=table, agent_mean=float(np.mean(agent_returns)), checkpoint=policy_ckpt)
    return summary


def load_policy(agent: str, checkpoint: str, circuit: dict | None = None):
    from .ddqn import load_policy as load

    if agent == "vqc":
        from .vqc_qlearning import network_factory

        return load(checkpoint, network_factory(**(circuit or {})))
    return load(checkpoint)


def evaluate_job(checkpoint: str, episodes: int = 10, seed: int = 100_000) -> dict:
    """Evaluate a checkpoint's greedy policy on its env against the baselines."""
    from .common import load_checkpoint

    meta = load_checkpoint(checkpoint)
    agent, env_id = meta["algo"], meta["env_id"]
    env_config = meta["config"].get("env_config") or None
    act, _ = load_policy(agent, checkpoint)
    returns = evaluate_greedy(act, env_id, episodes, seed, env_config)
    rows = baseline_rows(env_id, episodes, seed, env_config)
    return {
        "env_id": env_id,
        "agent": agent,
        "table": results_table(agent, returns, rows),
        "mean": float(np.mean(returns)),
    }
