"""Constants of the resource-allocation core's layout: request kinds, levels, random widths."""

from __future__ import annotations

from ..request_stream import ARRIVAL_UNIFORMS

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

# --- the head request: integer and float attributes, and what each of its paths offers --------
REQUEST_INT_KEYS = ("src", "dst", "kind", "pair", "qubits", "gates")
SRC, DST, KIND, PAIR, QUBITS, GATES = range(len(REQUEST_INT_KEYS))
REQUEST_FLOAT_KEYS = ("demand", "required", "holding")
DEMAND, REQUIRED, HOLDING = range(len(REQUEST_FLOAT_KEYS))
PATH_VIEW_KEYS = ("exists", "hops", "free_channels", "free_pairs")
EXISTS, HOPS, FREE_CHANNELS, FREE_PAIRS = range(len(PATH_VIEW_KEYS))
ARRIVED, SERVED, FAILED, REJECTED = range(len(COUNTS))
# the running metrics a step leaves in the info (computed by the kernels)
INFO_FLOAT_KEYS = ("acceptance_ratio", "success_ratio", "utility", *UTILISATION.values())
# the config's numbers the kernels read, in the order of the ``params`` array
PARAMS = (
    "qkd_fraction", "qkd_demand_low", "qkd_demand_high", "logical_qubits_low",
    "logical_qubits_high", "remote_gates_low", "remote_gates_high", "required_fidelity_low",
    "required_fidelity_high", "qubit_fidelity_low", "qubit_fidelity_high",
    "pair_fidelity_low", "pair_fidelity_high", "detector_error_low", "detector_error_high",
    "qubit_fidelity_spread", "pair_fidelity_spread", "detector_error_spread", "gate_fidelity",
    "meas_fidelity", "repetition_rate_hz", "qkd_channel_margin", "max_channels_per_hop",
    "qubits_per_node", "channels_per_link", "pair_capacity_per_link", "qubit_cost",
    "channel_cost", "pair_cost", "utility", "failure_penalty", "invalid_action_penalty",
    "mean_holding", "horizon",
)  # fmt: skip


def params_of(cfg) -> list[float]:
    """The ``PARAMS`` values of a config, in order (ranges give their two ends)."""
    ranges = (cfg.qkd_demand_kbps, cfg.dqc_logical_qubits, cfg.dqc_remote_gates,
              cfg.dqc_required_fidelity, cfg.qubit_fidelity_mean, cfg.pair_fidelity_mean,
              cfg.detector_error_mean)  # fmt: skip
    values = [cfg.qkd_fraction] + [float(x) for pair in ranges for x in pair]
    values += [getattr(cfg, name) for name in PARAMS[len(values) :]]
    return [float(v) for v in values]


def halves(qubits):
    """(at the source, at the destination): q logical qubits split as ceil(q / 2) and
    floor(q / 2). Integer arithmetic on ints or arrays, so kernels compile it."""
    return (qubits + 1) // 2, qubits // 2
