"""Run policies on an env for several seeded episodes and summarise returns and metrics."""

from __future__ import annotations

from dataclasses import dataclass, field

import gymnasium as gym

from .baselines import make_policy
from .stats import format_ci


@dataclass
class RolloutResult:
    env_id: str
    policy: str
    returns: list[float] = field(default_factory=list)
    metrics: dict[str, list[float]] = field(default_factory=dict)

    def row(self, metric_keys) -> list[str]:
        cells = [self.policy, format_ci(self.returns)]
        return cells + [format_ci(self.metrics.get(k, [])) for k in metric_keys]


def run_episodes(env_id, policy_name, episodes, seed=0, config=None, progress=None, on_step=None):
    """Play ``episodes`` episodes seeded ``seed, seed+1, ...``; return a :class:`RolloutResult`.

    ``progress`` is called with each finished episode's return (for progress bars);
    ``on_step(obs, info, action, reward, done)`` with every step (the observation and info the
    action was chosen on: demonstrations). The policy's own randomness is seeded with the
    episode seed too, so a rollout is reproducible.
    """
    env = gym.make(env_id, config=config) if config else gym.make(env_id)
    policy = make_policy(env_id, policy_name, env)
    keys = metric_keys(env)
    result = RolloutResult(env_id, policy_name, metrics={k: [] for k in keys})
    for ep in range(episodes):
        if getattr(policy, "offline", False):  # a search over the known episode, no steps
            total, info = policy.episode(seed + ep)
        else:
            total, info = play_episode(env, policy, seed + ep, on_step)
        result.returns.append(total)
        for k in keys:
            result.metrics[k].append(float(info[k]))
        if progress is not None:
            progress(total)
    env.close()
    return result


def play_episode(env, policy, seed: int, on_step) -> tuple[float, dict]:
    """One episode of ``policy`` seeded ``seed``: (return, last info)."""
    obs, info = env.reset(seed=seed)
    policy.reset(seed)
    total, done = 0.0, False
    while not done:
        action = policy.act(obs, info)
        next_obs, reward, terminated, truncated, next_info = env.step(action)
        total += reward
        done = terminated or truncated
        if on_step is not None:
            on_step(obs, info, action, reward, done)
        obs, info = next_obs, next_info
    return total, info


def metric_keys(env) -> list[str]:
    """The info entries an env names as its headline metrics (``metric_keys`` class attribute)."""
    return list(getattr(env.unwrapped, "metric_keys", ()))


def markdown_table(results, metric_keys_) -> str:
    header = ["policy", "return"] + list(metric_keys_)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in results:
        lines.append("| " + " | ".join(r.row(metric_keys_)) + " |")
    return "\n".join(lines)
