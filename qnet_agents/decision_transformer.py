"""Decision Transformer (Chen et al., "Decision Transformer: Reinforcement Learning via Sequence
Modeling", NeurIPS 2021), trained from a Minari dataset, CleanRL style, in plain torch.

Tokens interleave (return-to-go, state, action) per timestep, each embedded linearly (actions:
an embedding for Discrete, linear for Box) plus a learned timestep embedding; causal
transformer blocks (pre-LayerNorm GPT blocks) read the last K timesteps, and the action is
predicted from each state token. Discrete actions are trained with cross-entropy, continuous
ones with mean squared error. Defaults follow the paper's gym settings:
 K = 20, embedding 128, 3 layers, 1 head, AdamW lr 1e-4 with weight decay 1e-4, a
linear warm-up (at most a tenth of the run), gradient clipping at 0.25; returns-to-go are
scaled by the dataset's largest absolute return (the paper's fixed 1,000 suits returns in the
thousands: on returns of tens the conditioning input barely moves and the model ignores it). Evaluation conditions on a target return and
subtracts each reward from it; masked-out actions (``info["action_mask"]``) are never taken.

``train`` is one CleanRL-style loop (about 80 lines, sample, predict, step, log, checkpoint in
order); logging and Ctrl-C are :class:`qnet_agents.common.TrainingRun`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
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


@dataclass
class DTConfig:
    dataset_id: str = "qnet/QuantumResourceAllocation/random-valid-greedy-saa-v0"
    root: str = "data/minari"
    context: int = 20
    embed: int = 128
    layers: int = 3
    heads: int = 1
    dropout: float = 0.1
    lr: float = 1e-4
    weight_decay: float = 1e-4
    warmup_steps: int = 1000
    grad_clip: float = 0.25
    batch_size: int = 64
    train_steps: int = 10_000
    # returns-to-go are divided by this before their (linear) embedding; None: the dataset's
    # largest absolute episode return, so that the conditioning spans [-1, 1] (a fixed 1,000,
    # Chen et al.'s choice for returns in the thousands, leaves returns of tens inert)
    return_scale: float | None = None
    # "policy-mean": each step's return-to-go becomes the mean return-to-go, at that timestep,
    # of the episodes its behaviour policy recorded (the dataset's policies.json), so that the
    # conditioning carries the policy's expected return instead of its episode's luck
    relabel: str = "none"
    seed: int = 0
    run_dir: str = "runs/dt"
    checkpoint_every: int = 2000
    tensorboard: bool = True
    progress: bool = True
    torch_threads: int = 1


class Block(nn.Module):
    def __init__(self, d, heads, dropout):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, heads, dropout=dropout, batch_first=True)
        self.mlp = nn.Sequential(
            nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d), nn.Dropout(dropout)
        )

    def forward(self, x, causal, pad):
        h = self.ln1(x)
        x = x + self.attn(h, h, h, attn_mask=causal, key_padding_mask=pad, need_weights=False)[0]
        return x + self.mlp(self.ln2(x))


class DecisionTransformer(nn.Module):
    def __init__(self, obs_dim, n_actions, discrete, max_len, cfg: DTConfig):
        super().__init__()
        d = cfg.embed
        self.discrete, self.n_actions, self.context = discrete, n_actions, cfg.context
        self.embed_rtg = nn.Linear(1, d)
        self.embed_state = nn.Linear(obs_dim, d)
        self.embed_action = nn.Embedding(n_actions, d) if discrete else nn.Linear(n_actions, d)
        self.embed_time = nn.Embedding(max_len + 1, d)
        self.ln = nn.LayerNorm(d)
        self.drop = nn.Dropout(cfg.dropout)
        self.blocks = nn.ModuleList(Block(d, cfg.heads, cfg.dropout) for _ in range(cfg.layers))
        self.ln_f = nn.LayerNorm(d)
        self.predict = nn.Linear(d, n_actions)

    def forward(self, rtg, states, actions, timesteps, valid):
        """rtg (B, K, 1), states (B, K, obs), actions (B, K) or (B, K, A), timesteps (B, K),
        valid (B, K) bool; returns action logits (or values) at every state token (B, K, A)."""
        b, k = states.shape[:2]
        t = self.embed_time(timesteps)
        tokens = torch.stack(
            [self.embed_rtg(rtg) + t, self.embed_state(states) + t, self.embed_action(actions) + t],
            dim=2,
        )
        x = self.drop(self.ln(tokens.reshape(b, 3 * k, -1)))
        causal = torch.triu(torch.ones(3 * k, 3 * k, dtype=torch.bool), diagonal=1)
        # A key-padding mask triples attention's cost on CPU: pass one only when needed.
        pad = None if bool(valid.all()) else ~valid.repeat_interleave(3, dim=1)
        for block in self.blocks:
            x = block(x, causal, pad)
        x = self.ln_f(x).reshape(b, k, 3, -1)
        return self.predict(x[:, :, 1])  # from each state token, before its action is seen


def load_episodes(cfg: DTConfig):
    """The dataset and its episodes (:func:`qnet_agents.datasets.load_labelled_episodes`),
    each with its return-to-go (relabelled with ``cfg.relabel``)."""
    ds, episodes = load_labelled_episodes(cfg.root, cfg.dataset_id)
    for e in episodes:
        e["rtg"] = np.cumsum(e["rewards"][::-1])[::-1].copy()
    if cfg.relabel == "policy-mean":
        relabel_by_policy(episodes, [e["policy"] for e in episodes])
    elif cfg.relabel != "none":
        raise ValueError(f"relabel={cfg.relabel!r} must be 'none' or 'policy-mean'")
    return ds, episodes


def policy_means(episodes: list[dict]) -> dict[str, float]:
    """Each behaviour policy's mean episode return in the dataset."""
    labels = sorted({e["policy"] for e in episodes})
    return {p: float(np.mean([e["return"] for e in episodes if e["policy"] == p])) for p in labels}


