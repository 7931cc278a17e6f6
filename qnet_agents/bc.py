"""Behaviour cloning from a Minari dataset: the offline baseline a Decision Transformer is
compared with on the same data (Chen et al., "Decision Transformer", NeurIPS 2021, Sec. 5.3:
"%BC", cloning the top fraction of the dataset's episodes), trained in plain torch.

An MLP maps an observation to action logits, trained by cross-entropy on the dataset's
(observation, action) pairs: every episode (``episodes="all"``), the best behaviour policy's
episodes (``"best-policy"``: the policy with the highest mean return among the dataset's
labels), or the top fraction of episodes by return (``"top"``, ``top_fraction``). At
inference the greedy action among those the env's ``info["action_mask"]`` allows.

``train`` is one loop (sample, predict, step, log, checkpoint in order); logging, progress
and Ctrl-C are :class:`qnet_agents.common.TrainingRun`; checkpoints are atomic and a resumed
run continues bit for bit.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .common import (
    begin_run,
    checkpoint_contents,
    load_checkpoint,
    registered_env_id,
    save_checkpoint,
    train_offline,
)
from .config_check import checked
from .datasets import load_labelled_episodes

SELECTIONS = ("all", "best-policy", "top")


@dataclass
class BCConfig:
    dataset_id: str = "qnet/QuantumResourceAllocation/random-valid-greedy-saa-v0"
    root: str = "data/minari"
    clone: str = "all"  # which episodes are cloned: one of SELECTIONS
    top_fraction: float = 0.1  # with clone="top": the best fraction by return
    hidden: list = field(default_factory=lambda: [256, 256])
    lr: float = 1e-3
    weight_decay: float = 1e-4
    batch_size: int = 256
    train_steps: int = 5_000
    seed: int = 0
    run_dir: str = "runs/bc"
    checkpoint_every: int = 2_000
    tensorboard: bool = True
    progress: bool = True
    torch_threads: int = 1


def select(episodes: list[dict], cfg: BCConfig) -> list[dict]:
    """The episodes ``cfg.clone`` names (see the module docstring)."""
    if cfg.clone == "all":
        return episodes
    if cfg.clone == "best-policy":
        means = {}
        for e in episodes:
            means.setdefault(e["policy"], []).append(e["return"])
        best = max(means, key=lambda p: np.mean(means[p]))
        return [e for e in episodes if e["policy"] == best]
    if cfg.clone == "top":
        keep = max(1, int(round(cfg.top_fraction * len(episodes))))
        return sorted(episodes, key=lambda e: e["return"], reverse=True)[:keep]
    raise ValueError(f"clone={cfg.clone!r} must be one of {', '.join(SELECTIONS)}")


def mlp(obs_dim: int, hidden: list, n_actions: int) -> nn.Sequential:
    layers, width = [], obs_dim
    for h in hidden:
        layers += [nn.Linear(width, int(h)), nn.ReLU()]
        width = int(h)
    return nn.Sequential(*layers, nn.Linear(width, n_actions))


class _Run:
    """One training run: the cloned pairs, the network, its optimiser and the sampling RNG;
    what a checkpoint saves and restores."""

    def __init__(self, cfg: BCConfig):
        if not 0.0 < cfg.top_fraction <= 1.0:
            raise ValueError(f"top_fraction={cfg.top_fraction!r} must be in (0, 1]")
        self.cfg = cfg
        ds, episodes = load_labelled_episodes(cfg.root, cfg.dataset_id)
        if not hasattr(ds.action_space, "n"):
            raise ValueError(f"--dataset {cfg.dataset_id}: bc clones Discrete actions only")
        chosen = select(episodes, cfg)
        self.obs = torch.from_numpy(np.concatenate([e["obs"] for e in chosen]))
        self.actions = torch.from_numpy(np.concatenate([e["actions"] for e in chosen]))
        self.actions = self.actions.long()
        n_actions = int(ds.action_space.n)
        self.model = mlp(self.obs.shape[1], cfg.hidden, n_actions)
        self.opt = torch.optim.AdamW(
            self.model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay
        )
        self.rng = np.random.default_rng(cfg.seed)
        self.start, self.losses = 0, []
        self.run_dir = Path(cfg.run_dir)
        self.meta = {
            "obs_dim": int(self.obs.shape[1]),
            "n_actions": n_actions,
            "env_id": ds.spec.env_spec.id if ds.spec.env_spec else "",
            "cloned_episodes": len(chosen),
            "cloned_policies": sorted({e["policy"] for e in chosen}),
            "cloned_mean_return": float(np.mean([e["return"] for e in chosen])),
        }

    def restore(self, path: str) -> None:
        state = load_checkpoint(path)
        with checkpoint_contents(path):
            self.model.load_state_dict(state["model"])
            self.opt.load_state_dict(state["optim"])
            self.rng.bit_generator.state = state["rng"]
            self.start, self.losses = int(state["step"]), list(state["losses"])

    def checkpoint(self, step: int) -> None:
        save_checkpoint(
            self.run_dir / "checkpoint.pt",
            {"algo": "bc", "config": asdict(self.cfg), "meta": self.meta,
             "model": self.model.state_dict(), "optim": self.opt.state_dict(),
             "rng": self.rng.bit_generator.state, "step": step, "losses": self.losses},
        )  # fmt: skip

    def learn(self) -> None:
        """One gradient step of cross-entropy on a uniformly sampled batch of pairs."""
        picks = torch.from_numpy(self.rng.integers(len(self.actions), size=self.cfg.batch_size))
        loss = nn.functional.cross_entropy(self.model(self.obs[picks]), self.actions[picks])
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        self.losses.append(loss.item())


def train(config: BCConfig | None = None, resume: str | None = None) -> dict:
    """Clone the config's episodes; ``resume`` continues bit for bit from a checkpoint.
    Ctrl-C stops between two steps and saves a checkpoint."""
    cfg = config or BCConfig()
    r = begin_run(cfg, lambda: _Run(cfg), resume)
    return train_offline(r, cfg, "training bc")


def load(checkpoint: str):
    """(network, config, meta) of a checkpoint, the network in evaluation mode."""
    state = load_checkpoint(checkpoint)
    with checkpoint_contents(checkpoint):
        cfg = BCConfig(**state["config"])
        meta = state["meta"]
        if meta["env_id"]:
            meta["env_id"] = registered_env_id(meta["env_id"], f"checkpoint {checkpoint}")
        model = mlp(meta["obs_dim"], cfg.hidden, meta["n_actions"])
        model.load_state_dict(state["model"])
    model.eval()
    return model, cfg, meta


def load_policy(checkpoint: str):
    """The greedy masked policy of a checkpoint, ``act(obs, mask) -> action``, and its meta."""
    model, _, meta = load(checkpoint)

    def act(obs, mask) -> int:
        with torch.no_grad():
            logits = model(torch.as_tensor(np.asarray(obs, np.float32).reshape(1, -1)))[0]
        allowed = torch.as_tensor(np.asarray(mask, dtype=bool))
        return int(torch.where(allowed, logits, torch.finfo(logits.dtype).min).argmax())

    return act, meta


def config_from(**overrides) -> BCConfig:
    """The defaults with ``overrides``, each field checked (:mod:`.config_check`)."""
    return checked(BCConfig, overrides)
