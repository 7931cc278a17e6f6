"""Heuristic and reference policies for every env, usable without torch.

``make_policy(env_id, name, env)`` builds one; ``policy_names(env_id)`` lists them. They live in
the light core (not in ``qnet_agents/``) so that ``qnet rollout`` works on a plain install and the
heuristics can read each core simulation's nominal state.
"""

from __future__ import annotations

from . import (
    entanglement_distribution,
    mobile_edge_cloud,
    qkd_provisioning,
    qpu_scheduling,
    quantum_invocation,
    quantum_resource_allocation,
)
from .base import Policy, RandomValid

_TABLE = {
    "qnet/EntanglementDistribution-v2": entanglement_distribution.POLICIES,
    "qnet/QKDProvisioning-v0": qkd_provisioning.POLICIES,
    "qnet/QuantumResourceAllocation-v0": quantum_resource_allocation.POLICIES,
    "qnet/MobileEdgeCloud-v0": mobile_edge_cloud.POLICIES,
    "qnet/MobileEdgeCloud-small-v0": mobile_edge_cloud.POLICIES,
    "qnet/QPUScheduling-v0": qpu_scheduling.POLICIES,
    "qnet/QuantumInvocation-v0": quantum_invocation.POLICIES,
}


def _base_id(env_id: str) -> str:
    return env_id


_APPLICABLE = {"qnet/EntanglementDistribution-v2": entanglement_distribution.applicable}


def policy_names(env_id: str, env=None) -> list[str]:
    """The baselines of ``env_id``; given an env, only those that apply to its config (an exact
    reference may cover one preset only)."""
    names = list(_TABLE.get(_base_id(env_id), {"random-valid": None}))
    check = _APPLICABLE.get(_base_id(env_id))
    if env is not None and check is not None:
        names = [n for n in names if check(n, env.unwrapped)]
    return names


def make_policy(env_id: str, name: str, env) -> Policy:
    table = _TABLE.get(_base_id(env_id), {"random-valid": None})
    if name not in table:
        raise ValueError(f"unknown policy {name!r} for {env_id}; choose one of {list(table)}")
    factory = table[name]
    return RandomValid(env) if factory is None else factory(env)


__all__ = ["Policy", "RandomValid", "make_policy", "policy_names"]
