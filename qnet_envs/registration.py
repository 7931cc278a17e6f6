"""The table of every environment the suite provides, and its registration with Gymnasium."""

from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class EnvSpec:
    """One row of the table. ``max_episode_steps`` stays None for envs that truncate themselves
    at their configurable ``horizon`` (a TimeLimit would ignore a horizon changed in config)."""

    id: str
    entry_point: str
    kind: str  # "gymnasium" or "pettingzoo"
    source: str
    summary: str
    kwargs: dict | None = None
    max_episode_steps: int | None = None
    vector_entry_point: str | None = None


ENVS: tuple[EnvSpec, ...] = (
    EnvSpec(
        id="qnet/EntanglementDistribution-v2",
        entry_point="qnet_envs.envs.entanglement_distribution:EntanglementDistributionEnv",
        kind="gymnasium",
        source="seed 002 (Xu et al.), Sec. II-C 3; Inesta et al., npj Quantum Inf. 9, 46 (2023)",
        summary="repeater chain: parallel multiplexed links, per-node swap/purify/discard, "
        "classical delays",
        vector_entry_point="qnet_envs.vector.entanglement_distribution:EntanglementDistributionVectorEnv",
    ),
    EnvSpec(
        id="qnet/QKDProvisioning-v0",
        entry_point="qnet_envs.envs.qkd_provisioning:QKDProvisioningEnv",
        kind="gymnasium",
        source="seed 002 (Xu et al.), Sec. II-C 1 and ref. [5]: QKD resource provisioning",
        summary="route tenants' key-rate requests over NSFNET trusted relays; blocking probability",
        vector_entry_point="qnet_envs.vector.qkd_provisioning:QKDProvisioningVectorEnv",
    ),
    EnvSpec(
        id="qnet/QuantumResourceAllocation-v0",
        entry_point="qnet_envs.envs.quantum_resource_allocation:QuantumResourceAllocationEnv",
        kind="gymnasium",
        source="seed 002 (Xu et al.), Sec. II-C, III, TABLE I: three resources, uncertain fidelities",
        summary="QKD and DQC requests: path x protection x purification, hidden fidelities",
        vector_entry_point=(
            "qnet_envs.vector.quantum_resource_allocation:QuantumResourceAllocationVectorEnv"
        ),
    ),
    EnvSpec(
        id="qnet/MobileEdgeCloud-v0",
        entry_point="qnet_envs.envs.mobile_edge_cloud:MobileEdgeCloudEnv",
        kind="gymnasium",
        source="seed 002 (Xu et al.), Sec. IV, Fig. 2-3: 10 mobile, 5 edge, 1 cloud",
        summary="centralised offloading of quantum-autoencoder tasks; cost = d*latency + e*energy",
        vector_entry_point="qnet_envs.vector.mobile_edge_cloud:MobileEdgeCloudVectorEnv",
    ),
    EnvSpec(
        id="qnet/MobileEdgeCloud-small-v0",
        entry_point="qnet_envs.envs.mobile_edge_cloud:MobileEdgeCloudSmallEnv",
        kind="gymnasium",
        source="seed 002 (Xu et al.), Sec. IV (small preset: 3 mobile, 2 edge, 1 cloud)",
        summary="the offloading model at a size for fast experiments and exact per-slot oracles",
        vector_entry_point="qnet_envs.vector.mobile_edge_cloud:MobileEdgeCloudSmallVectorEnv",
    ),
    EnvSpec(
        id="qnet/Com2Net-v0",
        entry_point="qnet_envs.envs.com2net:Com2NetEnv",
        kind="gymnasium",
        source="seed 000 ((Com)2Net), case study: 3 DC, 2 IC, 1 SC; hierarchical FL; |S| = 688, |A| = 4",
        summary="inter-domain scheduling and intra-domain allocation of computing tasks and FL jobs; TCR",
    ),
    EnvSpec(
        id="qnet/Com2Net-joint-v1",
        entry_point="qnet_envs.envs.com2net:Com2NetEnv",
        kind="gymnasium",
        source="seed 000 ((Com)2Net): the full joint decision (centre, device type, level)",
        summary="Com2Net with the joint action as one Discrete choice and an exact mask",
        kwargs={"preset_config": {"action_mode": "joint"}},
    ),
    EnvSpec(
        id="qnet/QPUScheduling-v0",
        entry_point="qnet_envs.envs.qpu_scheduling:QPUSchedulingEnv",
        kind="gymnasium",
        source="seed 001 (Q-Backbone), Sec. IV: deadline-aware scheduling of circuit-cut jobs",
        summary="event-driven Layer-3 scheduler: assign shot chunks to QPUs, drop, or wait",
    ),
    EnvSpec(
        id="qnet/QuantumInvocation-v0",
        entry_point="qnet_envs.envs.quantum_invocation:QuantumInvocationEnv",
        kind="gymnasium",
        source="seed 001 (Q-Backbone), Sec. II-C: the Quantum Invocation Policy",
        summary="route each QUBO job to QAOA on a QPU or to classical annealing; calibrated outcomes",
    ),
)

