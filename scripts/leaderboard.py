#!/usr/bin/env python3
"""The leaderboard: per scenario, random, the heuristics, the reference and every recorded
agent (each over its training seeds) on the same held-out seeds, with scores normalised between
random (0) and the reference (1), as D4RL and Minari normalise between a random and an expert.

    python scripts/leaderboard.py                       # rebuild docs/leaderboard.{md,json}
    python scripts/leaderboard.py --train ppo --scenario qkd --seeds 0 1 2 [--steps N]
    python scripts/leaderboard.py --add runs/lb/qkd-ppo-s0/checkpoint.pt --scenario qkd
    python scripts/leaderboard.py --quick --out-dir /tmp/lb    # CI: the pipeline, not numbers

``--train`` runs ``qnet train`` once per training seed (run folders ``runs/lb/<scenario>-<agent>-
s<seed>``, wall time measured around it), then records each checkpoint like ``--add``: its
deterministic policy played on the held-out seeds 100000, 100001, ..., its learning curve and
step count, in ``leaderboard/entries/<scenario>-<agent>.json`` (one run per training seed).
The rebuild reruns every baseline on the same seeds and writes ``docs/leaderboard.md``,
``docs/leaderboard.json``, one learning-curve figure per scenario (``docs/leaderboard/``) and the
random/reference means behind :func:`qnet_envs.normalized_score`
(``qnet_envs/data/reference_scores.json``). An agent's return and normalised score pool every
(training seed, held-out episode) pair; the 95% CI is over those pairs, and the per-seed
normalised means are listed beside it.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import gymnasium as gym
import numpy as np

from qnet_envs.baselines import is_clairvoyant, policy_names
from qnet_envs.rollout import run_episodes
from qnet_envs.scores import DATA, gap_closed
from qnet_envs.stats import mean_ci95

ROOT = Path(__file__).resolve().parents[1]
SEED = 100_000
N5 = {"preset": "inesta2023", "n_nodes": 5, "generation_success": 0.5, "swap_success": 0.5,
      "cutoff_slots": 3}  # fmt: skip
# Two more points of the exact model (several p and t_cut): on the grid p in {0.3, 0.5,
# 0.7, 0.9} x t_cut in {2, 3, 4, 5} (p_s = 0.5), the one of each length where the optimum beats
# swap-asap by most (n = 4: 1.7%, n = 5: 13.2%); chosen before any agent was trained on them.
N4_P03 = {"preset": "inesta2023", "generation_success": 0.3, "swap_success": 0.5,
          "cutoff_slots": 2}  # fmt: skip
N5_P09 = {"preset": "inesta2023", "n_nodes": 5, "generation_success": 0.9, "swap_success": 0.5,
          "cutoff_slots": 5}  # fmt: skip
# Haldar et al., PR Applied 21, 024041 (2024): RL beats swap-asap where memories are short-lived
# and links unequal, so that when to swap and when to discard matter. Four nodes, links of 10,
# 40 and 20 km, 20 ms memories (depolarising), a delivered pair counts at F >= 0.7, 1,000 slots.
# Chosen so that swap-asap delivers some pairs (at 10 ms or F >= 0.8 every heuristic delivers
# none in 500 slots, and there is nothing to normalise by); not tuned to any agent.
FIDELITY = {"n_nodes": 4, "link_length_km": [10.0, 40.0, 20.0], "memory_depolarizing_time_s": 0.02,
            "objective": "pairs_above_target", "target_fidelity": 0.7, "horizon": 1000}  # fmt: skip

# name: (env id, env config, reference policy, what the reference is)
SCENARIOS = {
    "qra": ("qnet/QuantumResourceAllocation-v0", None, "saa",
            "sample-average approximation (myopic, knows the fidelity distributions)"),
    "qra-candidates": ("qnet/QuantumResourceAllocation-v0", {"observe_candidates": True}, "saa",
                       "SAA; the env shows each allocation's success probability and expected "
                       "value on a fixed scenario sample (same dynamics as qra)"),
    "qkd": ("qnet/QKDProvisioning-v0", None, "best-fit", "best-fit provisioning"),
    "qpu": ("qnet/QPUScheduling-v0", None, "edf", "earliest deadline first"),
    "qip": ("qnet/QuantumInvocation-v0", None, "expected-reward",
            "the expected-reward rule on the model's own outcome distributions"),
    "repeater-inesta2023": ("qnet/EntanglementDistribution-v2", {"preset": "inesta2023"},
                            "optimal", "the exact optimal policy of the MDP (repeater_mdp)"),
    "repeater-n5": ("qnet/EntanglementDistribution-v2", N5, "optimal",
                    "the exact optimal policy of the MDP (repeater_mdp), n = 5, t_cut = 3"),
    "repeater-n4-p03": ("qnet/EntanglementDistribution-v2", N4_P03, "optimal",
                        "the exact optimal policy of the MDP (repeater_mdp), n = 4, p = 0.3, "
                        "t_cut = 2"),
    "repeater-n5-p09": ("qnet/EntanglementDistribution-v2", N5_P09, "optimal",
                        "the exact optimal policy of the MDP (repeater_mdp), n = 5, p = 0.9, "
                        "t_cut = 5"),
    "repeater-fidelity": ("qnet/EntanglementDistribution-v2", FIDELITY, "purify-then-swap-tuned",
                          "purify-then-swap with its fidelity cutoff and purification margin "
                          "tuned on training seeds (scripts/tune_baselines.py), the best of the "
                          "suite's tuned heuristics there; no exact reference at this size"),
    "mec": ("qnet/MobileEdgeCloud-v0", None, "best-response",
            "every mobile's own best response on the slot's queues"),
    "mec-small": ("qnet/MobileEdgeCloud-small-v0", None, "best-response",
                  "every mobile's own best response on the slot's queues"),
    "mec-marl": ("qnet/MobileEdgeCloud-v0", None, "best-response",
                 "every mobile's own best response on the slot's queues; scored by the mean "
                 "cost per task (negated), MAPPO on the PettingZoo front (flat actions), "
                 "baselines on the Gymnasium front: one core, the same episodes per seed"),
    "com2net": ("qnet/Com2Net-v0", None, "ga",
                "seed 000's GA at 1 Gbit/s, offline: it searches each held-out episode's "
                "whole sequence of levels by replaying the episode (16 x 21 replays; "
                "clairvoyant: it sees every task of the episode before the first decision)"),
    "com2net-joint": ("qnet/Com2Net-joint-v1", None, None,
                      "none: the seed's GA plans the compact action only"),
}  # fmt: skip
# What the runs show (leaderboard figures and the README's agent sections), written after
# reading them: why the best agent misses its reference, where it does, and how the agents that
# reach it got there; shown under the table.
SHORTFALLS: dict[str, str] = {
    "qra": "PPO, DDQN, the DT and behaviour cloning were trained and measured on the env's "
    "counter-based generator (the baselines' episodes); the VQC row was measured before it drew "
    "its randomness from that generator: the same distribution, but other episodes for the "
    "same held-out seeds (a rerun pairs them again). "
    "Cause, as far as the runs show: untuned PPO levels off at 0.74 (100k steps; 300k "
    "steps give the same, 589-593 per seed) against a reference that re-estimates every "
    "candidate's success on 64 fresh fidelity scenarios per request. DDQN at the same budget "
    "is lower (0.59), the Decision Transformer (2,000 gradient steps on 60 episodes of the "
    "baselines, conditioned on SAA's mean return; the fixes under qip) 0.62, where cloning "
    "SAA's 15 episodes of the same data gives 0.92 and cloning all 60 0.61; VQC (30k steps) "
    "0.71. With SAA's own "
    "estimates in the observation (qra-candidates) a PPO started from a clone of SAA reaches "
    "0.985.",
    "qra-candidates": "The agents' returns were measured before the env drew its randomness from the "
    "counter-based generator: the same distribution, but other episodes for the same "
    "held-out seeds than the baselines' now (a rerun pairs them again). "
    "The candidate block (SAA's estimates on a fixed sample) moved DDQN from "
    "0.59 to 0.76 and PPO from 0.74 to 0.75; VQC stayed near 0.7. It also makes SAA clonable: "
    "started from a behaviour clone of SAA (ppo-bc: 20 episodes, 50 epochs; the clones alone "
    "score 695.60 pooled on these seeds, about 0.99), 100k steps of PPO end at 0.985, a little "
    "below the clones (fine-tuning from a near-reference start loses a little, as on qkd). "
    "Without the block the clone does not take (seed 0: negative log-likelihood 1.5 against "
    "0.6 with it; after 100k PPO steps 599 against SAA's 701 on 10 held-out episodes, about "
    "where PPO from scratch ends). No Decision Transformer row: a Minari dataset records the "
    "env's default config, and the candidate block is a config option (`--train dt` refuses "
    "such scenarios).",
    "qkd": "DDQN and PPO-BC were retrained and measured on the env's counter-based generator "
    "(the baselines' episodes); the PPO, DT and VQC rows were measured before it drew its "
    "randomness from that generator: the same distribution, but other episodes for the same "
    "held-out seeds (a rerun pairs them again). "
    "From scratch, more steps helped PPO up to a point (one 100k-step run: 673 on 10 "
    "seeds; 300k: 0.91 here) and the curves flattened: it plays like first-fit and least-loaded "
    "(0.91), short of best-fit's packing (the feasible path whose busiest hop is fullest). "
    "Started from a behaviour clone of best-fit (ppo-bc: 50 episodes, 50 epochs; the clones "
    "alone score 746.99 pooled on these seeds, 0.995), 100k steps of PPO end level with "
    "best-fit: the clone carries the packing rule, and the fine-tuning neither adds to it nor "
    "loses it. DDQN (100k) is lower; VQC settles on one action; the Decision Transformer "
    "(2,000 steps) 0.88 and behaviour cloning of best-fit's episodes best-fit's level (see qip).",
    "qip": "The reference applies the model's own outcome distributions to each job; DDQN "
    "(untuned) and PPO learn the rule from 100k steps of returns only. PPO runs the ppo.yml "
    "entry 'qip tuned' found by `qnet tune` (8 trials of 30k steps, 4 pruned; "
    "leaderboard/tuning/qip-tuned.json): 102.2 pooled over its seeds on the held-out episodes, "
    "where the untuned defaults gave 102.3, so this small study bought nothing measurable. "
    "VQC settles on "
    "always-quantum. The Decision Transformer was first trained with two defects: a 1,000-step "
    "run under a 1,000-step warm-up (it never reached its learning rate) and returns-to-go "
    "divided by a fixed 1,000, which on returns of tens moves the conditioning input by 1e-2 "
    "(on qpu its achieved return did not change with the target: 1.25 for every target from "
    "-9.7 to 12). With the warm-up a tenth of the run, returns-to-go scaled by the dataset's "
    "largest return, Chen et al.'s discrete-action learning rate (6e-4) and 2,000 steps, the DT "
    "reaches 0.88 on qkd (was -0.28) and about 0.76 on qpu (was -0.35), but stays at random's "
    "level here (89.0, 82.0, 86.9 against random 87.7; why is not measured yet). Behaviour "
    "cloning on the same 60 episodes (the %BC comparison): the best policy's 15 episodes "
    "(bc-best-policy) give 103.7-103.9 here, about 0.93, all 60 (bc-all) 94-98; on qpu 1.5-1.7 "
    "and 1.6-2.3 (about 0.80); on qkd best-fit's own level (750) and 730-735. On these "
    "datasets the DT conditioned on the best policy's return does not beat cloning that "
    "policy's episodes. A "
    "PPO started from a clone of expected-reward (100 episodes, 50 epochs; one seed, not "
    "recorded) shows the pattern of qkd and qra-candidates: the clone plays near the reference "
    "on 10 held-out episodes (102.5 against 103.4, about 0.95) and 100k PPO steps bring it down "
    "to 101.2 (about 0.88), DDQN's level.",
    "com2net": "The reference is offline and clairvoyant: the GA replays each held-out episode "
    "336 times and sees every task before the first decision; no online policy is promised to "
    "reach it, and the env has no online heuristic to compare with. DDQN (100k steps, untuned) "
    "gets two thirds of the way on two seeds and a third on the third; PPO's three seeds and "
    "two VQC seeds play one constant level (86.1).",
    "repeater-n5": "At 60k steps PPO stayed at 2-5x the optimum; 200k steps brought it to within "
    "9% (exact check below), near swap-asap but not below it. MAPPO (100k steps with the "
    "training-only potential-based shaping 'repeater-span') delivers on every seed: seeds 0 "
    "and 1 play as swap-asap on the held-out episodes (26.6 slots), seed 2 at 35.7 (exact checks "
    "below). Without shaping (30k steps) seed 2's greedy policy discarded every pair it held, "
    "end nodes included, and never delivered, which put MAPPO's pooled return below random's.",
    "mec": "One centralised PPO policy picks all 15 nodes' actions at once (MultiDiscrete over "
    "10 x 35 + 5 x 10 choices) from 500 episodes. With ppo.yml's defaults one seed stayed at "
    "random's level (on the earlier random streams) and, rerun on the counter-based streams, "
    "the seeds scored 0.54, 0.70 and 0.84; the entry 'mec tuned' (`qnet tune`: 8 trials of 30k "
    "steps, 4 pruned; leaderboard/tuning/) makes every seed land at 0.90-0.92, stable, still "
    "just below all-local (0.93) and the best response.",
    "mec-small": "Untuned. 100k steps gave 0.93 (0.90-0.94 per seed); 300k steps, rerun on the "
    "counter-based random streams, give 0.94, 0.94 and 0.89 with the training curve flat at the "
    "end: the policies settle below all-local (0.97), which keeps every task on its own mobile. "
    "Tuning, or more of the edges' state in the observation, is what is left to try. A clone of "
    "best-response does not take (one seed, not recorded, on the earlier streams: negative "
    "log-likelihood 1.64 after 50 epochs on 20 episodes of 15 joint components; the clone "
    "scores -257 on 10 held-out episodes, below all-local), and PPO from it falls further "
    "(-267).",
    "mec-marl": "100k steps (30k gave 0.97), rerun on the counter-based random streams: seed 0 "
    "beats the best response (mean cost per task 1.066 against 1.075), seeds 1 and 2 reach "
    "1.097 (before: 1.01, 0.97 and 0.96 normalised). The runs' diagnosis (README, Agents II) is that the kept checkpoints "
    "come from early updates and, trained on, the policies settle on local and cloud execution.",
    "repeater-fidelity": "The reference is purify-then-swap with its cutoff and purification "
    "margin tuned on training seeds; before the cutoff's calibration to each link's heralded "
    "pair, the cutoff heuristics discarded every fresh pair of the 40 km link (1.23 where "
    "swap-asap made 8.4). The ppo and ppo-bc rows were measured on v1 of the env, whose end "
    "memories, freed by a delivery's news, held a new pair within the same slot; they wait "
    "for a rerun on v2. MAPPO was rerun on v2 (30k steps, no shaping): one seed delivers 2.4 "
    "pairs per episode, two none. "
    "Random play never delivers a pair above the target, so PPO trained "
    "on the env's reward alone (60k steps) never saw a reward. With potential-based shaping "
    "(the longest pair above the target, as a fraction of the chain; Ng et al. 1999: optimal "
    "policies unchanged) and ent_coef 0.01, PPO from scratch (the ppo row, 200k steps) learns "
    "on one seed in three (its greedy policy 10.7 pairs per episode against swap-asap's 7.2; "
    "the other two 0.0 and 0.17), and in a separate 500k-step run of seed 1 it starts "
    "delivering only near 450k. Started "
    "from a behaviour clone of swap-asap (ppo-bc: the clone alone plays about as swap-asap "
    "does, 7.7 greedy on 10 episodes), the same shaped PPO learns on every seed and far "
    "exceeds swap-asap, played as a sampled policy: the chain's view shows nominal, not true, "
    "fidelities, and its sampled play delivers more than its own most likely action (seed 1: "
    "21.7 sampled against 7.0 greedy on 10 episodes). The decentralised MAPPO (30k steps, no "
    "shaping) is the only agent here trained on the env's reward alone that delivers: one seed "
    "1.8 pairs per episode, one none.",
    "repeater-n5-p09": "PPO (100k steps) learned swap-asap (exact checks 9.33-9.63 slots "
    "against swap-asap's 9.31), not the optimum (8.22, which nested swapping matches at "
    "p = 0.9): swapping as soon as possible is the local optimum untuned runs find; the "
    "optimum holds finished links idle until the segments pair up. MAPPO (100k steps with the "
    "training-only shaping 'repeater-span') delivers on every seed (without shaping, at 30k "
    "steps, its third seed's greedy policy never did); exact checks below.",
    "repeater-n4-p03": "PPO delivers on every seed with ent_coef 0.01 and 200k steps: exact "
    "checks 36.20 +- 1.06, 33.32 +- 1.00 and 32.96 +- 0.98 slots against the optimum 32.86 "
    "(swap-asap 33.44): two seeds within 1.4% of the optimum, one 10% above it. At ppo.yml's "
    "ent_coef 0.0 seed 0 settled on discarding and never delivered, at 60k steps and again at "
    "200k (the other two seeds learned the same policies as here): links must be swapped within "
    "two slots of their birth at p = 0.3, so successful episodes are rare under exploration and "
    "a policy without an entropy bonus can stop looking. MAPPO (one agent per node; 100k steps "
    "with the training-only shaping 'repeater-span', as on repeater-n5) splits the same way as "
    "it did without shaping at 30k steps: seeds 1 and 2 deliver (exact checks below), seed 0's "
    "greedy policy never does; its entropy bonus is the next lever to try, as it was PPO's.",
}
# Agents' held-out episodes are cut at this many steps where the horizon is 100,000 slots and a
# poor greedy policy could idle for all of them (the delivery-time presets): a cut episode
# scores -cap, so the cap can only flatter an agent, and every cut is counted in the entry
# ("truncated") and shown in the table. Baselines are never cut.
EVAL_CAP = {name: 20_000 for name in ("repeater-inesta2023", "repeater-n5", "repeater-n4-p03",
                                       "repeater-n5-p09")}  # fmt: skip
# Scenarios whose reference is the exact MDP (repeater_mdp): 30 episodes cannot tell policies
# 1% apart there (a delivery time's standard deviation is about its mean), so each agent run is
# also played on EXACT_EPISODES more held-out episodes (seeds 200000, ...; a 95% CI of about
# 3% of the mean per run, under 2% pooled over three) and set against the exact expected times.
# Each run records how many it played (the first PPO runs on n = 4 played 10,000).
EXACT = ("repeater-inesta2023", "repeater-n5", "repeater-n4-p03", "repeater-n5-p09")
EXACT_EPISODES = 4_000
EXACT_SEED = 200_000
# Scenarios scored by an episode metric instead of the return: score = -metric (a cost).
METRIC = {"mec-marl": "mean_cost_per_task"}
# References that are offline searches, not policies: scenario -> (name, function of (env
# config, seed) -> the episode's return). The GA replays each episode 336 times (about 40 s per
# seed here), so its returns are kept in ``REFERENCES/<scenario>-<name>.json`` with the config
# they were computed for; only seeds missing there are searched.
REFERENCES = ROOT / "leaderboard" / "references"


def offline_return(env_id: str, name: str):
    """The registry's offline reference ``name`` as a function of (env config, seed) -> the
    episode's return (:func:`qnet_envs.rollout.run_episodes` plays or searches it)."""

    def episode_return(config: dict | None, seed: int) -> float:
        return run_episodes(env_id, name, 1, seed, config).returns[0]

    return episode_return


