#!/usr/bin/env python3
"""Time the QB-scheduler on seed 001's case-study size: 10 jobs on 6 QPUs (target <= 2 s).

    python scripts/benchmark_qb_scheduler.py [--instances 20] [--iterations 1000]

Draws ``--instances`` default instances (10 jobs, the six-QPU pool, mixed deadlines, load 0.8),
runs the simulated-annealing QB-scheduler with its default budget on each, verifies every
schedule with the feasibility checker, and prints the wall time (mean, median, max) next to the
greedy EDF baseline's, measured in the same run.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from qnet_envs.core.qpu_scheduling import QBackboneConfig, check_schedule, draw_jobs, run_scheduler


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=20)
    parser.add_argument("--iterations", type=int, default=1000)
    args = parser.parse_args()
    cfg = QBackboneConfig()
    rows = {"qb": [], "greedy-edf": []}
    served = {"qb": [], "greedy-edf": []}
    for seed in range(args.instances):
        draws = draw_jobs(cfg, np.random.default_rng(seed))
        for name in rows:
            t = time.perf_counter()
            inst, sched = run_scheduler(name, cfg, draws, seed=seed, iterations=args.iterations)
            rows[name].append(time.perf_counter() - t)
            served[name].append(check_schedule(inst, sched) / inst.n_jobs)
    out = {}
    for name, times in rows.items():
        t = np.array(times)
        out[name] = {
            "mean_s": float(t.mean()),
            "median_s": float(np.median(t)),
            "max_s": float(t.max()),
            "served": float(np.mean(served[name])),
        }
        print(
            f"{name:<11} {cfg.n_jobs} jobs, {len(cfg.qpus.devices)} QPUs: mean {t.mean():.3f} s, "
            f"median {np.median(t):.3f} s, max {t.max():.3f} s over {len(t)} instances; "
            f"served {np.mean(served[name]):.3f}"
        )
    verdict = "meets" if out["qb"]["max_s"] <= 2.0 else "MISSES"
    print(f"QB-scheduler {verdict} the <= 2 s target (max {out['qb']['max_s']:.2f} s)")
    return out


if __name__ == "__main__":
    main()