PARALLEL_ENVS: tuple[EnvSpec, ...] = (
    EnvSpec(
        id="qnet/EntanglementDistribution-v2",
        entry_point="qnet_envs.multiagent.entanglement_distribution:EntanglementDistributionParallelEnv",
        kind="pettingzoo",
        source="the v1 repeater chain with one agent per node and delayed local information",
        summary="decentralised repeater control: each node sees its own memories and messages",
    ),
    EnvSpec(
        id="qnet/MobileEdgeCloud-v0",
        entry_point="qnet_envs.multiagent.mobile_edge_cloud:MobileEdgeCloudParallelEnv",
        kind="pettingzoo",
        source="seed 002 (Xu et al.), Sec. IV, Fig. 2-3: one agent per mobile and edge node",
        summary="decentralised offloading, hybrid (target, fraction) actions, shared global cost",
    ),
    EnvSpec(
        id="qnet/MobileEdgeCloud-small-v0",
        entry_point="qnet_envs.multiagent.mobile_edge_cloud:MobileEdgeCloudSmallParallelEnv",
        kind="pettingzoo",
        source="seed 002 (Xu et al.), Sec. IV (small preset: 3 mobile, 2 edge, 1 cloud)",
        summary="decentralised offloading at a size for fast experiments",
    ),
)


def register_envs() -> None:
    """Register every Gymnasium id in :data:`ENVS` (idempotent)."""
    import gymnasium as gym

    for spec in ENVS:
        if spec.id in gym.registry:
            continue
        gym.register(
            id=spec.id,
            entry_point=spec.entry_point,
            kwargs=dict(spec.kwargs or {}),
            max_episode_steps=spec.max_episode_steps,
            vector_entry_point=spec.vector_entry_point,
        )


def parallel_env_ids() -> list[str]:
    """Ids of the PettingZoo ParallelEnvs, for :func:`make_parallel`."""
    return [spec.id for spec in PARALLEL_ENVS]


def offloading_env_ids() -> list[str]:
    """The PettingZoo ids of the offloading env (mobile and edge roles), which MAPPO and the
    RLlib multi-agent wrapper train; the repeater chain's PettingZoo id is not one of them."""
    return [s.id for s in PARALLEL_ENVS if "mobile_edge_cloud" in s.entry_point]


def make_parallel(env_id: str, **kwargs):
    """Build the PettingZoo ParallelEnv registered as ``env_id``, mirroring ``gym.make``."""
    for spec in PARALLEL_ENVS:
        if spec.id == env_id:
            module, name = spec.entry_point.split(":")
            cls = getattr(importlib.import_module(module), name)
            return cls(**{**(spec.kwargs or {}), **kwargs})
    raise ValueError(f"unknown parallel env id {env_id!r}; known: {parallel_env_ids()}")
