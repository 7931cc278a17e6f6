"""qnet-envs: reinforcement-learning environments for quantum computing networks.

Importing this package registers every ``qnet/...`` Gymnasium id (Gymnasium 1.x no longer loads
plugin entry points). PettingZoo envs are listed by :func:`parallel_env_ids` and built by
:func:`make_parallel`. Importing it never imports torch, pennylane, qiskit or ray.
"""

from __future__ import annotations

from .masks import component_masks
from .registration import ENVS, PARALLEL_ENVS, make_parallel, parallel_env_ids, register_envs
from .scores import gap_closed_score, normalized_score, reference_scores

__version__ = "0.1.0"
__all__ = [
    "ENVS",
    "component_masks",
    "PARALLEL_ENVS",
    "make_parallel",
    "gap_closed_score",
    "normalized_score",
    "parallel_env_ids",
    "reference_scores",
    "register_envs",
]

register_envs()
