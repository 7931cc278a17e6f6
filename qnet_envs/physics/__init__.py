"""Quantum-network physics as vectorised numpy functions; every docstring cites its source.

Layers above (core simulations, env fronts) call these and never re-derive a formula.
"""

from .bell import PHI_MINUS, PHI_PLUS, PSI_MINUS, PSI_PLUS, depolarize, klein_convolve, werner
from .channels import (
    FIBER_REFRACTIVE_INDEX,
    FIBRE_S_PER_KM,
    SPEED_OF_LIGHT_KM_PER_S,
    fiber_transmittance,
    heralded_attempt_time,
    heralded_success_probability,
)
from .circuits import qae_qubits
from .codes import majority_failure, repetition_code_logical_error
from .entanglement import (
    bbpssw,
    bbpssw_werner,
    dejmps,
    measurement_error_paulis,
    noisy_bilateral_cnot,
    swap_bell_diagonal,
    swap_fidelity,
)
from .memory import (
    decay_factor,
    decohere,
    decohere_pair,
    dephase,
    dephase_bell,
    depolarized_fidelity,
    memory_pair_decay,
)
from .qkd import (
    DECOY_TERMS,
    GYS_REPETITION_RATE_HZ,
    bb84_key_rate,
    binary_entropy,
    decoy_bb84_key_rate,
    decoy_bb84_rate_at,
    decoy_bb84_rate_from_terms,
    decoy_bb84_terms,
    entanglement_key_fraction,
    qber_from_fidelity,
)
from .wireless import MIN_DISTANCE_KM, macro_path_gain, shannon_rate

__all__ = [
    "DECOY_TERMS",
    "bbpssw_werner",
    "decoy_bb84_rate_at",
    "depolarized_fidelity",
    "majority_failure",
    "FIBER_REFRACTIVE_INDEX",
    "GYS_REPETITION_RATE_HZ",
    "PHI_MINUS",
    "PHI_PLUS",
    "PSI_MINUS",
    "PSI_PLUS",
    "FIBRE_S_PER_KM",
    "MIN_DISTANCE_KM",
    "macro_path_gain",
    "shannon_rate",
    "SPEED_OF_LIGHT_KM_PER_S",
    "bb84_key_rate",
    "bbpssw",
    "binary_entropy",
    "decay_factor",
    "decohere",
    "decohere_pair",
    "decoy_bb84_key_rate",
    "decoy_bb84_rate_from_terms",
    "decoy_bb84_terms",
    "dejmps",
    "dephase",
    "dephase_bell",
    "entanglement_key_fraction",
    "depolarize",
    "fiber_transmittance",
    "heralded_attempt_time",
    "heralded_success_probability",
    "klein_convolve",
    "measurement_error_paulis",
    "memory_pair_decay",
    "noisy_bilateral_cnot",
    "qae_qubits",
    "qber_from_fidelity",
    "repetition_code_logical_error",
    "swap_bell_diagonal",
    "swap_fidelity",
    "werner",
]