SEARCHES = {
    "com2net": ("ga", offline_return("qnet/Com2Net-v0", "ga-offline")),
    "qpu": ("qb-scheduler-oracle", offline_return("qnet/QPUScheduling-v0", "qb-scheduler-offline")),
}
# Agents recorded on a scenario from its PettingZoo front.
MULTI_AGENT = {"mec-marl": "mappo"}


def entry_path(entries: Path, scenario: str, agent: str) -> Path:
    return entries / f"{scenario}-{agent}.json"


def load_entries(entries: Path, scenario: str) -> list[dict]:
    found = [json.loads(p.read_text()) for p in sorted(entries.glob(f"{scenario}-*.json"))]
    return [e for e in found if e["scenario"] == scenario]  # "mec-*" also matches mec-small


def thin_curve(curve, points: int = 200, window: int = 20) -> list[list[float]]:
    """(step, rolling mean of ``window`` episode returns), at most ``points`` of them."""
    if not curve:
        return []
    steps, rets = np.asarray(curve, dtype=float).T
    kernel = np.ones(min(window, len(rets))) / min(window, len(rets))
    smooth = np.convolve(rets, kernel, mode="valid")
    steps = steps[len(steps) - len(smooth) :]
    idx = np.unique(np.linspace(0, len(smooth) - 1, min(points, len(smooth))).astype(int))
    return [[float(steps[i]), float(smooth[i])] for i in idx]


