"""Training and evaluation jobs behind ``qnet train`` and ``qnet evaluate``: run an agent, then
write its learning curve and a results table against the env's baselines."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, fields, replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from .common import (
    baseline_rows,
    evaluate_greedy,
    plot_learning_curve,
    remove_stale_temporaries,
    results_table,
)

DEFAULT_JOB = {"agent": "ddqn", "env": "qnet/QuantumResourceAllocation-v0", "steps": 60_000}
"""What ``qnet train`` runs with no arguments."""


@dataclass(frozen=True)
class RunRequest:
    """What every training job is asked: budget, seed, agent config, run folder, whether to
    resume or replace a run already there, and the evaluation episodes afterwards."""

    steps: int | None = None
    seed: int = 0
    config: dict | None = None
    run_dir: str | None = None
    resume: bool = False
    episodes: int = 10
    progress: bool = True
    overwrite: bool = False

    def folder(self, agent: str, target: str) -> str:
        """The run folder: ``run_dir``, else ``runs/{agent}-{target}-s{seed}``."""
        return self.run_dir or f"runs/{agent}-{target.replace('/', '_')}-s{self.seed}"

    def start(self, name: str) -> str | None:
        """The checkpoint to resume from, or None (:func:`prepare_run_dir`)."""
        return prepare_run_dir(name, self.resume, self.overwrite)


def _timed(train, *args, **kwargs):
    """(result, seconds) of one training call."""
    t0 = time.perf_counter()
    result = train(*args, **kwargs)
    return result, time.perf_counter() - t0


def _module(agent: str):
    """The agent's module, from the registry."""
    import importlib

    from .registry import get

    return importlib.import_module(f"qnet_agents.{get(agent).module}")


def run_training(agent: str | None, run: RunRequest, env_id=None, dataset=None, root=None):
    """``qnet train``: the agent's job on ``env_id`` (or its registry default) or, for an
    offline agent, on ``dataset``; no agent, env, steps or config is :data:`DEFAULT_JOB`.
    Returns (env or dataset id, the job's summary)."""
    from .registry import check_env, get

    if agent is None and not (run.steps or env_id or run.config):
        run = replace(run, steps=DEFAULT_JOB["steps"])  # the README's main job
    agent = agent or DEFAULT_JOB["agent"]
    spec = get(agent)
    job = globals()[spec.job]
    if spec.trains_on == "dataset":
        if not dataset:
            raise ValueError(f"--agent {agent} needs --dataset ID (record one with qnet collect)")
        return dataset, job(dataset, run, root)
    env_id = env_id or spec.default_env
    check_env(spec, env_id)
    if spec.job == "train_job":  # one loop for the value-based agents: it takes their name
        return env_id, job(agent, env_id, run)
    return env_id, job(env_id, run)


def load_job_config(path: str | None) -> dict:
    """Agent config fields, plus optional "preset" (and "n_qubits", "n_layers" for vqc), as a
    JSON object inline or a JSON/YAML file (:func:`qnet_envs.config.load_config_arg`). Unknown
    keys raise ``ValueError``."""
    from qnet_envs.config import load_config_arg

    return load_config_arg(path) or {}


def prepare_run_dir(name: str, resume: bool, overwrite: bool) -> str | None:
    """The checkpoint to resume from, or None for a fresh run. A fresh run into a folder that
    already holds a run is refused (``--resume`` continues it, ``--overwrite`` replaces it):
    rerunning silently would mix two runs' checkpoints and TensorBoard curves."""
    folder = Path(name)
    ckpt = folder / "checkpoint.pt"
    if resume and overwrite:
        raise ValueError("--resume and --overwrite exclude each other")
    if resume:
        if not ckpt.exists():
            raise ValueError(f"--resume: no checkpoint at {ckpt}")
        remove_stale_temporaries(folder)  # a killed run's half-written checkpoints
        return str(ckpt)
    if folder.exists() and any(folder.iterdir()):
        if not overwrite:
            raise ValueError(
                f"run folder {name} already holds a run: pass --resume to continue it or "
                "--overwrite to replace it (or choose another --run-dir)"
            )
        shutil.rmtree(folder)
    return None


