"""Single-agent Gymnasium fronts, one module per env, each a thin layer over a core simulation."""

from .entanglement_distribution import EntanglementDistributionEnv

__all__ = ["EntanglementDistributionEnv"]
