#!/usr/bin/env python3
"""The leaderboard: per scenario, random, the heuristics, the reference and every recorded
agent on the same held-out seeds, with scores normalised between random (0) and the reference
(100), as D4RL and Minari normalise between a random and an expert policy.

    python scripts/leaderboard.py [--episodes 30] [--out docs/leaderboard.md]
    python scripts/leaderboard.py --add runs/ppo-.../checkpoint.pt --scenario qkd [--note "..."]

``--add`` plays a checkpoint's deterministic policy on the scenario's held-out seeds
(100000, 100001, ...) and records its returns in ``leaderboard/entries/<scenario>-<agent>.json``
with the command that trained it (from the checkpoint's config) and the note; the table is
rebuilt from those files and from baselines rerun on the same seeds. A scenario's reference is
the best non-clairvoyant policy the issue names for it (SAA, best-fit, EDF, expected-reward,
the exact optimum of the repeater MDP, the decentralised best response).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import gymnasium as gym
import numpy as np

from qnet_envs.baselines import policy_names
from qnet_envs.rollout import run_episodes
from qnet_envs.stats import mean_ci95

ROOT = Path(__file__).resolve().parents[1]
ENTRIES = ROOT / "leaderboard" / "entries"
SEED = 100_000

# name: (env id, env config, reference policy, what the reference is)
SCENARIOS = {
    "qra": ("qnet/QuantumResourceAllocation-v0", None, "saa",
            "sample-average approximation (myopic, knows the fidelity distributions)"),
    "qkd": ("qnet/QKDProvisioning-v0", None, "best-fit", "best-fit provisioning"),
    "qpu": ("qnet/QPUScheduling-v0", None, "edf", "earliest deadline first"),
    "qip": ("qnet/QuantumInvocation-v0", None, "expected-reward",
            "the expected-reward rule on the model's own outcome distributions"),
    "repeater-inesta2023": ("qnet/EntanglementDistribution-v1", {"preset": "inesta2023"},
                            "optimal", "the exact optimal policy of the MDP (repeater_mdp)"),
    "mec": ("qnet/MobileEdgeCloud-v0", None, "best-response",
            "every mobile's own best response on the slot's queues"),
    "com2net": ("qnet/Com2Net-v0", None, None,
                "none here: the GA of seed 000 optimises TCR offline per seed "
                "(scripts/reproduce_com2net.py), not this return"),
}  # fmt: skip


def baselines(env_id: str, config, episodes: int) -> dict[str, list[float]]:
    env = gym.make(env_id, config=config) if config else gym.make(env_id)
    return {
        name: run_episodes(env_id, name, episodes, SEED, config).returns
        for name in policy_names(env_id, env)
    }


def entries(scenario: str) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(ENTRIES.glob(f"{scenario}-*.json"))]


def table(scenario: str, episodes: int) -> list[str]:
    env_id, config, reference, about = SCENARIOS[scenario]
    rows = baselines(env_id, config, episodes)
    random_name = "random-valid" if "random-valid" in rows else "random"
    low = float(np.mean(rows[random_name]))
    high = float(np.mean(rows[reference])) if reference else None
    out = [f"### {scenario}: `{env_id}`" + (f" `{json.dumps(config)}`" if config else ""), "",
           f"Reference: {reference or '-'} ({about}). {episodes} episodes, seeds "
           f"{SEED}-{SEED + episodes - 1}.", "",
           "| policy | kind | mean return (95% CI) | normalised |", "|---|---|---|---|"]  # fmt: skip

    def row(name, kind, returns):
        mean, half = mean_ci95(returns)
        score = "-" if high is None or high == low else f"{100 * (mean - low) / (high - low):.1f}"
        return f"| {name} | {kind} | {mean:.3f} ± {half:.3f} | {score} |"

    for name, returns in rows.items():
        kind = "oracle (clairvoyant)" if "oracle" in name else "heuristic"
        kind = "reference" if name == reference else "random" if name == random_name else kind
        out.append(row(name, kind, returns))
    for e in entries(scenario):
        if len(e["returns"]) != episodes:
            out.append(
                f"| {e['agent']} | agent | (recorded on {len(e['returns'])} episodes; rerun --add) | - |"
            )
            continue
        out.append(row(f"{e['agent']} ({e['global_step']:,} steps)", "agent", e["returns"]))
    notes = [f"- {e['agent']}: {e['note']}" for e in entries(scenario) if e.get("note")]
    return out + ([""] + notes if notes else []) + [""]


def add(checkpoint: str, scenario: str, episodes: int, note: str) -> None:
    from qnet_agents.jobs import checkpoint_returns

    env_id, config, _, _ = SCENARIOS[scenario]
    run = checkpoint_returns(checkpoint, episodes, SEED)
    if run["env_id"] != env_id or (run["env_config"] or None) != config:
        raise SystemExit(f"qnet: error: {checkpoint} was trained on {run['env_id']} "
                         f"{run['env_config']}, scenario {scenario} is {env_id} {config}")  # fmt: skip
    ENTRIES.mkdir(parents=True, exist_ok=True)
    run.update(scenario=scenario, checkpoint=str(checkpoint), note=note, episodes=episodes)
    (ENTRIES / f"{scenario}-{run['agent']}.json").write_text(json.dumps(run, indent=1) + "\n")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=30, help="held-out episodes")
    parser.add_argument("--out", default=str(ROOT / "docs" / "leaderboard.md"))
    parser.add_argument("--add", metavar="CHECKPOINT", help="record an agent's checkpoint")
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), help="with --add")
    parser.add_argument("--note", default="", help="with --add: how it was trained, misses")
    parser.add_argument("--only", nargs="*", choices=sorted(SCENARIOS), help="scenarios")
    args = parser.parse_args(argv)
    if args.add:
        if not args.scenario:
            parser.error("--add needs --scenario")
        add(args.add, args.scenario, args.episodes, args.note)
    lines = ["# Leaderboard", "", "`python scripts/leaderboard.py` (baselines rerun, agents from "
             "`leaderboard/entries/`). Normalised score: 0 = random, 100 = the scenario's "
             "reference, on the same held-out seeds; above 100 beats the reference.", ""]  # fmt: skip
    for scenario in args.only or SCENARIOS:
        lines += table(scenario, args.episodes)
        print("\n".join(lines[-12:]), flush=True)
    Path(args.out).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
