"""Masked PPO: sb3-contrib's ``MaskablePPO`` on any env that exposes ``action_masks()``.

The standard masked on-policy baseline (Huang & Ontañón, "A closer look at invalid action
masking in policy gradient algorithms", FLAIRS 2022; sb3-contrib's implementation), for
Discrete and MultiDiscrete actions alike: the repeater chain's per-node ``MultiDiscrete`` is
what it is for. Hyperparameters come from ``qnet_agents/hyperparams/ppo.yml`` (rl-zoo style: one
entry per env id, with how it was chosen), overridden by the job config.

Checkpoints are the suite's own (``qnet_agents.common.save_checkpoint``: atomic, loaded with
``torch.load(weights_only=True)``): the policy's and optimiser's state dicts, the config and the
step count. Resuming continues from them with fresh rollouts, so a resumed run is a
continuation, not a bit-exact replay of an uninterrupted one (SB3 does not expose its rollout
buffer and environment state for that); say so wherever it matters.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from .common import (
    TrainResult,
    check_trained_on,
    checkpoint_contents,
    hyperparams_file,
    load_checkpoint,
    plain,
    save_checkpoint,
)
from .config_check import checked


@dataclass
class PPOConfig:
    total_steps: int = 100_000
    n_envs: int = 4
    n_steps: int = 256
    batch_size: int = 256
    n_epochs: int = 10
    learning_rate: float = 3e-4
    gamma: float = 0.99
    gae_lambda: float = 0.95
    ent_coef: float = 0.0
    clip_range: float = 0.2
    net_arch: list = field(default_factory=lambda: [64, 64])
    seed: int = 0
    env_config: dict | None = None
    # a potential of qnet_agents.shaping.POTENTIALS: training-only potential-based shaping
    # (Ng et al. 1999; optimal policies unchanged); evaluation and curves use the env's reward
    shaping: str | None = None
    # a baseline of the env to clone before PPO starts (qnet_agents.behaviour_cloning): its
    # episodes on training seeds 20000 + 1000 * seed + i; None trains from scratch
    bc_teacher: str | None = None
    bc_episodes: int = 20
    bc_epochs: int = 10
    # how the trained policy is played (evaluation, leaderboard): its most likely action, or a
    # sample from it (torch seeded with each episode's seed, so the returns are reproducible);
    # a sampled policy can do strictly better where the observation hides part of the state
    eval_deterministic: bool = True
    run_dir: str = "runs/ppo"
    checkpoint_every: int = 20_000
    tensorboard: bool = True
    progress: bool = True

    def validate(self) -> None:
        from qnet_envs.config import check_choice, check_range

        for name in ("total_steps", "n_envs", "n_steps", "batch_size", "n_epochs"):
            check_range(name, getattr(self, name), 1, 10**9, integer=True)
        check_range("learning_rate", self.learning_rate, 0.0, 1.0, low_open=True)
        check_range("gamma", self.gamma, 0.0, 1.0)
        check_range("gae_lambda", self.gae_lambda, 0.0, 1.0)
        check_range("ent_coef", self.ent_coef, 0.0, 10.0)
        check_range("clip_range", self.clip_range, 0.0, 1.0, low_open=True)
        check_range("checkpoint_every", self.checkpoint_every, 0, 10**12, integer=True)
        check_range("bc_episodes", self.bc_episodes, 1, 10**6, integer=True)
        check_range("bc_epochs", self.bc_epochs, 1, 10**4, integer=True)
        if not isinstance(self.eval_deterministic, bool):
            raise ValueError(
                f"eval_deterministic={self.eval_deterministic!r} must be true or false"
            )
        if self.shaping is not None:
            from .shaping import POTENTIALS

            check_choice("shaping", self.shaping, tuple(POTENTIALS))


def hyperparams(env_id: str, preset: str | None = None) -> dict:
    """The ``default`` entry of ppo.yml with the env's own entry on top, or the named
    ``preset`` entry instead of the env's (a tuned one, say)."""
    table = hyperparams_file("ppo")
    if preset is not None and preset not in table:
        raise ValueError(f"preset={preset!r}; choose one of {sorted(table)} (hyperparams/ppo.yml)")
    return {**table.get("default", {}), **table.get(preset or env_id, {})}


def config_from(env_id: str, preset: str | None = None, **overrides) -> PPOConfig:
    """The env's (or ``preset``'s) ppo.yml entry with ``overrides``, each field checked."""
    return checked(PPOConfig, {**hyperparams(env_id, preset), **overrides})