def default_target(meta: dict) -> float:
    """The return a trained DT is conditioned on when none is chosen: the dataset's best
    behaviour policy's mean return (Chen et al. condition on returns at the top of the
    dataset's); checkpoints without policy labels fall back to the best episode's return."""
    means = meta.get("policy_returns")
    return float(max(means.values())) if means else float(max(meta["returns"]))


def relabel_by_policy(episodes: list[dict], labels: list[str]) -> None:
    """Replace each episode's return-to-go by its behaviour policy's mean return-to-go at each
    timestep (over that policy's episodes reaching it). In stochastic envs a return-to-go mixes
    the policy's quality with the luck of its episode, and a Decision Transformer conditioned
    on it learns to expect luck (Paster, McIlraith & Ba, "You Can't Count on Luck", NeurIPS
    2022); their ESPER conditions on learned cluster-average returns, this uses the known
    behaviour policies as the clusters."""
    if len(labels) != len(episodes):
        raise ValueError(f"{len(labels)} policy labels for {len(episodes)} episodes")
    for label in set(labels):
        group = [e for e, lab in zip(episodes, labels, strict=True) if lab == label]
        n = max(len(e["rtg"]) for e in group)
        total, count = np.zeros(n), np.zeros(n)
        for e in group:
            total[: len(e["rtg"])] += e["rtg"]
            count[: len(e["rtg"])] += 1
        mean = (total / count).astype(np.float32)
        for e in group:
            e["rtg"] = mean[: len(e["rtg"])].copy()


def data_scale(cfg: DTConfig, episodes: list[dict]) -> float:
    """What returns-to-go are divided by: ``cfg.return_scale``, or by default the largest
    absolute episode return in the data (at least 1e-9)."""
    if cfg.return_scale is not None:
        return float(cfg.return_scale)
    return max(max(abs(e["return"]) for e in episodes), 1e-9)


