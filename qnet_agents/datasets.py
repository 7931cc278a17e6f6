"""Minari datasets recorded from mixtures of policies on qnet Gymnasium envs (minari 0.5 API).

Episodes cycle through the mixture's policies (episode i uses policy i mod len(mixture), seeded
i), are recorded with ``minari.DataCollector`` and written as ``qnet/<EnvName>/<name>-v0`` under
``root`` (``MINARI_DATASETS_PATH`` is set to it; readers must do the same, as
:func:`qnet_agents.decision_transformer.load_episodes` does). ``ref_min_score`` and
``ref_max_score`` are the leaderboard's random and reference means for the env id and config
(:func:`qnet_envs.reference_scores`), so Minari's normalised scores match
:func:`qnet_envs.normalized_score`; for a scenario the leaderboard does not hold, the recorded
random policy's and best policy's means (``policies.json`` says which); ``policies.json`` beside the dataset names each episode's policy and records the
SHA-256 of every data file. :func:`check_dataset` verifies all of it before any training.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import gymnasium as gym
import numpy as np

DEFAULT_ROOT = "data/minari"


def dataset_id(env_id: str, mixture_name: str) -> str:
    return f"qnet/{env_id.split('/', 1)[1].rsplit('-v', 1)[0]}/{mixture_name}-v0"


def score_range(env_id: str, env_config, by_policy: dict) -> tuple[float, float, str]:
    """(ref_min_score, ref_max_score, where they come from): the leaderboard's random and
    reference means where it has the scenario, else the recorded policies' (see the module)."""
    from qnet_envs import reference_scores

    try:
        entry = reference_scores(env_id, env_config)
    except ValueError:
        low = by_policy.get("random-valid", min(by_policy.values()))
        return low, max(by_policy.values()), "recorded episodes"
    return entry["random"], entry["reference"], f"leaderboard ({entry['reference_policy']})"


def collect(
    env_id: str,
    mixture: list[str],
    episodes: int,
    root: str,
    name: str | None = None,
    ddqn: str | None = None,
    progress: bool = True,
    env_config: dict | None = None,
) -> dict:
    os.environ["MINARI_DATASETS_PATH"] = str(Path(root).resolve())
    import gymnasium as gym

    from .registry import require

    minari = require("minari", "offline")

    import qnet_envs  # noqa: F401

    name = name or "-".join(mixture)
    did = dataset_id(env_id, name)
    env = gym.make(env_id, config=env_config) if env_config else gym.make(env_id)
    collector = minari.DataCollector(env)
    policies = _mixture_policies(env_id, env, mixture, ddqn)
    labels, returns = _record(collector, policies, mixture, episodes, did, progress)
    by_policy = {
        p: float(np.mean([r for q, r in zip(labels, returns, strict=True) if q == p]))
        for p in mixture
    }
    low, high, source = score_range(env_id, env_config, by_policy)
    if did in minari.list_local_datasets():
        minari.delete_dataset(did)
    dataset = collector.create_dataset(
        dataset_id=did,
        eval_env=env_id,
        algorithm_name=f"mixture of {', '.join(mixture)}",
        ref_min_score=low,
        ref_max_score=high,
        description=f"{episodes} episodes of {env_id}; policies cycle {mixture}; seeds 0..{episodes - 1}",
        author="qnet-envs",
        code_permalink="scripts/collect_dataset.py",
    )
    path = Path(os.environ["MINARI_DATASETS_PATH"]) / did
    manifest = {"episodes": labels, "returns": returns, "mean_by_policy": by_policy,
                "ref_scores_from": source}  # fmt: skip
    manifest["sha256"] = data_checksums(path)
    (path / "policies.json").write_text(json.dumps(manifest, indent=1))
    collector.close()
    return {
        "dataset_id": did,
        "episodes": dataset.total_episodes,
        "mean_by_policy": by_policy,
        "path": str(path),
    }


