"""Multi-domain computing-traffic scheduling with hierarchical federated learning: (Com)2Net.

Core of ``qnet/Com2Net-v0``. Seed 000 (Com)2Net, "Case Study": three data centres, two
intelligent computing centres and one supercomputer centre in different cities, each a pool of
CPU, GPU and FPGA units behind an access router, reach a factory server over WAN links whose
total bandwidth B is shared (the seed sweeps B up to 1 Gbit/s). Computing tasks arrive at
decision epochs; the controller schedules each (inter-domain: which centre and device type)
and allocates resources to it (intra-domain: how many units; the share of B).

Two task kinds, as in the seed's computing-service layer: *general* tasks cannot be split (one
unit, e.g. an FFT batch); *intelligent* tasks are hierarchical federated-learning (FL) jobs:
local training at ``fl_participants`` centres, aggregation at their access routers every epoch
and at the factory server every ``kappa`` epochs. Every task has a deadline; the task
completion ratio (TCR) counts tasks finished by their deadline.

FL accuracy surrogate (explicitly a model, not data): after e epochs,
acc(e) = a_max - (a_max - a_0) exp(-eta u(e)), where u accumulates the effective updates of
each epoch: the fraction of participants that report before the epoch timeout (stragglers draw
lognormal slowdowns) times 1 / (1 + gamma (kappa - 1)), the penalty of less frequent global
aggregation (the local-divergence term of FL convergence bounds, e.g. Wang et al., IEEE JSAC
37(6), 2019, Theorem 1, which grows with the aggregation interval). The seed's 90% accuracy
requirement is the default target; defaults of a_0, a_max, eta and gamma make a well-resourced
FL job reach it in a few hundred epochs, the scale of the seed's Fig. 6(a) (500 test epochs).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..config import PHYSICAL_FLOOR, check_choice, check_interval, check_range

DEVICE_TYPES = ("cpu", "gpu", "fpga")
GENERAL, FL = 0, 1


@dataclass(frozen=True)
class DeviceProfile:
    """Sustained training/inference throughput (TFLOP/s), board power (W) and usage price
    ($/h): CPU ~ a 2-socket Xeon 8380 node (~2.5 TFLOP/s FP32, 540 W), GPU ~ an A100 40 GB
    (19.5 TFLOP/s FP32, 400 W), FPGA ~ an Alveo U250 (~1.5 TFLOP/s effective, 225 W); prices
    are the order of public-cloud on-demand rates (c6i, p4d per GPU, f1)."""

    tflops: float
    power_w: float
    price_per_h: float

    def validate(self, prefix: str) -> None:
        # a physical floor, not 0: a denormal throughput made every training time infinite
        check_range(f"{prefix}.tflops", self.tflops, PHYSICAL_FLOOR, 1e6)
        check_range(f"{prefix}.power_w", self.power_w, 0.0, 1e6, low_open=True)
        check_range(f"{prefix}.price_per_h", self.price_per_h, 0.0, 1e4)


@dataclass(frozen=True)
class Com2NetDevices:
    """One profile per device type; ``{"devices": {"gpu": {"tflops": 30.0}}}`` overrides one
    number of one profile (merged field by field, unknown keys rejected)."""

    cpu: DeviceProfile = DeviceProfile(2.5, 540.0, 1.5)
    gpu: DeviceProfile = DeviceProfile(19.5, 400.0, 4.1)
    fpga: DeviceProfile = DeviceProfile(1.5, 225.0, 1.65)

    def validate(self) -> None:
        for d in DEVICE_TYPES:
            getattr(self, d).validate(f"devices.{d}")


SCENARIOS = {
    # (name, units of cpu/gpu/fpga, WAN one-way latency s, link availability per epoch)
    "multi-centre": [
        ("DC1", (16, 2, 2), 0.010, 1.0),
        ("DC2", (16, 2, 2), 0.015, 1.0),
        ("DC3", (16, 2, 2), 0.020, 1.0),
        ("IC1", (4, 8, 4), 0.012, 1.0),
        ("IC2", (4, 8, 4), 0.018, 1.0),
        ("SC", (32, 4, 0), 0.025, 1.0),
    ],
    # Satellites and UAVs: few units, long and intermittent links (visibility windows).
    "space-air-ground": [
        ("GS1", (16, 4, 2), 0.010, 1.0),
        ("GS2", (16, 4, 2), 0.015, 1.0),
        ("UAV1", (2, 1, 1), 0.005, 0.8),
        ("UAV2", (2, 1, 1), 0.005, 0.8),
        ("LEO1", (4, 1, 2), 0.030, 0.5),
        ("LEO2", (4, 1, 2), 0.030, 0.5),
    ],
    # End devices, edge servers, one cloud.
    "end-edge-cloud": [
        ("end1", (2, 0, 1), 0.002, 0.95),
        ("end2", (2, 0, 1), 0.002, 0.95),
        ("edge1", (8, 2, 2), 0.005, 1.0),
        ("edge2", (8, 2, 2), 0.005, 1.0),
        ("edge3", (8, 2, 2), 0.006, 1.0),
        ("cloud", (64, 16, 4), 0.040, 1.0),
    ],
}

UNIT_LEVELS = (1, 2, 4, 8)
BANDWIDTH_LEVELS = (0.05, 0.1, 0.2, 0.4)
BANDWIDTH_SLOTS = 20
"""B is shared as 20 slots of 5%: a share waits for enough free slots (a FIFO, like the units),
so capacity is never exceeded and a busy WAN delays tasks instead of refusing them."""
"""The compact action's four joint levels: level l takes UNIT_LEVELS[l] units (1 for general
tasks) and BANDWIDTH_LEVELS[l] of B."""


@dataclass(frozen=True)
class Com2NetConfig:
    scenario: str = "multi-centre"
    bandwidth_gbps: float = 1.0
    tasks_per_epoch: float = 3.0
    fl_fraction: float = 0.3
    fl_participants: int = 3
    kappa: int = 5
    epoch_s: float = 60.0
    general_tflop: tuple = (200.0, 2000.0)
    general_data_gbit: tuple = (0.5, 4.0)
    general_deadline_s: tuple = (120.0, 600.0)
    fl_model_mbit: float = 200.0
    fl_local_tflop: float = 50.0
    fl_deadline_s: tuple = (1800.0, 3600.0)
    fl_max_epochs: int = 500
    accuracy_target: float = 0.90
    accuracy_initial: float = 0.30
    accuracy_max: float = 0.97
    accuracy_eta: float = 0.02
    aggregation_gamma: float = 0.1
    straggler_sigma: float = 0.3
    straggler_timeout: float = 1.5
    lookahead: int = 57
    horizon: int = 50
    multi_task: bool = True
    action_mode: str = "compact"
    invalid_action_penalty: float = 0.1
    devices: Com2NetDevices = field(default_factory=Com2NetDevices)

    def validate(self) -> None:
        check_choice("scenario", self.scenario, tuple(SCENARIOS))
        check_range("bandwidth_gbps", self.bandwidth_gbps, PHYSICAL_FLOOR, 1e4)
        check_range("tasks_per_epoch", self.tasks_per_epoch, 0.0, 1e3)
        check_range("fl_fraction", self.fl_fraction, 0.0, 1.0)
        check_range(
            "fl_participants", self.fl_participants, 1, len(SCENARIOS[self.scenario]), integer=True
        )
        check_range("kappa", self.kappa, 1, 1000, integer=True)
        check_range("epoch_s", self.epoch_s, 0.0, 1e6, low_open=True)
        for name in ("general_tflop", "general_data_gbit", "general_deadline_s", "fl_deadline_s"):
            check_interval(name, getattr(self, name), 0.0, 1e12, low_open=True)
        check_range("fl_model_mbit", self.fl_model_mbit, 0.0, 1e9, low_open=True)
        # a physical floor, not 0: a denormal amount of work made the training time 0
        check_range("fl_local_tflop", self.fl_local_tflop, PHYSICAL_FLOOR, 1e9)
        check_range("fl_max_epochs", self.fl_max_epochs, 1, 100_000, integer=True)
        check_range("accuracy_initial", self.accuracy_initial, 0.0, 1.0)
        check_range("accuracy_max", self.accuracy_max, 0.0, 1.0)
        if self.accuracy_max < self.accuracy_initial:  # a cross-field check names both
            raise ValueError(
                f"accuracy_initial={self.accuracy_initial!r}, accuracy_max={self.accuracy_max!r}: "
                "the FL accuracy curve needs accuracy_initial <= accuracy_max"
            )
        check_range("accuracy_target", self.accuracy_target, 0.0, 1.0)
        check_range("accuracy_eta", self.accuracy_eta, 0.0, 10.0, low_open=True)
        check_range("aggregation_gamma", self.aggregation_gamma, 0.0, 10.0)
        check_range("straggler_sigma", self.straggler_sigma, 0.0, 5.0)
        check_range("straggler_timeout", self.straggler_timeout, 1.0, 100.0)
        check_range("lookahead", self.lookahead, 0, 1000, integer=True)
        check_range("horizon", self.horizon, 1, 100_000, integer=True)
        check_choice("action_mode", self.action_mode, ("compact", "joint"))
        check_range("invalid_action_penalty", self.invalid_action_penalty, 0.0, 100.0)
        self.devices.validate()


@dataclass
class Task:
    id: int
    kind: int
    arrival_s: float
    deadline_s: float
    tflop: float = 0.0  # general: total work
    data_gbit: float = 0.0  # general: input to move over the WAN
    draws: np.ndarray | None = None  # FL: straggler slowdowns (epochs x participants)
    # FL: rounds per (device type, units, participants), a function of the draws (see
    # ``Com2Net._fl_rounds``), kept so that the many plans of one decision compute each once
    rounds: dict = field(default_factory=dict, repr=False, compare=False)
    # FL: per epoch, the largest slowdown among the first k participants (column k - 1),
    # derived from the draws when the job is made
    slowest: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.draws is not None:
            self.slowest = np.maximum.accumulate(self.draws, axis=1)


class Com2Net:
    """Centre c, device type d: a pool of units with free-at times; B: 20 slots with free-at times."""

    def __init__(self, config: Com2NetConfig):
        self.config = config
        self.centres = SCENARIOS[config.scenario]
        self.n_centres = len(self.centres)
        self.latency = np.array([c[2] for c in self.centres])
        self.availability = np.array([c[3] for c in self.centres])
        self.units = np.array([c[1] for c in self.centres])  # (C, 3)
        self.profiles = [getattr(config.devices, d) for d in DEVICE_TYPES]
        self.tflops = np.array([p.tflops for p in self.profiles])
        self.bandwidth = config.bandwidth_gbps
        self.fl_rho = 1.0 / (1.0 + config.aggregation_gamma * (config.kappa - 1))
        self.by_latency = np.argsort(self.latency).tolist()  # FL joins the fastest others first
        self._latency = self.latency.tolist()  # the same doubles, for scalar lookups
        self._level_units = np.array(UNIT_LEVELS)  # units a task needs per compact level
        self._one_unit = np.ones(len(UNIT_LEVELS), dtype=np.int64)  # a general task needs one
        self._pool_layout()
        self._fl_timings: dict[tuple[int, int], tuple[float, float, float]] = {}
        self._fl_shares: dict[int, np.ndarray] = {}

    def _pool_layout(self) -> None:
        """The pools with units, centre-major (``pools``), and where each one's units lie in
        the flat free-time array ``unit_free`` (``pool_starts``, ``pool_sizes``): every unit's
        free time in one array, so that the views reduce all pools at once and the general
        task's choice reads every pool's first free time (``first_free``) from one array."""
        self._unit_rows = self.units.tolist()  # per-plan checks read Python ints
        self.pools = tuple(
            (c, d) for c, row in enumerate(self._unit_rows) for d in range(3) if row[d] > 0
        )
        self.pool_sizes = np.array([self._unit_rows[c][d] for c, d in self.pools], dtype=np.int64)
        ends = np.cumsum(self.pool_sizes)
        self.pool_starts = ends - self.pool_sizes
        self._span = {
            pool: slice(a, b)
            for pool, a, b in zip(self.pools, self.pool_starts.tolist(), ends.tolist(), strict=True)
        }
        self._pool_row = {pool: i for i, pool in enumerate(self.pools)}
        centres = np.array([c for c, _ in self.pools], dtype=np.int64)
        self._pool_centre = centres
        self._pool_latency = self.latency[centres]
        self._pool_tflops = self.tflops[np.array([d for _, d in self.pools], dtype=np.int64)]

    def reset(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.epoch = 0
        self.now = 0.0
        self.unit_free = np.zeros(int(self.pool_sizes.sum()))  # when each unit is free
        self.first_free = np.zeros(len(self.pools))  # each pool's earliest (kept by commit)
        self.bw_free_at = np.zeros(BANDWIDTH_SLOTS)
        self._sorted: dict = {}  # sorted free times per pool (and "bw"), until a commit
        self.pending: list[Task] = []
        self.next_id = 0
        self.counts = {"arrived": 0, "completed": 0, "missed": 0, "rejected": 0}
        self.fl_curves: list[np.ndarray] = []
        self.link_up = np.ones(self.n_centres, dtype=bool)
        self._new_epoch()

    def check_invariants(self) -> None:
        """Raise AssertionError if a task was lost or ended twice (arrived = completed +
        missed + rejected + pending), or a unit's or a bandwidth slot's free-at time is not a
        finite time (units and slots are FIFO queues: each holds one job at a time, so their
        capacity cannot be exceeded by construction)."""
        c = self.counts
        assert c["arrived"] == c["completed"] + c["missed"] + c["rejected"] + len(self.pending), c
        free = self.unit_free
        assert np.all(np.isfinite(free)) and np.all(free >= 0), "a unit's free time"
        first = [free[self._span[pool]].min() for pool in self.pools]
        assert np.array_equal(self.first_free, first), "a pool's first free time"
        assert self.bw_free_at.shape == (BANDWIDTH_SLOTS,) and np.all(self.bw_free_at >= 0)

    @property
    def free_at(self) -> list[list[np.ndarray]]:
        """Per centre and device type, its units' free times: read-only views into
        ``unit_free`` (empty where the centre has none of the type); only :meth:`commit`
        changes them, as it keeps ``first_free`` with them."""
        views = []
        for c in range(self.n_centres):
            row = [self.unit_free[self._span.get((c, d), slice(0, 0))] for d in range(3)]
            for view in row:
                view.flags.writeable = False
            views.append(row)
        return views

    # --- arrivals ----------------------------------------------------------------------------
    def _new_epoch(self) -> None:
        cfg, rng = self.config, self.rng
        self.link_up = rng.random(self.n_centres) < self.availability
        self._links_drawn()
        if cfg.multi_task:
            for _ in range(int(rng.poisson(cfg.tasks_per_epoch))):
                self.pending.append(
                    self._draw_fl() if rng.random() < cfg.fl_fraction else self._draw_general()
                )
        elif self.epoch == 0:  # single-task scenario: one FL job with the network to itself
            self.pending.append(self._draw_fl())

    def _links_drawn(self) -> None:
        """What depends only on the units (fixed) and the epoch's link draw, computed once per
        draw: the levels a general and an FL task can be given (``level_feasible``: the
        largest pool with its link up decides every level at once), and the links as Python
        bools (per-plan checks)."""
        self._up = self.link_up.tolist()
        most_up = int(self.units[self.link_up].max(initial=0))
        self._feasible = {GENERAL: self._one_unit <= most_up, FL: self._level_units <= most_up}
        for levels in self._feasible.values():
            levels.flags.writeable = False  # shared by every caller until the next draw

    def _draw_general(self) -> Task:
        cfg, rng = self.config, self.rng
        deadline = self.now + rng.uniform(*cfg.general_deadline_s)
        task = Task(
            self.next_id,
            GENERAL,
            self.now,
            deadline,
            rng.uniform(*cfg.general_tflop),
            rng.uniform(*cfg.general_data_gbit),
        )
        self.next_id += 1
        self.counts["arrived"] += 1
        return task

    def _draw_fl(self) -> Task:
        cfg, rng = self.config, self.rng
        deadline = self.now + rng.uniform(*cfg.fl_deadline_s)
        # Straggler slowdowns for every epoch and participant, fixed when the job arrives so
        # that every candidate allocation is judged on the same luck.
        draws = rng.lognormal(
            0.0, cfg.straggler_sigma, size=(cfg.fl_max_epochs, cfg.fl_participants)
        )
        task = Task(self.next_id, FL, self.now, deadline, draws=draws)
        self.next_id += 1
        self.counts["arrived"] += 1
        return task

    def advance_epoch(self) -> None:
        """Close the epoch: the clock moves on, held bandwidth is released, new tasks arrive."""
        self.epoch += 1
        self.now = self.epoch * self.config.epoch_s
        self._new_epoch()

    @property
    def head(self) -> Task | None:
        return self.pending[0] if self.pending else None

    # --- allocations ---------------------------------------------------------------------------
    def candidates(self, task: Task, level: int) -> list[tuple[int, int]]:
        """(centre, type) pools that can host ``task`` at ``level``: enough units, link up."""
        n = 1 if task.kind == GENERAL else UNIT_LEVELS[level]
        up, units = self._up, self._unit_rows
        return [(c, d) for c, d in self.pools if up[c] and units[c][d] >= n]

    def bandwidth_share(self, level: int) -> float:
        return BANDWIDTH_LEVELS[level] * self.bandwidth

    def bandwidth_start(self, level: int) -> float:
        """When the level's share of B is free: its slots' k-th earliest free time."""
        k = round(BANDWIDTH_LEVELS[level] * BANDWIDTH_SLOTS)
        return max(self.now, float(self.sorted_free("bw")[k - 1]))

    def sorted_free(self, pool) -> np.ndarray:
        """A pool's free times sorted (``pool`` = (centre, dtype), or "bw" for the bandwidth
        slots). Every plan reads them and only a commit changes them (and forgets the pools it
        changed), so each is sorted once per change instead of once per plan (read-only)."""
        out = self._sorted.get(pool)
        if out is None:
            times = self.bw_free_at if pool == "bw" else self.unit_free[self._span[pool]]
            out = self._sorted[pool] = np.sort(times)
        return out

    def plan(self, task: Task, centre: int, dtype: int, level: int):
        """Finish time of ``task`` at (centre, dtype) with the level's units and bandwidth, and
        for FL the accuracy curve; None if infeasible. Pure: does not change the state."""
        n = 1 if task.kind == GENERAL else UNIT_LEVELS[level]
        if self._unit_rows[centre][dtype] < n or not self._up[centre]:
            return None
        bw = self.bandwidth_share(level)
        bw_start = self.bandwidth_start(level)
        if task.kind == GENERAL:
            return self._plan_general(task, centre, dtype, level, n, bw, bw_start)
        return self._plan_fl(task, centre, dtype, level, n, bw, bw_start)

    def _plan_general(self, task: Task, centre, dtype, level, n, bw, bw_start) -> dict:
        """A general task: its input over the WAN share, then compute on one unit."""
        free = self.sorted_free((centre, dtype))[:n]
        ready = bw_start + self.latency[centre] + task.data_gbit / bw
        start = max(ready, float(free[-1]))
        finish = start + task.tflop / self.tflops[dtype]
        # The WAN share is held while the input moves, not while the unit computes.
        return {
            "finish": finish,
            "units": n,
            "level": level,
            "bw_until": ready,
            "curve": None,
            "centres": [centre],
        }

    def _plan_fl(self, task: Task, centre, dtype, level, n, bw, bw_start, teams=None) -> dict:
        """An FL job: the chosen centre plus the fastest others, epochs until the accuracy
        target, aggregations over the WAN every kappa epochs (``teams``: what
        :meth:`_fl_teams` returns for ``dtype`` and ``n`` now, if already known; the chosen
        centre has the units and its link up)."""
        if teams is None:
            teams = self._fl_teams(dtype, n)
        start, centres, (busy, aggregating) = self._fl_schedule(
            task, centre, dtype, level, n, bw, bw_start, teams
        )
        _, acc, epochs, reached = self._fl_rounds(task, dtype, n, len(centres))
        return {
            "finish": start + busy,
            "units": n,
            "level": level,
            # An FL job aggregates over the WAN every kappa epochs; it holds its share for the
            # total transfer time of those aggregations (the WAN volume it uses), from its start.
            "bw_until": start + aggregating,
            "curve": acc,
            "centres": centres,
            "dtype": dtype,
            "epochs": epochs,
            "reached": reached,
        }

    def _fl_teams(self, dtype: int, n: int) -> tuple:
        """Who can join an FL job on ``n`` units of ``dtype`` now, as :meth:`_fl_team` reads
        it: (when each centre with the units and its link up has ``n`` of them free; then two
        groups of the eligible centres, fastest first (the units exist, the link is up, and
        they free up within one decision epoch: in the multi-task scenario busy centres drop
        out, so fewer updates reach the model): the first ``fl_participants`` and the first
        ``fl_participants - 1``, each as (centres, latest ready time, slowest latency))."""
        soon = self.now + self.config.epoch_s
        ready = {
            c: float(self.sorted_free((c, dtype))[n - 1])
            for c in self.by_latency
            if self._unit_rows[c][dtype] >= n and self._up[c]
        }
        eligible = [c for c, t in ready.items() if t <= soon]
        p, lat = self.config.fl_participants, self._latency
        groups = []
        for group in (eligible[:p], eligible[: p - 1]):
            latest = max([ready[c] for c in group], default=-math.inf)
            groups.append((group, latest, max([lat[c] for c in group], default=-math.inf)))
        return ready, *groups

    def _fl_schedule(self, task: Task, centre, dtype, level, n, bw, bw_start, teams):
        """(start, participating centres, (compute + aggregation time, aggregation time)) of
        an FL job at ``centre`` (``teams``: :meth:`_fl_teams`'s; see :meth:`_fl_team` and
        :meth:`_fl_busy`)."""
        k, ready, slowest = self._fl_team(centre, teams)
        _, (head, *_), (rest, *_) = teams
        others = [c for c in head if c != centre] if centre in head else rest
        busy = self._fl_busy(task, dtype, n, bw, k, slowest)
        return max(bw_start, ready), [centre, *others], busy

    def _fl_team(self, centre: int, teams) -> tuple[int, float, float]:
        """An FL job at ``centre`` runs on it plus the fastest eligible others with the same
        device type (``fl_participants`` in all): how many centres that is, when all of them
        have the units free and their slowest latency. If ``centre`` is among the first
        ``fl_participants`` eligible ones the team is those; otherwise it is ``centre`` and the
        first ``fl_participants - 1``."""
        ready, (head, head_ready, head_slowest), (rest, rest_ready, rest_slowest) = teams
        if centre in head:
            return len(head), head_ready, head_slowest
        latency = self._latency[centre]
        return 1 + len(rest), max(ready[centre], rest_ready), max(latency, rest_slowest)

    def _fl_busy(self, task: Task, dtype: int, n: int, bw: float, k: int, slowest: float):
        """(compute + aggregation time, aggregation time) of an FL job on ``k`` centres whose
        slowest latency is ``slowest``: every kappa-th epoch ends with an aggregation over the
        WAN (the model up and down over the level's share, plus twice the slowest
        participant's latency)."""
        cfg = self.config
        compute, _, epochs, _ = self._fl_rounds(task, dtype, n, k)
        aggregation = 2.0 * (cfg.fl_model_mbit / 1e3) / bw + 2.0 * slowest
        aggregating = (epochs // cfg.kappa) * aggregation
        return compute + aggregating, aggregating

    def _fl_rounds(self, task: Task, dtype: int, n: int, k: int):
        """An FL job's rounds on ``n`` units of ``dtype`` per centre with ``k`` participants:
        (compute time of the epochs it runs, each epoch's slowest participant's with the
        straggler timeout; accuracy per epoch; epochs to the target; whether it is reached).
        A function of the job's straggler draws only, so it is kept on the job (the many plans
        of a decision share it)."""
        key = (dtype, n, k)
        if key not in task.rounds:
            cfg = self.config
            local, timeout, on_time_below = self._fl_timing(dtype, n)
            # rounding is monotone, so the slowest participant's time is local times the
            # largest slowdown, and a participant is on time iff its slowdown is at most
            # ``on_time_below``: the products and comparisons of each participant's time
            # (local * slowdown <= timeout) without computing them
            slowest = local * task.slowest[:, k - 1]
            on = (task.draws[:, 0] <= on_time_below).view(np.int8)
            for j in range(1, k):
                on = on + (task.draws[:, j] <= on_time_below).view(np.int8)
            u = self._fl_share(k).take(on).cumsum()
            acc = cfg.accuracy_max - (cfg.accuracy_max - cfg.accuracy_initial) * np.exp(
                -cfg.accuracy_eta * u
            )
            hit = acc >= cfg.accuracy_target
            first = int(hit.argmax())  # the first epoch at the target, if any
            reached = bool(hit[first])
            epochs = first + 1 if reached else cfg.fl_max_epochs
            compute = float(np.minimum(slowest[:epochs], timeout).sum())
            task.rounds[key] = (compute, acc, epochs, reached)
        return task.rounds[key]

    def _fl_timing(self, dtype: int, n: int) -> tuple[float, float, float]:
        """(seconds of local training per epoch on ``n`` units of ``dtype`` without slowdown,
        the straggler timeout in seconds, and the largest slowdown x whose time local * x is
        within the timeout): fixed for a config, kept per (dtype, n)."""
        kept = self._fl_timings.get((dtype, n))
        if kept is None:
            cfg = self.config
            local = cfg.fl_local_tflop / (n * float(self.tflops[dtype]))
            timeout = cfg.straggler_timeout * local
            below = _last_on_time(local, timeout, cfg.straggler_timeout)
            kept = self._fl_timings[(dtype, n)] = (local, timeout, below)
        return kept

    def _fl_share(self, k: int) -> np.ndarray:
        """Per count c of on-time participants among ``k``: the round's share of updates,
        c / k of the participants' mean scaled by k / fl_participants, times the aggregation
        penalty rho (the same operations as on a count array), kept per ``k``."""
        kept = self._fl_shares.get(k)
        if kept is None:
            p = self.config.fl_participants
            kept = np.array([c / k * k / p * self.fl_rho for c in range(k + 1)])
            self._fl_shares[k] = kept
        return kept

    def best_pool(self, task: Task, level: int):
        """Inter-domain choice for the compact action: the pool with the earliest finish (the
        first such candidate on ties)."""
        if task.kind == GENERAL:
            return self._best_general(task, level)
        n, bw = UNIT_LEVELS[level], self.bandwidth_share(level)
        bw_start, teams = self.bandwidth_start(level), {}
        best, best_finish = None, None
        for c, d in self.candidates(task, level):  # each has the units and its link up
            if d not in teams:
                teams[d] = self._fl_teams(d, n)
            k, ready, slowest = self._fl_team(c, teams[d])
            start = max(bw_start, ready)
            if best is not None and start >= best_finish:
                continue  # its busy time is >= 0: it cannot finish first
            busy, _ = self._fl_busy(task, d, n, bw, k, slowest)
            if best is None or start + busy < best_finish:
                best, best_finish = (c, d), start + busy
        if best is None:
            return None
        c, d = best
        return c, d, self._plan_fl(task, c, d, level, n, bw, bw_start, teams[d])

    def _best_general(self, task: Task, level: int):
        """:meth:`best_pool` for a general task, every candidate's finish time at once: the
        arithmetic of :meth:`_plan_general` elementwise (the same IEEE operations in the same
        order), then the plan of the earliest."""
        up = self.link_up[self._pool_centre]
        if not up.any():
            return None
        bw = self.bandwidth_share(level)
        ready = self.bandwidth_start(level) + self._pool_latency + task.data_gbit / bw
        finish = np.maximum(ready, self.first_free) + task.tflop / self._pool_tflops
        centre, dtype = self.pools[int(np.argmin(np.where(up, finish, np.inf)))]
        return centre, dtype, self.plan(task, centre, dtype, level)

    def commit(self, task: Task, centre: int, dtype: int, plan: dict) -> bool:
        """Hold the plan's units and bandwidth until it finishes; True if by the deadline."""
        self.pending.pop(0)
        n = plan["units"]
        for c in plan["centres"]:
            d = plan.get("dtype", dtype)
            pool = self.unit_free[self._span[(c, d)]]  # a view: written in place
            pool[np.argsort(pool)[:n]] = plan["finish"]
            self.first_free[self._pool_row[(c, d)]] = pool.min()
            self._sorted.pop((c, d), None)
        k = round(BANDWIDTH_LEVELS[plan["level"]] * BANDWIDTH_SLOTS)
        self.bw_free_at[np.argsort(self.bw_free_at)[:k]] = plan["bw_until"]
        self._sorted.pop("bw", None)
        ok = plan["finish"] <= task.deadline_s and (task.kind == GENERAL or plan["reached"])
        self.counts["completed" if ok else "missed"] += 1
        if plan["curve"] is not None:
            self.fl_curves.append(plan["curve"][: plan["epochs"]])
        return ok

    def reject(self) -> None:
        self.pending.pop(0)
        self.counts["rejected"] += 1

    def joint_feasible(self, task: Task) -> np.ndarray:
        """(centre, device type, level) -> whether :meth:`plan` places ``task`` there: the
        centre's link is up and it has the level's units of that type (1 for a general task),
        exactly :meth:`plan`'s test. Its any over (centre, type) is :meth:`level_feasible`."""
        need = self._one_unit if task.kind == GENERAL else self._level_units
        return self.link_up[:, None, None] & (self.units[:, :, None] >= need[None, None, :])

    def level_feasible(self, task: Task) -> np.ndarray:
        """Per compact level: some pool has the units with its link up (B only delays).
        Read-only: kept until the next epoch draws the links."""
        return self._feasible[task.kind]

    def tcr(self) -> float:
        c = self.counts
        ended = c["completed"] + c["missed"] + c["rejected"]
        return c["completed"] / ended if ended else 0.0


def _last_on_time(local: float, timeout: float, factor: float | None = None) -> float:
    """The largest slowdown x whose rounded time ``local * x`` is within ``timeout``.

    For a positive finite ``local`` and ``timeout = factor * local`` (both rounded), every x up
    to ``timeout / local`` qualifies and, rounding aside, nothing further: the loop steps up
    from that quotient a double at a time while the rounded product still holds. Each rounding
    is within half an ulp, so the product leaves the bound within a few steps; the loop is
    capped at 64 steps all the same. A zero or infinite local time (every slowdown gives the
    same product) makes every participant on time: infinity."""
    if not (0.0 < local < math.inf) or not math.isfinite(timeout):
        return math.inf
    below = timeout / local if factor is None else factor
    for _ in range(64):  # the quotient may round up past the bound: step back below it
        if local * below <= timeout:
            break
        below = math.nextafter(below, -math.inf)
    for _ in range(64):
        above = math.nextafter(below, math.inf)
        if local * above > timeout:
            break
        below = above
    return below