def run_summary(name: str, result, seconds: float) -> dict:
    """What every job reports about its run; an interrupted run says how to resume."""
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


def train_job(agent: str, env_id: str, run: RunRequest = RunRequest()) -> dict:
    """Train, then evaluate the best greedy policy and the baselines on the same seeds; write
    ``results.md`` and ``learning_curve.png`` into the run folder. Returns a summary dict."""
    from .ddqn import DDQNConfig

    module = _module(agent)
    config = dict(run.config or {})
    preset = config.pop("preset", "default")
    circuit = {k: config.pop(k) for k in ("n_qubits", "n_layers") if k in config}
    allowed = {f.name for f in fields(DDQNConfig)}
    unknown = set(config) - allowed
    if unknown:
        raise ValueError(f"unknown config keys {sorted(unknown)}; allowed: {sorted(allowed)}")
    name = run.folder(agent, env_id)
    cfg = module.config_from(preset, seed=run.seed, run_dir=name, progress=run.progress, **config)
    if run.steps is not None:
        cfg = replace(cfg, total_steps=run.steps)
    resume_from = run.start(name)
    extra = circuit if agent == "vqc" else {}
    result, seconds = _timed(module.train, env_id, cfg, resume=resume_from, **extra)
    summary = run_summary(name, result, seconds)
    if result.interrupted:
        return summary
    policy_ckpt = result.best_checkpoint or result.checkpoint
    act, _ = load_policy(agent, policy_ckpt, circuit)
    agent_returns = evaluate_greedy(
        act, env_id, run.episodes, 100_000, cfg.env_config, progress=run.progress,
        label=f"evaluating {agent}",
    )  # fmt: skip
    rows = baseline_rows(env_id, run.episodes, 100_000, cfg.env_config, run.progress)
    table = results_table(f"{agent} ({result.parameters:,} parameters)", agent_returns, rows)
    plot_learning_curve(
        result.curve, result.evals, Path(name) / "learning_curve.png", f"{agent} on {env_id}"
    )
    header = (
        f"# {agent} on {env_id}\n\n{result.global_step:,} steps in {seconds:.0f} s, "
        f"seed {run.seed}; policy: {Path(policy_ckpt).name}. Greedy evaluation on seeds "
        f"100000..{100_000 + run.episodes - 1}, the same seeds for every baseline; "
        f"mean ± 95% CI (Student t).\n\n"
    )
    (Path(name) / "results.md").write_text(header + table + "\n")
    summary.update(table=table, agent_mean=float(np.mean(agent_returns)), checkpoint=policy_ckpt,
                   leaderboard=leaderboard_lines(env_id, cfg.env_config, agent,
                                                 result.global_step))  # fmt: skip
    return summary


def cfg_steps(env_id: str, config: dict | None) -> int:
    """The budget of PPO's ppo.yml entry for this env (or the config's preset)."""
    from . import ppo

    return ppo.config_from(env_id, (config or {}).get("preset")).total_steps


def tune_job(agent: str, env_id: str, trials: int, budget: int, config=None, entry=None,
             seed: int = 0) -> dict:  # fmt: skip
    """``qnet tune``: an Optuna study of ``agent`` on ``env_id`` (:mod:`qnet_agents.tuning`)."""
    from .tuning import TuneRequest, tune

    env_id = env_id or DEFAULT_JOB["env"]
    return tune(TuneRequest(agent, env_id, trials, budget, config, entry, seed,
                            run_dir=f"runs/tune-{agent}-{env_id.replace('/', '_')}"))  # fmt: skip