def record_run(checkpoint: Path, scenario: str, episodes: int, max_steps=None) -> dict:
    """One training run of an agent: its checkpoint's policy on the held-out seeds
    (``max_steps`` truncates them: the quick pipeline check only)."""
    from qnet_agents.common import load_checkpoint

    env_id, config, _, _ = SCENARIOS[scenario]
    max_steps = max_steps or EVAL_CAP.get(scenario)
    run = agent_returns(str(checkpoint), scenario, episodes, max_steps)
    if run["env_id"] != env_id or (run["env_config"] or None) != config:
        raise SystemExit(f"qnet: error: {checkpoint} was trained on {run['env_id']} "
                         f"{run['env_config']}, scenario {scenario} is {env_id} {config}")  # fmt: skip
    exact = None
    cut = sum(r <= -max_steps + 0.5 for r in run["returns"]) if max_steps else 0
    if scenario in EXACT and cut < len(run["returns"]):  # a policy that never delivers: no check
        long = agent_returns(str(checkpoint), scenario, EXACT_EPISODES, max_steps, EXACT_SEED)
        exact = dict(zip(("mean", "ci95"), mean_ci95([-r for r in long["returns"]]), strict=True))
        exact["episodes"] = EXACT_EPISODES
    meta = load_checkpoint(str(checkpoint))
    curve = meta.get("curve") or []
    if curve and len(curve[0]) == 3:  # MAPPO's curve: (step, return, episode cost)
        curve = [(c[0], -c[2] if scenario in METRIC else c[1]) for c in curve]
    wall = checkpoint.parent / "wall_s"
    return {
        "agent": agent_label(run["agent"], meta["config"]),
        "seed": int(meta["config"].get("seed", 0)),
        "checkpoint": str(checkpoint),
        "global_step": run["global_step"],
        "wall_s": float(wall.read_text()) if wall.exists() else None,
        "returns": run["returns"],
        "truncated": cut,
        "exact_check": exact,
        "curve": thin_curve(curve),
    }


