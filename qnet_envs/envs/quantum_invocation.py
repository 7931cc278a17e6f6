"""``qnet/QuantumInvocation-v0``: the Quantum Invocation Policy (QIP) of Q-Backbone."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from gymnasium import spaces

from ..config import check_interval, check_range
from ..core import invocation as inv
from ..core.qpu_pool import QPUPool, QPUPoolConfig
from ._actions import discrete_action
from .base import QnetEnv

CLASSICAL, QUANTUM = 0, 1
N_OBS = 11


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
        check_interval("energy_budget_j", self.energy_budget_j, 0.0, 1e9, low_open=True)
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


class QuantumInvocationEnv(QnetEnv):
    """
    ## Description

    Seed 001 (Q-Backbone), Sec. II-C: each arriving optimisation job (a max-cut QUBO from the
    calibration table of ``scripts/calibrate_qip.py``) is routed to a QPU (QAOA, best of the
    shots that fit the deadline) or to the classical fallback (simulated annealing with the
    sweeps that fit). Outcomes come from the recorded distributions
    (:mod:`qnet_envs.core.invocation`) under the current hardware state.

    ## Action Space

    ``Discrete(2)``: 0 classical fallback, 1 quantum path. ``info["action_mask"]`` masks the
    quantum path when no QPU is up or not one shot fits the deadline after queueing and
    compiling, and the classical path when not one sweep fits (if neither fits, classical stays
    valid and misses). A masked-out action drops the job: it costs ``miss_penalty`` plus
    ``invalid_action_penalty`` and sets ``info["invalid_action"]``. Out of space raises.

    ## Observation Space

    ``Box(0, 1, (11,), float32)``: problem (variables / 12, edge density, roughness), context
    (deadline d / (d + 10 s), reliability target, energy budget b / (b + 1000 J)), hardware
    (fraction of QPUs up, queue depth k / (k + 5), calibration age / period of the best QPU,
    feasible shots / max_shots, feasible sweeps / 64).

    ## Rewards

    Quality (ratio to optimum) if the deadline is met, else ``-miss_penalty``; minus
    ``reliability_penalty`` if quality is below the target; minus ``energy_weight`` x energy /
    budget.

    ## Starting State

    All QPUs up, calibration ages uniform over the period, queue depth at its mean.

    ## Episode End

    Truncated after ``horizon`` jobs; never terminates.

    ## Info

    ``action_mask``, ``invalid_action``, ``path`` (1 quantum, 0 classical, -1 before the first
    decision), ``met_deadline``, ``quality``, ``energy_j``, ``time_s``, ``shots``, ``sweeps``,
    ``quantum_fraction``, ``mean_quality``, ``miss_rate``. Every value is a number or a bool (no
    None, no strings), so batched wrappers (TorchRL, Gymnasium's vector envs) can stack them.

    ## Arguments

    :class:`InvocationConfig`.

    ## Version History

    * v0: initial release.
    """

    metadata = {"render_modes": ["ansi", "rgb_array"], "render_fps": 4}
    metric_keys = ("mean_quality", "miss_rate", "quantum_fraction")

    @classmethod
    def default_config(cls) -> InvocationConfig:
        return InvocationConfig()

    def _configure(self, config: InvocationConfig) -> None:
        self.config = config
        self.pool = QPUPool(config.qpus)
        self.table = inv.calibration()["instances"]
        self.action_space = spaces.Discrete(2)
        self.observation_space = spaces.Box(0.0, 1.0, shape=(N_OBS,), dtype=np.float32)
        self._job = None

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        self._begin_reset(seed, options)
        cfg, rng = self.config, self.np_random
        self.up = np.ones(self.pool.n, bool)
        self.age_h = rng.uniform(0, cfg.calibration_period_h, self.pool.n)
        self.queue = int(round(cfg.queue_arrivals / max(cfg.queue_departure, 1e-9)))
        self._steps = 0
        self._stats = {"quantum": 0, "quality": 0.0, "missed": 0, "jobs": 0}
        self._new_job()
        return self._observation(), self._info(False, None)

    # -- the job at the head of the buffer -------------------------------------------------------
    def _new_job(self) -> None:
        cfg, rng = self.config, self.np_random
        row = self.table[int(rng.integers(len(self.table)))]
        lo, hi = cfg.deadline_s
        deadline = float(math.exp(rng.uniform(math.log(lo), math.log(hi))))
        elo, ehi = cfg.energy_budget_j
        budget = float(math.exp(rng.uniform(math.log(elo), math.log(ehi))))
        target = float(rng.uniform(*cfg.reliability_target))
        e2 = self.pool.two_qubit_error * (1.0 + cfg.drift_per_hour * self.age_h)
        e2 = np.where(self.up, e2, np.inf)
        q = int(np.argmin(e2))
        self._job = {"row": row, "deadline": deadline, "budget": budget, "target": target}
        self._job["qpu"] = q if self.up.any() else None
        self._job["e2"] = float(e2[q])
        wait = self.queue * cfg.job_service_s + cfg.compile_s
        self._job["wait"] = wait
        self._job["plan"] = self._quantum_plan(row, q, deadline - wait) if self.up.any() else None
        self._job["sweeps"] = inv.annealing_budget(row, deadline, cfg.classical_slowdown)
        self.mask = np.array([True, self._job["plan"] is not None], dtype=bool)
        if not self.mask[QUANTUM] and self._job["sweeps"] is None:
            self.mask[CLASSICAL] = True

    def _quantum_plan(self, row, q: int, time_left: float):
        """The runtime's choice of p and shots: the best expected best-of-S that fits."""
        best = None
        for p, data in row["qaoa"].items():
            tau = float(self.pool.shot_time(data["depth"])[q])
            shots = min(self.config.max_shots, int(time_left // tau)) if time_left > 0 else 0
            if shots < 1:
                continue
            dist = inv.quantum_distribution(row, p, self._job["e2"])
            value = inv.expected_best(row["support_arr"], dist, shots)
            if best is None or value > best[0]:
                best = (value, p, shots, tau)
        return best

    def step(self, action):
        a = discrete_action(action, 2)
        if self._job is None:
            raise RuntimeError("call reset() before step()")
        cfg, job, rng = self.config, self._job, self.np_random
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
        st = self._stats
        st["jobs"] += 1
        st["quantum"] += a == QUANTUM and not invalid
        st["quality"] += quality if met else 0.0
        st["missed"] += not met
        outcome.update(met_deadline=met, quality=quality, energy_j=energy, time_s=t)
        self._evolve()
        self._new_job()
        self._steps += 1
        truncated = self._steps >= cfg.horizon
        return self._observation(), float(reward), False, truncated, self._info(invalid, outcome)

    def expected_reward(self, path: int) -> float:
        """The expected reward of sending the current job down ``path`` (QUANTUM or
        CLASSICAL), from the model's own outcome distributions (what the expected-reward
        baseline compares; the env keeps the job's hidden draws to itself)."""
        if self._job is None:
            raise RuntimeError("call reset() before expected_reward()")
        return inv.expected_reward(self.config, self._job, path == QUANTUM)

    def check_invariants(self) -> None:
        """Every job decided once and counted once; hardware state valid (a queue is a count,
        availability a boolean per QPU)."""
        st = self._stats
        assert st["jobs"] == self._steps, (st, self._steps)
        assert 0 <= st["quantum"] <= st["jobs"] and 0 <= st["missed"] <= st["jobs"], st
        assert 0.0 <= st["quality"] <= st["jobs"] + 1e-9, st
        assert self.queue >= 0 and self.up.dtype == bool and self.up.shape == (self.pool.n,)

    def _evolve(self) -> None:
        """Hardware state between jobs: outages and repairs, queue, calibration ages."""
        cfg, rng = self.config, self.np_random
        flip = rng.random(self.pool.n)
        self.up = np.where(self.up, flip >= cfg.outage, flip < cfg.repair)
        self.queue = int(rng.binomial(self.queue, 1.0 - cfg.queue_departure)) + int(
            rng.poisson(cfg.queue_arrivals)
        )
        self.age_h = (self.age_h + cfg.hours_per_job) % cfg.calibration_period_h

    def _observation(self) -> np.ndarray:
        job, cfg = self._job, self.config
        row = job["row"]
        sweeps = 0 if job["sweeps"] is None else int(job["sweeps"])
        shots = 0 if job["plan"] is None else job["plan"][2]
        age = self.age_h[job["qpu"]] if job["qpu"] is not None else 0.0
        obs = [
            row["n"] / 12.0,
            row["density"],
            min(max(row["roughness"], 0.0), 1.0),
            job["deadline"] / (job["deadline"] + 10.0),
            job["target"],
            job["budget"] / (job["budget"] + 1000.0),
            float(self.up.mean()),
            self.queue / (self.queue + 5.0),
            age / cfg.calibration_period_h,
            shots / cfg.max_shots,
            sweeps / 64.0,
        ]
        return np.clip(np.array(obs, dtype=np.float32), 0.0, 1.0)

    def action_mask(self) -> np.ndarray:
        return self.mask.astype(np.int8)

    def _info(self, invalid: bool, outcome) -> dict:
        st = self._stats
        n = max(st["jobs"], 1)
        info = {
            "action_mask": self.action_mask(),
            "invalid_action": invalid,
            "quantum_fraction": st["quantum"] / n,
            "mean_quality": st["quality"] / n,
            "miss_rate": st["missed"] / n,
        }
        info.update(
            outcome
            or {"path": -1, "met_deadline": False, "quality": 0.0, "energy_j": 0.0, "time_s": 0.0}
        )
        info.setdefault("shots", 0)
        info.setdefault("sweeps", 0)
        return info

    def render(self):
        if self.render_mode == "rgb_array":
            return self._render_rgb()
        if self.render_mode != "ansi" or self._job is None:
            return None
        j = self._job
        return (
            f"job n={j['row']['n']} density={j['row']['density']} deadline={j['deadline']:.2f}s "
            f"target={j['target']:.3f} queue={self.queue} QPUs up={int(self.up.sum())} "
            f"shots={0 if j['plan'] is None else j['plan'][2]} sweeps={j['sweeps']}"
        )

    def _render_rgb(self) -> np.ndarray:
        """The hardware state the invocation policy sees (QPUs up, queue) and the current job
        (size, deadline, quality target), as labelled bars."""
        from ..rendering import cached_canvas, grow_limit

        blit, ax, bars = cached_canvas(self, None, self._build_canvas)
        j = self._job
        values = [0.0] * 5
        if j is not None:
            values = [float(self.up.sum()), float(self.queue), float(j["row"]["n"]),
                      float(j["deadline"]), 10 * float(j["target"])]  # fmt: skip
        limit = grow_limit(ax.get_xlim()[1], max(values))
        if limit != ax.get_xlim()[1]:
            ax.set_xlim(0, limit)
            blit.invalidate()
        for bar, value in zip(bars, values, strict=True):
            bar.set_width(value)
        return blit.frame()

    def _build_canvas(self):
        """Labels, legend and title drawn once; the bars' lengths change per frame."""
        from matplotlib.patches import Patch

        from ..rendering import BlitFigure, new_figure

        fig = new_figure(6.4, 3.0)
        ax = fig.add_subplot()
        labels = ["QPUs up", "queue", "job qubits n", "deadline (s)", "target x 10"]
        colours = ["tab:blue", "tab:blue", "tab:orange", "tab:orange", "tab:orange"]
        bars = ax.barh(labels, np.zeros(5), color=colours, zorder=2)
        ax.set_xlim(0, 16.0)
        ax.legend(handles=[Patch(color="tab:blue", label="hardware state"),
                           Patch(color="tab:orange", label="current job")],
                  fontsize=7, loc="lower right")  # fmt: skip
        ax.tick_params(labelsize=8)
        ax.set_title("Quantum Invocation Policy: quantum path or classical fallback", fontsize=9)
        fig.subplots_adjust(left=0.2, right=0.97, top=0.88, bottom=0.1)  # tight_layout: 2 draws
        return BlitFigure(fig, list(bars)), ax, list(bars)
