#!/usr/bin/env python3
"""Record Minari datasets from mixtures of policies on a qnet Gymnasium env.

    python scripts/collect_dataset.py --env qnet/QuantumResourceAllocation-v0 \\
        --mixture random-valid,greedy,saa --episodes 30 [--root data/minari] [--ddqn CKPT]

Episodes cycle through the mixture's policies (episode i uses policy i mod len(mixture), seeded
i), are recorded with ``minari.DataCollector`` (minari 0.5) and written as
``qnet/<EnvName>/<mixture-name>-v0`` under ``--root`` (default ``data/minari``; the script sets
``MINARI_DATASETS_PATH`` to it, and so must any reader). ``ref_min_score`` is the random
policy's mean return and ``ref_max_score`` the best policy's, both measured on the recorded
episodes; ``policies.json`` beside the dataset names each episode's policy. ``--ddqn`` adds a
trained DDQN checkpoint to the mixture as policy "ddqn".
"""

from __future__ import annotations

import argparse
import json

from qnet_agents.datasets import DEFAULT_ROOT, collect


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="qnet/QuantumResourceAllocation-v0")
    parser.add_argument("--mixture", default="random-valid,greedy,saa")
    parser.add_argument(
        "--name", default=None, help="dataset name (default: the mixture joined by -)"
    )
    parser.add_argument("--episodes", type=int, default=30)
    parser.add_argument("--root", default=DEFAULT_ROOT)
    parser.add_argument(
        "--ddqn", default=None, help="checkpoint of a trained DDQN to add as 'ddqn'"
    )
    args = parser.parse_args(argv)
    out = collect(args.env, args.mixture.split(","), args.episodes, args.root, args.name, args.ddqn)
    print(json.dumps(out, indent=1))
    return out


if __name__ == "__main__":
    main()
