"""The ``qnet`` command: list the envs, roll out baselines (and, with the agents extra, train)."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path

from .config import did_you_mean, load_config_arg, make_configured


def _cmd_list(args) -> int:
    import gymnasium as gym

    from .registration import ENVS, PARALLEL_ENVS, make_parallel

    rows = []
    for spec in ENVS:
        env = gym.make(spec.id)
        rows.append(
            (spec.id, spec.kind, str(env.observation_space), str(env.action_space), spec.source)
        )
        env.close()
    for spec in PARALLEL_ENVS:
        env = make_parallel(spec.id)
        agent = env.possible_agents[0]
        rows.append(
            (
                spec.id,
                spec.kind,
                f"{len(env.possible_agents)} agents, e.g. {env.observation_space(agent)}",
                str(env.action_space(agent)),
                spec.source,
            )
        )
    for env_id, kind, obs, act, source in rows:
        print(
            f"{env_id}\n  kind: {kind}\n  observation: {obs}\n  action: {act}\n  source: {source}"
        )
    return 0


def _check_qnet_env(env_id: str, command: str) -> None:
    """``qnet rollout`` and ``qnet collect`` run the suite's baselines: a registered qnet/ id."""
    import gymnasium as gym

    from .registration import ENVS

    ids = [spec.id for spec in ENVS]
    if env_id not in ids:
        hint = did_you_mean(env_id, ids)
        if env_id in gym.registry:
            hint = " (it is a Gymnasium id, but the baselines exist only for qnet/ envs)"
        raise ValueError(f"--env {env_id!r}{hint}: qnet {command} takes one of {ids}")


def rollout_table(args, progress: bool = True) -> str:
    """The markdown table ``qnet rollout`` prints for parsed arguments ``args`` (also used by
    scripts/baseline_tables.py, so the baseline tables of the docs are exactly the command's output)."""
    from tqdm import tqdm

    from .baselines import policy_names
    from .rollout import markdown_table, metric_keys, run_episodes

    config = load_config_arg(args.config)
    _check_qnet_env(args.env, "rollout")
    known = policy_names(args.env)
    if args.policy != "all" and args.policy not in known:
        hint = did_you_mean(args.policy, known)
        raise ValueError(
            f"unknown policy {args.policy!r}{hint} for {args.env}; choose one of {known}"
        )
    try:
        env = make_configured(args.env, config)
    except ValueError as exc:
        raise ValueError(f"--config: {exc}") from None
    names = policy_names(args.env, env) if args.policy == "all" else [args.policy]
    results = []
    for name in names:
        hide = args.episodes < 2 or not progress
        with tqdm(total=args.episodes, desc=name, unit="ep", disable=hide, leave=False) as bar:

            def tick(ret, bar=bar):
                bar.update(1)
                bar.set_postfix(ret=f"{ret:.2f}")

            results.append(run_episodes(args.env, name, args.episodes, args.seed, config, tick))
    return markdown_table(results, metric_keys(env))


def _cmd_rollout(args) -> int:
    table = rollout_table(args)
    print(
        f"{args.env}: {args.episodes} episodes, seeds {args.seed}..{args.seed + args.episodes - 1}"
    )
    print("mean ± 95% CI (Student t) over episodes; metrics are end-of-episode info values\n")
    print(table)
    return 0


def _agents_module(name: str, command: str):
    """``qnet_agents.<name>``, or None after saying which extra ``qnet <command>`` needs (torch
    and friends live in the agents extra)."""
    try:
        return importlib.import_module(f"qnet_agents.{name}")
    except ImportError as exc:
        print(
            f"qnet {command} needs the agents extra: pip install -e '.[agents]' ({exc})",
            file=sys.stderr,
        )
        return None


def _cmd_train(args) -> int:
    jobs = _agents_module("jobs", "train")
    if jobs is None:
        return 2
    agent = args.agent or jobs.DEFAULT_JOB["agent"]
    env_id, summary = _run_job(args)
    if summary.get("interrupted"):
        print(summary["message"])
        return 130
    print(
        f"\n{agent} on {env_id}: {summary['steps']:,} steps in {summary['seconds']:.0f} s -> {summary['run_dir']}/"
    )
    print(
        f"(TensorBoard: tensorboard --logdir {summary['run_dir']}; results.md, learning_curve.png)\n"
    )
    print(summary["table"])
    for line in summary.get("leaderboard", []):
        print(f"\n{line}")
    return 0


