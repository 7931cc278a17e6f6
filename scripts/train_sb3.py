#!/usr/bin/env python3
"""Train Stable-Baselines3 PPO and DQN on a qnet env: the "use the RL library you already have" path.

    python scripts/train_sb3.py [--env qnet/QuantumResourceAllocation-v0] [--steps 100000]

The envs are plain Gymnasium envs, so SB3 takes them as they are (SB3 ignores
``info["action_mask"]``: a masked-out action is the env's documented penalised no-op, which
the agents learn to avoid; sb3-contrib's MaskablePPO can use the mask). Prints each trained
model's greedy return next to the env's heuristic baselines on the same seeds.
"""

from __future__ import annotations

import argparse

import gymnasium as gym
import numpy as np

import qnet_envs  # noqa: F401  (registers the ids)
from qnet_envs.rollout import run_episodes
from qnet_envs.stats import format_ci


def evaluate(model, env_id: str, episodes: int, seed: int) -> list[float]:
    env = gym.make(env_id)
    out = []
    for ep in range(episodes):
        obs, info = env.reset(seed=seed + ep)
        total, done = 0.0, False
        while not done:
            action, _ = model.predict(obs, deterministic=True)
            obs, r, te, tr, info = env.step(int(action))
            total += float(r)
            done = te or tr
        out.append(total)
    return out


def main(argv=None) -> dict:
    from stable_baselines3 import DQN, PPO

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="qnet/QuantumResourceAllocation-v0")
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--episodes", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--algos", default="ppo,dqn")
    parser.add_argument("--baselines", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args(argv)
    algos = {"ppo": PPO, "dqn": DQN}
    results = {}
    for name in args.algos.split(","):
        model = algos[name](
            "MlpPolicy", gym.make(args.env), seed=args.seed, verbose=0, device="cpu"
        )
        model.learn(total_timesteps=args.steps, progress_bar=False)
        results[f"sb3-{name}"] = evaluate(model, args.env, args.episodes, 100_000)
    if args.baselines:
        from qnet_envs.baselines import policy_names

        for name in policy_names(args.env, gym.make(args.env)):
            results[name] = run_episodes(args.env, name, args.episodes, 100_000).returns
    print(
        f"{args.env}: {args.steps} training steps per SB3 agent; greedy return over {args.episodes} episodes\n"
    )
    print("| policy | return |\n|---|---|")
    for name, rets in results.items():
        print(f"| {name} | {format_ci(rets)} |")
    return {k: float(np.mean(v)) for k, v in results.items()}


if __name__ == "__main__":
    main()