def agent_label(algo: str, config: dict) -> str:
    """The leaderboard's name of an agent: its algorithm, with ``-bc`` where the run started
    from a behaviour clone of a baseline (a row of its own, next to the run from scratch);
    offline behaviour cloning with what it cloned (``bc-all``, ``bc-best-policy``,
    ``bc-top``: the Decision Transformer's %BC comparison)."""
    if algo == "bc":
        return f"bc-{config.get('clone', 'all')}"
    return algo + ("-bc" if config.get("bc_teacher") else "")


def agent_returns(
    checkpoint: str, scenario: str, episodes: int, max_steps=None, seed: int = SEED
) -> dict:
    """{"agent", "env_id", "env_config", "returns", "global_step"} of a checkpoint's greedy
    policy on the held-out seeds. MAPPO plays the scenario's PettingZoo front (one agent per
    node or per mobile/edge) and reports minus its episode cost: the return on the repeater
    chain, minus the mean cost per task on the offloading env (its ``flat_actions`` interface
    choice is not part of the scenario)."""
    from qnet_agents.common import load_checkpoint
    from qnet_agents.jobs import checkpoint_returns

    if load_checkpoint(checkpoint)["algo"] != "mappo":
        return checkpoint_returns(checkpoint, episodes, seed, max_steps)
    from qnet_agents import mappo

    best = Path(checkpoint).with_name("best.pt")  # selected on its own seeds (eval_every)
    policy, cfg = mappo.load_policy(str(best if best.exists() else checkpoint))
    costs = mappo.evaluate(policy, cfg.env_id, cfg.env_config, episodes, seed, max_steps)
    env_config = {k: v for k, v in (cfg.env_config or {}).items() if k != "flat_actions"}
    return {"agent": "mappo", "env_id": cfg.env_id, "env_config": env_config or None,
            "returns": [-c for c in costs],
            "global_step": int(load_checkpoint(checkpoint).get("global_step", 0))}  # fmt: skip


def add(checkpoints, scenario, episodes, note, entries: Path, command="", max_steps=None) -> None:
    """Record (or replace, per training seed) runs in the scenario's entry for their agent."""
    for checkpoint in checkpoints:
        run = record_run(Path(checkpoint), scenario, episodes, max_steps)
        path = entry_path(entries, scenario, run["agent"])
        entry = json.loads(path.read_text()) if path.exists() else {"runs": []}
        entry.update(agent=run.pop("agent"), scenario=scenario, env_id=SCENARIOS[scenario][0],
                     env_config=SCENARIOS[scenario][1], episodes=episodes)  # fmt: skip
        entry["note"] = note or entry.get("note", "")
        entry["command"] = command or entry.get("command", "")
        entry["runs"] = sorted(
            [r for r in entry["runs"] if r["seed"] != run["seed"]] + [run], key=lambda r: r["seed"]
        )
        entries.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(entry, indent=1) + "\n")
        print(f"recorded {path.name} seed {run['seed']}: {np.mean(run['returns']):.3f}")


def train(agent: str, scenario: str, seeds, steps, config: dict, runs: Path) -> tuple[list, str]:
    """``qnet train`` once per seed; returns the checkpoints and the command (seed as {seed})."""
    env_id, env_config, _, _ = SCENARIOS[scenario]
    cfg = {**config, **({"env_config": env_config} if env_config else {})}
    source, prefix = ["--env", env_id], ""
    if agent in ("dt", "bc"):
        source, prefix = dt_dataset(scenario, runs / "minari")
        cfg.pop("env_config", None)  # the dataset carries the env
    argv = ["train", "--agent", agent, *source, "--config", json.dumps(cfg),
            "--eval-episodes", "1", "--overwrite"] + (["--steps", str(steps)] if steps else [])  # fmt: skip
    checkpoints = []
    for seed in seeds:
        run_dir = runs / f"{scenario}-{agent_label(agent, config)}-s{seed}"
        full = [*argv, "--seed", str(seed), "--run-dir", str(run_dir)]
        start = time.perf_counter()
        code = "from qnet_envs.cli import main; raise SystemExit(main())"
        subprocess.run([sys.executable, "-c", code, *full], check=True)
        (run_dir / "wall_s").write_text(f"{time.perf_counter() - start:.1f}\n")
        checkpoints.append(run_dir / "checkpoint.pt")
    shown = [as_shown(Path(a)) if a == str(runs / "minari") else a for a in argv]
    command = prefix + "qnet " + shlex.join([*shown, "--seed", "{seed}"])
    return checkpoints, command


# The Decision Transformer learns offline from a Minari dataset of the scenario's own
# non-clairvoyant baselines (random-valid, the heuristics and the reference), DT_EPISODES
# episodes in turn (training seeds 0, 1, ..., never the held-out ones); it is conditioned on
# the best of them's mean return (``decision_transformer.default_target``).
DT_EPISODES = 60


def as_shown(path: Path) -> str:
    """A path as a recorded command shows it: relative to the repository when inside it."""
    full = path.resolve()
    return str(full.relative_to(ROOT)) if full.is_relative_to(ROOT) else str(path)


