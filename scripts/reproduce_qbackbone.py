#!/usr/bin/env python3
"""Reproduce seed 001's Fig. 3 and Fig. 4: jobs served within deadline against load and against
the deadline coefficient, for the QB-scheduler, its three ablations and three heuristics.

    python scripts/reproduce_qbackbone.py [--quick] [--seeds 20] [--jobs 25] [--workers 2]

Writes docs/qbackbone_load.png, docs/qbackbone_deadline.png, docs/qbackbone.md and
docs/qbackbone_results.json (``--quick`` writes under runs/qbackbone_quick instead). Every point
is the mean ± 95% CI over seeds of the fraction of an instance's jobs served by their deadline;
all seven schedulers see the same jobs (circuits, arrivals, deadlines) for a given seed, and
every schedule is verified by the independent feasibility checker before it is counted.
Fig. 3 uses the default mixed deadlines; Fig. 4 uses load ``--fig4-load``.
"""

from __future__ import annotations

import argparse
import json
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from tqdm import tqdm

from qnet_envs.config import merge_config
from qnet_envs.core.qpu_scheduling import (
    SCHEDULERS,
    QBackboneConfig,
    check_schedule,
    draw_jobs,
    run_scheduler,
)
from qnet_envs.rendering import new_figure
from qnet_envs.stats import format_ci, plot_mean_ci

ROOT = Path(__file__).resolve().parents[1]
LABELS = {
    "qb": "QB-scheduler (SA)",
    "qb-no-shot-split": "QIP w/o shot distribution",
    "qb-no-locc": "QIP w/o LOCC awareness",
    "qb-no-either": "QIP w/o either",
    "greedy-edf": "greedy (EDF + splitting)",
    "list": "list scheduling",
    "random": "random",
}


def one_point(task) -> tuple:
    sweep, x, seed, overrides, iterations = task
    cfg = merge_config(QBackboneConfig(), overrides)
    draws = draw_jobs(cfg, np.random.default_rng(seed))
    out = {}
    for name in SCHEDULERS:
        t = time.perf_counter()
        inst, sched = run_scheduler(name, cfg, draws, seed=seed, iterations=iterations)
        out[name] = (check_schedule(inst, sched) / inst.n_jobs, time.perf_counter() - t)
    return sweep, x, seed, out


def plot(results, sweep, xs, xlabel, title, path):
    fig = new_figure(6.4, 4.2)
    ax = fig.add_subplot()
    for name in SCHEDULERS:
        samples = [results[sweep][x][name] for x in xs]
        lw = 2.2 if name == "qb" else 1.2
        plot_mean_ci(ax, xs, samples, ms=4, lw=lw, label=LABELS[name])
    ax.set_xlabel(xlabel)
    ax.set_ylabel("fraction of jobs served within deadline")
    ax.set_title(title, fontsize=9)
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path)


def table(results, sweep, xs, head) -> list[str]:
    lines = [
        f"| {head} | " + " | ".join(LABELS[n] for n in SCHEDULERS) + " |",
        "|---" * (len(SCHEDULERS) + 1) + "|",
    ]
    for x in xs:
        row = [format_ci(results[sweep][x][n], 2) for n in SCHEDULERS]
        lines.append(f"| {x} | " + " | ".join(row) + " |")
    return lines


def gains(results, sweep, xs) -> dict:
    """QB's mean relative gain over each scheduler, averaged over the sweep's points."""
    out = {}
    for n in SCHEDULERS[1:]:
        rel = []
        for x in xs:
            a, b = np.mean(results[sweep][x]["qb"]), np.mean(results[sweep][x][n])
            rel.append(a / b - 1 if b > 0 else np.nan)
        out[n] = float(np.nanmean(rel))
    return out


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 seeds, 2 points per sweep")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=25, help="jobs per instance")
    parser.add_argument("--iterations", type=int, default=600, help="annealing iterations")
    parser.add_argument("--fig4-load", type=float, default=2.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--replot", action="store_true", help="rewrite plots and tables from the saved JSON"
    )
    return parser.parse_args()


