"""Batched ``qnet/QKDProvisioning-v0``: N request streams on one backbone, served as arrays.

The same code as the scalar env: :class:`qnet_envs.core.qkd_provisioning.QKDProvisioning` holds
every env's state with a leading env axis (the scalar env is its batch of one); what
:class:`qnet_envs.vector.base.BatchedEnv` adds is the per-env random streams and the autoreset.
Env i reproduces the scalar env seeded ``seed + i`` step for step (``tests/test_vector_envs.py``,
through autoresets). With ``path_table="on-demand"`` a new (src, dst) pair's paths are computed
in Python when a request first needs them, in any env (then shared by all).
"""

from __future__ import annotations

from ..config import merge_config
from ..core.qkd_provisioning import QKDProvisioning, QKDProvisioningConfig
from .base import BatchedEnv, check_num_envs, check_slots


class QKDProvisioningVectorEnv(BatchedEnv):
    def __init__(
        self, num_envs: int = 1, config: dict | None = None, render_mode=None, slots: int = 32, **kw
    ):
        cfg = merge_config(QKDProvisioningConfig(), config)
        check_num_envs(num_envs)
        check_slots(slots)
        self.config = cfg
        self._setup(QKDProvisioning(cfg, num_envs, slots=slots), render_mode, kw)
