"""Batched ``qnet/QuantumResourceAllocation-v0``: N request streams served as arrays.

The same code as the scalar env: :class:`qnet_envs.core.resource_allocation.ResourceAllocation`
holds every env's state with a leading env axis and steps it with compiled kernels (the scalar
env is its batch of one); :class:`qnet_envs.vector.base.CompiledRequestVectorEnv` adds the
autoreset.
Env i reproduces the scalar env seeded ``seed + i`` step for step (``tests/test_vector_envs.py``,
through autoresets). ``success`` is -1 where the step made no allocation, else 0 or 1.
"""

from __future__ import annotations

from ..core.resource_allocation import ResourceAllocation, ResourceAllocationConfig
from .base import CompiledRequestVectorEnv


class QuantumResourceAllocationVectorEnv(CompiledRequestVectorEnv):
    CORE, CONFIG = ResourceAllocation, ResourceAllocationConfig

    def _check_config(self, config: ResourceAllocationConfig) -> None:
        if config.observe_candidates:
            raise ValueError(
                "observe_candidates=True: the batched env does not compute the candidate block; "
                "allowed: False (use gym.make_vec(..., vectorization_mode='sync') for the block)"
            )
