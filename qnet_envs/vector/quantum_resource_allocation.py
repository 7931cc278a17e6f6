"""Batched ``qnet/QuantumResourceAllocation-v0``: N request streams served as arrays.

The same code as the scalar env: :class:`qnet_envs.core.resource_allocation.ResourceAllocation`
holds every env's state with a leading env axis (the scalar env is its batch of one); what
:class:`qnet_envs.vector.base.BatchedEnv` adds is the per-env random streams and the autoreset.
Env i reproduces the scalar env seeded ``seed + i`` step for step (``tests/test_vector_envs.py``,
through autoresets). ``success`` is -1 where the step made no allocation, else 0 or 1.
"""

from __future__ import annotations

from ..config import merge_config
from ..core.resource_allocation import ResourceAllocation, ResourceAllocationConfig
from .base import BatchedEnv, check_num_envs, check_slots


class QuantumResourceAllocationVectorEnv(BatchedEnv):
    def __init__(
        self, num_envs: int = 1, config: dict | None = None, render_mode=None, slots: int = 32, **kw
    ):
        cfg = merge_config(ResourceAllocationConfig(), config)
        if cfg.observe_candidates:
            raise ValueError(
                "observe_candidates=True: the batched env does not compute the candidate block; "
                "allowed: False (use gym.make_vec(..., vectorization_mode='sync') for the block)"
            )
        check_num_envs(num_envs)
        check_slots(slots)
        self.config = cfg
        self._setup(ResourceAllocation(cfg, num_envs, slots=slots), render_mode, kw)