def _mixture_policies(env_id: str, env, mixture: list[str], ddqn: str | None) -> dict:
    """Each named policy of the mixture: a baseline, or a DDQN checkpoint's greedy policy."""
    from qnet_envs.baselines import make_policy

    policies = {}
    for p in mixture:
        if p == "ddqn":
            from qnet_agents.ddqn import load_policy

            act, _ = load_policy(ddqn)
            policies[p] = lambda obs, info, act=act: act(
                np.asarray(obs, np.float32), info["action_mask"].astype(bool)
            )
        else:
            policies[p] = make_policy(env_id, p, env)
    return policies


def _record(collector, policies, mixture, episodes: int, did: str, progress: bool):
    """Episode i played by policy i mod len(mixture), seeded i, through the collector."""
    from tqdm import tqdm

    labels, returns = [], []
    for ep in tqdm(range(episodes), desc=did, disable=not progress):
        p = mixture[ep % len(mixture)]
        policy = policies[p]
        obs, info = collector.reset(seed=ep)
        if hasattr(policy, "reset"):
            policy.reset(ep)
        total, done = 0.0, False
        while not done:
            a = policy.act(obs, info) if hasattr(policy, "act") else policy(obs, info)
            obs, r, te, tr, info = collector.step(a)
            total += float(r)
            done = te or tr
        labels.append(p)
        returns.append(total)
    return labels, returns


def data_checksums(path: Path) -> dict:
    """SHA-256 of every file under the dataset's ``data`` folder, by relative path."""
    files = sorted(p for p in (Path(path) / "data").rglob("*") if p.is_file())
    return {str(f.relative_to(path)): hashlib.sha256(f.read_bytes()).hexdigest() for f in files}


class DatasetError(ValueError):
    """A dataset that must not be trained on; the message names the file and the episode."""


def check_dataset(path: Path, ds, episodes: list[dict]) -> dict:
    """Everything a trainer relies on, checked before the first step: the companion
    ``policies.json`` present and readable, every data file's checksum as recorded at
    collection, the env id a registered one, one label per episode, and in every episode
    finite observations and rewards, one more observation than actions, and every action
    inside the action space. Returns the manifest."""
    path = Path(path)
    manifest_file = path / "policies.json"
    if not manifest_file.is_file():
        raise DatasetError(
            f"dataset {path}: {manifest_file.name} is missing (qnet collect writes it)"
        )
    try:
        manifest = json.loads(manifest_file.read_text())
    except (OSError, ValueError) as exc:
        raise DatasetError(f"dataset {path}: {manifest_file.name} is unreadable ({exc})") from exc
    for name, digest in manifest.get("sha256", {}).items():
        file = path / name
        if not file.is_file():
            raise DatasetError(f"dataset {path}: {name} is missing")
        if hashlib.sha256(file.read_bytes()).hexdigest() != digest:
            raise DatasetError(f"dataset {path}: {name} changed after collection (checksum)")
    env_spec = ds.spec.env_spec
    if env_spec is not None:
        from .common import registered_env_id

        registered_env_id(env_spec.id, f"dataset {path}")
    if len(manifest.get("episodes", [])) != len(episodes):
        raise DatasetError(
            f"dataset {path}: {manifest_file.name} labels {len(manifest.get('episodes', []))} "
            f"episodes, the data holds {len(episodes)}"
        )
    for k, ep in enumerate(episodes):
        _check_episode(path, k, ep, ds.action_space)
        _check_observations(
            f"dataset {path}: episode {k}", ep["observations"], ds.observation_space
        )
    return manifest


