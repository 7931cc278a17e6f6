"""Offloading of quantum-autoencoder tasks across mobile, edge and cloud quantum processors.

Pure-numpy core of ``qnet/MobileEdgeCloud-v0`` (PettingZoo and Gymnasium fronts). Seed 002
(Xu et al., Sec. IV, Fig. 2-3): mobile nodes receive quantum generative-learning tasks
(autoencoders compressing n in [6, 9] qubits to k in [3, 5]); each mobile decides where to offload
(itself, an edge, the cloud) and what fraction of the task's shots; each edge decides what share
of what it receives to forward to the cloud; all are rewarded with the same global cost
d * latency + e * energy.

A slot (``slot_s``) starts with the decisions for each mobile's head-of-line task, which is then
dispatched at once: the payload goes up the wireless link (Shannon rate over Rayleigh fading and
3GPP path loss) and, for the cloud, over the edge's fibre backhaul; each share of shots joins its
processor's FIFO queue (``servers`` parallel processors per node). The task's latency is its
wait in the mobile's decision queue plus the slowest share's finish; its energy is the
processors' active energy, the radio's transmit energy and the mobile's idle energy while it
waits for remote results. Every task ends exactly once: done (when its last share finishes),
failed (a share sent to a processor with too few qubits) or dropped (decision queue or processor
queue full).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from ...config import PHYSICAL_FLOOR, check_choice, check_interval, check_range
from ...physics import FIBRE_S_PER_KM
from ..quantum_processors import (
    CLOUD_QPU,
    EDGE_QPU,
    MOBILE_QPU,
    QPUProfile,
    qae_table,
    shot_time,
    shots_needed,
)

QOS_PRESETS = {
    "latency": (0.9, 0.1),
    "balanced": (0.5, 0.5),
    "energy": (0.1, 0.9),
}
"""(d, e) weights. Seed 002's Fig. 3 compares several (d, e) settings without listing them; these
three span latency-heavy to energy-heavy."""

FRACTION_LEVELS = (0.0, 0.25, 0.5, 0.75, 1.0)
"""Offload fractions of the flattened (Discrete) action variant."""


@dataclass(frozen=True)
class OffloadingConfig:
    n_mobile: int = 10
    n_edge: int = 5
    mobile_qpu: QPUProfile = MOBILE_QPU
    edge_qpu: QPUProfile = EDGE_QPU
    cloud_qpu: QPUProfile = CLOUD_QPU
    task_rate: float = 0.3  # Poisson arrivals per mobile per slot
    n_range: tuple = (6, 9)
    k_range: tuple = (3, 5)
    precision: float = 0.01
    states_per_task: int = 50
    slot_s: float = 1.0
    area_km: float = 1.0
    edge_radius_km: float = 0.35
    bandwidth_hz: float = 10e6
    tx_power_w: float = 0.2
    noise_dbm_per_hz: float = -174.0
    noise_figure_db: float = 9.0
    backhaul_km: float = 100.0
    backhaul_bps: float = 10e9
    qos: str = "balanced"
    latency_weight: float | None = None
    energy_weight: float | None = None
    energy_scale_j: float = 100.0
    failure_cost: float = 10.0
    drop_cost: float = 10.0
    decision_queue_limit: int = 10
    processor_queue_limit: int = 50
    horizon: int = 200
    flat_actions: bool = False

    def validate(self) -> None:
        check_range("n_mobile", self.n_mobile, 1, 10_000, integer=True)
        check_range("n_edge", self.n_edge, 1, 500, integer=True)
        for name in ("mobile_qpu", "edge_qpu", "cloud_qpu"):
            qpu = getattr(self, name)
            if not isinstance(qpu, QPUProfile):
                raise ValueError(f"{name}={qpu!r} must be a mapping of QPUProfile fields")
            qpu.validate(name)
        # an edge may forward any share it holds to the cloud: the cloud must hold it too, or a
        # mobile's mask-valid choice could fail for a reason its mask cannot know
        if self.cloud_qpu.qubits < self.edge_qpu.qubits:  # a cross-field check names both
            raise ValueError(
                f"cloud_qpu.qubits={self.cloud_qpu.qubits}, edge_qpu.qubits="
                f"{self.edge_qpu.qubits}: the cloud must hold at least the edge's qubits"
            )
        check_range("task_rate", self.task_rate, 0.0, 100.0)
        check_interval("n_range", self.n_range, 6, 9, integer=True)
        check_interval("k_range", self.k_range, 3, 5, integer=True)
        check_range("precision", self.precision, 1e-4, 0.5)
        check_range("states_per_task", self.states_per_task, 1, 1_000_000, integer=True)
        check_range("slot_s", self.slot_s, 0.0, 3600.0, low_open=True)
        check_range("area_km", self.area_km, 0.01, 100.0)
        check_range("edge_radius_km", self.edge_radius_km, 0.0, 100.0)
        check_range("bandwidth_hz", self.bandwidth_hz, 1.0, 1e12)
        check_range("tx_power_w", self.tx_power_w, 0.0, 100.0, low_open=True)
        check_range("noise_dbm_per_hz", self.noise_dbm_per_hz, -250.0, 0.0)
        check_range("noise_figure_db", self.noise_figure_db, 0.0, 50.0)
        check_range("backhaul_km", self.backhaul_km, 0.0, 40_000.0)
        check_range("backhaul_bps", self.backhaul_bps, 1.0, 1e15)
        check_choice("qos", self.qos, tuple(QOS_PRESETS))
        for name in ("latency_weight", "energy_weight"):
            if getattr(self, name) is not None:
                check_range(name, getattr(self, name), 0.0, 1e6)
        check_range("energy_scale_j", self.energy_scale_j, PHYSICAL_FLOOR, 1e12)
        check_range("failure_cost", self.failure_cost, 0.0, 1e6)
        check_range("drop_cost", self.drop_cost, 0.0, 1e6)
        check_range("decision_queue_limit", self.decision_queue_limit, 1, 10_000, integer=True)
        check_range("processor_queue_limit", self.processor_queue_limit, 1, 100_000, integer=True)
        check_range("horizon", self.horizon, 1, 10_000_000, integer=True)
        if not isinstance(self.flat_actions, bool):
            raise ValueError(f"flat_actions={self.flat_actions!r} must be True or False")

    def weights(self) -> tuple[float, float]:
        d, e = QOS_PRESETS[self.qos]
        d = d if self.latency_weight is None else self.latency_weight
        e = e if self.energy_weight is None else self.energy_weight
        return d, e


SMALL_PRESET = {"n_mobile": 3, "n_edge": 2}
"""The small scenario: 3 mobile, 2 edge and 1 cloud node."""


@dataclass(slots=True)
class Task:
    id: int
    mobile: int
    n: int
    k: int
    arrival_s: float


class Offloading:
    """Node indices: mobiles 0..M-1, edges M..M+E-1, cloud M+E."""

    def __init__(self, config: OffloadingConfig):
        self.config = config
        m, e = config.n_mobile, config.n_edge
        self.n_mobile, self.n_edge = m, e
        self.cloud = m + e
        self.qpus = [config.mobile_qpu] * m + [config.edge_qpu] * e + [config.cloud_qpu]
        self.d, self.e = config.weights()
        table = qae_table()
        # Per (n, k) and node kind: shots and seconds per shot, computed once.
        kinds = {"mobile": config.mobile_qpu, "edge": config.edge_qpu, "cloud": config.cloud_qpu}
        self.shots = {
            (nk, kind): shots_needed(c, q, config.precision)
            for nk, c in table.items()
            for kind, q in kinds.items()
        }
        self.shot_s = {
            (nk, kind): shot_time(c, q) for nk, c in table.items() for kind, q in kinds.items()
        }
        # the classical instructions per circuit (the gates' part of ``evaluate``'s classical
        # time), and each (n, k)'s qubits, read once per dispatched share
        self._gate_ops = {nk: 1e3 * (c["gates_1q"] + c["gates_2q"]) for nk, c in table.items()}
        self._nk_qubits = {nk: c["qubits"] for nk, c in table.items()}
        self.kind = ["mobile"] * m + ["edge"] * e + ["cloud"]
        angles = 2 * np.pi * np.arange(e) / e
        centre = config.area_km / 2
        self.edge_xy = centre + config.edge_radius_km * np.stack(
            [np.cos(angles), np.sin(angles)], 1
        )
        noise_w = 10 ** ((config.noise_dbm_per_hz + config.noise_figure_db) / 10) / 1e3
        self.noise_w = noise_w * config.bandwidth_hz
        self.backhaul_prop_s = config.backhaul_km * FIBRE_S_PER_KM
        # One row of processors per node, padded with +inf where a node has fewer than the
        # most (a padded processor is never the earliest free): every node's backlog is one
        # vectorised min, and the row of a node is what ``evaluate`` updates.
        servers = np.array([q.servers for q in self.qpus])
        self.real_servers = np.arange(servers.max())[None, :] < servers[:, None]
        self.node_qubits = np.array([q.qubits for q in self.qpus])
        self._node_qubit_list = self.node_qubits.tolist()  # per-task checks read Python ints
        self._nk_bounds = (
            np.array([config.n_range[0], config.k_range[0]]),
            np.array([config.n_range[1] + 1, config.k_range[1] + 1]),
        )

    # --- episode ----------------------------------------------------------------------------
    def reset(self, rng: np.random.Generator) -> None:
        cfg = self.config
        self.rng = rng
        self.slot = 0
        self.now = 0.0
        self.mobile_xy = rng.uniform(0, cfg.area_km, size=(self.n_mobile, 2))
        dist = np.linalg.norm(self.mobile_xy[:, None, :] - self.edge_xy[None, :, :], axis=2)
        dist = np.maximum(dist, 0.035)
        # 3GPP TR 36.814 macro path loss, PL(dB) = 128.1 + 37.6 log10(d_km).
        self.path_gain = 10 ** (-(128.1 + 37.6 * np.log10(dist)) / 10)
        self.queues = [deque() for _ in range(self.n_mobile)]
        self.last_dispatch: list[tuple[int, int, float]] = []  # (mobile, node, share), pictures
        self.server_free = np.where(self.real_servers, 0.0, np.inf)
        self.in_flight_parts = [[] for _ in self.qpus]  # finish times per node
        self.in_flight_tasks: dict[int, float] = {}
        self._heads = None  # head_arrays(), until the queues change
        self.next_id = 0
        self.counts = {"arrived": 0, "completed": 0, "failed": 0, "dropped": 0}
        self.totals = {"cost": 0.0, "latency": 0.0, "energy": 0.0, "ended": 0}
        self.broadcast_backlog = np.zeros(self.n_edge + 1)
        self.received_last = np.zeros(self.n_edge)
        self._arrivals()
        self._draw_channels()

    def _draw_channels(self) -> None:
        # Rayleigh block fading: |h|^2 ~ Exp(1), redrawn every slot.
        fading = self.rng.exponential(1.0, size=self.path_gain.shape)
        self.gain = self.path_gain * fading
        # per-task reads (a link's rate, the cloud relay) index Python floats and ints, not
        # numpy scalars
        self._gain_rows = self.gain.tolist()
        self._best_edge = self.gain.argmax(axis=1).tolist()

    def _arrivals(self) -> list[float]:
        cfg = self.config
        costs = []
        counts = self.rng.poisson(cfg.task_rate, size=self.n_mobile).tolist()
        total = sum(counts)
        if not total:  # a slot without arrivals draws nothing more
            return costs
        # (n, k) of every task in one call: numpy draws bounded integers element by element
        # (row-major), so this is the stream of the per-task scalar draws n, k, n, k, ...
        nk = iter(self.rng.integers(*self._nk_bounds, size=(total, 2)).ravel().tolist())
        for i, count in enumerate(counts):
            for _ in range(count):
                n, k = next(nk), next(nk)
                self.counts["arrived"] += 1
                if len(self.queues[i]) >= cfg.decision_queue_limit:
                    costs.append(self._end_unserved("dropped"))
                    continue
                self.queues[i].append(Task(self.next_id, i, n, k, self.now))
                self.next_id += 1
        return costs

    # --- views ---------------------------------------------------------------------------------
    def head(self, mobile: int) -> Task | None:
        q = self.queues[mobile]
        return q[0] if q else None

    def qubits(self, task: Task) -> int:
        return self._nk_qubits[(task.n, task.k)]

    def fits(self, task: Task, node: int) -> bool:
        return self.qubits(task) <= self._node_qubit_list[node]

    def shares_fit(self, task: Task, shares) -> bool:
        """Whether every share's node holds the task's qubits (what the masks know)."""
        need, capacity = self.qubits(task), self._node_qubit_list
        return all(need <= capacity[node] for node, _ in shares)

    def backlog(self, node: int) -> float:
        """Seconds until the node's earliest processor is free."""
        return max(0.0, float(self.server_free[node].min()) - self.now)

    def backlogs(self) -> np.ndarray:
        """:meth:`backlog` of every node at once."""
        return np.maximum(self.server_free.min(axis=1) - self.now, 0.0)

    def head_qubits(self) -> np.ndarray:
        """Qubits of every mobile's head task (0 where its queue is empty)."""
        return self.head_arrays()[1]

    def head_arrays(self) -> tuple[list[int], np.ndarray, list[tuple]]:
        """(mobiles with a task, qubits per mobile (0 without one), per such mobile its head
        task's (n, k, qubits, qubits of its own processor)): what the observations and the
        masks read, built once per slot (the queues change only in ``reset`` and ``step``)."""
        if self._heads is None:
            rows = [i for i, q in enumerate(self.queues) if q]
            own = self._node_qubit_list
            heads = [self.queues[i][0] for i in rows]
            tasks = [(t.n, t.k, self._nk_qubits[(t.n, t.k)], own[t.mobile]) for t in heads]
            qubits = np.zeros(self.n_mobile, dtype=np.int64)
            qubits[rows] = [q for _, _, q, _ in tasks]
            self._heads = (rows, qubits, tasks)
        return self._heads

    def queue_length(self, node: int) -> int:
        """Shares queued or running on ``node``: its in-flight list holds only unfinished ones
        (a share finishes after it is dispatched, and each slot drops the finished ones;
        ``check_invariants`` asserts it)."""
        return len(self.in_flight_parts[node])

    def uplink_rate(self, mobile: int, edge: int) -> float:
        """Shannon rate B log2(1 + P g / (N0 B)) of the mobile's link to an edge (bit/s).

        log1p keeps the rate positive for the tiny SNRs of far, weak links (log2(1 + snr)
        rounds to 0 below snr ~ 1e-16 and the upload time would divide by zero); the floor of
        1e-300 bit/s only guards an SNR that underflows to exactly 0."""
        cfg = self.config
        snr = cfg.tx_power_w * self._gain_rows[mobile][edge] / self.noise_w
        return max(cfg.bandwidth_hz * math.log1p(snr) / math.log(2.0), 1e-300)

    def payload_bits(self, task: Task) -> float:
        """The input states' classical descriptions: states x 2^n amplitudes x 64 bits."""
        return self.config.states_per_task * (2**task.n) * 64.0

    # --- one task's plan and cost --------------------------------------------------------------
    def plan(self, task: Task, target: int, fraction: float, edge_rules) -> list[tuple[int, float]]:
        """Shares of shots per node for a mobile decision. ``target``: 0 local, 1..E edge, E+1
        cloud (through the best-gain edge); ``edge_rules[j] = (forward, fraction)``."""
        m, e = task.mobile, self.n_edge
        if target == 0 or fraction <= 0.0:
            return [(m, 1.0)]
        shares = [(m, 1.0 - fraction)] if fraction < 1.0 else []
        if target == e + 1:
            shares.append((self.cloud, fraction))
        else:
            j = target - 1
            forward, g = edge_rules[j]
            g = g if forward else 0.0
            if g < 1.0:
                shares.append((self.n_mobile + j, fraction * (1.0 - g)))
            if g > 0.0:
                shares.append((self.cloud, fraction * g))
        return shares

    def relay_edge(self, task: Task, target: int) -> int:
        """The edge whose radio carries the payload: the target edge, or for the cloud the edge
        with the best channel this slot."""
        if 1 <= target <= self.n_edge:
            return target - 1
        return self._best_edge[task.mobile]

    def evaluate(self, task, shares, relay, server_free, commit):
        """Latency, energy and cost of dispatching ``task`` as ``shares`` now, on processor
        availability ``server_free`` (updated in place if ``commit``). Returns None if a share
        needs more qubits than its node has."""
        if not self.shares_fit(task, shares):
            return None
        return self._dispatch(task, shares, relay, server_free, commit)

    def _dispatch(self, task, shares, relay, server_free, commit):
        """:meth:`evaluate` of shares already known to fit."""
        cfg = self.config
        nk = (task.n, task.k)
        gate_ops = self._gate_ops[nk]
        # a mobile's own share, if any, is a single one (``plan``'s layout)
        remote = len(shares) > 1 or shares[0][0] != task.mobile
        payload = self.payload_bits(task)
        t_up = payload / self.uplink_rate(task.mobile, relay) if remote else 0.0
        t_back = self.backhaul_prop_s + payload / cfg.backhaul_bps
        energy = cfg.tx_power_w * t_up
        finish_all, finish_remote, parts = self.now, self.now, []
        for node, share in shares:
            kind = self.kind[node]
            qpu = self.qpus[node]
            shots = math.ceil(self.shots[(nk, kind)] * share)
            classical = (gate_ops + 10.0 * shots) / qpu.classical_ops_per_s
            busy = shots * self.shot_s[(nk, kind)] + classical
            ready = (
                self.now
                + (t_up if node != task.mobile else 0.0)
                + (t_back if node == self.cloud else 0.0)
            )
            free = server_free[node].tolist()  # a few processors: Python floats are faster
            earliest = min(free)
            start = max(ready, earliest)
            finish = start + busy
            if commit:  # the first earliest-free processor (argmin's choice) takes the share
                server_free[node, free.index(earliest)] = finish
            parts.append((node, finish))
            energy += qpu.active_power_w * busy
            finish_all = max(finish_all, finish)
            if node != task.mobile:
                finish_remote = max(finish_remote, finish)
        if remote:
            energy += self.qpus[task.mobile].idle_power_w * (finish_remote - self.now)
        latency = finish_all - task.arrival_s
        cost = self.d * latency + self.e * energy / cfg.energy_scale_j
        return latency, energy, cost, parts

    # --- transitions ---------------------------------------------------------------------------
    def step(self, mobile_actions, edge_rules) -> dict:
        """Dispatch each mobile's head task with ``mobile_actions[i] = (target, fraction)`` and
        the edges' ``edge_rules``, then advance one slot. Returns the slot's events."""
        cfg = self.config
        slot_cost, invalid = 0.0, np.zeros(self.n_mobile, dtype=bool)
        self.received_last[:] = 0
        self.last_dispatch = []
        queued, queue_limit = self.in_flight_parts, cfg.processor_queue_limit
        for i, queue in enumerate(self.queues):
            if not queue:
                continue
            task = queue.popleft()
            target, fraction = mobile_actions[i]
            shares = self.plan(task, target, fraction, edge_rules)
            if not self.shares_fit(task, shares):
                invalid[i] = True
                slot_cost += self._end_unserved("failed")
                continue
            if any(len(queued[node]) >= queue_limit for node, _ in shares):
                slot_cost += self._end_unserved("dropped")
                continue
            relay = self.relay_edge(task, target)
            latency, energy, cost, parts = self._dispatch(
                task, shares, relay, self.server_free, True
            )
            self.last_dispatch += [(i, node, share) for node, share in shares if node != i]
            for node, finish in parts:
                self.in_flight_parts[node].append(finish)
                if self.n_mobile <= node < self.cloud:
                    self.received_last[node - self.n_mobile] += 1
            self.in_flight_tasks[task.id] = max(f for _, f in parts)
            self.totals["latency"] += latency
            self.totals["energy"] += energy
            slot_cost += cost
            self.totals["cost"] += cost
        # One slot passes: finished shares leave their queues, finished tasks end as done.
        self.broadcast_backlog = self.backlogs()[self.n_mobile :]  # the edges, then the cloud
        self.slot += 1
        self.now = self.slot * cfg.slot_s
        for node, parts in enumerate(self.in_flight_parts):
            if parts:
                self.in_flight_parts[node] = [f for f in parts if f > self.now]
        finished = [tid for tid, f in self.in_flight_tasks.items() if f <= self.now]
        for tid in finished:
            del self.in_flight_tasks[tid]
            self.counts["completed"] += 1
            self.totals["ended"] += 1
        slot_cost += sum(self._arrivals())
        self._draw_channels()
        self._heads = None
        return {"cost": slot_cost, "invalid": invalid}

    def _end_unserved(self, how: str) -> float:
        cost = self.config.failure_cost if how == "failed" else self.config.drop_cost
        self.counts[how] += 1
        self.totals["ended"] += 1
        self.totals["cost"] += cost
        return cost

    def check_invariants(self) -> None:
        """Raise AssertionError if a task was lost or ended twice (arrived = completed +
        failed + dropped + in flight + waiting) or a queue is beyond its limit."""
        c, cfg = self.counts, self.config
        ended = c["completed"] + c["failed"] + c["dropped"]
        assert c["arrived"] == ended + len(self.in_flight_tasks) + self.waiting(), c
        assert all(len(q) <= cfg.decision_queue_limit for q in self.queues), "decision queue"
        assert all(len(p) <= cfg.processor_queue_limit for p in self.in_flight_parts)
        assert all(f > self.now for p in self.in_flight_parts for f in p), "finished share kept"
        free = self.server_free
        assert np.array_equal(np.isfinite(free), self.real_servers), "processor table"
        assert np.all(free[self.real_servers] >= 0), "processor free times"

    def waiting(self) -> int:
        return sum(len(q) for q in self.queues)

    def mean_cost_per_task(self) -> float:
        """Total cost over tasks decided so far (done or in flight, failed, dropped)."""
        decided = (
            self.counts["failed"]
            + self.counts["dropped"]
            + self.counts["completed"]
            + len(self.in_flight_tasks)
        )
        return self.totals["cost"] / decided if decided else 0.0

    def metrics(self) -> dict:
        """The headline numbers every front reports in ``info``."""
        return {
            "mean_cost_per_task": self.mean_cost_per_task(),
            "completed": self.counts["completed"],
            "failed": self.counts["failed"],
            "dropped": self.counts["dropped"],
            "arrived": self.counts["arrived"],
        }