def run_sweeps(args, loads, coefs, seeds, iters) -> tuple[dict, dict]:
    """Every (sweep, point, seed) instance under every scheduler, in ``args.workers``
    processes: the fractions served per sweep and point, and the wall times per scheduler."""
    tasks = [("load", x, s, {"n_jobs": args.jobs, "load": x}, iters) for x in loads for s in seeds]
    tasks += [
        ("deadline", c, s, {"n_jobs": args.jobs, "load": args.fig4_load, "deadline": c}, iters)
        for c in coefs
        for s in seeds
    ]
    results = {"load": {x: {n: [] for n in SCHEDULERS} for x in loads}}
    results["deadline"] = {c: {n: [] for n in SCHEDULERS} for c in coefs}
    seconds = {n: [] for n in SCHEDULERS}
    with ProcessPoolExecutor(args.workers) as pool:
        for sweep, x, _, res in tqdm(pool.map(one_point, tasks), total=len(tasks)):
            for n, (frac, sec) in res.items():
                results[sweep][x][n].append(frac)
                seconds[n].append(sec)
    return results, seconds


def report(args, results, seconds, loads, coefs, seeds, iters) -> list[str]:
    """The markdown report's lines."""
    g_load, g_dl = gains(results, "load", loads), gains(results, "deadline", coefs)
    per_c = {}
    for c in coefs:
        a, b = (np.mean(results["deadline"][c][n]) for n in ("qb", "qb-no-shot-split"))
        per_c[c] = f"{a / b - 1:+.1%}" if b > 0 else f"{a:.2f} served vs none"
    cmd = "python scripts/reproduce_qbackbone.py" + (" --quick" if args.quick else "")
    return [
        "# Q-Backbone reproduction (seed 001, Fig. 3 and Fig. 4)",
        "",
        f"`{cmd}`: {len(seeds)} seeds, {args.jobs} jobs per instance, 6 QPUs, "
        f"{iters} annealing iterations; mean ± 95% CI of the fraction served within deadline.",
        "",
        "## Served vs load (mixed deadlines)",
        "",
        *table(results, "load", loads, "load"),
        "",
        "QB-scheduler's mean relative gain over the load sweep: "
        + ", ".join(f"{g:+.1%} vs {LABELS[n]}" for n, g in g_load.items()),
        "",
        f"## Served vs deadline coefficient (load {args.fig4_load})",
        "",
        *table(results, "deadline", coefs, "c"),
        "",
        "QB-scheduler's mean relative gain over the deadline sweep: "
        + ", ".join(f"{g:+.1%} vs {LABELS[n]}" for n, g in g_dl.items()),
        "",
        "Gain over the shot-agnostic ablation per deadline coefficient: "
        + ", ".join(f"c = {c}: {g}" for c, g in per_c.items()),
        "",
        "Mean wall time per instance (s): "
        + ", ".join(f"{n} {np.mean(v):.2f}" for n, v in seconds.items()),
        "",
    ]


def main() -> None:
    args = parse_args()
    if args.quick:
        loads, coefs, seeds, iters = [1.0, 3.0], [1.0, 4.0], range(3), 200
        out = ROOT / "runs" / "qbackbone_quick"
    else:
        loads = [0.5, 1.0, 2.0, 4.0, 8.0]
        coefs = [0.75, 1.0, 1.5, 2.0, 3.0, 4.0]
        seeds, iters, out = range(args.seeds), args.iterations, ROOT / "docs"
    saved = out / "qbackbone_results.json"
    if args.replot:
        data = json.loads(saved.read_text())
        results = {s: {float(x): r for x, r in v.items()} for s, v in data["served"].items()}
        seconds = data["seconds"]
    else:
        results, seconds = run_sweeps(args, loads, coefs, seeds, iters)
    out.mkdir(parents=True, exist_ok=True)
    plot(
        results, "load", loads, "offered load rho (work / pool capacity)",
        f"Q-Backbone Fig. 3 setting: served vs load, mixed deadlines ({len(seeds)} seeds)",
        out / "qbackbone_load.png",
    )  # fmt: skip
    plot(
        results, "deadline", coefs, "deadline coefficient c (deadline = arrival + c x ideal)",
        f"Q-Backbone Fig. 4 setting: served vs deadline, load {args.fig4_load} ({len(seeds)} seeds)",
        out / "qbackbone_deadline.png",
    )  # fmt: skip
    text = report(args, results, seconds, loads, coefs, seeds, iters)
    (out / "qbackbone.md").write_text("\n".join(text))
    served = {s: {str(x): r for x, r in v.items()} for s, v in results.items()}
    saved.write_text(json.dumps({"served": served, "seconds": seconds}))
    print("\n".join(text))


if __name__ == "__main__":
    main()
