#!/usr/bin/env python3
"""How build and step times grow with each env's size parameter, with fitted exponents.

    python scripts/benchmark_scaling.py [--quick]

Per env, the size parameter that matters (backbone nodes, mobiles, jobs, chain length) is
swept; build time (``gym.make`` + first ``reset``) and step time (random valid actions,
resets included) are measured, and the exponent b of time ~ size^b is fitted by least squares
on the logs. CartPole-v1's step time in the same run is the reference. QKDProvisioning's
backbones are ``qnet_envs.core.topology.random_backbone`` graphs (mean degree about 3), with
the all-pairs path table (Yen's algorithm for every pair at construction, the default; SciPy's,
once per unordered pair, ``qnet_envs.core.topology.KShortestPaths``)
and the on-demand one (a pair's paths computed when a request first needs them: its step times
include those first computations, amortised over the measured window). The topology itself is
generated before the clock starts; QuantumResourceAllocation is swept on the same generator
(its per-pair path tables are all-pairs). The real backbones (``"surfnet"``, ``"geant2012"``, Internet
Topology Zoo maps) are swept by their node counts next to NSFNET. The offloading env's
PettingZoo front (one agent per mobile and per edge) is swept to 10,005 agents.
"""

from __future__ import annotations

import argparse
import sys
import time

import gymnasium as gym
import numpy as np

import qnet_envs
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
REAL = {14: "nsfnet", 40: "geant2012", 50: "surfnet"}  # the real backbones, by their node count
# (env id, size label, sizes, config of a size)
SWEEPS = [
    (QKD, "backbone nodes (all-pairs paths)", [14, 28, 56, 100],
     lambda n: {"topology": random_backbone(n, seed=0)}),
    (QKD, "real backbones: NSFNET, GEANT 2012, SURFnet (all-pairs paths)", [14, 40, 50],
     lambda n: {"topology": REAL[n]}),
    (QKD, "backbone nodes (on-demand paths)", [14, 56, 100, 200],
     lambda n: {"topology": random_backbone(n, seed=0), "path_table": "on-demand"}),
    ("qnet/QuantumResourceAllocation-v0", "backbone nodes (all-pairs paths)", [6, 14, 28, 50],
     lambda n: {"topology": random_backbone(n, seed=0)}),
    ("qnet/MobileEdgeCloud-v0", "mobiles (5 edges)", [10, 100, 1000, 10000],
     lambda n: {"n_mobile": n}),
    ("qnet/MobileEdgeCloud-v0", "edges (1,000 mobiles)", [5, 50, 500],
     lambda n: {"n_mobile": 1000, "n_edge": n}),
    ("qnet/EntanglementDistribution-v2", "chain nodes", [3, 5, 7, 10], lambda n: {"n_nodes": n}),
    ("qnet/QPUScheduling-v0", "jobs per episode", [20, 80, 320],
     lambda n: {"instance": {"n_jobs": n}}),
]  # fmt: skip


def parallel_row(mobiles, seconds: float, ref: float) -> str:
    """The offloading env's PettingZoo front (one agent per mobile and per edge) against its
    size: build, env-step time (pre-sampled actions of every agent, resets included) and the
    agent-steps it makes per second."""
    from benchmark_envs import parallel_rate  # the PettingZoo table's protocol

    builds, steps, agents = [], [], []
    for n in mobiles:
        t = time.perf_counter()
        env = qnet_envs.make_parallel("qnet/MobileEdgeCloud-v0", config={"n_mobile": n})
        env.reset(seed=0)
        builds.append(time.perf_counter() - t)
        steps.append(1.0 / parallel_rate(env, seconds))
        agents.append(len(env.possible_agents))
    rate = ", ".join(f"{a / s:,.0f}" for a, s in zip(agents, steps, strict=True))
    return (
        f"| qnet/MobileEdgeCloud-v0 (PettingZoo, agent-steps/s: {rate}) | agents (5 edges) | "
        f"{', '.join(map(str, agents))} | {', '.join(f'{b:.2f}' for b in builds)} | "
        f"{', '.join(f'{s * 1e6:.0f}' for s in steps)} | "
        f"{', '.join(f'{s / ref:.0f}x' for s in steps)} | "
        f"{exponent(agents, builds):.2f} | {exponent(agents, steps):.2f} |"
    )