def leaderboard_lines(
    env_id: str, env_config, agent: str, steps: int, preset_steps: int | None = None
) -> list[str]:
    """What the leaderboard recorded on this env and config: its best agent and, where it
    recorded this agent with a much larger budget, a note that this run is short (where the
    leaderboard has no such scenario, set against the agent's preset budget)."""
    from qnet_envs.scores import recorded_agents

    entry, agents = recorded_agents(env_id, env_config or None)
    if not agents:
        if preset_steps and steps < preset_steps / 4:
            return [f"this run is short: {steps:,} steps, where {agent}'s preset for this env "
                    f"trains {preset_steps:,} (qnet_agents/hyperparams/{agent}.yml); a run this "
                    "short may not learn at all"]  # fmt: skip
        return []
    best_name, best = max(agents.items(), key=lambda kv: kv[1]["mean"])
    lines = [
        f"leaderboard ({entry['scenario']}, {entry['episodes']} held-out episodes): best agent "
        f"{best_name} {best['mean']:.3f} after {best['steps'] or 0:,} steps; reference "
        f"{entry['reference_policy']} {entry['reference']:.3f}, random {entry['random']:.3f}"
    ]
    mine = agents.get(agent)
    if mine and mine.get("steps") and steps < mine["steps"] / 4:
        lines.append(
            f"this run is short: {steps:,} steps; the leaderboard's {agent} used "
            f"{mine['steps']:,} (qnet train --agent {agent} --env {env_id} --steps "
            f"{mine['steps']}) and scored {mine['mean']:.3f}"
        )
    return lines


def load_policy(agent: str, checkpoint: str, circuit: dict | None = None):
    if agent == "bc":
        from .bc import load_policy as load_bc

        return load_bc(checkpoint)
    from .ddqn import load_policy as load

    if agent == "vqc":
        from .vqc_qlearning import network_factory

        return load(checkpoint, network_factory(**(circuit or {})))
    return load(checkpoint)


def checkpoint_returns(
    checkpoint: str, episodes: int, seed: int, max_steps=None, progress: bool = False
) -> dict:
    """A checkpoint's deterministic policy played on its own env for episodes seeded seed,
    seed+1, ... (truncated at ``max_steps`` if given): {"agent", "env_id", "env_config",
    "returns", "global_step"}."""
    from .common import load_checkpoint

    meta = load_checkpoint(checkpoint)
    agent, env_id = meta["algo"], meta.get("env_id") or meta.get("meta", {}).get("env_id")
    if env_id is None:
        raise ValueError(f"checkpoint {checkpoint}: trained on an env object, not a registered id")
    env_config = meta["config"].get("env_config") or None
    if agent == "ppo":
        from . import ppo

        act, _ = ppo.load_policy(checkpoint)
        returns = ppo.evaluate(act, env_id, episodes, seed, env_config, max_steps, progress)
    elif agent == "dt":  # offline: conditioned on the dataset's best policy's mean return
        from . import decision_transformer as dt

        target = dt.default_target(meta["meta"])
        returns = dt.evaluate(checkpoint, target, episodes, seed, env_id, env_config)
    else:
        act, _ = load_policy(agent, checkpoint)
        returns = evaluate_greedy(act, env_id, episodes, seed, env_config, progress, max_steps,
                                  label=f"evaluating {agent}")  # fmt: skip
    return {"agent": agent, "env_id": env_id, "env_config": env_config, "returns": returns,
            "global_step": int(meta.get("global_step", meta.get("step", 0)))}  # fmt: skip


def evaluate_job(
    checkpoint: str, episodes: int = 10, seed: int = 100_000, progress: bool = True
) -> dict:
    """Evaluate a checkpoint's greedy policy on its env against the baselines."""
    run = checkpoint_returns(checkpoint, episodes, seed, progress=progress)
    rows = baseline_rows(run["env_id"], episodes, seed, run["env_config"], progress)
    return {
        "env_id": run["env_id"],
        "agent": run["agent"],
        "table": results_table(run["agent"], run["returns"], rows),
        "mean": float(np.mean(run["returns"])),
    }


