"""Offloading of quantum-autoencoder tasks across mobile, edge and cloud quantum processors,
batch-first.

Seed 002 (Xu et al., Sec. IV, Fig. 2-3): mobile nodes receive quantum generative-learning tasks
(autoencoders compressing n in [6, 9] qubits to k in [3, 5]); each mobile decides where to
offload (itself, an edge, the cloud) and what fraction of the task's shots; each edge decides
what share of what it receives to forward to the cloud; all are rewarded with the same global
cost d x latency + e x energy.

A slot (``slot_s``) starts with the decisions for each mobile's head-of-line task, which is then
dispatched at once: the payload goes up the wireless link (Shannon rate over Rayleigh fading and
3GPP macro-cell path loss, :mod:`qnet_envs.physics.wireless`) and, for the cloud, over the
edge's fibre backhaul; each share of shots joins its processor's FIFO queue (``servers``
parallel processors per node). The task's latency is its wait in the mobile's decision queue
plus the slowest share's finish; its energy is the processors' active energy, the radio's
transmit energy and the mobile's idle energy while it waits for remote results. Every task ends
exactly once: completed (when its last share finishes), failed (a share sent to a processor with
too few qubits) or dropped (decision queue or processor queue full).

The slot is compiled (:mod:`qnet_envs.core.offloading.kernels`); this class holds the state of
``num_envs`` episodes with a leading env axis and calls the kernels. The scalar fronts are a
batch of one and the vector env (:class:`qnet_envs.vector.MobileEdgeCloudVectorEnv`) runs this
same code; env i seeded ``s + i`` draws what the scalar env seeded ``s + i`` draws.
"""

from __future__ import annotations

import numpy as np

from ...physics import FIBRE_S_PER_KM
from ..quantum_processors import qae_table, shot_time, shots_needed
from .config import FRACTION_LEVELS, OffloadingConfig
from .layout import COUNT_NAMES, K_TABLE, LEVELS, N_TABLE

KINDS = ("mobile", "edge", "cloud")  # node kinds, the rows of the per-kind tables


