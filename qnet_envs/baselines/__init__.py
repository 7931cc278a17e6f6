"""The registry of heuristic and reference policies for every env, usable without torch.

``policy_names(env_id)`` lists an env's baselines, ``make_policy(env_id, name, env)`` builds
one, ``all_policy_names()`` every name of the suite. They live in the light core (not in
``qnet_agents/``) so that ``qnet rollout`` works on a plain install and the heuristics can read
each core simulation's nominal state. Two kinds: policies that act through the env's steps, and
offline references (``policy.offline``: seed 001's schedulers over a whole known job set) whose
``episode(seed)`` returns the episode's score without stepping the env. Policies marked
``clairvoyant`` know the episode in advance (they replay it from its seed): references, not
targets an online agent is promised to reach.
"""

from __future__ import annotations

from . import (
    com2net,
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
    "qnet/Com2Net-v0": com2net.POLICIES,
}


_APPLICABLE = {"qnet/EntanglementDistribution-v2": entanglement_distribution.applicable}


def policy_names(env_id: str, env=None, *, stepping_only: bool = False) -> list[str]:
    """The baselines of ``env_id``; given an env, only those that apply to its config (an exact
    reference may cover one preset only). ``stepping_only`` leaves out the offline references
    (they take no actions, so they cannot be recorded into a dataset)."""
    table = _TABLE.get(env_id, {"random-valid": None})
    names = list(table)
    check = _APPLICABLE.get(env_id)
    if env is not None and check is not None:
        names = [n for n in names if check(n, env.unwrapped)]
    if stepping_only:
        names = [n for n in names if not getattr(table[n], "offline", False)]
    return names


def is_clairvoyant(env_id: str, name: str) -> bool:
    """Whether the baseline knows the episode in advance (an offline or replaying reference)."""
    return bool(getattr(_TABLE.get(env_id, {}).get(name), "clairvoyant", False))


def all_policy_names() -> list[str]:
    """Every baseline name of the suite, sorted."""
    return sorted({name for table in _TABLE.values() for name in table})


def make_policy(env_id: str, name: str, env) -> Policy:
    table = _TABLE.get(env_id, {"random-valid": None})
    if name not in table:
        raise ValueError(f"unknown policy {name!r} for {env_id}; choose one of {list(table)}")
    factory = table[name]
    return RandomValid(env) if factory is None else factory(env)


__all__ = [
    "Policy",
    "RandomValid",
    "all_policy_names",
    "is_clairvoyant",
    "make_policy",
    "policy_names",
]