def ppo_job(env_id: str, run: RunRequest = RunRequest()) -> dict:
    """Train MaskablePPO (any env with ``action_masks()``, Discrete or MultiDiscrete), then
    compare its deterministic policy with the env's baselines on seeds 100000, 100001, ..."""
    from . import ppo

    name = run.folder("ppo", env_id)
    overrides = {"seed": run.seed, "run_dir": name, "progress": run.progress, **(run.config or {})}
    if run.steps is not None:
        overrides["total_steps"] = run.steps
    cfg = ppo.config_from(env_id, **overrides)
    if run.progress and ppo.rounded_steps(cfg) != cfg.total_steps:
        print(f"ppo: {cfg.total_steps:,} steps round up to {ppo.rounded_steps(cfg):,}: it learns "
              f"from whole rollouts of n_envs {cfg.n_envs} x n_steps {cfg.n_steps} steps")  # fmt: skip
    result, seconds = _timed(ppo.train, env_id, cfg, resume=run.start(name))
    summary = run_summary(name, result, seconds)
    if result.interrupted:
        return summary
    act, _ = ppo.load_policy(result.checkpoint)
    returns = ppo.evaluate(act, env_id, run.episodes, 100_000, cfg.env_config,
                           progress=run.progress)  # fmt: skip
    rows = baseline_rows(env_id, run.episodes, 100_000, cfg.env_config, run.progress)
    table = results_table(f"ppo ({result.parameters:,} parameters)", returns, rows)
    plot_learning_curve(result.curve, [], Path(name) / "learning_curve.png", f"ppo on {env_id}")
    (Path(name) / "results.md").write_text(
        f"# MaskablePPO on {env_id}\n\n{result.global_step:,} steps in {seconds:.0f} s. "
        f"Deterministic policy on seeds 100000..{100_000 + run.episodes - 1}, same seeds for the "
        f"baselines.\n\n{table}\n"
    )
    summary.update(table=table, agent_mean=float(np.mean(returns)), checkpoint=result.checkpoint,
                   leaderboard=leaderboard_lines(env_id, cfg.env_config, "ppo",
                                                 result.global_step,
                                                 cfg_steps(env_id, run.config)))  # fmt: skip
    return summary


def mappo_job(env_id: str, run: RunRequest = RunRequest()) -> dict:
    """Train MAPPO on a PettingZoo id, then compare its episode cost (mean cost per task on the
    offloading env, minus the return elsewhere) with the offloading baselines on the same seeds."""
    from qnet_envs.stats import format_ci

    from . import mappo

    name = run.folder("mappo", env_id)
    cfg = mappo.config_from(
        env_id=env_id, seed=run.seed, run_dir=name, progress=run.progress, **(run.config or {})
    )
    if run.steps is not None:
        cfg = replace(cfg, total_steps=run.steps)
    taken = mappo.updates_of(cfg) * cfg.rollout
    if run.progress and taken != cfg.total_steps:
        print(f"mappo: {cfg.total_steps:,} steps become {taken:,}: it learns from whole rollouts "
              f"of {cfg.rollout} slots")  # fmt: skip
    result, seconds = _timed(mappo.train, cfg, resume=run.start(name))
    summary = run_summary(name, result, seconds)
    if result.interrupted:
        return summary
    rows = _mappo_rows(result.checkpoint, env_id, cfg, run.episodes, run.progress)
    table = "| policy | episode cost ± 95% CI |\n|---|---|\n" + "\n".join(
        f"| {n} | {format_ci(v)} |" for n, v in rows
    )
    plot_learning_curve(result.curve, [], Path(name) / "learning_curve.png", f"mappo on {env_id}")
    (Path(name) / "results.md").write_text(
        f"# mappo on {env_id}\n\n{result.global_step:,} env steps in {seconds:.0f} s\n\n{table}\n"
    )
    summary.update(table=table, costs={n: float(np.mean(v)) for n, v in rows})
    return summary


