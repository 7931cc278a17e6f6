#!/usr/bin/env python3
"""How build and step times grow with each env's size parameter, with fitted exponents.

    python scripts/benchmark_scaling.py [--quick]

Per env, the size parameter the issue names (backbone nodes, mobiles, jobs, chain length) is
swept; build time (``gym.make`` + first ``reset``) and step time (random valid actions,
resets included) are measured, and the exponent b of time ~ size^b is fitted by least squares
on the logs. CartPole-v1's step time in the same run is the reference. QKDProvisioning's
backbones are ``qnet_envs.core.topology.random_backbone`` graphs (mean degree about 3), with
the all-pairs path table (Yen's algorithm for every ordered pair at construction, the default)
and the on-demand one (a pair's paths computed when a request first needs them: its step times
include those first computations, amortised over the measured window). The topology itself is
generated before the clock starts.
"""

from __future__ import annotations

import argparse
import time

import gymnasium as gym
import numpy as np

import qnet_envs  # noqa: F401
from qnet_envs.baselines.base import RandomValid
from qnet_envs.core.topology import random_backbone


def step_time(env, seconds: float) -> float:
    """Seconds per step of random valid actions (the random-valid baseline), resets included."""
    policy = RandomValid(env)
    policy.reset(0)
    obs, info = env.reset(seed=0)
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        obs, _, te, tr, info = env.step(policy.act(obs, info))
        n += 1
        if te or tr:
            obs, info = env.reset()
    return (time.perf_counter() - start) / n


def measure(env_id: str, config: dict, seconds: float) -> tuple[float, float]:
    t = time.perf_counter()
    env = gym.make(env_id, config=config).unwrapped
    env.reset(seed=0)
    build = time.perf_counter() - t
    return build, step_time(env, seconds)


QKD = "qnet/QKDProvisioning-v0"
# (env id, size label, sizes, config of a size)
SWEEPS = [
    (QKD, "backbone nodes (all-pairs paths)", [14, 28, 56],
     lambda n: {"topology": random_backbone(n, seed=0)}),
    (QKD, "backbone nodes (on-demand paths)", [14, 56, 100, 200],
     lambda n: {"topology": random_backbone(n, seed=0), "path_table": "on-demand"}),
    ("qnet/MobileEdgeCloud-v0", "mobiles (5 edges)", [10, 100, 1000, 10000],
     lambda n: {"n_mobile": n}),
    ("qnet/MobileEdgeCloud-v0", "edges (1,000 mobiles)", [5, 50, 500],
     lambda n: {"n_mobile": 1000, "n_edge": n}),
    ("qnet/EntanglementDistribution-v1", "chain nodes", [3, 5, 7, 10], lambda n: {"n_nodes": n}),
    ("qnet/QPUScheduling-v0", "jobs per episode", [20, 80, 320],
     lambda n: {"instance": {"n_jobs": n}}),
]  # fmt: skip


def exponent(sizes, times) -> float:
    return float(np.polyfit(np.log(sizes), np.log(times), 1)[0])


def report(quick: bool) -> list[str]:
    seconds = 0.3 if quick else 1.5
    cart = gym.make("CartPole-v1").unwrapped
    cart.reset(seed=0)
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        _, _, te, tr, _ = cart.step(n % 2)
        n += 1
        if te or tr:
            cart.reset()
    ref = (time.perf_counter() - start) / n
    rows = ["## Scaling (scripts/benchmark_scaling.py)", "",
            f"CartPole-v1 in the same run: {ref * 1e6:.1f} us per step. Exponent b: time ~ size^b "
            "(least squares on the logs).", "",
            "| env | size | values | build (s) | step (us) | step / CartPole | build b | step b |",
            "|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for env_id, label, sizes, config in SWEEPS:
        sizes = sizes[:2] if quick else sizes
        measure(env_id, config(sizes[0]), 0.05)  # warm-up: imports and data files load once
        builds, steps = zip(*(measure(env_id, config(n), seconds) for n in sizes), strict=True)
        rows.append(
            f"| {env_id} | {label} | {', '.join(map(str, sizes))} | "
            f"{', '.join(f'{b:.2f}' for b in builds)} | {', '.join(f'{s * 1e6:.0f}' for s in steps)} | "
            f"{', '.join(f'{s / ref:.0f}x' for s in steps)} | "
            f"{exponent(sizes, builds):.2f} | {exponent(sizes, steps):.2f} |"
        )
        print(rows[-1], flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two sizes, short windows")
    print("\n".join(report(parser.parse_args().quick)))


if __name__ == "__main__":
    main()
