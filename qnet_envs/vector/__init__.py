"""``gymnasium.vector.VectorEnv`` implementations, registered as the ``vector_entry_point`` of
their ids: ``gym.make_vec(id, num_envs=N)`` builds them.

Each runs the batch-first core its scalar env runs as a batch of one: the state of N envs as
arrays with the env axis first, stepped by compiled kernels that loop over the envs (on
``num_threads`` threads if asked). Every env's randomness is the counter-based generator keyed
by its seed (``seed + i`` for env i), so env i of a batch reproduces the scalar env seeded
``seed + i`` step for step, through autoresets, infos included.
"""

from .mobile_edge_cloud import MobileEdgeCloudSmallVectorEnv, MobileEdgeCloudVectorEnv
from .qkd_provisioning import QKDProvisioningVectorEnv
from .quantum_resource_allocation import QuantumResourceAllocationVectorEnv

__all__ = [
    "MobileEdgeCloudSmallVectorEnv",
    "MobileEdgeCloudVectorEnv",
    "QKDProvisioningVectorEnv",
    "QuantumResourceAllocationVectorEnv",
]
