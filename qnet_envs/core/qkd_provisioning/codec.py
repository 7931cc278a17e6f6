"""The action layout of ``qnet/QKDProvisioning-v0``, written once: 0 rejects, ``1 + path * C
+ (c - 1)`` serves on ``path`` with ``c`` channels per hop (C = ``max_channels_per_hop``).
Plain integer arithmetic, so the core's Python methods and the compiled kernels share it."""

from __future__ import annotations


def encode(path, channels, max_per_hop):
    """The action serving on ``path`` with ``channels`` per hop."""
    return 1 + path * max_per_hop + (channels - 1)


def decode(action, max_per_hop):
    """(path, channels per hop) of an allocation action (>= 1)."""
    path, rest = divmod(action - 1, max_per_hop)
    return path, rest + 1
