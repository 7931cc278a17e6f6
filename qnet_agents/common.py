"""Infrastructure every agent shares: seeding, replay, checkpoints, evaluation, logging, reports.

Kept apart from the algorithm files so that each of those reads as one algorithm.
"""

from __future__ import annotations

import hashlib
import io
import os
import random
import signal
import tempfile
import threading
import types
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import gymnasium as gym
import numpy as np
import torch


def make_env(
    env_id_or_env, env_config: dict | None = None, max_steps: int | None = None
) -> gym.Env:
    """A fresh env from an id (qnet ids get ``config=``), or the env object given;
    ``max_steps`` truncates its episodes (pipeline checks that must not wait for an untrained
    policy to finish an episode)."""
    if not isinstance(env_id_or_env, str):
        return env_id_or_env
    import qnet_envs  # noqa: F401  (registers qnet/ ids)
    from qnet_envs.config import make_configured

    kwargs = {} if max_steps is None else {"max_episode_steps": max_steps}
    return make_configured(env_id_or_env, env_config, **kwargs)


def seed_everything(seed: int) -> None:
    """Seed Python, numpy and torch together (the env is seeded through reset)."""
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - third-party code may still use the global RNG
    torch.manual_seed(seed)


def begin_run(cfg, build, resume: str | None):
    """Seed everything, then ``build()`` the run (so its networks' initial weights come from
    the seeded generators) and restore it from the checkpoint ``resume`` if given: the
    prologue every training loop shares."""
    seed_everything(cfg.seed)
    torch.set_num_threads(cfg.torch_threads)
    run = build()
    if resume:
        run.restore(resume)
    return run


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


CHECKPOINT_MAGIC = b"QNETCKPT1 "
"""A checkpoint file is this magic, the SHA-256 of the rest in hex, a newline, then
``torch.save``'s bytes: a flipped byte or a truncated file is detected at load."""


class CheckpointError(ValueError):
    """A checkpoint that cannot be used; the message names the file and what is wrong (the
    CLI prints it as one line ``qnet: error: ...``)."""


def save_checkpoint(path: Path, payload: dict) -> None:
    """Write atomically and durably: a temporary file in the same folder, fsync, rename, fsync
    the folder. Temporary files a killed process left for this path are removed first."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path.parent, path.name)
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    data = buffer.getvalue()
    header = CHECKPOINT_MAGIC + hashlib.sha256(data).hexdigest().encode() + b"\n"
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(header + data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def remove_stale_temporaries(folder: Path, name: str = "") -> None:
    """Delete the temporary files (``NAME*.tmp``; every checkpoint's with no name) that a
    killed process left in a run folder while writing a checkpoint."""
    for stale in Path(folder).glob(f"{name}*.tmp"):
        stale.unlink(missing_ok=True)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # some platforms cannot open a folder; the rename is still atomic
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def load_checkpoint(path: Path) -> dict:
    """Verify the checksum, then load with ``weights_only=True`` (tensors and plain containers,
    no code). A checkpoint's ``env_id`` must be a registered Gymnasium id: it is never handed
    to an import. Every failure is a :class:`CheckpointError` naming the file."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CheckpointError(f"checkpoint {path}: cannot be read ({exc.strerror})") from exc
    header, _, data = raw.partition(b"\n")
    if not header.startswith(CHECKPOINT_MAGIC):
        raise CheckpointError(f"checkpoint {path}: not a qnet checkpoint (no qnet header)")
    if hashlib.sha256(data).hexdigest().encode() != header[len(CHECKPOINT_MAGIC) :]:
        raise CheckpointError(
            f"checkpoint {path}: checksum mismatch (the file changed after it was written)"
        )
    try:
        state = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unpickling failure is a bad file
        raise CheckpointError(f"checkpoint {path}: cannot be unpickled ({exc})") from exc
    if not isinstance(state, dict) or not isinstance(state.get("algo"), str):
        raise CheckpointError(f"checkpoint {path}: no 'algo' entry; not an agent checkpoint")
    if state.get("env_id") is not None:  # None: trained on an env object the caller supplies
        state["env_id"] = registered_env_id(state["env_id"], f"checkpoint {path}")
    if "config" in state and not isinstance(state["config"], dict):
        raise CheckpointError(
            f"checkpoint {path}: config is {type(state['config']).__name__}, not a mapping"
        )
    _check_values(state, f"checkpoint {path}", "")
    return state


def _check_values(value, where: str, key: str) -> None:
    """Every floating tensor or array finite and every step counter a non-negative integer,
    before anything is loaded into a network or a buffer (a checksum proves only that the
    file is the one written, not that what was written is usable)."""
    if isinstance(value, dict):
        for k, v in value.items():
            _check_values(v, where, f"{key}.{k}" if key else str(k))
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            _check_values(v, where, f"{key}[{i}]")
    elif isinstance(value, torch.Tensor) and value.is_floating_point():
        if not bool(torch.isfinite(value).all()):
            raise CheckpointError(f"{where}: {key} holds NaN or infinite values")
    elif isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.floating):
        if not np.all(np.isfinite(value)):
            raise CheckpointError(f"{where}: {key} holds NaN or infinite values")
    elif key.rsplit(".", 1)[-1] in STEP_COUNTERS:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise CheckpointError(f"{where}: {key}={value!r} must be a non-negative integer")


