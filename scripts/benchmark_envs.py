#!/usr/bin/env python3
"""Step rate of every registered qnet env, as a ratio to CartPole-v1 measured in the same run.

    python scripts/benchmark_envs.py [--seconds 3] [--repeats 3]

Unwrapped envs, resets included, under two protocols: random actions drawn from the action space
up front (shared/tools/check_suite.py's; a masked-out action is a cheap penalised no-op in most
envs) and uniformly random valid actions (the targets' protocol; drawn each step from
``info["action_mask"]`` by a sampler of a few microseconds, counted against the env). Each env's windows are interleaved with
CartPole-v1's (CartPole, env, CartPole, env, ...) and the ratio reported is the median over
those pairs, with its range: a window of each measured moments apart, so a slow drift of a
shared machine's speed cancels out of the ratio instead of landing in it (best-of windows
measured minutes apart moved the ratios 10-25% between two runs). Prints a markdown table for
the README's performance section. Never asserted in tests: these machines are shared.
"""

from __future__ import annotations

import argparse
import statistics
import time

import gymnasium as gym
import numpy as np

import qnet_envs


def presampled(env, count: int) -> list:
    """Reset ``env`` seeded 0 and draw ``count`` actions from its (seeded) action space up
    front, so that no sampler runs inside a timed window."""
    env.reset(seed=0)
    env.action_space.seed(0)
    return [env.action_space.sample() for _ in range(count)]


def steps_per_second(env, seconds: float) -> float:
    actions = presampled(env, 256)
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for a in actions:
            _, _, terminated, truncated, _ = env.step(a)
            n += 1
            if terminated or truncated:
                env.reset()
    return n / (time.perf_counter() - start)


class ValidSampler:
    """Uniformly random valid actions at a few microseconds each, so that the env's cost, not
    the sampler's, dominates the valid-action rate: each allowed option scores 1 + u, each
    masked-out one u (u uniform), and the best score of each component is taken (uniform over
    the allowed ones). A ``MultiDiscrete`` env's flat mask is scattered into a padded
    (component, option) table first."""

    def __init__(self, space, seed: int = 0):
        self.rng = np.random.default_rng(seed)
        nvec = np.asarray(space.nvec if hasattr(space, "nvec") else [space.n]).ravel()
        self.multi = hasattr(space, "nvec")
        self.rows = np.repeat(np.arange(nvec.size), nvec)
        self.cols = np.concatenate([np.arange(n) for n in nvec])
        self.table = np.full((nvec.size, int(nvec.max())), -1.0)  # padding never wins

    def __call__(self, mask) -> np.ndarray | int:
        score = self.rng.random(self.rows.size) + np.asarray(mask, dtype=bool)
        if not self.multi:
            return int(score.argmax())
        self.table[self.rows, self.cols] = score
        return self.table.argmax(axis=1)


def valid_steps_per_second(env, seconds: float) -> float:
    """Steps/s under uniformly random valid actions (``info["action_mask"]``), resets included;
    the sampler's few microseconds a step count against the env."""
    _, info = env.reset(seed=0)
    pick = ValidSampler(env.action_space)
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(256):
            _, _, terminated, truncated, info = env.step(pick(info["action_mask"]))
            n += 1
            if terminated or truncated:
                _, info = env.reset()
    return n / (time.perf_counter() - start)


def cartpole_rate(seconds: float) -> float:
    return steps_per_second(gym.make("CartPole-v1").unwrapped, seconds)


def paired_rates(measure, seconds: float, repeats: int) -> dict:
    """``measure(seconds)`` (a rate) in ``repeats`` windows, each right after a CartPole-v1
    window: the medians of both rates and of their ratios, and the ratios' range."""
    pairs = [(cartpole_rate(seconds), measure(seconds)) for _ in range(repeats)]
    ratios = [rate / cart for cart, rate in pairs]
    return {
        "rate": statistics.median(rate for _, rate in pairs),
        "cartpole": statistics.median(cart for cart, _ in pairs),
        "ratio": statistics.median(ratios),
        "low": min(ratios),
        "high": max(ratios),
    }


# Scalar step targets under random valid actions (ratio to CartPole-v1 in the same run).
SCALAR_TARGETS = {
    "qnet/EntanglementDistribution-v2": 0.25,
    "qnet/QuantumResourceAllocation-v0": 0.25,
}
DEFAULT_SCALAR_TARGET = 0.1


def scalar_rows(seconds: float, repeats: int) -> list[str]:
    """The markdown table of every Gymnasium id's paired rates, under random actions from the
    space (check_suite's protocol) and under random valid actions (the target's), with the
    target and whether the median met it."""
    rows = ["| env | steps/s (space) | ratio to CartPole-v1 (median, range) | steps/s (valid) | "
            "ratio to CartPole-v1 (median, range) | target (valid) | |",
            "|---|---|---|---|---|---|---|"]  # fmt: skip
    for spec in qnet_envs.ENVS:
        cells = [spec.id]
        for rate in (steps_per_second, valid_steps_per_second):
            r = paired_rates(lambda s, i=spec.id, f=rate: f(gym.make(i).unwrapped, s),
                             seconds, repeats)  # fmt: skip
            cells += [f"{r['rate']:,.0f}", f"{r['ratio']:.3f} ({r['low']:.3f}-{r['high']:.3f})"]
        target = SCALAR_TARGETS.get(spec.id, DEFAULT_SCALAR_TARGET)
        cells += [f">= {target:g}x", "met" if r["ratio"] >= target else "**missed**"]
        rows.append("| " + " | ".join(cells) + " |")
        print(rows[-1], flush=True)
    return rows


def parallel_rows(seconds: float, repeats: int) -> list[str]:
    """The markdown table of every PettingZoo id's paired rates (env-steps and agent-steps)."""
    rows = ["| PettingZoo env | env-steps/s | agent-steps/s | CartPole-v1 steps/s | "
            "env-steps ratio to CartPole-v1 (median) |", "|---|---|---|---|---|"]  # fmt: skip
    for env_id in qnet_envs.parallel_env_ids():
        agents = len(qnet_envs.make_parallel(env_id).possible_agents)
        r = paired_rates(lambda s, i=env_id: parallel_steps_per_second(i, s)[0], seconds, repeats)
        rows.append(f"| {env_id} | {r['rate']:,.0f} | {r['rate'] * agents:,.0f} | "
                    f"{r['cartpole']:,.0f} | {r['ratio']:.4f} |")  # fmt: skip
    return rows


def parallel_steps_per_second(env_id: str, seconds: float) -> tuple[float, int]:
    """Env-steps/s of a PettingZoo env with pre-sampled actions, and its number of agents."""
    env = qnet_envs.make_parallel(env_id)
    env.reset(seed=0)
    return parallel_rate(env, seconds), len(env.possible_agents)


def parallel_rate(env, seconds: float) -> float:
    """Env-steps/s of a reset PettingZoo env under pre-sampled actions, resets included."""
    for k, a in enumerate(env.possible_agents):
        env.action_space(a).seed(k)
    actions = [{a: env.action_space(a).sample() for a in env.possible_agents} for _ in range(64)]
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        env.step(actions[n % 64])
        n += 1
        if not env.agents:
            env.reset()
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rows = scalar_rows(args.seconds, args.repeats)
    print("\n" + "\n".join(rows + [""] + parallel_rows(args.seconds, args.repeats)))


if __name__ == "__main__":
    main()