def dt_dataset(scenario: str, root: Path) -> tuple[list[str], str]:
    """Record the scenario's dataset; (``qnet train`` arguments, the command that records it)."""
    from qnet_agents.datasets import collect, dataset_id

    env_id, env_config, _, _ = SCENARIOS[scenario]
    if env_config:
        raise SystemExit(f"qnet: error: --train dt: scenario {scenario} has an env config")
    env = gym.make(env_id)
    mixture = [n for n in policy_names(env_id, env, stepping_only=True) if "oracle" not in n]
    name = f"leaderboard-{scenario}"
    collect(env_id, mixture, DT_EPISODES, str(root), name, progress=False)
    did = dataset_id(env_id, name)
    command = shlex.join(["qnet", "collect", "--env", env_id, "--mixture", ",".join(mixture),
                          "--episodes", str(DT_EPISODES), "--root", as_shown(root), "--name", name])  # fmt: skip
    return ["--dataset", did, "--root", str(root)], command + " && "


_BASELINE_RUNS: dict = {}


def baselines(scenario: str, episodes: int) -> dict[str, list[float]]:
    """Every baseline's returns (or negated metric, see ``METRIC``) on the held-out seeds."""
    env_id, config, _, _ = SCENARIOS[scenario]
    key = (env_id, json.dumps(config), episodes)  # mec and mec-marl share their baseline runs
    if key not in _BASELINE_RUNS:
        env = gym.make(env_id, config=config) if config else gym.make(env_id)
        # ``optimal`` only where the exact MDP applies; the clairvoyant searches are SEARCHES
        names = [n for n in policy_names(env_id, env) if not is_clairvoyant(env_id, n)]
        _BASELINE_RUNS[key] = {n: run_episodes(env_id, n, episodes, SEED, config) for n in names}
    runs = _BASELINE_RUNS[key]
    if scenario in METRIC:
        return {n: [-x for x in r.metrics[METRIC[scenario]]] for n, r in runs.items()}
    found = {n: r.returns for n, r in runs.items()}
    if scenario in SEARCHES:
        found[SEARCHES[scenario][0]] = searched(scenario, range(SEED, SEED + episodes))
    return found


def searched(scenario: str, seeds) -> list[float]:
    """An offline search's returns on ``seeds`` (see ``SEARCHES``), from its cache file where
    it holds them for this config; the missing seeds are searched and added."""
    name, search = SEARCHES[scenario]
    config = SCENARIOS[scenario][1]
    path = REFERENCES / f"{scenario}-{name}.json"
    cache = json.loads(path.read_text()) if path.exists() else {}
    if "returns" not in cache or cache["env_config"] != config:
        cache = {"env_config": config, "returns": {}}
    for seed in [s for s in seeds if str(s) not in cache["returns"]]:
        print(f"{scenario}: {name} on seed {seed}", file=sys.stderr, flush=True)
        cache["returns"][str(seed)] = search(config, seed)
        REFERENCES.mkdir(parents=True, exist_ok=True)  # kept seed by seed: a search is long
        path.write_text(json.dumps(cache, indent=1, sort_keys=True) + "\n")
    return [cache["returns"][str(s)] for s in seeds]


def normalise(values, low: float, high: float | None):
    if high is None or high == low:
        return None
    return (np.asarray(values, dtype=float) - low) / (high - low)


def row(policy: str, kind: str, returns, low, high, runs=None) -> dict:
    """One table row: mean return and normalised score with 95% CIs (pooled over seeds)."""
    mean, half = mean_ci95(returns)
    scores = normalise(returns, low, high)
    out = {"policy": policy, "kind": kind, "mean": mean, "ci95": half,
           "normalised": None, "normalised_ci95": None}  # fmt: skip
    if scores is not None:
        out["normalised"], out["normalised_ci95"] = mean_ci95(scores)
    if runs is not None:
        out["training_seeds"] = [r["seed"] for r in runs]
        out["per_seed_normalised"] = (
            None
            if scores is None
            else [float(normalise(np.mean(r["returns"]), low, high)) for r in runs]  # fmt: skip
        )
        out["steps"] = int(np.mean([r["global_step"] for r in runs]))
        walls = [r["wall_s"] for r in runs if r.get("wall_s")]
        out["wall_s"] = float(np.mean(walls)) if walls else None
        out["truncated"] = int(sum(r.get("truncated", 0) for r in runs))
    return out


def kind_of(name: str, reference, random_name: str) -> str:
    if name == reference:
        return "reference"
    if name == random_name:
        return "random"
    return "oracle (clairvoyant)" if "oracle" in name else "heuristic"


def scenario_result(scenario: str, episodes: int, entries: Path) -> dict:
    env_id, config, reference, about = SCENARIOS[scenario]
    found = baselines(scenario, episodes)
    random_name = "random-valid" if "random-valid" in found else "random"
    low = float(np.mean(found[random_name]))
    high = float(np.mean(found[reference])) if reference else None
    rows = [row(n, kind_of(n, reference, random_name), r, low, high) for n, r in found.items()]
    notes, checks = {}, {}
    for entry in load_entries(entries, scenario):
        runs = [r for r in entry["runs"] if len(r["returns"]) == episodes]
        if runs:
            pooled = [x for r in runs for x in r["returns"]]
            rows.append(row(entry["agent"], "agent", pooled, low, high, runs))
            checks[entry["agent"]] = [r["exact_check"] for r in runs if r.get("exact_check")]
            notes[entry["agent"]] = {"note": entry.get("note", ""),
                                     "command": entry.get("command", ""),
                                     "curves": {r["seed"]: r["curve"] for r in runs}}  # fmt: skip
    return {"env_id": env_id, "env_config": config, "metric": METRIC.get(scenario),
            "reference": reference, "about": about,
            "episodes": episodes, "seeds": [SEED, SEED + episodes - 1], "random": low,
            "reference_mean": high, "rows": rows, "agents": notes,
            "exact": exact_times(config) if scenario in EXACT else None,
            "exact_checks": checks}  # fmt: skip


def exact_times(config: dict) -> dict:
    """Exact expected delivery times (slots) of the optimal policy, swap-asap and nested
    swapping on the scenario's chain (``qnet_envs.references.repeater_mdp``)."""
    from qnet_envs.config import merge_config
    from qnet_envs.core.repeater_chain.config import preset_defaults
    from qnet_envs.references import repeater_mdp

    cfg = merge_config(preset_defaults(config.get("preset")), config)
    args = (cfg.n_nodes, cfg.generation_success, cfg.swap_success, cfg.cutoff_slots)
    out = {"optimal": repeater_mdp.solve(*args).expected_delivery_time}
    for rule in ("swap-asap", "nested"):
        out[rule] = repeater_mdp.evaluate(*args, policy=rule).expected_delivery_time
    return out