def vector_row(mobiles, seconds: float, ref: float, num_envs: int = 4) -> str:
    """The offloading env's vector env (``num_envs`` networks in one compiled core) against
    the number of mobiles: build and reset, and the time per env-step (a batch step over
    ``num_envs``), random actions from the action space."""
    builds, steps = [], []
    for n in mobiles:
        t = time.perf_counter()
        vec = gym.make_vec("qnet/MobileEdgeCloud-v0", num_envs=num_envs,
                           vectorization_mode="vector_entry_point", config={"n_mobile": n})  # fmt: skip
        vec.reset(seed=0)
        builds.append(time.perf_counter() - t)
        vec.action_space.seed(0)
        bank = [vec.action_space.sample() for _ in range(4)]
        vec.step(bank[0])  # the step kernel compiles (or loads from the cache) once
        k, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds or k < 2:
            vec.step(bank[k % 4])
            k += 1
        steps.append((time.perf_counter() - start) / (k * num_envs))
    return (
        f"| qnet/MobileEdgeCloud-v0 (vector env, {num_envs} envs; per env-step) | mobiles "
        f"(5 edges) | {', '.join(map(str, mobiles))} | {', '.join(f'{b:.2f}' for b in builds)} | "
        f"{', '.join(f'{s * 1e6:.0f}' for s in steps)} | "
        f"{', '.join(f'{s / ref:.0f}x' for s in steps)} | "
        f"{exponent(mobiles, builds):.2f} | {exponent(mobiles, steps):.2f} |"
    )


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
    mobiles = [10, 100] if quick else [10, 100, 1000, 10000]
    rows.append(parallel_row(mobiles, seconds, ref))
    print(rows[-1], flush=True)
    rows.append(vector_row(mobiles, seconds, ref))
    print(rows[-1], flush=True)
    return rows


# mobile-env (Schneider et al., "mobile-env: An Open Platform for Reinforcement Learning in
# Wireless Mobile Networks", NOMS 2022; pip install mobile-env): its centralised scenarios,
# stepped with pre-sampled random actions like ours, in whichever interpreter has it installed
# (it pins its own gymnasium, so usually a venv of its own). Prints JSON {id: steps/s}.
MOBILE_ENV_PROBE = """
import json, sys, time
import gymnasium as gym
import mobile_env  # noqa: F401  (registers its ids)
out = {}
for name in ("mobile-small-central-v0", "mobile-medium-central-v0", "mobile-large-central-v0"):
    env = gym.make(name).unwrapped
    env.reset(seed=0)
    env.action_space.seed(0)
    acts = [env.action_space.sample() for _ in range(64)]
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < float(sys.argv[1]):
        _, _, te, tr, _ = env.step(acts[n % 64])
        n += 1
        if te or tr:
            env.reset()
    out[name] = [n / (time.perf_counter() - start), len(env.users), len(env.stations)]
print(json.dumps(out))
"""


def mobile_env_rows(python: str, seconds: float) -> list[str]:
    """mobile-env's small/medium/large against MobileEdgeCloud-v0 (default size) in this run;
    a line saying why where mobile-env cannot be run."""
    import json
    import subprocess

    from benchmark_envs import steps_per_second  # the same protocol: pre-sampled actions

    ours = steps_per_second(gym.make("qnet/MobileEdgeCloud-v0").unwrapped, seconds)
    done = subprocess.run([python, "-c", MOBILE_ENV_PROBE, str(seconds)], capture_output=True,
                          text=True, check=False)  # fmt: skip
    if done.returncode != 0:
        why = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return ["", f"mobile-env not measured ({python}: {why}); pass --mobile-env-python."]
    rows = ["", f"Offloading against mobile-env (same run; `{python}`; both stepped with "
            "pre-sampled actions from the action space, resets included): MobileEdgeCloud-v0 "
            f"at its default size (10 mobiles, 5 edges) steps at {ours:,.0f} steps/s.", "",
            "| mobile-env scenario | users | stations | steps/s | MobileEdgeCloud-v0 / it |",
            "|---|---|---|---|---|"]  # fmt: skip
    for name, (rate, users, stations) in json.loads(done.stdout).items():
        rows.append(f"| {name} | {users} | {stations} | {rate:,.1f} | {ours / rate:,.0f}x |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two sizes, short windows")
    parser.add_argument("--mobile-env-python", default=sys.executable,
                        help="an interpreter with mobile-env installed (default: this one)")  # fmt: skip
    args = parser.parse_args()
    rows = report(args.quick) + mobile_env_rows(args.mobile_env_python, 0.5 if args.quick else 2.0)
    print("\n".join(rows))


if __name__ == "__main__":
    main()
