"""QKD provisioning on a trusted-relay backbone (``qnet/QKDProvisioning-v0``), on the
compiled template: ``config`` (the validated config and the per-link key rate), ``codec``
(the action layout), ``kernels`` (the step, masks, observation and info, compiled) and
``core`` (the batch-first state the kernels advance)."""

from .config import QKDProvisioningConfig, trusted_relay_rate_bps
from .core import COUNTS, QKDProvisioning

__all__ = ["COUNTS", "QKDProvisioning", "QKDProvisioningConfig", "trusted_relay_rate_bps"]
