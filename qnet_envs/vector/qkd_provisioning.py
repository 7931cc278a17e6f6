"""Batched ``qnet/QKDProvisioning-v0``: N request streams on one backbone, served as arrays.

The same code as the scalar env: :class:`qnet_envs.core.qkd_provisioning.QKDProvisioning` holds
every env's state with a leading env axis and steps it with compiled kernels (the scalar env is
its batch of one); :class:`qnet_envs.vector.base.CompiledRequestVectorEnv` adds the autoreset.
Env i reproduces the scalar env seeded ``seed + i`` step for step (``tests/test_vector_envs.py``,
through autoresets). With ``path_table="on-demand"`` a new (src, dst) pair's paths are computed
in Python when a request first needs them, in any env (then shared by all).
"""

from __future__ import annotations

from ..core.qkd_provisioning import QKDProvisioning, QKDProvisioningConfig
from .base import CompiledRequestVectorEnv


class QKDProvisioningVectorEnv(CompiledRequestVectorEnv):
    CORE, CONFIG = QKDProvisioning, QKDProvisioningConfig