def _mappo_rows(checkpoint: str, env_id: str, cfg, episodes: int, progress: bool) -> list:
    """(name, episode costs) of the trained policy and, on the offloading env, of every
    baseline decider (acting through the native hybrid actions), on seeds 100000, ..."""
    from qnet_envs.baselines.mobile_edge_cloud import DECIDERS
    from qnet_envs.registration import offloading_env_ids

    from . import mappo

    policy, _ = mappo.load_policy(checkpoint)
    name = "**mappo**" + (" (IPPO)" if cfg.independent else "")
    label = "evaluating mappo" if progress else None
    rows = [(name, mappo.evaluate(policy, env_id, cfg.env_config, episodes, 100_000, None, label))]
    if env_id in offloading_env_ids():
        native = {k: v for k, v in cfg.env_config.items() if k != "flat_actions"}
        for dname, cls in DECIDERS.items():
            label = f"baseline {dname}" if progress else None
            costs = mappo.evaluate(decider_policy(cls), env_id, native, episodes, 100_000, None,
                                   label)  # fmt: skip
            rows.append((dname, costs))
    return rows


def decider_policy(cls):
    """A baseline decider as a policy for :func:`qnet_agents.mappo.evaluate`."""
    from qnet_envs.baselines.mobile_edge_cloud import parallel_actions

    state = {}

    def policy(env, obs, infos):
        if state.get("sim") is not env.core:
            state["sim"], state["decider"] = env.core, cls(env.core, np.random.default_rng(0))
        return parallel_actions(env, state["decider"])

    return policy


def _dt_report(checkpoint: str, labels: dict, episodes: int, progress: bool = False):
    """The DT conditioned on returns from the dataset's worst to beyond its best behaviour
    policy, and those policies on the same evaluation seeds: (table, rows, same_seeds)."""
    from qnet_envs.baselines import policy_names
    from qnet_envs.rollout import run_episodes
    from qnet_envs.stats import format_ci

    from . import decision_transformer as dt

    best = max(labels.values())
    targets = sorted({round(min(labels.values())), round(best), round(1.2 * best)})
    say = print if progress else (lambda *a, **k: None)
    rows = []
    for t in targets:
        say(f"evaluating dt conditioned on return {t} ({episodes} episodes)", flush=True)
        rows.append((t, dt.evaluate(checkpoint, float(t), episodes, 100_000)))
    table = "| target return | achieved return ± 95% CI |\n|---|---|\n" + "\n".join(
        f"| {t} | {format_ci(v)} |" for t, v in rows
    )
    table += "\n\nBehaviour policies in the dataset (mean return): " + ", ".join(
        f"{k} {v:.1f}" for k, v in labels.items()
    )
    # the behaviour policies on the evaluation seeds too: a same-seed reference for the DT
    env_id = dt.load(checkpoint)[2]["env_id"]
    same_seeds = {}
    for k in [k for k in labels if k in policy_names(env_id)]:
        say(f"baseline {k} on the evaluation seeds ({episodes} episodes)", flush=True)
        same_seeds[k] = run_episodes(env_id, k, episodes, 100_000).returns
    table += "\n\nThe same policies on the evaluation seeds: " + ", ".join(
        f"{k} {format_ci(v)}" for k, v in same_seeds.items()
    )
    return table, rows, same_seeds