def warmup_steps(cfg: DTConfig) -> int:
    """The linear warm-up's length: ``cfg.warmup_steps``, at most a tenth of the run (a run as
    short as its warm-up would never reach its learning rate)."""
    return max(1, min(cfg.warmup_steps, cfg.train_steps // 10))


def sample_batch(episodes, cfg: DTConfig, rng, discrete, scale: float):
    k = cfg.context
    lengths = np.array([len(e["actions"]) for e in episodes])
    picks = rng.choice(len(episodes), size=cfg.batch_size, p=lengths / lengths.sum())
    obs_dim = episodes[0]["obs"].shape[1]
    S = np.zeros((cfg.batch_size, k, obs_dim), np.float32)
    A = (
        np.zeros((cfg.batch_size, k), np.int64)
        if discrete
        else np.zeros((cfg.batch_size, k, episodes[0]["actions"].shape[-1]), np.float32)
    )
    R = np.zeros((cfg.batch_size, k, 1), np.float32)
    T = np.zeros((cfg.batch_size, k), np.int64)
    V = np.zeros((cfg.batch_size, k), bool)
    for i, e in enumerate(picks):
        ep = episodes[e]
        # Full windows where the episode allows (no padding, the fast path); shorter ones only
        # for episodes shorter than the context.
        end = int(rng.integers(min(k, len(ep["actions"])), len(ep["actions"]) + 1))
        start = max(0, end - k)
        n = end - start
        S[i, -n:] = ep["obs"][start:end]
        A[i, -n:] = ep["actions"][start:end]
        R[i, -n:, 0] = ep["rtg"][start:end] / scale
        T[i, -n:] = np.arange(start, end)
        V[i, -n:] = True
    return [torch.from_numpy(x) for x in (R, S, A, T, V)]


class _Run:
    """One training run: the episodes, model, optimiser, schedule, counters and RNG; what a
    checkpoint saves and restores."""

    def __init__(self, cfg: DTConfig):
        self.cfg = cfg
        ds, self.episodes = load_episodes(cfg)
        self.discrete = discrete = hasattr(ds.action_space, "n")
        space = ds.action_space
        n_actions = int(space.n) if discrete else int(np.prod(space.shape))
        obs_dim = self.episodes[0]["obs"].shape[1]
        max_len = int(max(len(e["actions"]) for e in self.episodes))
        self.model = DecisionTransformer(obs_dim, n_actions, discrete, max_len, cfg)
        self.opt = torch.optim.AdamW(
            self.model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay
        )
        warmup = warmup_steps(cfg)
        self.sched = torch.optim.lr_scheduler.LambdaLR(
            self.opt, lambda s: min(1.0, (s + 1) / warmup)
        )
        self.rng = np.random.default_rng(cfg.seed)
        self.start, self.losses = 0, []
        self.run_dir = Path(cfg.run_dir)
        self.meta = {
            "obs_dim": obs_dim,
            "n_actions": n_actions,
            "discrete": discrete,
            "max_len": max_len,
            "env_id": ds.spec.env_spec.id if ds.spec.env_spec else "",
            "returns": [e["return"] for e in self.episodes],
            "policy_returns": policy_means(self.episodes),
            "return_scale": data_scale(cfg, self.episodes),
        }

    def restore(self, path: str) -> None:
        state = load_checkpoint(path)
        with checkpoint_contents(path):
            self.model.load_state_dict(state["model"])
            self.opt.load_state_dict(state["optim"])
            self.sched.load_state_dict(state["sched"])
            self.rng.bit_generator.state = state["rng"]
            torch.set_rng_state(state["torch_rng"])  # dropout draws from it
            self.start, self.losses = int(state["step"]), list(state["losses"])

    def checkpoint(self, step: int) -> None:
        save_checkpoint(
            self.run_dir / "checkpoint.pt",
            {
                "algo": "dt",
                "config": asdict(self.cfg),
                "meta": self.meta,
                "model": self.model.state_dict(),
                "optim": self.opt.state_dict(),
                "sched": self.sched.state_dict(),
                "rng": self.rng.bit_generator.state,
                "torch_rng": torch.get_rng_state(),
                "step": step,
                "losses": self.losses,
            },
        )

    def learn(self) -> None:
        """One gradient step on a sampled batch of context windows: cross-entropy on the
        actions (discrete) or their squared error (continuous), at every valid position."""
        R, S, A, T, V = sample_batch(self.episodes, self.cfg, self.rng, self.discrete,
                                     self.meta["return_scale"])  # fmt: skip
        pred = self.model(R, S, A, T, V)
        if self.discrete:
            loss = nn.functional.cross_entropy(pred[V], A[V])
        else:
            loss = ((pred - A) ** 2)[V].mean()
        self.opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.grad_clip)
        self.opt.step()
        self.sched.step()
        self.losses.append(loss.item())


def train(config: DTConfig | None = None, resume: str | None = None) -> dict:
    """Train on the config's Minari dataset; ``resume`` continues bit for bit from a
    checkpoint. Ctrl-C stops between two steps and saves a checkpoint."""
    cfg = config or DTConfig()
    r = begin_run(cfg, lambda: _Run(cfg), resume)
    r.model.train()
    return train_offline(r, cfg, "training dt")


def load(checkpoint: str):
    state = load_checkpoint(checkpoint)
    with checkpoint_contents(checkpoint):
        cfg = DTConfig(**state["config"])
        m = state["meta"]
        if m["env_id"]:
            m["env_id"] = registered_env_id(m["env_id"], f"checkpoint {checkpoint}")
        model = DecisionTransformer(m["obs_dim"], m["n_actions"], m["discrete"], m["max_len"], cfg)
        model.load_state_dict(state["model"])
    model.eval()
    return model, cfg, m


def checkpoint_scale(cfg: DTConfig, meta: dict) -> float:
    """The return scale a checkpoint was trained with (its meta; a checkpoint from before the
    scale was recorded used ``cfg.return_scale``, then always set)."""
    return float(meta.get("return_scale", cfg.return_scale))


def evaluate(
    checkpoint: str,
    target_return: float,
    episodes: int = 5,
    seed: int = 100_000,
    env_id: str | None = None,
    env_config=None,
) -> list[float]:
    """Returns of rollouts conditioned on ``target_return`` (discrete actions, masked argmax)."""
    import gymnasium as gym

    import qnet_envs  # noqa: F401

    model, cfg, meta = load(checkpoint)
    env_id = env_id or meta["env_id"]
    k, scale = cfg.context, checkpoint_scale(cfg, meta)
    out = []
    for ep in range(episodes):
        env = gym.make(env_id, config=env_config) if env_config else gym.make(env_id)
        obs, info = env.reset(seed=seed + ep)
        S, A, R, T = [], [], [], []
        rtg, total, t, done = target_return, 0.0, 0, False
        while not done:
            S.append(np.asarray(obs, np.float32).reshape(-1))
            R.append(rtg / scale)
            T.append(min(t, meta["max_len"]))
            A.append(0)  # placeholder: the prediction at this state ignores its own action token
            s = torch.from_numpy(np.stack(S[-k:]))[None]
            a = torch.tensor(A[-k:])[None]
            r = torch.tensor(R[-k:], dtype=torch.float32)[None, :, None]
            ts = torch.tensor(T[-k:])[None]
            valid = torch.ones(1, s.shape[1], dtype=torch.bool)
            with torch.no_grad():
                logits = model(r, s, a, ts, valid)[0, -1]
            mask = (
                torch.from_numpy(info["action_mask"].astype(bool))
                if "action_mask" in info
                else torch.ones_like(logits, dtype=torch.bool)
            )
            action = int(torch.where(mask, logits, torch.finfo(logits.dtype).min).argmax())
            A[-1] = action
            obs, reward, te, tr, info = env.step(action)
            total += float(reward)
            rtg -= float(reward)
            t += 1
            done = te or tr
        out.append(total)
    return out


def config_from(**overrides) -> DTConfig:
    """The defaults with ``overrides``, each field checked (:mod:`.config_check`)."""
    return checked(DTConfig, overrides)