def _run_job(args) -> tuple[str, dict]:
    """Run the agent's training job; returns (env or dataset id, the job's summary)."""
    from qnet_agents import jobs

    config = jobs.load_job_config(args.config)
    run = jobs.RunRequest(steps=args.steps, seed=args.seed, config=config, run_dir=args.run_dir,
                          resume=args.resume, episodes=args.eval_episodes,
                          overwrite=args.overwrite)  # fmt: skip
    return jobs.run_training(args.agent, run, args.env, args.dataset, args.root)


def _cmd_collect(args) -> int:
    datasets = _agents_module("datasets", "collect")
    if datasets is None:
        return 2
    _check_qnet_env(args.env, "collect")
    out = datasets.collect(
        args.env, args.mixture.split(","), args.episodes, args.root, args.name, args.ddqn
    )
    print(json.dumps(out, indent=1))
    return 0


def _cmd_evaluate(args) -> int:
    jobs = _agents_module("jobs", "evaluate")
    if jobs is None:
        return 2
    out = jobs.evaluate_job(args.checkpoint, args.episodes)
    print(f"{out['agent']} on {out['env_id']}, {args.episodes} episodes:\n")
    print(out["table"])
    return 0


def _cmd_tune(args) -> int:
    jobs = _agents_module("jobs", "tune")
    if jobs is None:
        return 2
    config = jobs.load_job_config(args.config)
    out = jobs.tune_job(args.agent, args.env, args.trials, args.budget, config, args.entry,
                        args.seed)  # fmt: skip
    print(
        f"{out['agent']} on {out['env_id']}: {out['complete']} trials complete, "
        f"{out['pruned']} pruned, in {out['seconds']} s; best mean return "
        f"{out['best_value']:.4g} (trial {out['best_trial']}) on validation seeds "
        f"{out['validation_seeds'][0]}-{out['validation_seeds'][1]}"
    )
    print(f"best values, written to the entry {out['entry']!r} of qnet_agents/hyperparams/"
          f"{out['agent']}.yml: {json.dumps(out['best_values'])}")  # fmt: skip
    print(f"use it: qnet train --agent {out['agent']} --env {out['env_id']} --config "
          f"'{json.dumps({'preset': out['entry']})}'")  # fmt: skip
    return 0


def _version() -> str:
    from . import __version__

    return f"qnet {__version__}"


def _subparser(sub, name: str, help_text: str):
    # help strings are %-formatted by argparse (so "%" is written "%%"); descriptions are not
    p = sub.add_parser(name, help=help_text, description=help_text.replace("%%", "%"))
    p.add_argument("--version", action="version", version=_version())
    return p


def build_parser() -> argparse.ArgumentParser:
    from .baselines import all_policy_names

    policies = all_policy_names()
    parser = argparse.ArgumentParser(prog="qnet", description=__doc__)
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", required=True)
    p = _subparser(sub, "list", "list every registered env with its spaces and source paper")
    p.set_defaults(func=_cmd_list)
    _add_rollout(sub, policies)
    _add_train(sub)
    _add_collect_and_evaluate(sub)
    _add_tune(sub)
    return parser


def _add_tune(sub) -> None:
    p = _subparser(
        sub, "tune", "search an agent's hyperparameters with Optuna (needs the tune extra)"
    )
    p.add_argument("--agent", required=True, metavar="NAME", help="ppo or ddqn")
    p.add_argument("--env", default=None, help="a Gymnasium id (default: the main job's env)")
    p.add_argument(
        "--config",
        default=None,
        help="fixed agent config fields (env_config among them), as for qnet train",
    )
    p.add_argument("--trials", type=int, default=20, help="trials (>= 1; default 20)")
    p.add_argument("--budget", type=int, default=50_000, help="env steps per trial (>= 1)")
    p.add_argument(
        "--entry",
        default=None,
        help="the hyperparams YAML entry to write (default: '<env id> tuned')",
    )
    p.add_argument("--seed", type=int, default=0, help="training and sampler seed (default 0)")
    p.set_defaults(func=_cmd_tune)