def dt_job(dataset_id: str, run: RunRequest = RunRequest(episodes=5), root: str | None = None):
    """Train the Decision Transformer on a Minari dataset, then condition it on returns from
    the dataset's worst to beyond its best behaviour policy."""
    import json as _json

    from . import decision_transformer as dt
    from .datasets import DEFAULT_ROOT

    name = run.folder("dt", dataset_id)
    cfg = dt.config_from(dataset_id=dataset_id, root=root or DEFAULT_ROOT, seed=run.seed,
                         run_dir=name, progress=run.progress, **(run.config or {}))  # fmt: skip
    if run.steps is not None:
        cfg = replace(cfg, train_steps=run.steps)
    resume_from = run.start(name)
    result, seconds = _timed(dt.train, cfg, resume=resume_from)
    done = SimpleNamespace(global_step=result["step"], parameters=result["parameters"],
                           interrupted=result["interrupted"])  # fmt: skip
    summary = run_summary(name, done, seconds)
    if done.interrupted:
        return summary
    labels = _json.loads((Path(cfg.root) / dataset_id / "policies.json").read_text())
    labels = labels["mean_by_policy"]
    table, rows, same_seeds = _dt_report(result["checkpoint"], labels, run.episodes, run.progress)
    resumed = ", resumed" if resume_from is not None else ""
    (Path(name) / "results.md").write_text(
        f"# Decision Transformer on {dataset_id}\n\n{result['step']:,} steps"
        f" ({seconds:.0f} s in this invocation{resumed})\n\n{table}\n"
    )
    summary.update(
        table=table,
        best_behaviour=max(labels.values()),
        behaviour_on_eval_seeds={k: float(np.mean(v)) for k, v in same_seeds.items()},
        by_target={t: float(np.mean(v)) for t, v in rows},
    )
    return summary


def bc_job(dataset_id: str, run: RunRequest = RunRequest(episodes=5), root: str | None = None):
    """Clone a Minari dataset's episodes (all, the best policy's, or the top fraction), then
    play the greedy masked policy next to the dataset's behaviour policies on the same
    evaluation seeds (the Decision Transformer's "%BC" comparison)."""
    from qnet_envs.baselines import policy_names
    from qnet_envs.rollout import run_episodes
    from qnet_envs.stats import format_ci

    from . import bc
    from .common import evaluate_greedy
    from .datasets import DEFAULT_ROOT

    name = run.folder("bc", dataset_id)
    cfg = bc.config_from(dataset_id=dataset_id, root=root or DEFAULT_ROOT, seed=run.seed,
                         run_dir=name, progress=run.progress, **(run.config or {}))  # fmt: skip
    if run.steps is not None:
        cfg = replace(cfg, train_steps=run.steps)
    resume_from = run.start(name)
    result, seconds = _timed(bc.train, cfg, resume=resume_from)
    done = SimpleNamespace(global_step=result["step"], parameters=result["parameters"],
                           interrupted=result["interrupted"])  # fmt: skip
    summary = run_summary(name, done, seconds)
    if done.interrupted:
        return summary
    meta = result["meta"]
    act, _ = bc.load_policy(result["checkpoint"])
    returns = evaluate_greedy(act, meta["env_id"], run.episodes, 100_000, None, run.progress,
                              label="evaluating bc")  # fmt: skip
    same_seeds = {
        k: run_episodes(meta["env_id"], k, run.episodes, 100_000).returns
        for k in meta["cloned_policies"]
        if k in policy_names(meta["env_id"])
    }
    table = (f"| policy | return ± 95% CI |\n|---|---|\n| bc ({cfg.clone}: "
             f"{meta['cloned_episodes']} episodes of {', '.join(meta['cloned_policies'])}) | "
             f"{format_ci(returns)} |\n") + "".join(
        f"| {k} | {format_ci(v)} |\n" for k, v in same_seeds.items()
    )  # fmt: skip
    resumed = ", resumed" if resume_from is not None else ""
    (Path(name) / "results.md").write_text(
        f"# Behaviour cloning on {dataset_id}\n\n{result['step']:,} steps"
        f" ({seconds:.0f} s in this invocation{resumed})\n\n{table}"
    )
    summary.update(table=table, returns=returns)
    return summary
