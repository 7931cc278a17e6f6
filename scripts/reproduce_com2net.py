#!/usr/bin/env python3
"""Reproduce seed 000's Fig. 6: task completion ratio against available bandwidth, and FL
accuracy against epochs in the single- and multi-task scenarios.

    python scripts/reproduce_com2net.py [--quick] [--seeds 10] [--ddqn-steps 0]

Writes docs/com2net_tcr.png, docs/com2net_fl_accuracy.png and docs/com2net.md (mean ± 95% CI
over seeds); ``--quick`` writes under runs/com2net_quick instead. QGA and GA get the same evaluation budget; RPC draws each level from a fixed
uniform distribution; DDQN (``--ddqn-steps N``) trains the seed's [688, 1000, 500, 4] network
with lr 1e-4 for N steps per bandwidth and is evaluated greedily on the same episodes.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from tqdm import tqdm

from qnet_envs.baselines.com2net_solvers import (
    QGAConfig,
    episode_length,
    make_env,
    optimise_offline,
    qga,
    tcr_of,
)
from qnet_envs.rendering import new_figure
from qnet_envs.stats import format_ci, plot_mean_ci

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def ddqn_tcr(bandwidth: float, seeds, steps: int, horizon: int) -> list[float]:
    from qnet_agents import ddqn

    cfg = ddqn.config_from(
        "com2net",
        total_steps=steps,
        env_config={"bandwidth_gbps": bandwidth, "horizon": horizon},
        run_dir=f"runs/com2net-ddqn-{bandwidth}",
        progress=False,
        eval_every=0,
        learning_starts=500,
        buffer_size=20_000,
    )
    res = ddqn.train("qnet/Com2Net-v0", cfg)
    act, _ = ddqn.load_policy(res.checkpoint)
    env = make_env({"bandwidth_gbps": bandwidth, "horizon": horizon})
    out = []
    for s in seeds:
        obs, info = env.reset(seed=s)
        done = False
        while not done:
            obs, r, te, tr, info = env.step(act(obs, info["action_mask"].astype(bool)))
            done = te or tr
        out.append(info["tcr"])
    return out


def fl_curves(seed: int, cfg: QGAConfig) -> dict:
    """Accuracy per epoch of an FL job under QGA decisions, alone and among other tasks."""
    out = {}
    for name, env_cfg in (
        ("single-task", {"multi_task": False}),
        (
            "multi-task",
            {"multi_task": True, "fl_fraction": 0.5, "tasks_per_epoch": 6.0, "horizon": 10},
        ),
    ):
        env = make_env(env_cfg)
        n = episode_length(env, seed)
        genes, _, _ = qga(lambda g, env=env: tcr_of(env, seed, g), n, cfg)
        tcr_of(env, seed, genes)
        curves = env.core.fl_curves
        out[name] = curves[-1] if curves else np.array([])  # the last job met the busiest network
    return out


def save_figure(path: Path, draw, xlabel: str, ylabel: str, title: str) -> None:
    """One of the reproduction's figures: ``draw(ax)`` plots, then the labels and legend."""
    fig = new_figure(6.4, 4.0)
    ax = fig.add_subplot()
    draw(ax)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=9)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)


def report(results: dict, bandwidths: list, curves: dict) -> str:
    """The markdown of the TCR table (mean and 95% CI per method and bandwidth), QGA's gain at
    the largest bandwidth and the FL epochs to 90%."""
    lines = [
        "| B (Gbit/s) | " + " | ".join(m.upper() for m in results) + " |",
        "|---" * (len(results) + 1) + "|",
    ]
    for b in bandwidths:
        lines.append(f"| {b} | " + " | ".join(format_ci(results[m][b]) for m in results) + " |")
    top = bandwidths[-1]
    gains = {
        m: np.mean(results["qga"][top]) / np.mean(results[m][top]) - 1
        for m in results
        if m != "qga"
    }
    text = (
        "\n".join(lines)
        + f"\n\nQGA's TCR gain at {top} Gbit/s: "
        + ", ".join(f"{g:+.1%} over {m.upper()}" for m, g in gains.items())
    )
    return (
        text
        + "\n\nFL epochs to 90%: "
        + ", ".join(f"{k}: {v.size}" for k, v in curves.items())
        + "\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 bandwidths, 2 seeds, small search")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--horizon", type=int, default=20)
    parser.add_argument("--ddqn-steps", type=int, default=0)
    parser.add_argument(
        "--out", default=None, help="output folder (docs/, or runs/com2net_quick with --quick)"
    )
    args = parser.parse_args()
    out = Path(args.out) if args.out else (ROOT / "runs" / "com2net_quick" if args.quick else DOCS)
    bandwidths = [0.2, 1.0] if args.quick else [0.2, 0.4, 0.6, 0.8, 1.0]
    seeds = range(2 if args.quick else args.seeds)
    search = QGAConfig(population=8, generations=4) if args.quick else QGAConfig()
    methods = ["qga", "ga", "rpc"]
    results = {m: {} for m in methods + (["ddqn"] if args.ddqn_steps else [])}
    for b in tqdm(bandwidths, desc="bandwidth"):
        env_config = {"bandwidth_gbps": b, "horizon": args.horizon}
        for m in methods:
            results[m][b] = [
                optimise_offline(m, env_config, s, QGAConfig(**{**vars(search), "seed": s}))["tcr"]
                for s in seeds
            ]
        if args.ddqn_steps:
            results["ddqn"][b] = ddqn_tcr(b, seeds, args.ddqn_steps, args.horizon)
    out.mkdir(parents=True, exist_ok=True)

    def tcr(ax):
        for m, by_b in results.items():
            plot_mean_ci(ax, bandwidths, [by_b[b] for b in bandwidths], label=m.upper())

    save_figure(out / "com2net_tcr.png", tcr, "available bandwidth B (Gbit/s)",
                "task completion ratio",
                "(Com)2Net, Fig. 6(b) setting: TCR vs bandwidth (mean ± 95% CI)")  # fmt: skip
    curves = fl_curves(0, search)

    def accuracy(ax):
        for name, acc in curves.items():
            if acc.size:
                ax.plot(np.arange(1, acc.size + 1), acc, label=f"{name} ({acc.size} epochs to 90%)")
        ax.axhline(0.9, color="grey", ls="--", lw=1)

    save_figure(out / "com2net_fl_accuracy.png", accuracy, "FL epoch", "test accuracy (surrogate)",
                "(Com)2Net, Fig. 6(a) setting: FL accuracy under QGA allocation")  # fmt: skip
    text = report(results, bandwidths, curves)
    (out / "com2net.md").write_text(
        f"# (Com)2Net reproduction\n\n`python scripts/reproduce_com2net.py{' --quick' if args.quick else ''}` ({len(list(seeds))} seeds, episodes of {args.horizon} decision epochs)\n\n"
        + text
    )
    print(text)


if __name__ == "__main__":
    main()