def _add_rollout(sub, policies: list[str]) -> None:
    p = _subparser(sub, "rollout", "roll out baseline policies and report returns with 95%% CIs")
    p.add_argument("--env", required=True, help="a qnet/... id (see qnet list)")
    p.add_argument(
        "--policy",
        default="all",
        help="a baseline name, or 'all' (default: every baseline that applies to the config); "
        f"names: {', '.join(policies)}",
    )
    p.add_argument("--episodes", type=int, default=10, help="episodes, seeded SEED, SEED+1, ...")
    p.add_argument("--seed", type=int, default=0, help="seed of the first episode (default 0)")
    p.add_argument(
        "--config",
        default=None,
        help="env config: a JSON object, or a JSON/YAML file, deep-merged into the defaults",
    )
    p.set_defaults(func=_cmd_rollout)


def _add_train(sub) -> None:
    p = _subparser(
        sub, "train", "train an agent (needs the agents extra); no flags: the default job"
    )
    from qnet_agents.registry import AGENTS, DEFAULT_AGENT

    p.add_argument(
        "--agent",
        default=None,
        metavar="NAME",
        help=f"default: {DEFAULT_AGENT}; "
        + "; ".join(
            f"{s.name}: {s.summary}, on {s.actions} ({s.extra} extra)" for s in AGENTS.values()
        ),
    )
    p.add_argument(
        "--dataset", default=None, help="--agent dt or bc: a Minari dataset id (see qnet collect)"
    )
    p.add_argument(
        "--root", default=None, help="--agent dt or bc: the datasets folder (default data/minari)"
    )
    p.add_argument(
        "--env",
        default=None,
        help="a Gymnasium id (a PettingZoo id for multi-agent learners) whose actions the agent "
        "takes (default: the agent's own, qnet/QuantumResourceAllocation-v0 for most)",
    )
    p.add_argument(
        "--steps", type=int, default=None, help="env steps (default job: 60000; else the preset's)"
    )
    p.add_argument("--seed", type=int, default=0, help="seed of training (default 0)")
    p.add_argument(
        "--config",
        default=None,
        help="agent config: a JSON object, or a JSON/YAML file, of config fields and an "
        "optional 'preset'",
    )
    p.add_argument(
        "--run-dir", default=None, help="output folder (default runs/<agent>-<env>-s<seed>)"
    )
    p.add_argument(
        "--resume", action="store_true", help="continue from the run folder's checkpoint"
    )
    p.add_argument(
        "--overwrite", action="store_true", help="replace a run already in the run folder"
    )
    p.add_argument(
        "--eval-episodes", type=int, default=10, help="greedy evaluation episodes (>= 1)"
    )
    p.set_defaults(func=_cmd_train)


def _add_collect_and_evaluate(sub) -> None:
    p = _subparser(sub, "collect", "record a Minari dataset from a mixture of policies")
    p.add_argument("--env", default="qnet/QuantumResourceAllocation-v0", help="a qnet/... id")
    p.add_argument(
        "--mixture",
        default="random-valid,greedy,saa",
        help="comma-separated policy names (and 'ddqn' with --ddqn)",
    )
    p.add_argument("--episodes", type=int, default=30, help="episodes to record (>= 1)")
    p.add_argument("--name", default=None, help="dataset name (default from the env and mixture)")
    p.add_argument("--root", default="data/minari", help="datasets folder (default data/minari)")
    p.add_argument("--ddqn", default=None, help="a DDQN checkpoint to include as policy 'ddqn'")
    p.set_defaults(func=_cmd_collect)
    from qnet_agents.registry import evaluate_help

    p = _subparser(sub, "evaluate", "evaluate a checkpoint against the env's baselines")
    p.add_argument(
        "--checkpoint",
        required=True,
        help="a checkpoint file from a run folder; what each agent writes: " + evaluate_help(),
    )
    p.add_argument("--episodes", type=int, default=10, help="evaluation episodes (>= 1)")
    p.set_defaults(func=_cmd_evaluate)


def _check_counts(args) -> None:
    for name in ("episodes", "eval_episodes", "trials", "budget"):
        value = getattr(args, name, 1)
        if value < 1:
            raise ValueError(f"--{name.replace('_', '-')}={value} must be >= 1")
    if getattr(args, "command", None) == "evaluate" and not Path(args.checkpoint).is_file():
        raise ValueError(f"--checkpoint {args.checkpoint}: no such file")


def main(argv: list[str] | None = None) -> int:
    """Run the command; every user mistake ends in one line ``qnet: error: ...`` (exit 2)."""
    import gymnasium as gym

    import qnet_envs  # noqa: F401  (registers the ids)

    args = build_parser().parse_args(argv)
    try:
        _check_counts(args)
        return args.func(args)
    except (ValueError, OSError, gym.error.Error) as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"qnet: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