def exact_line(result: dict) -> str:
    """The agents' long-run mean delivery times against the exact expectations."""
    times = result["exact"]
    parts = [f"Exact expected delivery times (repeater_mdp): optimal {times['optimal']:.3f}, "
             f"swap-asap {times['swap-asap']:.3f}, nested {times['nested']:.3f} slots."]  # fmt: skip
    for agent, checks in result.get("exact_checks", {}).items():
        if not checks:
            continue
        mean = float(np.mean([c["mean"] for c in checks]))
        half = float(np.sqrt(np.sum(np.square([c["ci95"] for c in checks])))) / len(checks)
        gap = 100.0 * (mean / times["optimal"] - 1.0)
        per_seed = ", ".join(f"{c['mean']:.2f} ± {c['ci95']:.2f}" for c in checks)
        verdict = "within 2% of the optimum" if gap <= 2.0 else "not within 2% of the optimum"
        row = next((r for r in result["rows"] if r["policy"] == agent), {})
        missing = len(row.get("training_seeds", checks)) - len(checks)
        if missing:  # a seed whose greedy policy never delivers has no check
            verdict = (f"over its {len(checks)} delivering seeds only: {missing} more never "
                       "delivered, so the agent as a whole is not within 2%")  # fmt: skip
        below = "below" if mean < times["swap-asap"] else "not below"
        parts.append(f"{agent}: {mean:.3f} ± {half:.3f} slots over its training seeds ({per_seed} on "
                     f"{checks[0]['episodes']:,} held-out episodes each, seeds {EXACT_SEED}+), "
                     f"{gap:+.1f}% from the optimum ({verdict}), {below} swap-asap.")  # fmt: skip
    return " ".join(parts)


def fmt(value, ci, digits=3) -> str:
    if value is None:
        return "-"
    return (
        f"{value:.{digits}f}"
        if ci is None or np.isnan(ci)
        else f"{value:.{digits}f} ± {ci:.{digits}f}"
    )


def status(name: str, result: dict) -> str:
    """Whether the best agent reaches the reference (normalised score >= 1), in numbers."""
    agents = [r for r in result["rows"] if r["kind"] == "agent"]
    if not agents:
        return "No agent recorded yet."
    if result["reference"] is None or agents[0]["normalised"] is None:
        return "No reference: the normalised score is undefined (see the reference line)."
    best = max(agents, key=lambda r: r["normalised"])
    verdict = "reaches" if best["normalised"] >= 1.0 else "misses"
    text = (f"Best agent: {best['policy']} at {best['normalised']:.3f} "
            f"({verdict} the reference, 1.0).")  # fmt: skip
    rising = trend(result["agents"].get(best["policy"], {}).get("curves", {}))
    if rising is not None:
        before, last = rising
        word = "still rising" if last > before else "flat or falling"
        text += (f" Its training curve is {word} at the end (mean training return {before:.4g} "
                 f"over the second-to-last tenth of steps, {last:.4g} over the last).")  # fmt: skip
    for oracle in (r for r in result["rows"] if r["kind"].startswith("oracle")):
        text += (f" Gap to the clairvoyant {oracle['policy']}: {best['mean']:.4g} against "
                 f"{oracle['mean']:.4g} (normalised {best['normalised']:.3f} against "
                 f"{oracle['normalised']:.3f}).")  # fmt: skip
    note = SHORTFALLS.get(name)
    return text + (f" {note}" if note else "")


def trend(curves: dict) -> tuple[float, float] | None:
    """Mean smoothed training return over the second-to-last and the last tenth of each
    seed's steps, pooled over seeds (None without curves)."""
    before, last = [], []
    for curve in curves.values():
        if len(curve) < 20:
            continue
        steps = np.array([c[0] for c in curve])
        values = np.array([c[1] for c in curve])
        cut1, cut2 = np.quantile(steps, [0.8, 0.9])
        before += values[(steps >= cut1) & (steps < cut2)].tolist()
        last += values[steps >= cut2].tolist()
    return (float(np.mean(before)), float(np.mean(last))) if before and last else None


def markdown(name: str, result: dict, figure: str | None) -> list[str]:
    cfg = f" `{json.dumps(result['env_config'])}`" if result["env_config"] else ""
    out = [f"### {name}: `{result['env_id']}`{cfg}", "",
           f"Reference: {result['reference'] or '-'} ({result['about']}). "
           f"{result['episodes']} held-out episodes, seeds {result['seeds'][0]}-{result['seeds'][1]}. "
           + status(name, result), "",
           "| policy | kind | mean return (95% CI) | normalised (95% CI) | per training seed | steps | wall s |",
           "|---|---|---|---|---|---|---|"]  # fmt: skip
    for r in result["rows"]:
        seeds = r.get("per_seed_normalised")
        per_seed = ", ".join(f"{s:.2f}" for s in seeds) if seeds else "-"
        steps = f"{r['steps']:,}" if r.get("steps") else "-"
        wall = f"{r['wall_s']:.0f}" if r.get("wall_s") else "-"
        cut = f" ({r['truncated']} episodes cut)" if r.get("truncated") else ""
        out.append(f"| {r['policy']}{cut} | {r['kind']} | {fmt(r['mean'], r['ci95'])} | "
                   f"{fmt(r['normalised'], r['normalised_ci95'])} | {per_seed} | {steps} | {wall} |")  # fmt: skip
    if result.get("exact"):
        out.append("\n" + exact_line(result))
    for agent, info in result["agents"].items():
        out.append(
            f"\n- {agent}: {info['note']}" + (f" `{info['command']}`" if info["command"] else "")
        )
    if figure:
        out += ["", f"![learning curves of {name}]({figure})"]
    return out + [""]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def draw_curves(ax, name: str, result: dict, legend: bool = True) -> None:
    """Every agent's learning curves (training-episode returns, rolling mean of 20) with the
    random and reference means on the held-out seeds as horizontal lines."""
    for i, (agent, info) in enumerate(result["agents"].items()):
        for j, curve in enumerate(info["curves"].values()):
            if curve:
                x, y = zip(*curve, strict=True)
                ax.plot(x, y, color=f"C{i}", alpha=0.8, label=agent if j == 0 else None)
    ys = [y for info in result["agents"].values() for c in info["curves"].values() for _, y in c]
    if result["reference_mean"] is not None:
        ax.axhline(result["reference_mean"], color="k", ls="--", label=result["reference"])
        ys.append(result["reference_mean"])
    lo, hi = (min(ys), max(ys)) if ys else (result["random"], result["random"])
    pad = 0.1 * (hi - lo) or 1.0
    if lo - 2 * pad <= result["random"] <= hi + 2 * pad:
        ax.axhline(result["random"], color="grey", ls=":", label="random-valid")
    else:  # far below: a line would flatten every curve; say where it is instead
        ax.plot([], [], color="grey", ls=":", label=f"random-valid: {result['random']:.4g}")
        ax.set_ylim(min(lo, hi) - pad, hi + pad)
    ax.set(xlabel="env steps", ylabel="episode return", title=name)
    if legend:
        ax.legend(fontsize=7)


def plot(name: str, result: dict, path: Path) -> bool:
    """One scenario's figure (:func:`draw_curves`); False when no agent is recorded."""
    if not result["agents"]:
        return False
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.6))
    draw_curves(ax, name, result)
    ax.set_title(f"{name}: {result['env_id']}")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return True


def plot_grid(results: dict, path: Path) -> None:
    """Every scenario's curves in one figure (the README shows it)."""
    names = [n for n, r in results.items() if r["agents"]]
    if not names:
        return
    plt = _pyplot()
    cols = 3
    rows = -(-len(names) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 2.8 * rows), squeeze=False)
    for ax, name in zip(axes.flat, names, strict=False):
        draw_curves(ax, name, results[name], legend=True)
    for ax in list(axes.flat)[len(names) :]:
        ax.set_visible(False)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=70)
    plt.close(fig)


