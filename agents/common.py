"""Infrastructure every agent shares: seeding, replay, checkpoints, evaluation, logging, reports.

Kept apart from the algorithm files so that each of those reads as one algorithm.
"""

from __future__ import annotations

import os
import random
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import gymnasium as gym
import numpy as np
import torch


def make_env(env_id_or_env, env_config: dict | None = None) -> gym.Env:
    """A fresh env from an id (qnet ids get ``config=``), or the env object given."""
    if not isinstance(env_id_or_env, str):
        return env_id_or_env
    import qnet_envs  # noqa: F401  (registers qnet/ ids)

    if env_config:
        return gym.make(env_id_or_env, config=env_config)
    return gym.make(env_id_or_env)


def seed_everything(seed: int) -> None:
    """Seed Python, numpy and torch together (the env is seeded through reset)."""
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - third-party code may still use the global RNG
    torch.manual_seed(seed)


def action_mask(info: dict, n_actions: int) -> np.ndarray:
    """The env's ``info["action_mask"]`` as bool, or all-True for envs without masks."""
    mask = info.get("action_mask") if isinstance(info, dict) else None
    if isinstance(mask, np.ndarray) and mask.shape == (n_actions,):
        return mask.astype(bool)
    return np.ones(n_actions, dtype=bool)


def flat_obs(obs) -> np.ndarray:
    return np.asarray(obs, dtype=np.float32).reshape(-1)


class ReplayBuffer:
    """Uniform replay over (obs, action, reward, next_obs, done, next_mask) in numpy arrays."""

    def __init__(self, capacity: int, obs_dim: int, n_actions: int):
        self.capacity = capacity
        self.obs = np.zeros((capacity, obs_dim), np.float32)
        self.next_obs = np.zeros((capacity, obs_dim), np.float32)
        self.actions = np.zeros(capacity, np.int64)
        self.rewards = np.zeros(capacity, np.float32)
        self.dones = np.zeros(capacity, np.float32)
        self.next_masks = np.ones((capacity, n_actions), bool)
        self.pos, self.size = 0, 0

    def add(self, obs, action, reward, next_obs, done, next_mask) -> None:
        i = self.pos
        self.obs[i], self.actions[i], self.rewards[i] = obs, action, reward
        self.next_obs[i], self.dones[i], self.next_masks[i] = next_obs, done, next_mask
        self.pos = (self.pos + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def sample(self, batch: int, rng: np.random.Generator) -> dict[str, torch.Tensor]:
        idx = rng.integers(0, self.size, size=batch)
        return {
            "obs": torch.from_numpy(self.obs[idx]),
            "actions": torch.from_numpy(self.actions[idx]),
            "rewards": torch.from_numpy(self.rewards[idx]),
            "next_obs": torch.from_numpy(self.next_obs[idx]),
            "dones": torch.from_numpy(self.dones[idx]),
            "next_masks": torch.from_numpy(self.next_masks[idx]),
        }

    def state_dict(self) -> dict:
        n = self.size
        return {
            "obs": torch.from_numpy(self.obs[:n].copy()),
            "next_obs": torch.from_numpy(self.next_obs[:n].copy()),
            "actions": torch.from_numpy(self.actions[:n].copy()),
            "rewards": torch.from_numpy(self.rewards[:n].copy()),
            "dones": torch.from_numpy(self.dones[:n].copy()),
            "next_masks": torch.from_numpy(self.next_masks[:n].copy()),
            "pos": self.pos,
        }

    def load_state_dict(self, state: dict) -> None:
        n = state["obs"].shape[0]
        for key in ("obs", "next_obs", "actions", "rewards", "dones", "next_masks"):
            getattr(self, key)[:n] = state[key].numpy()
        self.size, self.pos = n, int(state["pos"])


def save_checkpoint(path: Path, payload: dict) -> None:
    """Write atomically: a temporary file in the same folder, then a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    os.close(fd)
    try:
        torch.save(payload, tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def load_checkpoint(path: Path) -> dict:
    """Load with ``weights_only=True``: tensors and plain containers only, no arbitrary code."""
    return torch.load(Path(path), map_location="cpu", weights_only=True)


def numpy_rng_state(rng: np.random.Generator) -> dict:
    return rng.bit_generator.state


@dataclass
class TrainResult:
    """What ``train`` returns; ``curve`` holds (step, episodic return) pairs."""

    run_dir: str
    global_step: int
    curve: list = field(default_factory=list)
    evals: list = field(default_factory=list)  # (step, mean return)
    checkpoint: str = ""
    interrupted: bool = False
    parameters: int = 0
    best_checkpoint: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


def evaluate_greedy(
    act, env_id_or_env, episodes: int, seed: int, env_config=None, progress: bool = False
) -> list[float]:
    """Returns of ``episodes`` episodes seeded seed, seed+1, ... with ``act(obs, mask)``; with
    ``progress``, a progress bar over the episodes."""
    env = make_env(env_id_or_env, env_config)
    n = env.action_space.n
    out = []
    episodes_iter = range(episodes)
    if progress:
        from tqdm import tqdm

        episodes_iter = tqdm(episodes_iter, desc="evaluate", unit="ep", leave=False)
    for ep in episodes_iter:
        obs, info = env.reset(seed=seed + ep)
        total, done = 0.0, False
        while not done:
            obs, r, te, tr, info = env.step(act(flat_obs(obs), action_mask(info, n)))
            total += float(r)
            done = te or tr
        out.append(total)
    return out


def baseline_rows(env_id: str, episodes: int, seed: int, env_config=None) -> list[tuple[str, list]]:
    """Returns of the env's heuristic baselines on the same seeds (qnet envs), else random."""
    from qnet_envs.baselines import policy_names
    from qnet_envs.rollout import run_episodes

    if not env_id.startswith("qnet/"):
        env = make_env(env_id)
        rng = np.random.default_rng(seed)
        return [
            (
                "random",
                evaluate_greedy(
                    lambda o, m: int(rng.choice(np.flatnonzero(m))), env, episodes, seed
                ),
            )
        ]
    rows = []
    env = gym.make(env_id, config=env_config) if env_config else gym.make(env_id)
    for name in policy_names(env_id, env):
        rows.append((name, run_episodes(env_id, name, episodes, seed, env_config).returns))
    return rows


def results_table(agent_name: str, agent_returns, rows) -> str:
    from qnet_envs.stats import format_ci

    lines = ["| policy | mean return ± 95% CI |", "|---|---|"]
    lines.append(f"| **{agent_name}** (trained) | {format_ci(agent_returns)} |")
    for name, returns in rows:
        lines.append(f"| {name} | {format_ci(returns)} |")
    return "\n".join(lines)


def plot_learning_curve(curve, evals, path: Path, title: str) -> None:
    from qnet_envs.rendering import new_figure

    fig = new_figure(6.4, 3.6)
    ax = fig.add_subplot()
    if curve:
        steps, rets = zip(*curve, strict=True)
        ax.plot(steps, rets, ".", ms=3, alpha=0.4, label="training episodes")
        if len(rets) >= 10:
            k = max(5, len(rets) // 20)
            smooth = np.convolve(rets, np.ones(k) / k, mode="valid")
            ax.plot(steps[k - 1 :], smooth, "-", label=f"moving mean ({k})")
    if evals:
        s, r = zip(*evals, strict=True)
        ax.plot(s, r, "o-", label="greedy evaluation")
    ax.set_xlabel("env steps")
    ax.set_ylabel("episodic return")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path)


def count_parameters(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def plain(value):
    """Config values as checkpoint-safe primitives (tuples become lists) for weights-only loads."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value
