"""``qnet tune``: hyperparameter search as rl-baselines3-zoo does it, with Optuna.

A study samples an agent's hyperparameters with the TPE sampler (seeded), trains each trial for
``budget`` env steps, evaluates the policy periodically on validation episodes (seeds 10000 +
the training seed, ...; never the leaderboard's held-out 100000+) and prunes a trial whose
evaluation falls below the median of earlier trials at the same step (Optuna's median
pruner). The best trial's values are written into the agent's YAML (``qnet_agents/hyperparams/
<agent>.yml``) as a named entry, with the study's summary as its comment, and the whole study
(every trial's values, evaluations and state) into ``leaderboard/tuning/<entry>.json``.

Search spaces follow rl-baselines3-zoo's ``hyperparams_opt.py`` for PPO and DQN, cut to what
the agents here take. Needs the ``tune`` extra (Optuna).
"""

from __future__ import annotations

import json
import textwrap
import time
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HYPERPARAMS = Path(__file__).resolve().parent / "hyperparams"
TUNING = ROOT / "leaderboard" / "tuning"
EVALUATIONS = 5  # periodic evaluations per trial (the pruner's checkpoints)
EVAL_EPISODES = 5


def sample_ppo(trial) -> dict:
    """MaskablePPO's space (rl-zoo ``sample_ppo_params``, without the options it lacks)."""
    n_steps = trial.suggest_categorical("n_steps", [64, 128, 256, 512, 1024])
    return {
        "n_steps": n_steps,
        "batch_size": trial.suggest_categorical("batch_size", [32, 64, 128, 256]),
        "n_epochs": trial.suggest_categorical("n_epochs", [3, 5, 10, 20]),
        "learning_rate": trial.suggest_float("learning_rate", 1e-5, 1e-3, log=True),
        "gamma": trial.suggest_categorical("gamma", [0.9, 0.95, 0.98, 0.99, 0.995, 0.999]),
        "gae_lambda": trial.suggest_categorical("gae_lambda", [0.8, 0.9, 0.95, 0.98, 1.0]),
        "ent_coef": trial.suggest_float("ent_coef", 1e-8, 0.1, log=True),
        "clip_range": trial.suggest_categorical("clip_range", [0.1, 0.2, 0.3]),
        "net_arch": [[64, 64], [256, 256]][trial.suggest_categorical("net_arch", [0, 1])],
    }


def sample_ddqn(trial) -> dict:
    """Double DQN's space (rl-zoo ``sample_dqn_params``)."""
    return {
        "lr": trial.suggest_float("lr", 1e-5, 1e-2, log=True),
        "batch_size": trial.suggest_categorical("batch_size", [32, 64, 128, 256]),
        "buffer_size": trial.suggest_categorical("buffer_size", [10_000, 50_000, 100_000]),
        "gamma": trial.suggest_categorical("gamma", [0.9, 0.95, 0.98, 0.99, 0.995, 0.999]),
        "target_update_freq": trial.suggest_categorical("target_update_freq", [100, 500, 1000]),
        "train_freq": trial.suggest_categorical("train_freq", [1, 4, 8]),
        "eps_fraction": trial.suggest_float("eps_fraction", 0.05, 0.5),
        "eps_end": trial.suggest_float("eps_end", 0.01, 0.2),
        "hidden": [[64, 64], [128, 128], [256, 256]][
            trial.suggest_categorical("hidden", [0, 1, 2])
        ],
    }


SPACES = {"ppo": sample_ppo, "ddqn": sample_ddqn}


@dataclass(frozen=True)
class TuneRequest:
    agent: str
    env_id: str
    trials: int
    budget: int
    config: dict | None = None  # fixed agent config fields (env_config among them)
    entry: str | None = None  # the YAML entry to write (default: <env id> tuned)
    seed: int = 0
    run_dir: str = "runs/tune"
    progress: bool = True
    hyperparams_dir: Path = HYPERPARAMS  # where the agent's YAML is
    study_dir: Path = TUNING  # where the study files go