def reference_table(results: dict) -> dict:
    """What :func:`qnet_envs.normalized_score` reads: one entry per scenario with a reference,
    with each recorded agent's mean return, normalised score and training steps (what
    ``qnet train`` sets a new run against)."""
    return {"scenarios": [
        {"scenario": k, "env_id": r["env_id"], "env_config": r["env_config"],
         "random": r["random"], "reference": r["reference_mean"], "reference_policy": r["reference"],
         "episodes": r["episodes"], "seeds": r["seeds"],
         **{field: h[field] for field in ("best_heuristic", "optimum")},
         "agents": {row["policy"]: {"mean": row["mean"], "normalised": row["normalised"],
                                    "steps": row.get("steps")}
                    for row in r["rows"] if row["kind"] == "agent"}}
        for k, r in results.items() if r["reference"] is not None
        for h in [headline(r)]  # computed once per scenario
    ]}  # fmt: skip


# References that know each episode in advance (offline searches): an optimum, not a heuristic
CLAIRVOYANT = {"ga", "qb-scheduler-oracle", "slot-oracle"}


def _pooled(checks: list[dict]) -> tuple[float, float]:
    """Mean and 95% half-width over training seeds of per-seed (mean, ci95) checks."""
    mean = float(np.mean([c["mean"] for c in checks]))
    return mean, float(np.sqrt(np.sum(np.square([c["ci95"] for c in checks])))) / len(checks)


def headline(result: dict) -> dict:
    """A scenario's honest headline. D4RL score: 0 = random-valid, 1 = the reference. Where an
    exact or clairvoyant optimum lies above the best heuristic: the gap closed (0 = the best
    heuristic, 1 = the optimum, negative = worse than the heuristic) and the excess over the
    optimum in percent of it, with 95% CIs. On the exact repeater scenarios every number comes
    from the exact expectations (``repeater_mdp``) and the agents' long held-out runs; elsewhere
    from the held-out episodes' means."""
    rows = result["rows"]
    agents = [r for r in rows if r["kind"] == "agent"]
    optimum = [r for r in rows if r["policy"] in CLAIRVOYANT or r["kind"].startswith("oracle")]
    heuristics = [r for r in rows if r["kind"] in ("heuristic", "reference") and r not in optimum
                  and not (result.get("exact") and r["policy"] == "optimal")]  # fmt: skip
    out = {"best_heuristic": None, "optimum": None, "best_agent": None, "d4rl": None,
           "gap_closed": None, "excess_pct": None}  # fmt: skip
    if heuristics:
        best_h = max(heuristics, key=lambda r: r["mean"])
        out["best_heuristic"] = (best_h["policy"], best_h["mean"])
    scored = [r for r in agents if r["normalised"] is not None]
    best = max(scored or agents, key=lambda r: r["mean"]) if agents else None
    # agents whose every training seed has its long exact check (a seed whose greedy policy
    # never delivers has none, and must not vanish from the pooled figure)
    seeds = {r["policy"]: len(r.get("training_seeds", [])) for r in agents}
    checked = {a: c for a, c in result.get("exact_checks", {}).items()
               if c and len(c) == seeds.get(a)}  # fmt: skip
    if result.get("exact") and checked:  # the long exact checks decide, not 30 episodes
        fastest = min(checked, key=lambda a: _pooled(checked[a])[0])
        best = next((r for r in agents if r["policy"] == fastest), best)
    if best is None:
        return out
    out["best_agent"] = (best["policy"], best["mean"], best["ci95"])
    if best["normalised"] is not None:
        out["d4rl"] = (best["normalised"], best["normalised_ci95"])
    times = result.get("exact")
    if times:  # delivery times in slots; a return is minus a time
        h_name = min(("swap-asap", "nested"), key=lambda k: times[k])
        t_h, t_opt = times[h_name], times["optimal"]
        checks = checked.get(best["policy"])
        t_agent, half = _pooled(checks) if checks else (-best["mean"], best["ci95"])
        out["best_heuristic"], out["optimum"] = (h_name, -t_h), ("optimal (exact)", -t_opt)
        gap = gap_closed(-t_agent, -t_h, -t_opt)
        if gap is not None:
            out["gap_closed"] = (gap, half / (t_h - t_opt))
        out["excess_pct"] = (100 * (t_agent - t_opt) / t_opt, 100 * half / t_opt)
    elif optimum and out["best_heuristic"]:
        opt = max(optimum, key=lambda r: r["mean"])
        h = out["best_heuristic"][1]
        out["optimum"] = (f"{opt['policy']} (clairvoyant)", opt["mean"])
        gap = gap_closed(best["mean"], h, opt["mean"])
        if gap is not None:
            out["gap_closed"] = (gap, best["ci95"] / (opt["mean"] - h))
        scale = abs(opt["mean"])
        out["excess_pct"] = (100 * (opt["mean"] - best["mean"]) / scale, 100 * best["ci95"] / scale)
    out["verdict"] = verdict(out)
    return out


def verdict(h: dict) -> str:
    """One phrase for the summary table."""
    if h["excess_pct"] is not None:  # an optimum exists: judged against it
        if h["gap_closed"] is not None and sum(h["gap_closed"]) < 0:
            return "below the best heuristic"
        if h["excess_pct"][0] - h["excess_pct"][1] <= 2.0:
            return "within 2% of the optimum"
        if h["gap_closed"] is not None:
            return "between the best heuristic and the optimum"
        return "not within 2% of the optimum"
    if h["d4rl"] is None:
        return "no reference"
    score, half = h["d4rl"]
    if score - half > 1.0:
        return "above the reference"
    return "at the reference" if score + half >= 1.0 else "below the reference"


