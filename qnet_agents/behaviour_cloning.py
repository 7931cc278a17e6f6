"""Behaviour cloning of a baseline, to start an on-policy learner from a teacher's policy.

Recorded demonstrations of one of the env's baselines (``qnet_envs.baselines``) on training
seeds, then supervised epochs on a masked actor-critic policy: the actor maximises the
teacher's actions' log-likelihood under the env's action masks, the critic regresses the
teacher's discounted returns-to-go. This is the "demonstration-augmented" start of Rajeswaran
et al., "Learning complex dexterous manipulation with deep reinforcement learning and
demonstrations" (RSS 2018, DAPG: behaviour cloning, then policy-gradient fine-tuning), without
DAPG's demonstration term in the later updates; the critic's warm start keeps the first PPO
updates from undoing the cloned actor (Uchendu et al., "Jump-start reinforcement learning",
ICML 2023, discuss that failure).

A policy started this way has seen the teacher: scores report it as such, next to the agents
trained from scratch, so that what the fine-tuning adds (or loses) stays visible.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


@dataclass
class Demonstrations:
    obs: np.ndarray  # (T, ...) observations
    actions: np.ndarray  # (T,) or (T, components)
    masks: np.ndarray  # (T, flat mask size) bool
    returns: np.ndarray  # (T,) discounted return-to-go within the episode
    episode_returns: list


def record(env_id: str, teacher: str, episodes: int, seed: int, gamma: float, config=None):
    """``episodes`` episodes of the baseline ``teacher`` on seeds ``seed, seed+1, ...`` (played
    by :func:`qnet_envs.rollout.run_episodes`; masks from ``info["action_mask"]``)."""
    from qnet_envs.rollout import run_episodes

    steps, rewards, returns = [], [], []

    def on_step(obs, info, action, reward, done) -> None:
        steps.append((obs, np.asarray(action), np.asarray(info["action_mask"], bool).ravel()))
        rewards.append(float(reward))
        if done:
            returns.append(_returns_to_go(rewards, gamma))
            rewards.clear()

    result = run_episodes(env_id, teacher, episodes, seed, config, on_step=on_step)
    obs, actions, masks = (np.asarray(x) for x in zip(*steps, strict=True))
    return Demonstrations(obs, actions, masks, np.concatenate(returns), result.returns)


def _returns_to_go(rewards: list, gamma: float) -> np.ndarray:
    out, acc = np.empty(len(rewards)), 0.0
    for i in range(len(rewards) - 1, -1, -1):
        acc = rewards[i] + gamma * acc
        out[i] = acc
    return out


def clone(policy, demos: Demonstrations, epochs: int, batch_size: int, seed: int) -> dict:
    """Fit an sb3(-contrib) masked actor-critic ``policy`` to ``demos`` with its own (Adam)
    optimiser; returns the last epoch's mean actor loss (negative log-likelihood) and critic
    loss. No gradient clipping: the actor's and critic's networks are separate (sb3's default
    ``net_arch``) and a global norm clip would let the critic's large early errors shrink the
    actor's steps."""
    rng = np.random.default_rng(seed)
    n = len(demos.actions)
    losses = {"nll": float("nan"), "value_mse": float("nan")}
    for _ in range(epochs):
        order, nll, mse = rng.permutation(n), [], []
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            obs = policy.obs_to_tensor(demos.obs[idx])[0]
            actions = torch.as_tensor(demos.actions[idx], device=policy.device)
            target = torch.as_tensor(demos.returns[idx], dtype=torch.float32)
            values, log_prob, _ = policy.evaluate_actions(obs, actions, demos.masks[idx])
            actor, critic = -log_prob.mean(), torch.nn.functional.mse_loss(values[:, 0], target)
            policy.optimizer.zero_grad()
            (actor + 0.5 * critic).backward()
            policy.optimizer.step()
            nll.append(actor.item())
            mse.append(critic.item())
        losses = {"nll": float(np.mean(nll)), "value_mse": float(np.mean(mse))}
    return losses
