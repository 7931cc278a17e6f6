"""The Quantum Invocation Policy's model: configuration, hardware state, the job at the head of
the buffer, and the outcome of each decision (seed 001, Q-Backbone, Sec. II-C).

``qnet/QuantumInvocation-v0`` is a thin front over :class:`InvocationModel` (spaces,
observation, mask, info, rendering); the outcome distributions and the reward are
:mod:`qnet_envs.core.invocation`'s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..config import PHYSICAL_FLOOR, check_interval, check_range
from . import invocation as inv
from .qpu_pool import QPUPool, QPUPoolConfig

CLASSICAL, QUANTUM = 0, 1


@dataclass(frozen=True)
class InvocationConfig:
    """Defaults (seed 001 gives none; each is an assumption stated here):

    * ``qpus``: the Q-Backbone pool (six IBM snapshots); a job runs on the available QPU with the
      lowest current two-qubit error.
    * ``deadline_s`` [(0.5, 30)]: log-uniform remaining control-loop deadline (seed 001, Sec. II:
      backbone loops re-optimise on seconds-to-minutes timescales).
    * ``reliability_target`` [(0.9, 1.0)]: required solution quality (ratio to optimum).
    * ``energy_budget_j`` [(50, 2000)]: log-uniform energy budget per job.
    * ``max_shots`` [4000] (the Sampler default), ``compile_s`` [0.2] (a pre-compiled template
      from the solver registry, seed 001 Sec. II-B, only rebinding angles), ``job_service_s``
      [1.0] (QPU time per job ahead in the queue), ``queue_arrivals`` [1.0] and
      ``queue_departure`` [0.5]: the queue evolves per job as Binomial thinning plus Poisson
      arrivals (mean 2).
    * ``outage`` [0.02] and ``repair`` [0.2]: per-job probabilities that a QPU goes down / back up.
    * ``calibration_period_h`` [24] (IBM devices recalibrate daily), ``drift_per_hour`` [0.02]:
      e2(age) = e2 x (1 + drift x age); ``hours_per_job`` [0.25].
    * ``classical_slowdown`` [20000]: the calibrated SA time per sweep on an n <= 12 proxy
      (30-70 us here) is multiplied by this to stand for the production-size reduced problem on a
      shared control-plane core, about 1 s per sweep, so deadlines allow 0 to 30 sweeps. With a
      slowdown of 1 the classical path always has time to converge and always wins: at these
      sizes annealing reaches the optimum in microseconds, an honest limit of the calibration.
    * ``qpu_power_w`` [250] (QPU power attributed per job, as in the offloading model),
      ``cpu_power_w`` [15] (one server core).
    * Reward: quality if the deadline is met, ``-miss_penalty`` [1.0] otherwise,
      ``-reliability_penalty`` [0.5] if quality is below target, ``-energy_weight`` [0.2] x
      energy / budget; ``invalid_action_penalty`` [0.1].
    """

    qpus: QPUPoolConfig = field(default_factory=QPUPoolConfig)
    deadline_s: tuple = (0.5, 30.0)
    reliability_target: tuple = (0.9, 1.0)
    energy_budget_j: tuple = (50.0, 2000.0)
    max_shots: int = 4000
    compile_s: float = 0.2
    job_service_s: float = 1.0
    queue_arrivals: float = 1.0
    queue_departure: float = 0.5
    outage: float = 0.02
    repair: float = 0.2
    calibration_period_h: float = 24.0
    drift_per_hour: float = 0.02
    hours_per_job: float = 0.25
    classical_slowdown: float = 20000.0
    qpu_power_w: float = 250.0
    cpu_power_w: float = 15.0
    miss_penalty: float = 1.0
    reliability_penalty: float = 0.5
    energy_weight: float = 0.2
    invalid_action_penalty: float = 0.1
    horizon: int = 200

    def validate(self) -> None:
        self.qpus.validate()
        check_interval("deadline_s", self.deadline_s, 0.0, 1e6, low_open=True)
        check_interval("reliability_target", self.reliability_target, 0.0, 1.0)
        # a physical floor, not 0: a denormal budget made the energy term of the reward infinite
        check_interval("energy_budget_j", self.energy_budget_j, PHYSICAL_FLOOR, 1e9)
        check_range("max_shots", self.max_shots, 1, 10**8, integer=True)
        for name in ("compile_s", "job_service_s", "queue_arrivals", "hours_per_job"):
            check_range(name, getattr(self, name), 0.0, 1e6)
        for name in ("queue_departure", "outage", "repair"):
            check_range(name, getattr(self, name), 0.0, 1.0)
        check_range("calibration_period_h", self.calibration_period_h, 0.0, 1e4, low_open=True)
        check_range("drift_per_hour", self.drift_per_hour, 0.0, 10.0)
        check_range("classical_slowdown", self.classical_slowdown, 0.0, 1e9, low_open=True)
        for name in ("qpu_power_w", "cpu_power_w", "miss_penalty", "reliability_penalty"):
            check_range(name, getattr(self, name), 0.0, 1e6)
        check_range("energy_weight", self.energy_weight, 0.0, 100.0)
        check_range("invalid_action_penalty", self.invalid_action_penalty, 0.0, 100.0)
        check_range("horizon", self.horizon, 1, 10**7, integer=True)


class InvocationModel:
    """State: QPU availability, calibration ages and the shared queue, the current job (its
    QUBO row, deadline, energy budget, quality target, the runtime's quantum plan and the
    sweeps the classical fallback can afford), episode statistics. All randomness comes from
    the generator given to :meth:`reset`."""

    def __init__(self, config: InvocationConfig):
        self.config = config
        self.pool = QPUPool(config.qpus)
        self.table = inv.calibration()["instances"]
        self.job = None
        self._shot_times: dict[int, list[float]] = {}  # seconds per shot on each QPU, by depth
        # deadlines and energy budgets are log-uniform: the ranges' logs, taken once
        self._log_ranges = tuple(
            (math.log(lo), math.log(hi)) for lo, hi in (config.deadline_s, config.energy_budget_j)
        )

    def reset(self, rng: np.random.Generator) -> None:
        cfg = self.config
        self.rng = rng
        self.up = np.ones(self.pool.n, bool)
        self.age_h = rng.uniform(0, cfg.calibration_period_h, self.pool.n)
        self.queue = int(round(cfg.queue_arrivals / max(cfg.queue_departure, 1e-9)))
        self.steps = 0
        self.stats = {"quantum": 0, "quality": 0.0, "missed": 0, "jobs": 0}
        self.new_job()

    # -- the job at the head of the buffer -------------------------------------------------------
    def new_job(self) -> None:
        cfg, rng = self.config, self.rng
        row = self.table[int(rng.integers(len(self.table)))]
        log_deadlines, log_budgets = self._log_ranges
        deadline = float(math.exp(rng.uniform(*log_deadlines)))
        budget = float(math.exp(rng.uniform(*log_budgets)))
        target = float(rng.uniform(*cfg.reliability_target))
        e2 = self.pool.two_qubit_error * (1.0 + cfg.drift_per_hour * self.age_h)
        e2 = np.where(self.up, e2, np.inf)
        q = int(np.argmin(e2))
        any_up = bool(self.up.any())
        self.job = {"row": row, "deadline": deadline, "budget": budget, "target": target}
        self.job["qpu"] = q if any_up else None
        self.job["e2"] = float(e2[q])
        wait = self.queue * cfg.job_service_s + cfg.compile_s
        self.job["wait"] = wait
        self.job["plan"] = self.quantum_plan(row, q, deadline - wait) if any_up else None
        self.job["sweeps"] = inv.annealing_budget(row, deadline, cfg.classical_slowdown)
        self.mask = np.array([True, self.job["plan"] is not None], dtype=bool)
        if not self.mask[QUANTUM] and self.job["sweeps"] is None:
            self.mask[CLASSICAL] = True

    def quantum_plan(self, row, q: int, time_left: float):
        """The runtime's choice of p and shots: the best expected best-of-S that fits."""
        best = None
        for p, data in row["qaoa"].items():
            times = self._shot_times.get(data["depth"])
            if times is None:  # a few depths per table: each QPU's shot time computed once
                times = self._shot_times[data["depth"]] = self.pool.shot_time(
                    data["depth"]
                ).tolist()
            tau = times[q]
            shots = min(self.config.max_shots, int(time_left // tau)) if time_left > 0 else 0
            if shots < 1:
                continue
            dist = inv.quantum_distribution(row, p, self.job["e2"])
            value = inv.expected_best(row["support_arr"], dist, shots)
            if best is None or value > best[0]:
                best = (value, p, shots, tau)
        return best

    # -- one decision --------------------------------------------------------------------------
    def decide(self, a: int) -> tuple[float, bool, dict]:
        """Send the current job down path ``a``; returns (reward, invalid, outcome) and moves on
        to the next job. A masked-out path is a penalised no-op that misses the job."""
        cfg, job, rng = self.config, self.job, self.rng
        row = job["row"]
        invalid = not self.mask[a]
        outcome = {"path": int(a == QUANTUM), "shots": 0, "sweeps": 0}
        if invalid:
            quality, met, energy, t = 0.0, False, 0.0, 0.0
        elif a == QUANTUM:
            _, p, shots, tau = job["plan"]
            dist = inv.quantum_distribution(row, p, job["e2"])
            quality = inv.sample_best(row["support_arr"], dist, shots, rng)
            run = shots * tau
            t, energy, met = job["wait"] + run, cfg.qpu_power_w * run, True
            outcome["shots"] = shots
        else:
            s = job["sweeps"]
            if s is None:  # not even one sweep fits: the fallback misses the deadline
                quality, met, energy, t = 0.0, False, 0.0, job["deadline"]
            else:
                a_row = row["annealing"][s]
                quality = inv.sample_best(row["support_arr"], a_row["p_arr"], 1, rng)
                t = int(s) * a_row["time_per_sweep_s"] * cfg.classical_slowdown
                energy, met = cfg.cpu_power_w * t, True
                outcome["sweeps"] = int(s)
        reward = inv.outcome_reward(cfg, job, quality, met, energy)
        if invalid:
            reward -= cfg.invalid_action_penalty
        st = self.stats
        st["jobs"] += 1
        st["quantum"] += a == QUANTUM and not invalid
        st["quality"] += quality if met else 0.0
        st["missed"] += not met
        outcome.update(met_deadline=met, quality=quality, energy_j=energy, time_s=t)
        self.evolve()
        self.new_job()
        self.steps += 1
        return reward, invalid, outcome

    def evolve(self) -> None:
        """Hardware state between jobs: outages and repairs, queue, calibration ages."""
        cfg, rng = self.config, self.rng
        flip = rng.random(self.pool.n)
        self.up = np.where(self.up, flip >= cfg.outage, flip < cfg.repair)
        self.queue = int(rng.binomial(self.queue, 1.0 - cfg.queue_departure)) + int(
            rng.poisson(cfg.queue_arrivals)
        )
        self.age_h = (self.age_h + cfg.hours_per_job) % cfg.calibration_period_h

    def expected_reward(self, path: int) -> float:
        """E[reward] of sending the current job down ``path`` (see :func:`inv.expected_reward`)."""
        return inv.expected_reward(self.config, self.job, path == QUANTUM)

    def check_invariants(self) -> None:
        """Every job decided once and counted once; hardware state valid (a queue is a count,
        availability a boolean per QPU)."""
        st = self.stats
        assert st["jobs"] == self.steps, (st, self.steps)
        assert 0 <= st["quantum"] <= st["jobs"] and 0 <= st["missed"] <= st["jobs"], st
        assert 0.0 <= st["quality"] <= st["jobs"] + 1e-9, st
        assert self.queue >= 0 and self.up.dtype == bool and self.up.shape == (self.pool.n,)
