"""Numpy-batched ``gymnasium.vector.VectorEnv`` implementations, registered as the
``vector_entry_point`` of their ids: ``gym.make_vec(id, num_envs=N)`` builds them.

They keep each env's state as arrays with the env axis first and never loop over envs in
``step``. Each env i has its own generator, seeded like the scalar env (``seed + i``), read in
blocks, so env i of a batch reproduces the scalar env seeded ``seed + i`` step for step.
"""

from .qkd_provisioning import QKDProvisioningVectorEnv
from .quantum_resource_allocation import QuantumResourceAllocationVectorEnv

__all__ = ["QKDProvisioningVectorEnv", "QuantumResourceAllocationVectorEnv"]