def _train_trial(req: TuneRequest, values: dict, number: int, report) -> float:
    """Train one trial; ``report(step, score) -> bool`` is each periodic evaluation (False:
    pruned). Returns the last evaluation's mean return."""
    every = max(1, req.budget // EVALUATIONS)
    run_dir = f"{req.run_dir}/trial-{number}"
    fixed = {**(req.config or {}), "seed": req.seed, "run_dir": run_dir, "progress": False,
             "tensorboard": False, "total_steps": req.budget}  # fmt: skip
    scores = []

    def on_eval(step: int, score: float) -> bool:
        scores.append(score)
        return report(step, score)

    if req.agent == "ppo":
        from . import ppo

        cfg = ppo.config_from(req.env_id, **{**fixed, **values, "checkpoint_every": 0})
        if cfg.batch_size > cfg.n_steps * cfg.n_envs:  # a minibatch within one rollout
            values["batch_size"] = cfg.n_steps * cfg.n_envs
            cfg = replace(cfg, batch_size=values["batch_size"])
        ppo.train(req.env_id, cfg, on_eval=on_eval, eval_every=every, eval_episodes=EVAL_EPISODES)
    else:
        from . import ddqn

        cfg = ddqn.config_from("default", **{**fixed, **values, "eval_every": every,
                                             "eval_episodes": EVAL_EPISODES,
                                             "checkpoint_every": 0})  # fmt: skip
        ddqn.train(req.env_id, cfg, on_eval=on_eval)
    return scores[-1] if scores else float("-inf")


def tune(req: TuneRequest) -> dict:
    """Run the study; write the YAML entry and the study file. Returns the study summary."""
    from .registry import require

    optuna = require("optuna", "tune")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    if req.agent not in SPACES:
        raise ValueError(f"--agent {req.agent!r}: qnet tune takes one of {sorted(SPACES)}")
    sampler = optuna.samplers.TPESampler(seed=req.seed)
    pruner = optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=1)
    study = optuna.create_study(direction="maximize", sampler=sampler, pruner=pruner)

    def objective(trial) -> float:
        values = SPACES[req.agent](trial)

        def report(step: int, score: float) -> bool:
            trial.report(score, step)
            return not trial.should_prune()

        score = _train_trial(req, values, trial.number, report)
        trial.set_user_attr("values", values)
        if trial.should_prune():
            raise optuna.TrialPruned()
        return score

    t0 = time.time()
    study.optimize(objective, n_trials=req.trials, show_progress_bar=req.progress)
    summary = _summary(req, study, time.time() - t0)
    write_study(req, study, summary, req.study_dir)
    write_entry(req, summary, req.hyperparams_dir)
    return summary


def entry_name(req: TuneRequest) -> str:
    return req.entry or f"{req.env_id} tuned"


def _summary(req: TuneRequest, study, seconds: float) -> dict:
    states = [t.state.name for t in study.trials]
    best = study.best_trial
    return {"agent": req.agent, "env_id": req.env_id, "entry": entry_name(req),
            "config": req.config or {}, "trials": req.trials, "budget": req.budget,
            "seed": req.seed, "complete": states.count("COMPLETE"),
            "pruned": states.count("PRUNED"), "best_trial": best.number,
            "best_value": best.value, "best_values": best.user_attrs["values"],
            "validation_seeds": [10_000 + req.seed, 10_000 + req.seed + EVAL_EPISODES - 1],
            "date": time.strftime("%Y-%m-%d"), "seconds": round(seconds)}  # fmt: skip


def write_study(req: TuneRequest, study, summary: dict, folder: Path = TUNING) -> Path:
    trials = [{"number": t.number, "state": t.state.name, "value": t.value,
               "values": t.user_attrs.get("values", t.params),
               "evaluations": {str(k): v for k, v in t.intermediate_values.items()}}
              for t in study.trials]  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (entry_name(req).replace("/", "_").replace(" ", "-") + ".json")
    path.write_text(json.dumps({"summary": summary, "trials": trials}, indent=1) + "\n")
    return path


def write_entry(req: TuneRequest, summary: dict, folder: Path = HYPERPARAMS) -> Path:
    """Replace (or add) the entry in the agent's YAML, its comment the study's summary."""
    import yaml

    path = folder / f"{req.agent}.yml"
    name = entry_name(req)
    values = {**(req.config or {}), **summary["best_values"], "total_steps": req.budget}
    config = f" --config '{json.dumps(req.config)}'" if req.config else ""
    comment = (
        f"Tuned: qnet tune --agent {req.agent} --env {req.env_id}{config} --trials "
        f"{req.trials} --budget {req.budget} ({summary['date']}): Optuna TPE (seed {req.seed}), "
        f"median pruner; {summary['complete']} trials complete, {summary['pruned']} pruned; "
        f"best mean return {summary['best_value']:.4g} on validation seeds "
        f"{summary['validation_seeds'][0]}-{summary['validation_seeds'][1]} (trial "
        f"{summary['best_trial']}). Study: leaderboard/tuning/."
    )
    comment = "\n".join(textwrap.wrap(comment, 96, initial_indent="# ", subsequent_indent="# "))
    body = yaml.safe_dump({name: values}, default_flow_style=None, sort_keys=False)
    kept = _without_entry(path.read_text() if path.exists() else "", name)
    path.write_text(kept.rstrip("\n") + "\n\n" + comment + "\n" + body)
    return path


def _without_entry(text: str, name: str) -> str:
    """The YAML text without entry ``name`` and the comment lines just above it."""
    import yaml

    lines, out, skip = text.split("\n"), [], False
    key = yaml.safe_dump({name: 0}).split(":")[0]  # the key as the file spells it
    for line in lines:
        top = line and not line.startswith((" ", "#"))
        if top:
            skip = line.split(":")[0] == key
            if skip:
                while out and out[-1].startswith("#"):
                    out.pop()
        if not skip:
            out.append(line)
    return "\n".join(out)