def read_episodes(path: Path, ds) -> list[dict]:
    """Every episode of the Minari dataset ``ds`` (stored at ``path``) as plain arrays, with
    the structure checked against its metadata: as many episodes as it claims, each with its
    observations, actions and rewards. A missing episode or field is a :class:`DatasetError`
    naming the dataset and the episode (h5py would raise a bare KeyError)."""
    claimed = int(ds.total_episodes)
    episodes = []
    for k in range(claimed):
        try:
            (episode,) = ds.iterate_episodes([k])
            episodes.append(
                {
                    key: np.asarray(getattr(episode, key))
                    for key in ("observations", "actions", "rewards")
                }
            )
        except (KeyError, IndexError, OSError, ValueError, AttributeError) as exc:
            detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise DatasetError(
                f"dataset {path}: episode {k} of the {claimed} its metadata claims cannot be "
                f"read ({detail})"
            ) from None
    return episodes


def _check_observations(where: str, observations, space) -> None:
    """Every observation has the space's shape and lies in it (finite is not enough: a value
    far outside a Box trains a network to NaN)."""
    obs = np.asarray(observations)
    if not isinstance(space, gym.spaces.Box):
        return
    if obs.shape[1:] != space.shape:
        raise DatasetError(
            f"{where}: observations have shape {obs.shape[1:]} each, the space {space.shape}"
        )
    flat = obs.reshape(len(obs), -1)
    inside = (flat >= space.low.reshape(-1)) & (flat <= space.high.reshape(-1))
    bad = np.flatnonzero(~inside.all(axis=1))
    if bad.size:
        column = int(np.flatnonzero(~inside[bad[0]])[0])
        raise DatasetError(
            f"{where}: observations[{bad[0]}][{column}] = {float(flat[bad[0], column]):.6g} is outside "
            f"{space}"
        )


def _check_episode(path: Path, k: int, ep: dict, space) -> None:
    where = f"dataset {path}: episode {k}"
    if len(ep["observations"]) != len(ep["actions"]) + 1:
        raise DatasetError(
            f"{where}: {len(ep['observations'])} observations for {len(ep['actions'])} actions"
        )
    for key in ("observations", "rewards"):
        values = np.asarray(ep[key], dtype=np.float64)
        bad = np.flatnonzero(~np.isfinite(values.reshape(len(values), -1)).all(axis=1))
        if bad.size:
            raise DatasetError(f"{where}: {key}[{bad[0]}] is not finite")
    for i, action in enumerate(ep["actions"]):
        if not space.contains(np.asarray(action, dtype=space.dtype)) or not np.all(
            np.asarray(action) == np.asarray(action, dtype=space.dtype)
        ):
            raise DatasetError(
                f"{where}: actions[{i}] = {np.asarray(action).tolist()} is outside {space}"
            )


def load_labelled_episodes(root: str, dataset: str):
    """The Minari dataset ``dataset`` under ``root`` (checked: :func:`check_dataset`) and its
    episodes as arrays, each with its behaviour policy's label: (dataset, episodes of
    ``obs`` (T, D) float32, ``actions`` (T,), ``rewards`` (T,) float32, ``return`` and
    ``policy``). What the offline learners read."""
    os.environ["MINARI_DATASETS_PATH"] = str(Path(root).resolve())
    from .registry import require

    minari = require("minari", "offline")
    path = Path(root).resolve() / dataset
    if not path.is_dir():
        raise ValueError(
            f"--dataset {dataset}: no such dataset under {Path(root).resolve()}; "
            "record one with qnet collect --env ID (or pass --root to the folder that holds it)"
        )
    ds = minari.load_dataset(dataset)
    raw = read_episodes(path, ds)
    manifest = check_dataset(path, ds, raw)
    episodes = []
    for ep, label in zip(raw, manifest["episodes"], strict=True):
        obs = np.asarray(ep["observations"], np.float32)[:-1].reshape(len(ep["actions"]), -1)
        rewards = np.asarray(ep["rewards"], np.float32)
        episodes.append({"obs": obs, "actions": np.asarray(ep["actions"]), "rewards": rewards,
                         "return": float(rewards.sum()), "policy": label})  # fmt: skip
    return ds, episodes
