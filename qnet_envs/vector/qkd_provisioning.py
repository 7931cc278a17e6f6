"""Batched ``qnet/QKDProvisioning-v0``: N request streams on one backbone, served as arrays.

The same code as the scalar env: :class:`qnet_envs.core.qkd_provisioning.QKDProvisioning` holds
every env's state with a leading env axis (the scalar env is its batch of one); what
:class:`qnet_envs.vector.base.BatchedEnv` adds is the per-env random streams and the autoreset.
Env i reproduces the scalar env seeded ``seed + i`` step for step (``tests/test_vector_envs.py``,
through autoresets). With ``path_table="on-demand"`` a new (src, dst) pair's paths are computed
in Python when a request first needs them, in any env (then shared by all).
"""

from __future__ import annotations

from ..core.qkd_provisioning import QKDProvisioning, QKDProvisioningConfig
from .base import BatchedEnv


class QKDProvisioningVectorEnv(BatchedEnv):
    CORE, CONFIG = QKDProvisioning, QKDProvisioningConfig
