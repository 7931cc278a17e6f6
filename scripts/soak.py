#!/usr/bin/env python3
"""Soak every env: N random steps each, checking the model's invariants after every step.

    python scripts/soak.py [--steps 200000] [--out docs/soak.md]

For each Gymnasium id (unwrapped, so no wrapper hides a failure) and each PettingZoo id:
random actions, 95% drawn among the valid ones and 5% masked-out (the documented penalised
no-ops must keep every law too), resets included. After every step: ``check_invariants()``
(every request, task, job or pair ends exactly once; nothing beyond its capacity; states are
distributions), finite reward and observation inside the observation space. Any exception is a
violation. The table (README "Reliability") is written to ``--out``.
"""

from __future__ import annotations

import argparse
import time
import traceback
from pathlib import Path

import gymnasium as gym
import numpy as np

import qnet_envs
from qnet_envs import component_masks

ROOT = Path(__file__).resolve().parents[1]


def random_action(space, mask, rng, p_masked: float):
    """A valid action, or with probability ``p_masked`` one the mask forbids (if any)."""
    parts = component_masks(space, mask)
    parts = parts if isinstance(parts, tuple) else (parts,)
    choice = []
    for m in parts:
        bad = np.flatnonzero(m == 0)
        pool = bad if bad.size and rng.random() < p_masked else np.flatnonzero(m)
        choice.append(int(rng.choice(pool)))
    return np.array(choice, dtype=np.int64) if hasattr(space, "nvec") else choice[0]


def soak_gym(env_id: str, steps: int, seed: int) -> dict:
    env = gym.make(env_id).unwrapped
    rng = np.random.default_rng(seed)
    obs, info = env.reset(seed=seed)
    resets, errors = 0, []
    for _ in range(steps):
        try:
            obs, r, te, tr, info = env.step(
                random_action(env.action_space, info["action_mask"], rng, 0.05)
            )
            env.check_invariants()
            if not np.isfinite(r) or not env.observation_space.contains(obs):
                errors.append(f"reward {r} or observation out of bounds")
            if te or tr:
                obs, info = env.reset()
                resets += 1
        except Exception:  # noqa: BLE001 - every failure is a reported violation
            errors.append(traceback.format_exc(limit=2).strip().splitlines()[-1])
            obs, info = env.reset(seed=int(rng.integers(2**31)))
    return {"resets": resets, "errors": errors}


def soak_parallel(env_id: str, steps: int, seed: int) -> dict:
    env = qnet_envs.make_parallel(env_id)
    env.reset(seed=seed)
    for k, a in enumerate(env.possible_agents):
        env.action_space(a).seed(seed + k)
    resets, errors = 0, []
    for _ in range(steps):
        try:
            if not env.agents:
                env.reset()
                resets += 1
            obs, rewards, *_ = env.step({a: env.action_space(a).sample() for a in env.agents})
            env.check_invariants()
            if not all(np.isfinite(r) for r in rewards.values()):
                errors.append("non-finite reward")
        except Exception:  # noqa: BLE001
            errors.append(traceback.format_exc(limit=2).strip().splitlines()[-1])
            env.reset(seed=seed + len(errors))
    return {"resets": resets, "errors": errors}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200_000, help="steps per env")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(ROOT / "docs" / "soak.md"))
    parser.add_argument("--only", nargs="+", metavar="ID",
                        help="soak these ids only; the other rows of --out are kept")  # fmt: skip
    args = parser.parse_args()
    runs = [(spec.id, "Gymnasium", soak_gym) for spec in qnet_envs.ENVS]
    runs += [(i, "PettingZoo", soak_parallel) for i in qnet_envs.parallel_env_ids()]
    if args.only and (unknown := set(args.only) - {r[0] for r in runs}):
        parser.error(f"unknown ids {sorted(unknown)}")
    kept = previous_rows(Path(args.out)) if args.only else {}
    rows = ["| env | kind | steps | episodes | violations | seconds |", "|---|---|---|---|---|---|"]
    for env_id, kind, soak in runs:
        if args.only and env_id not in args.only and (env_id, kind) in kept:
            rows.append(kept[env_id, kind])
            continue
        t = time.perf_counter()
        out = soak(env_id, args.steps, args.seed)
        sec = time.perf_counter() - t
        rows.append(f"| {env_id} | {kind} | {args.steps:,} | {out['resets']:,} | "
                    f"{len(out['errors'])} | {sec:.0f} |")  # fmt: skip
        print(rows[-1], flush=True)
        for e in sorted(set(out["errors"]))[:5]:
            print(f"    {e}")
    total = sum(int(r.split("|")[5]) for r in rows[2:])
    text = "\n".join(
        [
            "# Soak",
            "",
            f"`python scripts/soak.py --steps {args.steps}` "
            f"({time.strftime('%Y-%m-%d', time.gmtime())}"
            f"{'; rows of ' + ', '.join(args.only) + ' rerun, the others kept' if args.only else ''}"
            "): random actions (5% masked-out), every model's invariants checked after every step.",
            "",
            *rows,
            "",
            f"Violations in total: {total}.",
        ]  # fmt: skip
    )
    Path(args.out).write_text(text + "\n")
    print(text)
    raise SystemExit(1 if total else 0)


def previous_rows(path: Path) -> dict:
    """The table rows of an earlier report, by (env id, kind)."""
    if not path.exists():
        return {}
    rows = [r for r in path.read_text().splitlines() if r.startswith("| qnet/")]
    return {(r.split("|")[1].strip(), r.split("|")[2].strip()): r for r in rows}


if __name__ == "__main__":
    main()
