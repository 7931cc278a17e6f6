"""Deadline-aware scheduling of circuit-cut quantum jobs over heterogeneous QPUs (seed 001).

:mod:`.instance` draws instances (jobs from the cut-plan library, Poisson arrivals, deadlines);
:mod:`.schedule` holds schedules and the independent feasibility checker; :mod:`.decoder` places
decisions on QPU timelines; :mod:`.schedulers` holds the QB-scheduler (simulated annealing), its
three ablations and the greedy EDF, list and random baselines. Pure numpy: no qiskit at run time.
"""

from .instance import (
    DEADLINE_PRESETS,
    Instance,
    QBackboneConfig,
    build_instance,
    draw_jobs,
    make_instance,
)
from .schedule import Fragment, InfeasibleSchedule, Schedule, check_schedule
from .schedulers import SCHEDULERS, run_scheduler

__all__ = [
    "DEADLINE_PRESETS",
    "SCHEDULERS",
    "Fragment",
    "InfeasibleSchedule",
    "Instance",
    "QBackboneConfig",
    "Schedule",
    "build_instance",
    "check_schedule",
    "draw_jobs",
    "make_instance",
    "run_scheduler",
]