STEP_COUNTERS = ("global_step", "update", "episode", "step", "updates", "episodes")


def check_trained_on(state: dict, env_id: str | None, path) -> None:
    """A run resumes on the env its checkpoint was trained on (None: an env object whose id
    is unknown, which nothing can check)."""
    if env_id is not None and state.get("env_id") is not None and state["env_id"] != env_id:
        raise CheckpointError(
            f"checkpoint {path}: trained on {state['env_id']!r}, not on {env_id!r}"
        )


def registered_env_id(env_id, where: str) -> str:
    """``env_id`` if it is a registered Gymnasium id, else ``ValueError``. Ids read from files
    go through here: ``gym.make("module:Id")`` would import ``module``."""
    import qnet_envs  # noqa: F401  (registers qnet/ ids)

    if not isinstance(env_id, str) or env_id not in gym.registry:
        raise CheckpointError(f"{where}: env_id {env_id!r} is not a registered Gymnasium id")
    return env_id


@contextmanager
def checkpoint_contents(path):
    """Errors raised while applying a checkpoint's contents (a missing key, a tensor of the
    wrong shape) become one :class:`CheckpointError` naming the file."""
    try:
        yield
    except CheckpointError:
        raise
    except (KeyError, RuntimeError, TypeError, ValueError, IndexError, AttributeError) as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise CheckpointError(
            f"checkpoint {path}: does not fit this agent ({type(exc).__name__}: {detail})"
        ) from exc


@contextmanager
def deferred_interrupt():
    """Ctrl-C during training sets ``.requested`` instead of raising, so the loop stops between
    two steps, with every piece of state consistent, and checkpoints exactly there (a resume
    then replays nothing). A second Ctrl-C raises ``KeyboardInterrupt`` at once."""
    flag = types.SimpleNamespace(requested=False)
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return

    def handler(signum, frame):
        if flag.requested:
            raise KeyboardInterrupt
        flag.requested = True

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)


class TrainingRun:
    """What every training loop shares, written once: the TensorBoard writer, the progress bar,
    Ctrl-C between steps (:func:`deferred_interrupt`) and closing them. The loop calls
    ``run.tick()`` at the end of each step (or update) and stops when it returns True; the
    caller then writes its final checkpoint and reads ``run.interrupted``::

        with TrainingRun(run_dir, cfg.tensorboard, cfg.progress, total, start) as run:
            for step in range(start + 1, total + 1):
                ...
                if run.tick():
                    break
        checkpoint(step)
    """

    def __init__(self, run_dir, tensorboard: bool, progress: bool, total: int, initial: int,
                 unit: str = "step", label: str = "training"):  # fmt: skip
        self.run_dir, self.tensorboard, self.progress = Path(run_dir), tensorboard, progress
        self.bar_label = label
        self.total, self.initial, self.unit = total, initial, unit
        self.writer = self.bar = None
        self.interrupted = False

    def __enter__(self) -> TrainingRun:
        self._interrupt = deferred_interrupt()
        self._stop = self._interrupt.__enter__()
        if self.tensorboard:
            from torch.utils.tensorboard import SummaryWriter

            self.writer = SummaryWriter(str(self.run_dir))
        if self.progress:
            from tqdm import tqdm

            self.bar = tqdm(total=self.total, initial=self.initial, unit=self.unit,
                            desc=self.bar_label, dynamic_ncols=True, mininterval=0.5)  # fmt: skip
        return self

    def scalar(self, tag: str, value: float, step: int) -> None:
        if self.writer:
            self.writer.add_scalar(tag, value, step)

    def postfix(self, **values) -> None:
        if self.bar:
            self.bar.set_postfix(**values)

    def phase(self, label: str | None) -> None:
        """Name what the run is doing while the bar stands still (a periodic evaluation), or
        clear it with None."""
        if self.bar:
            self.bar.set_description(label or self.bar_label, refresh=True)

    def tick(self) -> bool:
        """One step (or update) done; True once Ctrl-C asked the loop to stop here."""
        if self.bar:
            self.bar.update(1)
        self.interrupted = self._stop.requested
        return self.interrupted

    def __exit__(self, *exc) -> None:
        if self.bar:
            self.bar.close()
        if self.writer:
            self.writer.close()
        self._interrupt.__exit__(*exc)


def replay_episode(env, seed: int, actions) -> tuple:
    """Restore an env mid-episode without pickling it: reset with the episode's seed and step
    the recorded actions again (the envs are deterministic under a seed). Returns
    (obs, info, return so far)."""
    obs, info = env.reset(seed=seed)
    total = 0.0
    for action in actions:
        obs, reward, _, _, info = env.step(action)
        total += float(reward)
    return obs, info, total


HYPERPARAMS = Path(__file__).with_name("hyperparams")