class OffloadingCore:
    """``num_envs`` offloading episodes stepped together (``num_threads`` > 1 spreads them over
    threads with the same results). ``whole_if_unfit``: a remote choice for a task that does
    not fit its mobile offloads the whole task, whatever its fraction says (the continuous
    fraction of the native action has no mask to say so; the flat actions mask those levels).

    Nodes: mobiles 0..M-1, edges M..M+E-1, cloud M+E. State, each with a leading env axis: the
    ``slot`` and its time ``now``, the mobiles' positions and channel gains, the decision
    queues (rings of (n, k) and arrival times), every processor's free time (``server_free``,
    node after node), every node's queued shares (finish times, and which share ends its
    task), the task ``count`` (``COUNT_NAMES``, then in flight) and cost totals."""

    def __init__(
        self, config: OffloadingConfig, num_envs: int = 1, num_threads: int = 1,
        whole_if_unfit: bool = False,
    ):  # fmt: skip
        from . import kernels  # compiled code: loaded with an env

        self._set_threads, self._joint_costs = kernels.set_num_threads, kernels.joint_costs
        self.config, self.num_envs, self.num_threads = config, num_envs, num_threads
        m, e = config.n_mobile, config.n_edge
        self.n_mobile, self.n_edge, self.cloud = m, e, m + e
        self.qpus = (config.mobile_qpu, config.edge_qpu, config.cloud_qpu)
        self.kind = np.array([0] * m + [1] * e + [2], dtype=np.int64)
        self.node_qubits = np.array([self.qpus[k].qubits for k in self.kind], dtype=np.int64)
        servers = np.array([self.qpus[k].servers for k in self.kind], dtype=np.int64)
        self.server_offset = np.concatenate([[0], np.cumsum(servers)]).astype(np.int64)
        angles = 2 * np.pi * np.arange(e) / e
        centre = config.area_km / 2
        self.edge_xy = centre + config.edge_radius_km * np.stack(
            [np.cos(angles), np.sin(angles)], 1
        )
        self._build_state(num_envs)
        self._model = self._model_tuple(whole_if_unfit)
        self._drivers = kernels.DRIVERS[num_threads > 1]
        self._all_rows = np.arange(num_envs)
        self._never = np.zeros(num_envs, dtype=bool)  # episodes end only at their horizon
        # a decoded decision (choice, fraction) and the levels read on the way, reused per step
        self._decoded = (np.zeros((num_envs, m + e), np.int64), np.zeros((num_envs, m + e)),
                         np.zeros((num_envs, m + e), np.int64))  # fmt: skip

    def _build_state(self, num_envs: int) -> None:
        cfg, N = self.config, num_envs
        m, e, nodes = self.n_mobile, self.n_edge, self.n_mobile + self.n_edge + 1
        q, limit = cfg.decision_queue_limit, cfg.processor_queue_limit
        self.key = np.zeros(N, dtype=np.uint64)
        self.counter = np.zeros(N, dtype=np.uint64)
        self.slot, self.now = np.zeros(N, dtype=np.int64), np.zeros(N)
        self.mobile_xy = np.zeros((N, m, 2))
        self.path_gain, self.gain = np.zeros((N, m, e)), np.ones((N, m, e))
        self.best_edge = np.zeros((N, m), dtype=np.int64)
        self.queue_sizes = np.zeros((N, m, q, 2), dtype=np.int8)  # (n, k) per queued task
        self.queue_arrival = np.zeros((N, m, q))
        self.queue_head = np.zeros((N, m), dtype=np.int64)
        self.queue_length = np.zeros((N, m), dtype=np.int64)
        self.server_free = np.zeros((N, int(self.server_offset[-1])))
        self.part_finish = np.zeros((N, nodes, limit))
        self.part_ends_task = np.zeros((N, nodes, limit), dtype=bool)
        self.part_count = np.zeros((N, nodes), dtype=np.int64)
        self.count = np.zeros((N, len(COUNT_NAMES) + 1), dtype=np.int64)
        self.totals = np.zeros((N, 3))  # cost, latency, energy
        self.broadcast = np.zeros((N, e + 1))  # edges' and cloud's backlogs, end of last slot
        self.remote = np.zeros((N, e + 1))  # their current backlogs, scaled as observed
        self.received = np.zeros((N, e), dtype=np.int64)
        self.dispatch_node = np.full((N, m, 2), -1, dtype=np.int64)
        self.dispatch_share = np.zeros((N, m, 2))
        # per-env working space of the kernels: a task's shares and their finish times
        self.share_node = np.zeros((N, 3), dtype=np.int64)
        self.share_fraction, self.share_finish = np.zeros((N, 3)), np.zeros((N, 3))
        self._state = (
            self.slot, self.now, self.key, self.counter, self.mobile_xy, self.path_gain,
            self.gain, self.best_edge, self.queue_sizes, self.queue_arrival, self.queue_head,
            self.queue_length, self.server_free, self.part_finish, self.part_ends_task,
            self.part_count, self.count, self.totals, self.broadcast, self.remote,
            self.received, self.dispatch_node, self.dispatch_share, self.share_node,
            self.share_fraction, self.share_finish,
        )  # fmt: skip
        self.outputs = (
            np.zeros((N, m * (e + 2) * LEVELS + e * 2 * LEVELS), dtype=bool),  # masks
            np.zeros((N, m * (8 + 2 * e) + 4 * e + e + 1), np.float32),  # the state vector
            np.zeros(N),  # rewards
            np.zeros((N, m), dtype=bool),  # invalid, per mobile
            np.zeros(N, dtype=bool),  # invalid, any mobile
            np.zeros(N, dtype=bool),  # truncated
            np.zeros((N, 1)),  # mean cost per task
        )

    def _model_tuple(self, whole_if_unfit: bool) -> tuple:
        """The kernels' constants: per node kind (mobile, edge, cloud) and task (n - 6, k - 3)
        the shots (:func:`shots_needed`) and seconds per shot (:func:`shot_time`), the
        classical instructions per circuit and the task's qubits."""
        cfg = self.config
        table = qae_table()
        shape = (max(n for n, _ in table) - N_TABLE + 1, max(k for _, k in table) - K_TABLE + 1)
        shots, shot_s = np.zeros((3, *shape)), np.zeros((3, *shape))
        gate_ops, qubits = np.zeros(shape), np.zeros(shape, dtype=np.int64)
        for (n, k), circuit in table.items():
            row, col = n - N_TABLE, k - K_TABLE
            # the classical instructions per circuit (the gates' part of a share's classical
            # time) and the task's qubits
            gate_ops[row, col] = 1e3 * (circuit["gates_1q"] + circuit["gates_2q"])
            qubits[row, col] = circuit["qubits"]
            for kind, qpu in enumerate(self.qpus):
                shots[kind, row, col] = shots_needed(circuit, qpu, cfg.precision)
                shot_s[kind, row, col] = shot_time(circuit, qpu)
        rates = np.array(
            [[q.classical_ops_per_s, q.active_power_w, q.idle_power_w] for q in self.qpus]
        )
        noise_w = 10 ** ((cfg.noise_dbm_per_hz + cfg.noise_figure_db) / 10) / 1e3
        d, e = cfg.weights()
        physics = np.array([
            cfg.slot_s, cfg.area_km, cfg.bandwidth_hz, cfg.tx_power_w, noise_w * cfg.bandwidth_hz,
            cfg.backhaul_km * FIBRE_S_PER_KM, cfg.backhaul_bps, d, e, cfg.energy_scale_j,
            cfg.failure_cost, cfg.drop_cost, cfg.task_rate, float(cfg.states_per_task),
        ])  # fmt: skip
        (n_low, n_high), (k_low, k_high) = cfg.n_range, cfg.k_range
        limits = np.array([n_low, n_high - n_low + 1, k_low, k_high - k_low + 1,
                           cfg.decision_queue_limit, cfg.processor_queue_limit, cfg.horizon],
                          dtype=np.int64)  # fmt: skip
        self.task_qubits, self.fractions = qubits, np.array(FRACTION_LEVELS)
        return (
            self.n_mobile, self.n_edge, self.server_offset, self.node_qubits, self.kind, rates,
            shots, shot_s, gate_ops, qubits, self.edge_xy, self.fractions, limits,
            physics, bool(whole_if_unfit),
        )  # fmt: skip

    # --- phases ---------------------------------------------------------------------------------
    def _run(self, phase: str, *args) -> None:
        if self.num_threads > 1:
            self._set_threads(self.num_threads)  # thread-local in numba
        self._drivers[phase](self._state, self._model, self.outputs, *args)

    def reset_rows(self, rows: np.ndarray, keys: np.ndarray | None = None) -> None:
        """Start new episodes in envs ``rows`` (with new ``keys`` if given; else each env's
        stream goes on)."""
        rows = np.asarray(rows, dtype=np.int64)
        if keys is not None:
            self.key[rows] = keys
            self.counter[rows] = 0
        self._run("reset", rows)

    def decode_flat(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Flat actions (N, M + E) in the space, ``choice * LEVELS + level`` per agent, as the
        (choice, fraction) arrays the kernels read (buffers the next call overwrites)."""
        choice, fraction, levels = self._decoded
        np.floor_divide(actions, LEVELS, out=choice)
        np.remainder(actions, LEVELS, out=levels)
        np.take(self.fractions, levels, out=fraction)
        return choice, fraction

    def step(self, actions: np.ndarray, rows: np.ndarray | None = None) -> dict:
        """One slot of envs ``rows`` (default: all) with flat actions (N, M + E)."""
        return self.step_decoded(*self.decode_flat(actions), rows)

    def step_decoded(self, choice: np.ndarray, fraction: np.ndarray, rows=None) -> dict:
        """One slot of envs ``rows`` with (N, M + E) choices (mobiles' targets, then edges'
        forward flags) and fractions. Returns the outcome (arrays over every env: buffers
        that the next call overwrites)."""
        rows = self._all_rows if rows is None else np.asarray(rows, dtype=np.int64)
        self._run("step", rows, choice, fraction)
        return self.outcome()

    def outcome(self) -> dict:
        """The last step's reward, invalid and truncated flags, per env; never terminated."""
        _, _, reward, invalid, invalid_any, truncated, _ = self.outputs
        return {"reward": reward, "invalid": invalid_any, "per_mobile_invalid": invalid,
                "terminated": self._never, "truncated": truncated}  # fmt: skip

    def observations(self) -> np.ndarray:
        """(N, D) state vectors (layout in the env docstring): a buffer the next call
        overwrites."""
        return self.outputs[1]

    def flat_masks(self) -> np.ndarray:
        """(N, A) masks: per mobile and (target, level), then per edge and (forward, level)."""
        return self.outputs[0]

    # --- what the fronts report -----------------------------------------------------------------
    def infos(self) -> dict[str, np.ndarray]:
        """Every env's info entries but the masks, as (N,) arrays (copies)."""
        out = {"mean_cost_per_task": self.outputs[6][:, 0].copy()}
        for j, name in enumerate(COUNT_NAMES[1:], start=1):
            out[name] = self.count[:, j].copy()
        out["arrived"] = self.count[:, 0].copy()
        return out

    def row_info(self, i: int) -> dict:
        """Env ``i``'s entries of :meth:`infos` as Python scalars."""
        arrived, completed, failed, dropped, _ = self.count[i].tolist()
        return {"mean_cost_per_task": float(self.outputs[6][i, 0]), "completed": completed,
                "failed": failed, "dropped": dropped, "arrived": arrived}  # fmt: skip

    def counts(self, i: int = 0) -> dict:
        """Env ``i``'s task counts (Python ints), in flight included."""
        return dict(zip((*COUNT_NAMES, "in_flight"), self.count[i].tolist(), strict=True))

    def mean_cost_per_task(self, i: int = 0) -> float:
        """Total cost over tasks decided so far (done or in flight, failed, dropped)."""
        return float(self.outputs[6][i, 0])

    def check_invariants(self) -> None:
        """Every task ends exactly once (arrived = completed + failed + dropped + in flight +
        waiting; in flight counted again from the queued shares that end a task), no queue is
        beyond its limit, no finished share is kept, processor free times are >= 0."""
        cfg = self.config
        arrived, completed, failed, dropped, in_flight = self.count.T
        waiting = self.queue_length.sum(axis=1)
        assert np.array_equal(arrived, completed + failed + dropped + in_flight + waiting), (
            f"tasks lost or ended twice: {self.count.tolist()}, waiting {waiting.tolist()}"
        )
        filled = np.arange(cfg.processor_queue_limit) < self.part_count[:, :, None]
        ends = (self.part_ends_task & filled).sum(axis=(1, 2))
        assert np.array_equal(ends, in_flight), "a task in flight without its last share"
        assert np.all(self.queue_length <= cfg.decision_queue_limit), "decision queue"
        assert np.all(self.part_count <= cfg.processor_queue_limit), "processor queue"
        kept = np.where(filled, self.part_finish, np.inf)
        assert np.all(kept > self.now[:, None, None]), "finished share kept"
        assert np.all(self.server_free >= 0) and np.all(np.isfinite(self.server_free))

    # --- one env's slot, as the baselines and pictures read it ------------------------------
    def head_tasks(self, i: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Env ``i``'s mobiles with a task, and each one's head task's n and k."""
        mobiles = np.flatnonzero(self.queue_length[i] > 0)
        sizes = self.queue_sizes[i, mobiles, self.queue_head[i, mobiles]].astype(np.int64)
        return mobiles, sizes[:, 0], sizes[:, 1]

    def head_qubits(self, i: int = 0) -> np.ndarray:
        """(M,) qubits of every mobile's head task in env ``i`` (0 where its queue is empty)."""
        mobiles, n, k = self.head_tasks(i)
        out = np.zeros(self.n_mobile, dtype=np.int64)
        out[mobiles] = self.task_qubits[n - N_TABLE, k - K_TABLE]
        return out

    def backlogs(self, i: int = 0) -> np.ndarray:
        """(nodes,) seconds until each node's earliest processor is free, in env ``i``."""
        earliest = np.minimum.reduceat(self.server_free[i], self.server_offset[:-1])
        return np.maximum(earliest - self.now[i], 0.0)

    def queue_lengths(self, i: int = 0) -> np.ndarray:
        """(nodes,) shares queued or running on each node of env ``i``."""
        return self.part_count[i].copy()

    def last_dispatch(self, i: int = 0) -> list[tuple[int, int, float]]:
        """(mobile, node, share) of every share sent away from its mobile in env ``i``'s last
        slot."""
        mobiles, slots = np.nonzero(self.dispatch_node[i] >= 0)
        return [
            (int(a), int(self.dispatch_node[i, a, s]), float(self.dispatch_share[i, a, s]))
            for a, s in zip(mobiles, slots, strict=True)
        ]

    def joint_costs(self, i, mobiles, targets, fractions) -> np.ndarray:
        """(C,) total cost of dispatching env ``i``'s head tasks of ``mobiles`` with each row
        of ``targets`` / ``fractions`` (C, T) on the current processors, edges keeping what
        they get (:func:`.kernels.joint_costs`)."""
        targets = np.ascontiguousarray(targets, dtype=np.int64)
        costs = np.zeros(len(targets))
        self._joint_costs(
            self._state, self._model, int(i), np.asarray(mobiles, dtype=np.int64), targets,
            np.ascontiguousarray(fractions, dtype=np.float64), np.zeros(self.n_edge, np.int64),
            np.zeros(self.server_free.shape[1]), costs,
        )  # fmt: skip
        return costs
