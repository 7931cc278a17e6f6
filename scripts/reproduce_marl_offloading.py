#!/usr/bin/env python3
"""Seed 002's multi-agent use case (Fig. 3): MAPPO against random and the per-slot oracle per QoS.

    python scripts/reproduce_marl_offloading.py [--quick] [--steps 30000] [--gamma 0.9,0.99]

For each QoS preset and each discount it trains MAPPO (qnet_agents/mappo.py: shared actor with
one-hot ids, one head per role, centralised critic on ``state()``) on the PettingZoo env with
its flat Discrete actions (target x fraction level), keeping the checkpoint whose greedy policy
has the lowest cost on 3 selection episodes after every update (``--eval-every``; seeds apart
from the test seeds).
Per preset the discount whose best checkpoint did best on the selection episodes is kept (the
energy-weighted preset's cost is nearly immediate, the latency-weighted one's depends on queues
that outlast a slot), and that checkpoint is evaluated on
seeded test episodes next to the random policy and the per-slot oracle on the same seeds. Writes docs/marl_offloading.png
(learning curves: mean cost per task against env steps, one panel line per preset) and
docs/marl_offloading.md (``--quick``: under runs/marl_quick).
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from qnet_agents import mappo
from qnet_agents.common import load_checkpoint
from qnet_envs.core.offloading import QOS_PRESETS
from qnet_envs.rendering import new_figure
from qnet_envs.rollout import run_episodes
from qnet_envs.stats import format_ci

ROOT = Path(__file__).resolve().parents[1]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="qnet/MobileEdgeCloud-v0")
    parser.add_argument("--quick", action="store_true", help="small preset, 2,000 steps")
    parser.add_argument("--steps", type=int, default=30_000)
    parser.add_argument("--episodes", type=int, default=10)
    parser.add_argument("--horizon", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--lr", type=float, default=5e-4)
    parser.add_argument(
        "--gamma",
        default="0.9,0.99",
        help="discounts to try; per preset the one with the best selection cost is kept",
    )
    parser.add_argument("--workers", type=int, default=2, help="training runs in parallel")
    parser.add_argument(
        "--eval-every", type=int, default=1, help="updates between selection evaluations"
    )
    return parser.parse_args()


def evaluate_preset(env_id, qos, options, episodes, args) -> tuple[str, object]:
    """For one QoS preset: its table row (the discount whose best checkpoint costs least on the
    selection seeds, never the test seeds below, against the baselines) and that discount's
    training result."""
    d, e = QOS_PRESETS[qos]
    env_config = {"qos": qos, "horizon": args.horizon}
    gamma = min(options, key=lambda g: _selection_cost(options[g]))
    result = options[gamma]
    policy, cfg = mappo.load_policy(result.best_checkpoint or result.checkpoint)
    learned = mappo.evaluate(policy, env_id, cfg.env_config, episodes, seed=10_000)
    base = {
        name: run_episodes(env_id, name, episodes, 10_000, env_config).metrics["mean_cost_per_task"]
        for name in ("random", "best-response", "slot-oracle")
    }
    cut = 1 - np.mean(learned) / np.mean(base["random"])
    gap = np.mean(learned) / np.mean(base["slot-oracle"]) - 1
    row = (
        f"| {qos} ({d}, {e}) | {gamma} | {format_ci(learned)} | {format_ci(base['random'])} | "
        f"{format_ci(base['best-response'])} | {format_ci(base['slot-oracle'])} | -{cut:.0%} | "
        f"+{gap:.0%} |"
    )
    return row, result


def plot_curves(curves: dict, env_id: str, path) -> None:
    """Each preset's training curve: a running median over 9 training episodes (single
    episodes spike) of the mean cost per task."""
    fig = new_figure(6.4, 4.0)
    ax = fig.add_subplot()
    for qos, c in curves.items():
        if len(c):
            k = min(9, len(c))
            med = np.array([np.median(c[max(0, i - k + 1) : i + 1, 1]) for i in range(len(c))])
            ax.plot(c[:, 0], med, label=f"{qos} {QOS_PRESETS[qos]}")
    ax.set_xlabel("env steps (slots)")
    ax.set_ylabel("mean cost per task (running median, training)")
    ax.set_yscale("log")
    ax.set_title(f"MAPPO on {env_id}, seed 002 Fig. 3 setting", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)


def report(env_id, steps, episodes, args, rows, tried) -> str:
    cmd = "python scripts/reproduce_marl_offloading.py" + (
        " --quick"
        if args.quick
        else f" --steps {steps} --lr {args.lr} --gamma {args.gamma} --eval-every {args.eval_every}"
    )
    return "\n".join(
        [
            f"# MAPPO on {env_id}",
            "",
            f"`{cmd}`: {steps:,} training steps per preset and discount (lr {args.lr}), {episodes} evaluation episodes of "
            f"{args.horizon} slots (seeds 10000+), mean cost per task ± 95% CI.",
            "",
            "| QoS (d, e) | discount | MAPPO | random | best-response | slot-oracle | MAPPO vs random "
            "| MAPPO vs oracle |",
            "|---|---|---|---|---|---|---|---|",
            *rows,
            "",
            "Discount per preset: the one whose best checkpoint had the lowest greedy cost on the "
            f"selection episodes (seeds 50000+, 3 episodes every {args.eval_every} updates of 400 "
            "slots): " + "; ".join(tried) + ".",
            "",
        ]
    )


def main() -> None:
    args = parse_args()
    env_id, steps, episodes = args.env, args.steps, args.episodes
    out = ROOT / "docs"
    if args.quick:
        env_id, steps, episodes = "qnet/MobileEdgeCloud-small-v0", 2000, 3
        out = ROOT / "runs" / "marl_quick"
    out.mkdir(parents=True, exist_ok=True)
    rows, curves, tried = [], {}, []
    gammas = [float(g) for g in args.gamma.split(",")]
    if args.quick:
        gammas = gammas[:1]
    jobs = [(qos, g) for qos in QOS_PRESETS for g in gammas]
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        futures = [pool.submit(_train, env_id, qos, g, steps, args) for qos, g in jobs]
        results = {job: f.result() for job, f in zip(jobs, futures, strict=True)}
    for qos in QOS_PRESETS:
        options = {g: results[(qos, g)] for g in gammas}
        tried.append(
            f"{qos}: "
            + ", ".join(f"gamma {g} -> {_selection_cost(r):.3f}" for g, r in options.items())
        )
        row, result = evaluate_preset(env_id, qos, options, episodes, args)
        rows.append(row)
        # the training curve: (env step, episode return, mean cost per task)
        curves[qos] = np.array(
            [(s, c) for s, _, c in _curve(result)] if result.curve else np.zeros((0, 2))
        )
        print(rows[-1], flush=True)
    plot_curves(curves, env_id, out / "marl_offloading.png")
    text = report(env_id, steps, episodes, args, rows, tried)
    (out / "marl_offloading.md").write_text(text)
    print(text)


def _train(env_id, qos, gamma, steps, args):
    cfg = mappo.config_from(
        env_id=env_id,
        env_config={"qos": qos, "horizon": args.horizon, "flat_actions": True},
        total_steps=steps,
        rollout=400,
        lr=args.lr,
        gamma=gamma,
        seed=args.seed,
        eval_every=args.eval_every,
        eval_episodes=3,
        progress=args.workers == 1,
        run_dir=str(ROOT / "runs" / f"mappo-{env_id.replace('/', '_')}-{qos}-g{gamma}"),
    )
    return mappo.train(cfg)


def _selection_cost(result) -> float:
    return min((c for _, c in result.evals), default=float("inf"))


def _curve(result):
    return [tuple(c) for c in load_checkpoint(result.checkpoint)["curve"]]


if __name__ == "__main__":
    main()
