"""Allocation of quantum channels, computation qubits and entangled pairs under uncertain
fidelities (``qnet/QuantumResourceAllocation-v0``), on the compiled template: ``config`` (the
validated config), ``layout`` (request kinds, levels, the names of the state's columns),
``codec`` (the action layout), ``kernels`` (the step, outcome physics, masks, observation and
info, compiled) and ``core`` (the batch-first state the kernels advance)."""

from .config import ResourceAllocationConfig
from .core import ResourceAllocation
from .layout import DQC, LEVELS, QKD, REQUEST_UNIFORMS

__all__ = ["DQC", "LEVELS", "QKD", "REQUEST_UNIFORMS", "ResourceAllocation",
           "ResourceAllocationConfig"]  # fmt: skip