def _model(env_id: str, cfg: PPOConfig):
    from sb3_contrib import MaskablePPO
    from stable_baselines3.common.env_util import make_vec_env

    import qnet_envs  # noqa: F401  (registers the ids)

    from .shaping import PotentialShaping

    kwargs = {"config": cfg.env_config} if cfg.env_config else None
    shaping = {"potential": cfg.shaping, "gamma": cfg.gamma} if cfg.shaping else None
    venv = make_vec_env(env_id, n_envs=cfg.n_envs, seed=cfg.seed, env_kwargs=kwargs,
                        wrapper_class=PotentialShaping if shaping else None,
                        wrapper_kwargs=shaping)  # fmt: skip
    return MaskablePPO(
        "MlpPolicy",
        venv,
        n_steps=cfg.n_steps,
        batch_size=cfg.batch_size,
        n_epochs=cfg.n_epochs,
        learning_rate=cfg.learning_rate,
        gamma=cfg.gamma,
        gae_lambda=cfg.gae_lambda,
        ent_coef=cfg.ent_coef,
        clip_range=cfg.clip_range,
        policy_kwargs={"net_arch": list(cfg.net_arch)},
        tensorboard_log=cfg.run_dir if cfg.tensorboard else None,
        seed=cfg.seed,
        device="cpu",
        verbose=0,
    )


