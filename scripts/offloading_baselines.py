#!/usr/bin/env python3
"""Mean cost per task of every offloading baseline under each QoS preset (README table).

    python scripts/offloading_baselines.py [--env qnet/MobileEdgeCloud-v0] [--episodes 10]

Episodes are seeded 0..N-1 (the same traffic for every policy); cells are mean ± 95% CI
(Student t) over episodes of the end-of-episode mean cost per task. The last column is how far
the per-slot oracle's cost is below random's.
"""

from __future__ import annotations

import argparse

import numpy as np
from tqdm import tqdm

from qnet_envs.baselines.mobile_edge_cloud import DECIDERS
from qnet_envs.core.offloading import QOS_PRESETS
from qnet_envs.rollout import run_episodes
from qnet_envs.stats import format_ci


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="qnet/MobileEdgeCloud-v0")
    parser.add_argument("--episodes", type=int, default=10)
    parser.add_argument("--horizon", type=int, default=200)
    args = parser.parse_args()
    names = list(DECIDERS)
    print(f"{args.env}, {args.episodes} episodes of {args.horizon} slots, mean cost per task\n")
    print("| QoS (d, e) | " + " | ".join(names) + " | oracle vs random |")
    print("|---" * (len(names) + 2) + "|")
    for qos, (d, e) in QOS_PRESETS.items():
        cells, means = [], {}
        for name in tqdm(names, desc=qos, leave=False):
            r = run_episodes(
                args.env, name, args.episodes, 0, {"qos": qos, "horizon": args.horizon}
            )
            cost = r.metrics["mean_cost_per_task"]
            cells.append(format_ci(cost))
            means[name] = float(np.mean(cost))
        cut = 1 - means["slot-oracle"] / means["random"]
        print(f"| {qos} ({d}, {e}) | " + " | ".join(cells) + f" | -{cut:.0%} |", flush=True)


if __name__ == "__main__":
    main()
