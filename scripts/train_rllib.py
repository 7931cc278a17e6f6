#!/usr/bin/env python3
"""PPO with Ray RLlib on a qnet Gymnasium env or on the multi-agent offloading env.

    python scripts/train_rllib.py --env qnet/QuantumResourceAllocation-v0 --iterations 20
    python scripts/train_rllib.py --env qnet/MobileEdgeCloud-v0 --num-env-runners 4
    python scripts/train_rllib.py --address auto ...   # on a running Ray cluster

Needs the ``rllib`` extra. Locally it starts Ray on this machine; with ``--address`` it joins a
cluster started with ``ray start --head`` (workers: ``ray start --address=HEAD:6379``), and
``--num-env-runners`` spreads sampling over the cluster's CPUs. PettingZoo ids train one shared
policy per role (mobile, edge). Prints the mean episode return per iteration and saves the final
checkpoint under ``--out``.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="qnet/QuantumResourceAllocation-v0")
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--num-env-runners", type=int, default=0)
    parser.add_argument("--train-batch-size", type=int, default=4000)
    parser.add_argument("--address", default=None, help="Ray cluster address, e.g. auto")
    parser.add_argument("--env-config", default="{}", help="JSON dict passed as the env config")
    parser.add_argument("--out", default="runs/rllib")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    import json

    import ray

    from qnet_envs.wrappers.rllib import ppo_config

    ray.init(address=args.address, ignore_reinit_error=True)
    cfg = ppo_config(
        args.env,
        env_config=json.loads(args.env_config),
        num_env_runners=args.num_env_runners,
        train_batch_size=args.train_batch_size,
        seed=args.seed,
    )
    algo = cfg.build_algo() if hasattr(cfg, "build_algo") else cfg.build()
    for i in range(args.iterations):
        result = algo.train()
        runners = result.get("env_runners", {})
        ret = runners.get("episode_return_mean", float("nan"))
        steps = result.get(
            "num_env_steps_sampled_lifetime", runners.get("num_env_steps_sampled_lifetime")
        )
        print(f"iteration {i + 1}: episode_return_mean {ret:.3f}, env steps {steps}")
    out = Path(args.out).resolve() / args.env.replace("/", "_")
    algo.save(str(out))
    print(f"checkpoint: {out}")
    algo.stop()
    ray.shutdown()


if __name__ == "__main__":
    main()