def rounded_steps(cfg: PPOConfig, start: int = 0) -> int:
    """The steps a run of ``cfg.total_steps`` really takes: PPO learns from whole rollouts of
    ``n_envs x n_steps`` steps, so SB3 rounds the budget up to the next whole rollout."""
    rollout = cfg.n_envs * cfg.n_steps
    return start + -(-max(cfg.total_steps - start, 0) // rollout) * rollout


def _callback(cfg: PPOConfig, save, curve: list, start: int, periodic=None):
    """Progress bar, episode returns for the learning curve, periodic checkpoints; with
    ``periodic`` = (every, evaluate(model) -> bool), an evaluation every ``every`` steps whose
    False ends the run."""
    from stable_baselines3.common.callbacks import BaseCallback
    from tqdm import tqdm

    class Hooks(BaseCallback):
        def _on_training_start(self) -> None:
            self.bar = tqdm(total=rounded_steps(cfg, start), initial=start,
                            disable=not cfg.progress, desc="ppo", unit="step")  # fmt: skip

        def _on_step(self) -> bool:
            n = self.model.num_timesteps
            self.bar.update(n - self.bar.n)
            for info in self.locals.get("infos", []):
                if "episode" in info:
                    curve.append((n, float(info["episode"]["r"])))
            if cfg.checkpoint_every and n // cfg.checkpoint_every > self._saved:
                self._saved = n // cfg.checkpoint_every
                save(n)
            if periodic and n // periodic[0] > self._evaluated:
                self._evaluated = n // periodic[0]
                self.bar.set_description("ppo: evaluating", refresh=True)
                go_on = periodic[1](self.model, n)
                self.bar.set_description("ppo", refresh=True)
                return bool(go_on)
            return True

        def _on_training_end(self) -> None:
            self.bar.close()

    hooks = Hooks()
    hooks._saved = start // cfg.checkpoint_every if cfg.checkpoint_every else 0
    hooks._evaluated = start // periodic[0] if periodic else 0
    return hooks


def train(
    env_id: str,
    config: PPOConfig | None = None,
    resume: str | None = None,
    on_eval=None,
    eval_every: int = 0,
    eval_episodes: int = 5,
) -> TrainResult:
    """Train MaskablePPO on ``env_id``; Ctrl-C saves a checkpoint and returns
    ``interrupted=True``. ``resume`` continues from a checkpoint (see the module docstring).
    With ``on_eval(step, mean_return)`` and ``eval_every``, the policy is played every
    ``eval_every`` steps on ``eval_episodes`` validation episodes (seeds 10000 + seed, ...; never
    the held-out 100000+); returning False ends the run there (a tuner's pruning)."""
    cfg = config or PPOConfig()
    cfg.validate()
    torch.manual_seed(cfg.seed)
    model = _model(env_id, cfg)
    run_dir = Path(cfg.run_dir)
    ckpt, curve, start = run_dir / "checkpoint.pt", [], 0
    if resume:
        state = load_checkpoint(resume)
        with checkpoint_contents(resume):
            check_trained_on(state, env_id, resume)
            model.policy.load_state_dict(state["policy"])
            model.policy.optimizer.load_state_dict(state["optim"])
            start, curve = int(state["global_step"]), [tuple(x) for x in state["curve"]]
        model.num_timesteps = start

    def save(step: int, path: Path = ckpt) -> None:
        save_checkpoint(
            path,
            {
                "algo": "ppo",
                "env_id": env_id,
                "config": plain(asdict(cfg)),
                "policy": model.policy.state_dict(),
                "optim": model.policy.optimizer.state_dict(),
                "global_step": step,
                "curve": [list(x) for x in curve],
            },
        )

    periodic = None
    if on_eval is not None and eval_every:

        def check(model, step: int) -> bool:
            act = _acting(model, cfg.eval_deterministic)
            score = float(np.mean(evaluate(act, env_id, eval_episodes, 10_000 + cfg.seed,
                                           cfg.env_config)))  # fmt: skip
            return on_eval(step, score)

        periodic = (eval_every, check)
    if cfg.bc_teacher and not resume:
        _clone_teacher(model, env_id, cfg, run_dir)
        save(0, run_dir / "bc.pt")  # the cloned policy alone, before any PPO update
    interrupted = False
    try:
        model.learn(
            max(cfg.total_steps - start, 0),
            callback=_callback(cfg, save, curve, start, periodic),
            reset_num_timesteps=not resume,
            tb_log_name="ppo",
        )
    except KeyboardInterrupt:
        interrupted = True
    step = int(model.num_timesteps)
    save(step)
    params = sum(p.numel() for p in model.policy.parameters())
    return TrainResult(str(run_dir), step, curve, [], str(ckpt), interrupted, params)


def _clone_teacher(model, env_id: str, cfg: PPOConfig, run_dir: Path) -> None:
    """Behaviour-clone ``cfg.bc_teacher`` into the fresh policy and write what it reached
    (``bc.json``: the teacher's returns on the demonstration seeds, the final losses; the
    cloned policy itself goes to ``bc.pt``, loadable like any checkpoint)."""
    import json

    from .behaviour_cloning import clone, record

    seed = 20_000 + 1_000 * cfg.seed
    demos = record(env_id, cfg.bc_teacher, cfg.bc_episodes, seed, cfg.gamma, cfg.env_config)
    losses = clone(model.policy, demos, cfg.bc_epochs, cfg.batch_size, cfg.seed)
    run_dir.mkdir(parents=True, exist_ok=True)
    report = {"teacher": cfg.bc_teacher, "seeds": [seed, seed + cfg.bc_episodes - 1],
              "samples": len(demos.actions), "teacher_returns": demos.episode_returns,
              **losses}  # fmt: skip
    (run_dir / "bc.json").write_text(json.dumps(report, indent=1) + "\n")


def load_policy(checkpoint: str):
    """``act(obs, env) -> action`` reading the env's ``action_masks()`` (the policy's most likely
    action, or a sample if the run's ``eval_deterministic`` is False), and the checkpoint's
    metadata."""
    state = load_checkpoint(checkpoint)
    with checkpoint_contents(checkpoint):
        cfg = PPOConfig(**{**state["config"], "n_envs": 1, "tensorboard": False})
        cfg.validate()
        model = _model(state["env_id"], cfg)
        model.policy.load_state_dict(state["policy"])
    model.policy.set_training_mode(False)
    return _acting(model, cfg.eval_deterministic), state


def _acting(model, deterministic: bool):
    """``act(obs, env)``: the model's action under the env's ``action_masks()``."""

    def act(obs, env):
        action, _ = model.predict(
            obs, action_masks=env.unwrapped.action_masks(), deterministic=deterministic
        )
        return action

    return act


def evaluate(
    act,
    env_id: str,
    episodes: int,
    seed: int,
    env_config=None,
    max_steps: int | None = None,
    progress: bool = False,
) -> list[float]:
    """Returns of ``act`` on episodes seeded seed, seed+1, ... (masks from ``action_masks()``;
    ``max_steps``: see :func:`qnet_agents.common.make_env`). Torch's generator is seeded with
    each episode's seed, which a sampled policy draws from."""
    from .common import episode_bar, make_env

    env = make_env(env_id, env_config, max_steps)
    out = []
    for ep in episode_bar(episodes, "evaluating ppo", progress):
        obs, info = env.reset(seed=seed + ep)
        torch.manual_seed(seed + ep)
        total, done = 0.0, False
        while not done:
            obs, r, te, tr, info = env.step(act(obs, env))
            total += float(r)
            done = te or tr
        out.append(total)
    return out


__all__ = ["PPOConfig", "config_from", "evaluate", "load_policy", "train"]
