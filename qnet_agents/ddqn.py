"""Double DQN (van Hasselt, Guez & Silver, AAAI 2016) with action masks, CleanRL style.

The online network picks the next action (among those ``info["action_mask"]`` allows), the
target network evaluates it; Huber loss, gradient clipping, hard or Polyak target updates,
linear epsilon schedule, uniform replay. ``train`` works on any Gymnasium env with a Discrete
action space and a flat (or flattenable) Box observation, ours or anyone's. The Q-network is
an MLP by default; :mod:`qnet_agents.vqc_qlearning` passes a variational quantum circuit instead.

Presets (``hyperparams/ddqn.yml``): ``com2net`` is seed 000's DDQN ([|S|, 1000, 500, |A|],
lr 1e-4); ``cartpole`` the settings validated on CartPole-v1; the default ([128, 128], lr 5e-4).

``train`` is the loop, in the order things happen: act and store, learn, update the target,
evaluate, checkpoint. What a run holds (env, networks, buffer, counters, the episode in
progress) and how it is checkpointed is ``_Run``; the update itself is :func:`learn`, and the
logging, progress bar and Ctrl-C handling are :class:`qnet_agents.common.TrainingRun`, shared
by every loop.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .common import (
    ReplayBuffer,
    TrainingRun,
    TrainResult,
    action_mask,
    begin_run,
    check_trained_on,
    checkpoint_contents,
    count_parameters,
    flat_obs,
    load_checkpoint,
    make_env,
    plain,
    preset_values,
    replay_episode,
    save_checkpoint,
)
from .config_check import checked


@dataclass
class DDQNConfig:
    total_steps: int = 50_000
    seed: int = 0
    hidden: tuple = (128, 128)
    lr: float = 5e-4
    gamma: float = 0.99
    buffer_size: int = 50_000
    batch_size: int = 128
    learning_starts: int = 1_000
    train_freq: int = 4
    gradient_steps: int = 1
    target_update: str = "hard"  # "hard": copy every target_update_freq steps; "polyak": tau
    target_update_freq: int = 500
    tau: float = 0.005
    eps_start: float = 1.0
    eps_end: float = 0.05
    eps_fraction: float = 0.3
    max_grad_norm: float = 10.0
    eval_every: int = 10_000
    eval_episodes: int = 5
    checkpoint_every: int = 10_000
    run_dir: str = "runs/ddqn"
    env_config: dict = field(default_factory=dict)
    tensorboard: bool = True
    progress: bool = True
    torch_threads: int = 1  # small networks: more threads only add synchronisation overhead

    def validate(self) -> None:
        if self.total_steps < 1 or self.batch_size < 1 or self.buffer_size < self.batch_size:
            raise ValueError(
                f"total_steps={self.total_steps}, batch_size={self.batch_size}, buffer_size={self.buffer_size}: need total_steps >= 1 and buffer_size >= batch_size >= 1"
            )
        if self.target_update not in ("hard", "polyak"):
            raise ValueError(f"target_update={self.target_update!r}; choose 'hard' or 'polyak'")
        if not 0.0 < self.lr < 1.0:
            raise ValueError(f"lr={self.lr} must satisfy 0 < lr < 1")
        if not 0.0 <= self.gamma <= 1.0:
            raise ValueError(f"gamma={self.gamma} must satisfy 0 <= gamma <= 1")


def mlp(obs_dim: int, n_actions: int, hidden) -> nn.Module:
    layers, width = [], obs_dim
    for h in hidden:
        layers += [nn.Linear(width, h), nn.ReLU()]
        width = h
    layers.append(nn.Linear(width, n_actions))
    return nn.Sequential(*layers)


def masked_argmax(q: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return torch.where(mask, q, torch.finfo(q.dtype).min).argmax(dim=-1)


def epsilon(cfg: DDQNConfig, step: int) -> float:
    span = max(1, int(cfg.eps_fraction * cfg.total_steps))
    return max(cfg.eps_end, cfg.eps_start + (cfg.eps_end - cfg.eps_start) * step / span)


def ddqn_loss(q_net, target_net, batch, gamma: float) -> torch.Tensor:
    """Huber loss of Q(s, a) against r + gamma Q_target(s', argmax_a' Q_online(s', a'))."""
    with torch.no_grad():
        next_a = masked_argmax(q_net(batch["next_obs"]), batch["next_masks"])
        next_q = target_net(batch["next_obs"]).gather(1, next_a[:, None]).squeeze(1)
        target = batch["rewards"] + gamma * (1.0 - batch["dones"]) * next_q
    q = q_net(batch["obs"]).gather(1, batch["actions"][:, None]).squeeze(1)
    return F.smooth_l1_loss(q, target)


def learn(q_net, target_net, optimiser, rb, rng, cfg: DDQNConfig) -> float:
    """``cfg.gradient_steps`` Double-DQN updates on replayed batches; returns the last loss."""
    for _ in range(cfg.gradient_steps):
        loss = ddqn_loss(q_net, target_net, rb.sample(cfg.batch_size, rng), cfg.gamma)
        optimiser.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(q_net.parameters(), cfg.max_grad_norm)
        optimiser.step()
    return loss.item()


def update_target(q_net, target_net, cfg: DDQNConfig, step: int) -> None:
    if cfg.target_update == "polyak":
        with torch.no_grad():
            for p, tp in zip(q_net.parameters(), target_net.parameters(), strict=True):
                tp.mul_(1.0 - cfg.tau).add_(cfg.tau * p)
    elif step % cfg.target_update_freq == 0:
        target_net.load_state_dict(q_net.state_dict())


class _Run:
    """One training run: the env, the networks, optimiser, replay buffer, counters, RNG and the
    episode in progress; what a checkpoint saves and restores."""

    def __init__(self, env_id_or_env, cfg: DDQNConfig, make_network, algo: str):
        self.cfg, self.algo, self.source = cfg, algo, env_id_or_env
        self.env = env = make_env(env_id_or_env, cfg.env_config)
        named = isinstance(env_id_or_env, str)
        self.env_id = env_id_or_env if named else env.spec.id if env.spec else None
        self.obs_dim = int(np.prod(env.observation_space.shape))
        self.n_actions = int(env.action_space.n)
        build = make_network or (lambda d, a: mlp(d, a, cfg.hidden))
        self.q_net = build(self.obs_dim, self.n_actions)
        self.target_net = build(self.obs_dim, self.n_actions)
        self.optimiser = torch.optim.Adam(self.q_net.parameters(), lr=cfg.lr)
        self.rb = ReplayBuffer(cfg.buffer_size, self.obs_dim, self.n_actions)
        self.rng = np.random.default_rng(cfg.seed)
        self.start, self.episodes, self.curve, self.evals, self.ep_actions = 0, 0, [], [], []
        self.run_dir = Path(cfg.run_dir)
        self.ckpt_path = self.run_dir / "checkpoint.pt"

    def restore(self, path: str) -> None:
        state = load_checkpoint(path)
        with checkpoint_contents(path):
            check_trained_on(state, self.env_id, path)
            self.q_net.load_state_dict(state["q"])
            self.target_net.load_state_dict(state["target"])
            self.optimiser.load_state_dict(state["optim"])
            self.rb.load_state_dict(state["buffer"])
            self.rng.bit_generator.state = state["rng"]
            torch.set_rng_state(state["torch_rng"])
            self.start, self.episodes = int(state["global_step"]), int(state["episodes"])
            self.curve = [tuple(x) for x in state["curve"]]
            self.evals = [tuple(x) for x in state["evals"]]
            self.ep_actions = [int(a) for a in state["episode_actions"]]

    def policy_payload(self, step: int) -> dict:
        """What a policy needs: weights, config and shapes (``best.pt`` holds only this)."""
        return {
            "algo": self.algo,
            "env_id": self.env_id,
            "config": plain(asdict(self.cfg)),
            "obs_dim": self.obs_dim,
            "n_actions": self.n_actions,
            "q": self.q_net.state_dict(),
            "global_step": step,
        }

    def checkpoint(self, step: int) -> None:
        save_checkpoint(
            self.ckpt_path,
            {
                **self.policy_payload(step),
                "target": self.target_net.state_dict(),
                "optim": self.optimiser.state_dict(),
                "buffer": self.rb.state_dict(),
                "rng": self.rng.bit_generator.state,
                "torch_rng": torch.get_rng_state(),
                "episodes": self.episodes,
                "episode_actions": list(self.ep_actions),
                "curve": [list(x) for x in self.curve],
                "evals": [list(x) for x in self.evals],
            },
        )

    def greedy(self, obs, mask) -> int:
        with torch.no_grad():
            q = self.q_net(torch.from_numpy(obs)[None])[0]
        return int(masked_argmax(q, torch.from_numpy(mask)))

    def new_episode(self, replay: bool = False) -> None:
        """Start the next episode (seeded ``seed + episodes``); with ``replay``, replay the
        recorded actions of the one a checkpoint interrupted."""
        if replay:
            obs, info, self.ep_return = replay_episode(
                self.env, self.cfg.seed + self.episodes, self.ep_actions
            )
        else:
            obs, info = self.env.reset(seed=self.cfg.seed + self.episodes)
            self.ep_return, self.ep_actions = 0.0, []
        self.obs, self.mask = flat_obs(obs), action_mask(info, self.n_actions)

    def act(self, step: int, run: TrainingRun) -> None:
        """One epsilon-greedy step, stored in the replay buffer; ends the episode if done."""
        cfg, mask = self.cfg, self.mask
        if self.rng.random() < epsilon(cfg, step):
            action = int(self.rng.choice(np.flatnonzero(mask)))
        else:
            action = self.greedy(self.obs, mask)
        next_obs, reward, terminated, truncated, info = self.env.step(action)
        self.ep_actions.append(action)
        next_obs, next_mask = flat_obs(next_obs), action_mask(info, self.n_actions)
        self.rb.add(self.obs, action, reward, next_obs, float(terminated), next_mask)
        self.obs, self.mask = next_obs, next_mask
        self.ep_return += float(reward)
        if terminated or truncated:
            self.episodes += 1
            self.curve.append((step, self.ep_return))
            run.scalar("charts/episodic_return", self.ep_return, step)
            run.postfix(ret=f"{self.ep_return:.2f}", eps=f"{epsilon(cfg, step):.2f}")
            self.new_episode()

    def evaluate(self, step: int, run: TrainingRun) -> None:
        """The greedy policy's mean return on the eval seeds; a new best is saved as best.pt
        (weights and config, no replay buffer)."""
        from .common import evaluate_greedy

        cfg, named = self.cfg, isinstance(self.source, str)
        run.phase(f"evaluating ({cfg.eval_episodes} greedy episodes)")
        returns = evaluate_greedy(
            self.greedy, self.source if named else self.env, cfg.eval_episodes,
            10_000 + cfg.seed, cfg.env_config,
        )  # fmt: skip
        score = float(np.mean(returns))
        if not self.evals or score > max(e for _, e in self.evals):
            save_checkpoint(self.run_dir / "best.pt", self.policy_payload(step))
        self.evals.append((step, score))
        run.scalar("charts/eval_return", score, step)
        run.phase(None)
        if not named:  # the eval reused our env: restart it
            self.new_episode()

    def result(self, step: int, interrupted: bool) -> TrainResult:
        best = self.run_dir / "best.pt"
        return TrainResult(
            str(self.run_dir), step, self.curve, self.evals, str(self.ckpt_path), interrupted,
            count_parameters(self.q_net), str(best) if best.exists() else "",
        )  # fmt: skip


def train(
    env_id_or_env,
    config: DDQNConfig | None = None,
    make_network=None,
    algo: str = "ddqn",
    resume: str | None = None,
    on_eval=None,
) -> TrainResult:
    """Train; returns a :class:`TrainResult`. ``make_network(obs_dim, n_actions)`` builds the
    Q-network (default: the config's MLP). ``resume`` continues from a checkpoint file: weights,
    optimiser, replay buffer, counters, RNG states and the current episode (replayed from its
    seed and recorded actions), so a resumed run is bit for bit the uninterrupted one. Ctrl-C
    stops between two steps, saves a checkpoint and returns with ``interrupted=True``.
    ``on_eval(step, mean_return)`` is called after each periodic evaluation; returning False
    ends the run there (a tuner's pruning)."""
    cfg = config or DDQNConfig()
    cfg.validate()
    r = begin_run(cfg, lambda: _Run(env_id_or_env, cfg, make_network, algo), resume)
    if not resume:
        r.target_net.load_state_dict(r.q_net.state_dict())
    r.new_episode(replay=True)
    step, t0 = r.start, time.perf_counter()
    with TrainingRun(r.run_dir, cfg.tensorboard, cfg.progress, cfg.total_steps, r.start,
                     label=f"training {algo}") as run:  # fmt: skip
        for step in range(r.start + 1, cfg.total_steps + 1):
            r.act(step, run)
            if step > cfg.learning_starts and step % cfg.train_freq == 0:
                loss = learn(r.q_net, r.target_net, r.optimiser, r.rb, r.rng, cfg)
                if step % 1000 == 0:
                    run.scalar("losses/td_loss", loss, step)
                    run.scalar("charts/sps", (step - r.start) / (time.perf_counter() - t0), step)
            if step > cfg.learning_starts:
                update_target(r.q_net, r.target_net, cfg, step)
            if cfg.eval_every and step % cfg.eval_every == 0:
                r.evaluate(step, run)
                if on_eval is not None and not on_eval(step, r.evals[-1][1]):
                    break
            if cfg.checkpoint_every and step % cfg.checkpoint_every == 0:
                r.checkpoint(step)
            if run.tick():
                break
    r.checkpoint(step)
    return r.result(step, run.interrupted)


def config_from(preset: str = "default", **overrides) -> DDQNConfig:
    """The preset's config with ``overrides``, each field checked (:mod:`.config_check`)."""
    return checked(DDQNConfig, overrides, checked(DDQNConfig, preset_values("ddqn", preset)))


def load_policy(checkpoint: str, make_network=None):
    """A greedy ``act(obs, mask)`` from a checkpoint, and the checkpoint's metadata."""
    state = load_checkpoint(checkpoint)
    with checkpoint_contents(checkpoint):
        DDQNConfig(**state["config"]).validate()  # as a user's config: fields and ranges
        hidden = tuple(state["config"]["hidden"])
        build = make_network or (lambda d, a: mlp(d, a, hidden))
        net = build(state["obs_dim"], state["n_actions"])
        net.load_state_dict(state["q"])
    net.eval()

    def act(obs, mask) -> int:
        with torch.no_grad():
            q = net(torch.from_numpy(np.asarray(obs, np.float32))[None])[0]
        return int(masked_argmax(q, torch.from_numpy(mask)))

    return act, state
