"""Constants of the resource-allocation core's layout: request kinds, levels, random widths."""

from __future__ import annotations

from .request_stream import ARRIVAL_UNIFORMS

QKD, DQC = 0, 1
LEVELS = 3  # protection levels 0..2 and purification depths 0..2
# Uniforms per reset and per step: the arrival, four request attributes, then either the
# service's normals (two uniforms each, Box-Muller) or, at reset, the device means.
REQUEST_UNIFORMS = ARRIVAL_UNIFORMS + 4
COUNTS = (
    "arrived",
    "served",
    "failed",
    "rejected",
)  # every request ends once as one of the last three
NO_ALLOCATION = -1  # ``success`` of a step that allocated nothing
UTILISATION = {
    "qubits": "qubit_utilisation",
    "channels": "channel_utilisation",
    "pairs": "pair_utilisation",
}
