#!/usr/bin/env python3
"""Step rate of every registered qnet env, as a ratio to CartPole-v1 measured in the same run.

    python scripts/benchmark_envs.py [--seconds 3] [--repeats 3]

Unwrapped envs, random actions drawn from the action space up front (the same protocol as
shared/tools/check_suite.py), the best of ``--repeats`` timed windows per env. Prints a markdown
table for the README's performance section. Never asserted in tests: these machines are shared.
"""

from __future__ import annotations

import argparse
import time

import gymnasium as gym

import qnet_envs


def steps_per_second(env, seconds: float) -> float:
    env.reset(seed=0)
    env.action_space.seed(0)
    actions = [env.action_space.sample() for _ in range(256)]
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for a in actions:
            _, _, terminated, truncated, _ = env.step(a)
            n += 1
            if terminated or truncated:
                env.reset()
    return n / (time.perf_counter() - start)


def best_rate(env_id: str, seconds: float, repeats: int) -> float:
    return max(steps_per_second(gym.make(env_id).unwrapped, seconds) for _ in range(repeats))


def parallel_steps_per_second(env_id: str, seconds: float) -> tuple[float, int]:
    """Env-steps/s of a PettingZoo env with pre-sampled actions, and its number of agents."""
    env = qnet_envs.make_parallel(env_id)
    env.reset(seed=0)
    for k, a in enumerate(env.possible_agents):
        env.action_space(a).seed(k)
    actions = [{a: env.action_space(a).sample() for a in env.possible_agents} for _ in range(64)]
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        env.step(actions[n % 64])
        n += 1
        if not env.agents:
            env.reset()
    return n / (time.perf_counter() - start), len(env.possible_agents)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    ref = best_rate("CartPole-v1", args.seconds, args.repeats)
    print(f"reference CartPole-v1: {ref:,.0f} steps/s\n")
    print("| env | steps/s | ratio to CartPole-v1 |\n|---|---|---|")
    for spec in qnet_envs.ENVS:
        rate = best_rate(spec.id, args.seconds, args.repeats)
        print(f"| {spec.id} | {rate:,.0f} | {rate / ref:.3f} |")
    print(
        "\n| PettingZoo env | env-steps/s | agent-steps/s | env-steps ratio to CartPole-v1 |\n|---|---|---|---|"
    )
    for env_id in qnet_envs.parallel_env_ids():
        rate, agents = max(
            parallel_steps_per_second(env_id, args.seconds) for _ in range(args.repeats)
        )
        print(f"| {env_id} | {rate:,.0f} | {rate * agents:,.0f} | {rate / ref:.4f} |")


if __name__ == "__main__":
    main()
