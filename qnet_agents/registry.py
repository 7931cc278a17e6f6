"""The table of agents behind ``qnet train`` and ``qnet evaluate``: one entry per algorithm, read
by the CLI (which names no agent itself) and by the leaderboard.

Adding an agent: write ``qnet_agents/<name>.py`` (a config dataclass, ``config_from``,
``train`` and a checkpoint loader), a job in :mod:`qnet_agents.jobs`, and one
:class:`AgentSpec` here. This module imports no torch, so the CLI can list agents and check
arguments on a light install.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class AgentSpec:
    """What the CLI needs to know about an agent before importing it."""

    name: str
    module: str  # qnet_agents.<module>
    config_class: str  # the config dataclass in that module (fields checked by config_check)
    trains_on: str  # "env": a Gymnasium id; "parallel": a PettingZoo id; "dataset": a Minari one
    job: str  # the function of qnet_agents.jobs that trains and evaluates it
    actions: str  # the action spaces it trains on
    extra: str  # the pip extra it needs beyond the core
    summary: str
    writes: str  # what its run folder holds besides TensorBoard events and results.md
    default_env: str | None = None


AGENTS = {
    spec.name: spec
    for spec in (
        AgentSpec(
            "ddqn", "ddqn", "DDQNConfig", "env", "train_job", "Discrete", "agents",
            "Double DQN with action masks (presets in hyperparams/ddqn.yml)",
            "checkpoint.pt (resume, every checkpoint_every steps), best.pt (best periodic "
            "greedy evaluation; what is evaluated), learning_curve.png",
            "qnet/QuantumResourceAllocation-v0",
        ),
        AgentSpec(
            "vqc", "vqc_qlearning", "DDQNConfig", "env", "train_job", "Discrete", "agents",
            "Skolik et al.'s variational-circuit Q-function on the DDQN loop (torch state "
            "vector; backend='pennylane' needs the quantum-agents extra)",
            "checkpoint.pt, best.pt, learning_curve.png (as ddqn)",
            "qnet/QuantumResourceAllocation-v0",
        ),
        AgentSpec(
            "ppo", "ppo", "PPOConfig", "env", "ppo_job",
            "Discrete or MultiDiscrete, with action_masks()",
            "agents", "sb3-contrib's MaskablePPO (hyperparameters per env in hyperparams/ppo.yml)",
            "checkpoint.pt only (the final policy; no best.pt), learning_curve.png",
            "qnet/QuantumResourceAllocation-v0",
        ),
        AgentSpec(
            "mappo", "mappo", "MAPPOConfig", "parallel", "mappo_job", "a PettingZoo ParallelEnv",
            "agents",
            "MAPPO / IPPO with a centralised critic on state()",
            "checkpoint.pt (final), best.pt when eval_every > 0, learning_curve.png",
            "qnet/MobileEdgeCloud-v0",
        ),
        AgentSpec(
            "dt", "decision_transformer", "DTConfig", "dataset", "dt_job", "Discrete (from a dataset)",
            "offline", "the Decision Transformer, trained offline on a Minari dataset",
            "checkpoint.pt (final)",
        ),
        AgentSpec(
            "bc", "bc", "BCConfig", "dataset", "bc_job", "Discrete (from a dataset)", "offline",
            "behaviour cloning of a Minari dataset's episodes (all, the best policy's or the top "
            "fraction by return), the baseline the Decision Transformer paper compares with",
            "checkpoint.pt (final)",
        ),
    )
}  # fmt: skip

DEFAULT_AGENT = "ddqn"


def require(module: str, extra: str):
    """Import ``module`` (a dependency of one extra), or say in one line which extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ValueError(
            f"{module} is not installed; it comes with the {extra} extra: "
            f"pip install -e '.[{extra}]' ({exc})"
        ) from None


def agent_names() -> list[str]:
    return list(AGENTS)


def get(name: str) -> AgentSpec:
    """The agent called ``name``; ``ValueError`` with the close names otherwise."""
    if name not in AGENTS:
        from qnet_envs.config import did_you_mean

        raise ValueError(
            f"--agent {name!r}{did_you_mean(name, AGENTS)}: choose one of {agent_names()}"
        )
    return AGENTS[name]


def check_env(spec: AgentSpec, env_id: str) -> None:
    """Refuse an env whose kind or action space the agent cannot train on (one line)."""
    import gymnasium as gym

    from qnet_envs.registration import parallel_env_ids

    if spec.trains_on == "parallel":
        if env_id not in parallel_env_ids():
            raise ValueError(
                f"--env {env_id}: --agent {spec.name} trains a PettingZoo env; choose one of "
                f"{parallel_env_ids()}"
            )
        return
    space = gym.make(env_id).action_space
    if spec.actions == "Discrete" and not isinstance(space, gym.spaces.Discrete):
        raise ValueError(
            f"--env {env_id}: --agent {spec.name} needs a Discrete action space, this env has "
            f"{space} (train MultiDiscrete envs with MaskablePPO: --agent ppo)"
        )


def evaluate_help() -> str:
    """What each agent writes, for ``qnet evaluate --help``."""
    return "; ".join(f"{s.name}: {s.writes}" for s in AGENTS.values())
