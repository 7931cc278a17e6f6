"""The config of ``qnet/QPUScheduling-v0``: the instance parameters and the env's own."""

from __future__ import annotations

from dataclasses import dataclass, field

from ...config import check_range
from .instance import QBackboneConfig


@dataclass(frozen=True)
class QPUSchedulingConfig:
    """The instance parameters (:class:`~qnet_envs.core.qpu_scheduling.instance.QBackboneConfig`, under
    ``instance``; 20 jobs per episode here) and the env's own: ``window`` job slots the agent
    sees [8], shot ``chunks`` as fractions of a subcircuit's shots [(0.25, 0.5, 1.0)],
    ``drop_penalty`` [0.5] and ``late_penalty`` [1.0] per job, ``invalid_action_penalty`` [0.1],
    ``max_decisions`` per episode before truncation [5000]."""

    instance: QBackboneConfig = field(default_factory=lambda: QBackboneConfig(n_jobs=20))
    window: int = 8
    chunks: tuple = (0.25, 0.5, 1.0)
    drop_penalty: float = 0.5
    late_penalty: float = 1.0
    invalid_action_penalty: float = 0.1
    max_decisions: int = 5000

    def validate(self) -> None:
        self.instance.validate(prefix="instance.")
        check_range("window", self.window, 1, 64, integer=True)
        if not isinstance(self.chunks, (list, tuple)):
            raise ValueError(f"chunks={self.chunks!r} must be a list of fractions in (0, 1]")
        if not self.chunks:
            raise ValueError("chunks=() must hold at least one fraction in (0, 1]")
        for i, c in enumerate(self.chunks):
            check_range(f"chunks[{i}]", c, 0.0, 1.0, low_open=True)
        check_range("drop_penalty", self.drop_penalty, 0.0, 100.0)
        check_range("late_penalty", self.late_penalty, 0.0, 100.0)
        check_range("invalid_action_penalty", self.invalid_action_penalty, 0.0, 100.0)
        check_range("max_decisions", self.max_decisions, 1, 10**8, integer=True)

    def outcome_reward(self, kind: str) -> float:
        """The reward of a job's ending: +1 served by its deadline, minus ``drop_penalty``
        dropped, minus ``late_penalty`` late (the env's and every reference's one scale)."""
        return {"served": 1.0, "dropped": -self.drop_penalty, "late": -self.late_penalty}[kind]
