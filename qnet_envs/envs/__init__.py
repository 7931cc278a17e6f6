"""Single-agent Gymnasium fronts, one module per env, each a thin layer over a core simulation."""

from .entanglement_distribution import EntanglementDistributionEnv
from .qkd_provisioning import QKDProvisioningEnv
from .quantum_resource_allocation import QuantumResourceAllocationEnv

__all__ = [
    "EntanglementDistributionEnv",
    "QKDProvisioningEnv",
    "QuantumResourceAllocationEnv",
]