def hyperparams_file(algo: str) -> dict:
    """The rl-zoo-style table ``hyperparams/<algo>.yml``: named presets or env ids, each a
    mapping of config fields."""
    import yaml

    table = yaml.safe_load((HYPERPARAMS / f"{algo}.yml").read_text()) or {}
    return {name: dict(entry or {}) for name, entry in table.items()}


def preset_values(algo: str, preset: str) -> dict:
    """A named preset's fields; lists become tuples, as the DDQN config holds them."""
    table = hyperparams_file(algo)
    if preset not in table:
        raise ValueError(
            f"preset={preset!r}; choose one of {sorted(table)} (hyperparams/{algo}.yml)"
        )
    return {k: tuple(v) if isinstance(v, list) else v for k, v in table[preset].items()}


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
    act,
    env_id_or_env,
    episodes: int,
    seed: int,
    env_config=None,
    progress: bool = False,
    max_steps: int | None = None,
    label: str = "evaluating the agent",
) -> list[float]:
    """Returns of ``episodes`` episodes seeded seed, seed+1, ... with ``act(obs, mask)``; with
    ``progress``, a progress bar over the episodes labelled ``label`` (``max_steps``: see
    :func:`make_env`)."""
    env = make_env(env_id_or_env, env_config, max_steps)
    n = env.action_space.n
    out = []
    for ep in episode_bar(episodes, label, progress):
        obs, info = env.reset(seed=seed + ep)
        total, done = 0.0, False
        while not done:
            obs, r, te, tr, info = env.step(act(flat_obs(obs), action_mask(info, n)))
            total += float(r)
            done = te or tr
        out.append(total)
    return out


def episode_bar(episodes: int, label: str, progress: bool = True):
    """``range(episodes)``, shown as a progress bar labelled ``label`` when ``progress``: every
    evaluation phase says what it is doing (a silent one looks like a hang)."""
    if not progress:
        return range(episodes)
    from tqdm import tqdm

    return tqdm(range(episodes), desc=label, unit="ep", leave=False)


def baseline_rows(
    env_id: str, episodes: int, seed: int, env_config=None, progress: bool = False
) -> list[tuple[str, list]]:
    """Returns of the env's online baselines on the same seeds (qnet envs), else random; with
    ``progress``, one labelled progress bar per baseline. Clairvoyant references (offline
    searches that replay the episode) are left to ``qnet rollout`` and the leaderboard."""
    from qnet_envs.baselines import is_clairvoyant, policy_names
    from qnet_envs.rollout import run_episodes

    if not env_id.startswith("qnet/"):
        env = make_env(env_id)
        rng = np.random.default_rng(seed)
        return [
            (
                "random",
                evaluate_greedy(
                    lambda o, m: int(rng.choice(np.flatnonzero(m))),
                    env,
                    episodes,
                    seed,
                    progress=progress,
                    label="baseline random",
                ),
            )
        ]
    rows = []
    env = gym.make(env_id, config=env_config) if env_config else gym.make(env_id)
    for name in policy_names(env_id, env):
        if is_clairvoyant(env_id, name):
            continue
        bar = episode_bar(episodes, f"baseline {name}", progress)
        tick = (lambda ret, bar=bar: bar.update(1)) if progress else None
        rows.append((name, run_episodes(env_id, name, episodes, seed, env_config, tick).returns))
        if progress:
            bar.close()
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


def train_offline(run, cfg, label: str) -> dict:
    """The loop every offline learner shares: ``run.learn()`` once per step up to
    ``cfg.train_steps`` (from ``run.start``), the loss and speed logged every 100 steps, the
    progress bar's loss every 50, a checkpoint every ``cfg.checkpoint_every`` and at the end;
    Ctrl-C stops between two steps. ``run`` has ``learn``, ``checkpoint(step)``, ``start``,
    ``losses``, ``run_dir``, ``model`` and ``meta``. Returns the run's summary."""
    import time

    step, t0 = run.start, time.perf_counter()
    with TrainingRun(run.run_dir, cfg.tensorboard, cfg.progress, cfg.train_steps, run.start,
                     label=label) as logs:  # fmt: skip
        for step in range(run.start + 1, cfg.train_steps + 1):
            run.learn()
            if step % 100 == 0:
                logs.scalar("losses/action", run.losses[-1], step)
                logs.scalar(
                    "charts/steps_per_s", (step - run.start) / (time.perf_counter() - t0), step
                )
            if step % 50 == 0:
                logs.postfix(loss=f"{np.mean(run.losses[-50:]):.3f}")
            if cfg.checkpoint_every and step % cfg.checkpoint_every == 0:
                run.checkpoint(step)
            if logs.tick():  # Ctrl-C: stop between steps, every state consistent
                break
    run.checkpoint(step)
    return {"checkpoint": str(run.run_dir / "checkpoint.pt"), "step": step,
            "losses": run.losses, "interrupted": logs.interrupted,
            "parameters": count_parameters(run.model), "meta": run.meta}  # fmt: skip
