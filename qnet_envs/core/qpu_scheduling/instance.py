"""Q-Backbone scheduling instances: circuit-cut jobs arriving at a heterogeneous QPU pool.

Seed 001 (Q-Backbone, Sec. IV): jobs arrive at the Layer-3 request buffer with deadlines
inherited from control loops; Layer 2 has cut each job's circuit into subcircuits with a
precedence DAG; the scheduler decides admission, eligibility, shot split and start times.

Model choices (the seed gives no parameters; seed 003 asks for them to be explicit):

* Jobs draw a circuit uniformly from the catalogue of cut plans for ``cut_target`` qubits
  (:func:`qnet_envs.workloads.library.catalogue`), keeping only plans every subcircuit of which
  some QPU of the pool can run.
* Arrivals are Poisson at load rho: rate = rho x (number of QPUs) / E[W], where W is a job's work,
  the sum over its subcircuits of (setup + shots x mean time per shot over the pool), averaged
  over the catalogue. rho = 1 offers as much work as the pool can do with perfect packing.
* Deadline = arrival + c x ideal completion time, where the ideal time is the job's critical
  path alone on an empty pool with every subcircuit unsplit on its fastest eligible QPU (LOCC
  compile; latencies, milliseconds against seconds of shots, are left out). c comes from a
  preset: strict (1.0), less generous (2.0), generous (4.0), or "mixed" (each job draws one of
  the three uniformly: the default, as in the seed's "default mixed-deadline setup").
* Ablation "w/o LOCC awareness": the same jobs (circuits, arrivals, deadlines) compiled with the
  dependency-free wire cut (``cut_model="peng"``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from ...config import PHYSICAL_FLOOR, check_choice, check_range, merge_config
from ...workloads.cutting import CUT_MODELS, compile_plan
from ...workloads.library import FAMILIES, catalogue, targets
from ..qpu_pool import QPUPool, QPUPoolConfig

DEADLINE_PRESETS = {"strict": 1.0, "less_generous": 2.0, "generous": 4.0}


@dataclass(frozen=True)
class QBackboneConfig:
    """Defaults: 10 jobs, 6 QPUs (7-27 qubits), cut for 12-qubit QPUs, 4,000 base shots (the
    qiskit-ibm-runtime Sampler's default shot count), plans needing at most 250 x base shots per
    subcircuit, load 0.8, mixed deadlines, LOCC wire cuts, at most 16 Peng variants."""

    qpus: QPUPoolConfig = field(default_factory=QPUPoolConfig)
    n_jobs: int = 10
    load: float = 0.8
    deadline: object = "mixed"  # a preset name, "mixed", or a coefficient c > 0
    cut_target: int = 12
    base_shots: int = 4000
    max_overhead: float = 250.0
    families: tuple = FAMILIES
    cut_model: str = "locc"
    variant_cap: int = 16

    def validate(self, prefix: str = "") -> None:
        """``prefix``: this config's path when it is nested (``instance.`` in QPUScheduling)."""
        self.qpus.validate(prefix=f"{prefix}qpus.")
        check_range(f"{prefix}n_jobs", self.n_jobs, 1, 10_000, integer=True)
        check_range(f"{prefix}load", self.load, PHYSICAL_FLOOR, 100.0)
        if isinstance(self.deadline, str):
            check_choice(f"{prefix}deadline", self.deadline, [*DEADLINE_PRESETS, "mixed"])
        else:
            check_range(f"{prefix}deadline", self.deadline, 0.0, 1000.0, low_open=True)
        check_choice(f"{prefix}cut_target", self.cut_target, targets())
        check_range(f"{prefix}base_shots", self.base_shots, 1, 10**7, integer=True)
        check_range(f"{prefix}max_overhead", self.max_overhead, 1.0, 1e12)
        for f in self.families:
            check_choice(f"{prefix}families", f, FAMILIES)
        if not self.families:
            raise ValueError(
                f"{prefix}families=() must name at least one of " + str(list(FAMILIES))
            )
        check_choice(f"{prefix}cut_model", self.cut_model, CUT_MODELS)
        check_range(f"{prefix}variant_cap", self.variant_cap, 1, 4096, integer=True)
        self._check_some_plan_fits(prefix)

    def _check_some_plan_fits(self, prefix: str) -> None:
        """A cross-field check: some cut plan of the families must fit the pool. Its error
        names every field that decides it, with this config's path."""
        try:
            usable_plans(self, pool_for(self.qpus))
        except ValueError as exc:
            fields = ", ".join(
                f"{prefix}{name}={value!r}"
                for name, value in (
                    ("max_overhead", self.max_overhead),
                    ("qpus.min_fidelity", self.qpus.min_fidelity),
                    ("qpus.devices", self.qpus.devices),
                    ("families", self.families),
                    ("cut_target", self.cut_target),
                )
            )
            raise ValueError(f"{fields}: {exc}") from None


@dataclass
class Instance:
    """Flat arrays over all subcircuits of all jobs (index s) and over jobs (index j)."""

    pool: QPUPool
    model: str
    arrival: np.ndarray  # (J,)
    deadline: np.ndarray  # (J,)
    ideal: np.ndarray  # (J,) ideal completion time under the LOCC compile
    circuit: list[str]
    job_subs: list[range]  # subcircuits of each job, topologically ordered
    sub_job: np.ndarray  # (S,)
    qubits: np.ndarray  # (S,)
    depth: np.ndarray  # (S,)
    shots: np.ndarray  # (S,)
    preds: list[tuple[int, ...]]  # global subcircuit ids
    eligible: np.ndarray  # (S, Q) bool
    tau: np.ndarray  # (S, Q) seconds per shot

    @property
    def n_jobs(self) -> int:
        return len(self.arrival)

    @property
    def n_subs(self) -> int:
        return len(self.sub_job)

    def duration(self, s: int, q: int, shots: int) -> float:
        return float(self.pool.setup[q] + shots * self.tau[s, q])


@dataclass(frozen=True)
class JobDraw:
    plan: object
    arrival: float
    coefficient: float


def usable_plans(config: QBackboneConfig, pool: QPUPool) -> list:
    """Catalogue plans whose every subcircuit fits some QPU of the pool."""
    out = []
    cat = catalogue(config.cut_target, config.base_shots, config.max_overhead, config.families)
    for plan in cat:
        if all(pool.eligible(p["qubits"], p["depth"]).any() for p in plan.partitions):
            out.append(plan)
    if not out:
        raise ValueError(
            f"no circuit of families={config.families} cut for cut_target={config.cut_target} "
            f"fits the QPU pool {config.qpus.devices}; enlarge the pool, raise max_overhead or "
            "lower qpus.min_fidelity"
        )
    return out


def job_work(plan, config: QBackboneConfig, pool: QPUPool) -> float:
    job = compile_plan(plan, "locc", config.base_shots)
    return sum(
        config.qpus.setup_s + s.shots * float(pool.shot_time(s.depth).mean())
        for s in job.subcircuits
    )


def pool_for(qpus: QPUPoolConfig) -> QPUPool:
    """The (read-only) pool of a config, built once per config: envs draw an instance every
    reset. Configs holding lists (unhashable) are built afresh."""
    try:
        return _cached_pool(qpus)
    except TypeError:
        return QPUPool(qpus)


def workload(config: QBackboneConfig) -> tuple[tuple, float]:
    """The usable plans and their mean work (seconds of QPU time per job), once per config."""
    try:
        return _cached_workload(config)
    except TypeError:
        return _workload(config)


def _workload(config: QBackboneConfig) -> tuple[tuple, float]:
    pool = pool_for(config.qpus)
    plans = tuple(usable_plans(config, pool))
    return plans, float(np.mean([job_work(p, config, pool) for p in plans]))


_cached_pool = lru_cache(maxsize=16)(QPUPool)
_cached_workload = lru_cache(maxsize=16)(_workload)


def draw_jobs(config: QBackboneConfig, rng: np.random.Generator) -> list[JobDraw]:
    """The random part of an instance: circuits, Poisson arrivals and deadline coefficients."""
    plans, mean_work = workload(config)
    rate = config.load * len(config.qpus.devices) / mean_work
    arrivals = np.cumsum(rng.exponential(1.0 / rate, size=config.n_jobs))
    arrivals -= arrivals[0]  # the first job opens the window at t = 0
    picks = rng.integers(len(plans), size=config.n_jobs)
    if config.deadline == "mixed":
        coefs = rng.choice(list(DEADLINE_PRESETS.values()), size=config.n_jobs)
    else:
        c = DEADLINE_PRESETS.get(config.deadline, config.deadline)
        coefs = np.full(config.n_jobs, float(c))
    return [
        JobDraw(plans[i], float(a), float(c))
        for i, a, c in zip(picks, arrivals, coefs, strict=False)
    ]


def build_instance(config: QBackboneConfig, draws: list[JobDraw], model: str | None = None):
    """Compile the drawn jobs under ``model`` (default: ``config.cut_model``). Deadlines always
    come from the LOCC compile, so ablations face the same deadlines."""
    model = model or config.cut_model
    pool = pool_for(config.qpus)
    arrival, deadline, ideal, names, job_subs = [], [], [], [], []
    sub_job, qubits, depth, shots, preds = [], [], [], [], []
    for j, d in enumerate(draws):
        reference = compile_plan(d.plan, "locc", config.base_shots, config.variant_cap)
        t_ideal = _ideal_time(reference, pool)
        job = (
            reference
            if model == "locc"
            else compile_plan(d.plan, model, config.base_shots, config.variant_cap)
        )
        first = len(sub_job)
        for s in job.subcircuits:
            sub_job.append(j)
            qubits.append(s.qubits)
            depth.append(s.depth)
            shots.append(s.shots)
            preds.append(tuple(first + p for p in s.preds))
        job_subs.append(range(first, len(sub_job)))
        arrival.append(d.arrival)
        ideal.append(t_ideal)
        deadline.append(d.arrival + d.coefficient * t_ideal)
        names.append(d.plan.circuit)
    depth_arr = np.array(depth, dtype=np.int64)
    return Instance(
        pool=pool,
        model=model,
        arrival=np.array(arrival),
        deadline=np.array(deadline),
        ideal=np.array(ideal),
        circuit=names,
        job_subs=job_subs,
        sub_job=np.array(sub_job, dtype=np.int64),
        qubits=np.array(qubits, dtype=np.int64),
        depth=depth_arr,
        shots=np.array(shots, dtype=np.int64),
        preds=preds,
        eligible=np.array([pool.eligible(q, d) for q, d in zip(qubits, depth, strict=False)]),
        tau=np.array([pool.shot_time(d) for d in depth_arr]),
    )


def _ideal_time(job, pool: QPUPool) -> float:
    finish = []
    for s in job.subcircuits:
        ok = pool.eligible(s.qubits, s.depth)
        run = float(np.min((pool.setup + s.shots * pool.shot_time(s.depth))[ok]))
        start = max((finish[p] for p in s.preds), default=0.0)
        finish.append(start + run)
    return max(finish)


def make_instance(config: QBackboneConfig | dict | None = None, seed: int | None = None):
    """Draw and compile one instance; ``config`` may be a dict of overrides."""
    if not isinstance(config, QBackboneConfig):
        config = merge_config(QBackboneConfig(), config)
    draws = draw_jobs(config, np.random.default_rng(seed))
    return build_instance(config, draws)
