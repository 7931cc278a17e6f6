"""Uncertain fidelities: the distribution a freshly generated pair's fidelity is drawn from.

Seed 002 (Xu et al., "Generative AI-enabled quantum computing networks", Sec. II-C and III)
allocates resources "under uncertain fidelities of qubits and entangled pairs": the controller
knows the distribution (its ``nominal`` value) but not the realised draw.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..config import check_choice, check_range

KINDS = ("normal", "uniform", "fixed")


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

    def sample(self, rng):
        if self.kind == "fixed" or self.spread == 0.0:
            return self.mean
        if self.kind == "uniform":
            return rng.uniform(self.mean - self.spread, self.mean + self.spread)
        return min(1.0, max(self.low, rng.normal(self.mean, self.spread)))