def summary(results: dict) -> list[str]:
    """The summary table heading docs/leaderboard.md: per scenario, the reference, the best
    heuristic, the best agent, its D4RL score and, where an exact or clairvoyant optimum
    exists, the gap it closes from the best heuristic to the optimum and its excess over the
    optimum (the headline there)."""
    out = ["| scenario | reference | best heuristic | optimum | best agent | D4RL score | "
           "gap closed | excess over optimum | verdict |",
           "|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for name, result in results.items():
        h = headline(result)
        heur = (
            f"{h['best_heuristic'][0]} ({h['best_heuristic'][1]:.3f})"
            if h["best_heuristic"]
            else "-"
        )
        opt = f"{h['optimum'][0]} ({h['optimum'][1]:.3f})" if h["optimum"] else "-"
        agent = (f"{h['best_agent'][0]} ({fmt(h['best_agent'][1], h['best_agent'][2])})"
                 if h["best_agent"] else "-")  # fmt: skip
        d4rl = fmt(*h["d4rl"]) if h["d4rl"] else "-"
        gap = fmt(*h["gap_closed"], digits=2) if h["gap_closed"] else "-"
        excess = (f"{h['excess_pct'][0]:+.1f}% ± {h['excess_pct'][1]:.1f}"
                  if h["excess_pct"] else "-")  # fmt: skip
        out.append(f"| {name} | {result['reference'] or '-'} | {heur} | {opt} | {agent} | "
                   f"{d4rl} | {gap} | {excess} | {h.get('verdict', '-')} |")  # fmt: skip
    return out


def build(scenarios, episodes: int, entries: Path, out_dir: Path, scores: Path) -> dict:
    """Rerun ``scenarios`` and rewrite every output; the other scenarios keep their last
    results (read back from ``leaderboard.json``)."""
    old = out_dir / "leaderboard.json"
    kept = json.loads(old.read_text()) if old.exists() else {}
    results, lines = {}, ["# Leaderboard", "", "`python scripts/leaderboard.py` (baselines "
                          "rerun, agents from `leaderboard/entries/`). Normalised score: 0 = "
                          "random-valid, 1 = the scenario's reference, on the same held-out "
                          "seeds; above 1 beats the reference. Returns are summed rewards (costs "
                          "and delivery times enter negated). Agents pool every (training seed, "
                          "episode) pair; `qnet_envs.normalized_score(env_id, ret)` gives the "
                          "same number.", "",
                          "Where random play is far worse than any sensible policy, a score near "
                          "1 says little, so where an exact or clairvoyant optimum lies above "
                          "the best heuristic the headline is the gap closed (0 = the best "
                          "heuristic, 1 = the optimum, negative = worse than the heuristic; "
                          "`qnet_envs.gap_closed_score`) and the excess over the optimum in "
                          "percent, with 95% CIs. On the exact repeater scenarios both come from "
                          "the exact expected delivery times and the agents' long held-out runs "
                          "(4,000 episodes per training seed).", ""]  # fmt: skip
    summary_at = len(lines)
    for name in [s for s in SCENARIOS if s in scenarios or s in kept]:
        if name in scenarios:
            kept[name] = scenario_result(name, episodes, entries)
            plot(name, kept[name], out_dir / "leaderboard" / f"{name}.png")
        results[name] = result = kept[name]
        drawn = (out_dir / "leaderboard" / f"{name}.png").exists() and result["agents"]
        lines += markdown(name, result, f"leaderboard/{name}.png" if drawn else None)
        if name in scenarios:
            print("\n".join(lines[-len(result["rows"]) - 4 :]), flush=True)
    lines[summary_at:summary_at] = ["## Summary", "", *summary(results), "",
                                    "![Learning curves of every recorded agent, with the random "
                                    "policy and the reference as lines](leaderboard/curves.png)",
                                    ""]  # fmt: skip
    out_dir.mkdir(parents=True, exist_ok=True)
    plot_grid(results, out_dir / "leaderboard" / "curves.png")
    (out_dir / "leaderboard.md").write_text("\n".join(lines) + "\n")
    (out_dir / "leaderboard.json").write_text(json.dumps(results, indent=1) + "\n")
    scores.write_text(json.dumps(reference_table(results), indent=1) + "\n")
    return results


def publish(scenarios, episodes: int, entries: Path, out_dir: Path) -> None:
    """The full rebuild: docs and the package's reference scores (those only when writing the
    repository's own docs; elsewhere the scores go beside the tables)."""
    ours = out_dir.resolve() == (ROOT / "docs").resolve()
    scores = ROOT / "qnet_envs" / "data" / DATA if ours else out_dir / DATA
    build(scenarios, episodes, entries, out_dir, scores)


def quick(out_dir: Path) -> None:
    """CI: one 128-step PPO run per scenario (in this process), 3 held-out episodes truncated
    at 300 steps for the agent (an untrained policy may never end an episode); checks every
    file is written and every scenario has its agent row, not the numbers."""
    from qnet_agents import mappo, ppo

    entries = out_dir / "entries"
    for name, (env_id, env_config, _, _) in SCENARIOS.items():
        small = {"progress": False, "tensorboard": False, "run_dir": str(out_dir / "runs" / name)}
        if name in MULTI_AGENT:
            cfg = mappo.config_from(env_id=env_id, total_steps=128, rollout=64, epochs=1,
                                    checkpoint_every=0, **small)  # fmt: skip
            result = mappo.train(cfg)
        else:
            cfg = ppo.config_from(env_id, total_steps=128, n_envs=2, n_steps=64, batch_size=64,
                                  n_epochs=1, checkpoint_every=0, env_config=env_config, **small)  # fmt: skip
            result = ppo.train(env_id, cfg)
        add([result.checkpoint], name, 3, "quick check", entries, "in-process", max_steps=300)
    results = build(list(SCENARIOS), 3, entries, out_dir, out_dir / "reference_scores.json")
    for name, result in results.items():
        agents = [r for r in result["rows"] if r["kind"] == "agent"]
        assert agents and agents[0]["training_seeds"] == [0], name
        assert (result["reference"] is None) == (agents[0]["normalised"] is None), name
        assert (out_dir / "leaderboard" / f"{name}.png").exists(), name
    assert (out_dir / "leaderboard" / "curves.png").exists()
    print(f"quick leaderboard: {len(results)} scenarios written to {out_dir}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=30, help="held-out episodes")
    parser.add_argument("--out-dir", default=str(ROOT / "docs"))
    parser.add_argument("--entries", default=str(ROOT / "leaderboard" / "entries"))
    parser.add_argument("--runs", default=str(ROOT / "runs" / "lb"), help="with --train")
    parser.add_argument("--add", nargs="+", metavar="CHECKPOINT", help="record checkpoints")
    parser.add_argument("--train", metavar="AGENT", help="train AGENT on --scenario, --seeds")
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), help="with --add / --train")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="with --train")
    parser.add_argument("--steps", type=int, help="with --train (default: the agent's preset)")
    parser.add_argument("--config", default="{}", help="with --train: agent config (JSON)")
    parser.add_argument("--note", default="", help="with --add/--train: how trained, misses")
    parser.add_argument("--command", default="", help="with --add: the command that trained it")
    parser.add_argument("--only", nargs="*", choices=sorted(SCENARIOS), help="scenarios")
    parser.add_argument("--no-build", action="store_true", help="record only, no rebuild")
    parser.add_argument("--rewrite", action="store_true",
                        help="rewrite the tables, texts and summary from leaderboard.json, "
                        "rerunning nothing")  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="CI pipeline check (temp folder)")
    args = parser.parse_args(argv)
    if args.quick:
        return quick(
            Path(args.out_dir if args.out_dir != str(ROOT / "docs") else tempfile.mkdtemp())
        )
    entries = Path(args.entries)
    if (args.add or args.train) and not args.scenario:
        parser.error("--add and --train need --scenario")
    if args.train:
        checkpoints, command = train(args.train, args.scenario, args.seeds, args.steps,
                                     json.loads(args.config), Path(args.runs))  # fmt: skip
        add(checkpoints, args.scenario, args.episodes, args.note, entries, command)
    elif args.add:
        add(args.add, args.scenario, args.episodes, args.note, entries, args.command)
    if args.rewrite:
        publish([], args.episodes, entries, Path(args.out_dir))
    elif not args.no_build:
        publish(args.only or list(SCENARIOS), args.episodes, entries, Path(args.out_dir))


if __name__ == "__main__":
    sys.exit(main())
