#!/usr/bin/env python3
"""Validation runs of the agents, written to docs/agent_validation.md (quoted in the README).

    python scripts/validate_agents.py [--only cartpole-ddqn,...]

* cartpole-ddqn: DDQN, CartPole-v1, 100k steps; best greedy mean over 20 episodes (target 475).
* cartpole-vqc: VQC Q-learning, CartPole-v1; best greedy mean over 20 episodes (target 195).
* suite-ddqn: DDQN on qnet/QuantumResourceAllocation-v0 (EntanglementDistribution-v2's
  MultiDiscrete per-node action is for MaskablePPO and MAPPO-style learners)
  against the heuristics and the SAA reference.
* suite-vqc: VQC Q-learning on qnet/QuantumResourceAllocation-v0, parameters beside DDQN's.
* ci-threshold: DDQN, CartPole-v1, 20k steps, seeds 0-4: the measurements behind the CI test.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from qnet_agents import ddqn, vqc_qlearning
from qnet_agents.common import evaluate_greedy
from qnet_agents.jobs import RunRequest, train_job

OUT = Path(__file__).resolve().parents[1] / "docs" / "agent_validation.md"


def cartpole(module, preset, label, seed=0):
    t0 = time.perf_counter()
    cfg = module.config_from(preset, seed=seed, run_dir=f"runs/validate-{label}", progress=False)
    res = module.train("CartPole-v1", cfg)
    best_step, best = max(res.evals, key=lambda e: e[1])
    return (
        f"### {label}\n\n`python scripts/validate_agents.py --only {label}`: {res.global_step:,} steps in "
        f"{time.perf_counter() - t0:.0f} s, {res.parameters:,} parameters. Greedy evaluation every "
        f"{cfg.eval_every:,} steps over {cfg.eval_episodes} episodes: "
        + ", ".join(f"{s // 1000}k: {r:.1f}" for s, r in res.evals)
        + f". **Best {best:.1f} at {best_step:,} steps.**\n"
    )


def suite(agent, env_id, steps, extra=None):
    run_dir = f"runs/validate-{agent}-{env_id.split('/')[1]}"
    run = RunRequest(steps, 0, extra or {}, run_dir, progress=False, overwrite=True)
    summary = train_job(agent, env_id, run)
    return f"### {agent} on {env_id}\n\n`qnet train --agent {agent} --env {env_id} --steps {steps}` ({summary['seconds']:.0f} s, {summary['parameters']:,} parameters)\n\n{summary['table']}\n"


def ci_threshold():
    rows = []
    for seed in range(5):
        cfg = ddqn.config_from(
            "cartpole",
            seed=seed,
            total_steps=20_000,
            eval_every=0,
            checkpoint_every=0,
            run_dir=f"runs/validate-ci-{seed}",
            progress=False,
            tensorboard=False,
        )
        res = ddqn.train("CartPole-v1", cfg)
        act, _ = ddqn.load_policy(res.checkpoint)
        rows.append(np.mean(evaluate_greedy(act, "CartPole-v1", 10, 500)))
    return (
        "### CI threshold\n\nDDQN, CartPole-v1 preset, 20k steps, greedy mean over 10 episodes, seeds 0-4: "
        + ", ".join(f"{r:.1f}" for r in rows)
        + f" (min {min(rows):.1f}). Random play: ~22.\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only", default="cartpole-ddqn,ci-threshold,suite-ddqn,suite-vqc,cartpole-vqc"
    )
    args = parser.parse_args()
    jobs = {
        "cartpole-ddqn": lambda: cartpole(ddqn, "cartpole", "cartpole-ddqn"),
        "cartpole-vqc": lambda: cartpole(vqc_qlearning, "cartpole", "cartpole-vqc"),
        "suite-ddqn": lambda: suite("ddqn", "qnet/QuantumResourceAllocation-v0", 100_000),
        "suite-vqc": lambda: suite("vqc", "qnet/QuantumResourceAllocation-v0", 60_000),
        "ci-threshold": ci_threshold,
    }
    OUT.parent.mkdir(exist_ok=True)
    # sections not rerun keep their last measurement; a rerun replaces its own by title
    sections = _sections(OUT.read_text()) if OUT.exists() else {}
    for name in args.only.split(","):
        new = _sections(jobs[name]())
        sections.update(new)
        OUT.write_text(
            "# Agent validation\n\nWritten by `scripts/validate_agents.py` on this 2-core CPU.\n\n"
            + "\n".join(sections.values())
        )
        print("\n".join(new.values()), flush=True)


def _sections(text: str) -> dict[str, str]:
    """``### title`` sections of a markdown text, keyed by title, in order."""
    parts = ("\n" + text).split("\n### ")[1:]
    return {p.split("\n", 1)[0]: "### " + p.rstrip("\n") + "\n" for p in parts}


if __name__ == "__main__":
    main()
