"""Uncertain fidelities: the distribution a freshly generated pair's fidelity is drawn from.

Seed 002 (Xu et al., "Generative AI-enabled quantum computing networks", Sec. II-C and III)
allocates resources "under uncertain fidelities of qubits and entangled pairs": the controller
knows the distribution (its ``nominal`` value) but not the realised draw.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..config import check_choice, check_range
from .uniforms import normal

KINDS = ("normal", "uniform", "fixed")
NORMAL, UNIFORM, FIXED = range(3)  # the kinds' codes, in the order of KINDS


def fidelity_from_uniforms(kind, mean, spread, low, u1, u2):
    """A fresh pair's fidelity from two independent U[0, 1) draws, for the distribution of
    code ``kind`` (:data:`NORMAL`, :data:`UNIFORM`, :data:`FIXED`): every draw costs exactly
    two uniforms whatever the kind, so batched envs reproduce scalar envs. The normal uses the
    Box-Muller transform (:func:`qnet_envs.core.uniforms.normal`) clipped to [low, 1].
    Plain ufunc arithmetic on float arrays or scalars, so step kernels compile it too."""
    if kind == FIXED or spread == 0.0:
        return mean + 0.0 * u1
    if kind == UNIFORM:
        return mean - spread + 2.0 * spread * u1
    return np.minimum(np.maximum(mean + spread * normal(u1, u2), low), 1.0)


@dataclass(frozen=True)
class FidelityDistribution:
    """``normal``: N(mean, spread^2) clipped to [low, 1]; ``uniform``: U(mean - spread,
    mean + spread); ``fixed``: always ``mean``. ``low`` = 0.25 is the fully mixed state."""

    kind: str = "normal"
    mean: float = 0.92
    spread: float = 0.02
    low: float = 0.25

    def validate(self, field: str = "initial_fidelity") -> None:
        check_choice(f"{field}.kind", self.kind, KINDS)
        check_range(f"{field}.low", self.low, 0.0, 1.0)
        check_range(f"{field}.mean", self.mean, self.low, 1.0)
        check_range(f"{field}.spread", self.spread, 0.0, 0.5)
        if self.kind == "uniform":
            check_range(f"{field}.mean - spread", self.mean - self.spread, self.low, 1.0)
            check_range(f"{field}.mean + spread", self.mean + self.spread, self.low, 1.0)

    @property
    def nominal(self) -> float:
        """The value a controller that knows only the distribution believes: its mean."""
        return self.mean

    @property
    def code(self) -> int:
        """The kind's code for :func:`fidelity_from_uniforms`."""
        return KINDS.index(self.kind)

    def from_uniforms(self, u1, u2):
        """Fidelities from two independent U[0, 1) draws (:func:`fidelity_from_uniforms`)."""
        u1, u2 = np.asarray(u1, dtype=float), np.asarray(u2, dtype=float)
        return fidelity_from_uniforms(self.code, self.mean, self.spread, self.low, u1, u2)

    def sample(self, rng):
        u1, u2 = rng.random(2)
        return float(self.from_uniforms(u1, u2))
