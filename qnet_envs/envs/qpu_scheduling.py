"""``qnet/QPUScheduling-v0``: an RL agent as Q-Backbone's Layer-3 scheduler of circuit-cut jobs."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from gymnasium import spaces

from ..config import check_range
from ..scheduling.dispatch import Dispatcher
from ..scheduling.instance import QBackboneConfig, build_instance, draw_jobs, pool_for, workload
from ._actions import discrete_action
from .base import QnetEnv

QPU_FEATURES = 4
SLOT_FEATURES = 5


@dataclass(frozen=True)
class QPUActionCodec:
    """The one layout of QPUScheduling's ``Discrete`` action, for the env, its mask and the
    baselines: ``assign(slot, qpu, chunk) = (slot * Q + qpu) * C + chunk`` for the W window
    slots, then ``drop(slot) = W Q C + slot``, then ``wait`` last."""

    window: int
    n_qpus: int
    n_chunks: int

    @property
    def n_assign(self) -> int:
        return self.window * self.n_qpus * self.n_chunks

    @property
    def wait(self) -> int:
        return self.n_assign + self.window

    @property
    def n(self) -> int:
        return self.wait + 1

    def assign(self, slot: int, qpu: int, chunk: int) -> int:
        return (slot * self.n_qpus + qpu) * self.n_chunks + chunk

    def drop(self, slot: int) -> int:
        return self.n_assign + slot

    def decode(self, action: int) -> tuple[str, int, int, int]:
        """(kind, slot, qpu, chunk): kind is "assign", "drop" or "wait" (unused parts -1)."""
        if action == self.wait:
            return "wait", -1, -1, -1
        if action >= self.n_assign:
            return "drop", action - self.n_assign, -1, -1
        slot, rest = divmod(action, self.n_qpus * self.n_chunks)
        qpu, chunk = divmod(rest, self.n_chunks)
        return "assign", slot, qpu, chunk


@dataclass(frozen=True)
class QPUSchedulingConfig:
    """The instance parameters (:class:`~qnet_envs.scheduling.instance.QBackboneConfig`, under
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


class QPUSchedulingEnv(QnetEnv):
    """
    ## Description

    Seed 001 (Q-Backbone), Sec. IV: circuit-cut quantum jobs arrive at a pool of heterogeneous
    QPUs with deadlines; the agent is the Layer-3 scheduler. Jobs come from real circuits (QAOA,
    hardware-efficient ansaetze, GHZ, quantum autoencoders) cut by qiskit-addon-cutting, with
    LOCC wire cuts imposing measure -> prepare precedence; QPUs are IBM device snapshots.
    Instances, cut models and defaults: :mod:`qnet_envs.scheduling.instance`. Time is
    event-driven (:class:`qnet_envs.scheduling.dispatch.Dispatcher`): the agent acts at the
    present time and advances it with "wait".

    ## Action Space

    ``Discrete(W*Q*C + W + 1)`` for W job slots (active jobs, oldest first), Q QPUs, C chunks:
    ``(slot * Q + q) * C + c`` starts the slot's next ready subcircuit on idle QPU q with
    ``ceil(chunks[c] x its shots)`` of its remaining shots; ``W*Q*C + slot`` drops the slot's
    job; the last action waits for the next event. ``info["action_mask"]`` marks what is
    possible now. A masked-out action does nothing, costs ``invalid_action_penalty`` and sets
    ``info["invalid_action"]``; actions outside the space raise ``ValueError``.

    ## Observation Space

    ``Box(0, 1, (2 + 4Q + W(5 + Q),), float32)``: the fraction of jobs not yet arrived and of
    jobs ended; per QPU: idle, remaining busy time, capacity / 27, depth budget / 100; per slot:
    present, time to deadline, remaining work, remaining shots of its next subcircuit as a
    fraction, whether a subcircuit waits on a measure subcircuit, and the next subcircuit's
    eligibility per QPU. Times are x / (x + T) with T the mean job work of the catalogue.

    ## Rewards

    +1 per job completed by its deadline, ``-drop_penalty`` per dropped job,
    ``-late_penalty`` per job whose deadline passes first.

    ## Starting State

    A fresh instance per episode: ``instance.n_jobs`` jobs with Poisson arrivals at
    ``instance.load``; the first arrives at t = 0.

    ## Episode End

    Terminates when every job has ended (served, dropped or late). Truncates after
    ``max_decisions`` steps.

    ## Info

    ``action_mask``, ``invalid_action``, ``time``, ``served``, ``dropped``, ``late``,
    ``arrived``, ``served_fraction`` (served / all jobs of the episode).

    ## Arguments

    :class:`QPUSchedulingConfig`; e.g. ``config={"instance": {"load": 1.5, "deadline":
    "strict"}}``.

    ## Version History

    * v0: initial release.
    """

    metadata = {"render_modes": ["ansi", "rgb_array"], "render_fps": 4}
    metric_keys = ("served_fraction", "served", "dropped", "late")

    @classmethod
    def default_config(cls) -> QPUSchedulingConfig:
        return QPUSchedulingConfig()

    def _configure(self, config: QPUSchedulingConfig) -> None:
        self.config = config
        pool = pool_for(config.instance.qpus)
        self.n_qpus = pool.n
        self.time_scale = workload(config.instance)[1]  # mean job work: the time unit
        w, q, c = config.window, pool.n, len(config.chunks)
        self.codec = QPUActionCodec(w, q, c)
        self.n_assign, self.wait_action = self.codec.n_assign, self.codec.wait
        self.action_space = spaces.Discrete(self.codec.n)
        size = 2 + QPU_FEATURES * q + w * (SLOT_FEATURES + q)
        self.observation_space = spaces.Box(0.0, 1.0, shape=(size,), dtype=np.float32)
        self.core = None

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        self._begin_reset(seed, options)
        cfg = self.config.instance
        self.instance = build_instance(cfg, draw_jobs(cfg, self.np_random))
        self._mean_tau = self.instance.tau.mean(axis=1)  # fixed for the episode
        self.core = Dispatcher(self.instance)
        self._decisions = 0
        self._update_mask()
        return self._observation(), self._info(False)

    def step(self, action):
        a = discrete_action(action, self.action_space.n)
        if self.core is None:
            raise RuntimeError("call reset() before step()")
        cfg, sim = self.config, self.core
        invalid = not self.mask[a]
        reward = -cfg.invalid_action_penalty if invalid else 0.0
        if not invalid:
            kind, slot, q, c = self.codec.decode(a)
            if kind == "wait":
                sim.advance()
            elif kind == "drop":
                sim.drop(int(self.slots[slot]))
            else:
                j = int(self.slots[slot])
                s = sim.next_sub(j, q)
                sim.assign(j, q, math.ceil(cfg.chunks[c] * self.instance.shots[s]))
        # nothing to decide until a job arrives: wait on the agent's behalf
        while not sim.done() and len(sim.active_jobs()) == 0:
            sim.advance()
        for kind, _ in sim.take_events():
            reward += cfg.outcome_reward(kind)
        self._decisions += 1
        self._update_mask()
        terminated = sim.done()
        truncated = not terminated and self._decisions >= cfg.max_decisions
        return self._observation(), float(reward), terminated, truncated, self._info(invalid)

    def _update_mask(self) -> None:
        sim, codec = self.core, self.codec
        self.slots = sim.active_jobs()[: codec.window]
        mask = np.zeros(codec.n, dtype=bool)
        for i, j in enumerate(self.slots):
            for q in range(codec.n_qpus):
                if sim.can_assign(int(j), q):
                    first = codec.assign(i, q, 0)
                    mask[first : first + codec.n_chunks] = True
            mask[codec.drop(i)] = True
        mask[codec.wait] = not sim.done()
        self.mask = mask

    def _squash(self, x):
        """x / (x + T) of a time (a float, or an array of them elementwise)."""
        return x / (x + self.time_scale)

    def _observation(self) -> np.ndarray:
        sim, inst, cfg = self.core, self.instance, self.config
        nq, w = self.n_qpus, cfg.window
        pool = inst.pool
        obs = np.zeros(self.observation_space.shape, dtype=np.float32)
        n = inst.n_jobs
        obs[0] = sim.not_arrived() / n
        obs[1] = sim.ended() / n
        qpu = obs[2 : 2 + QPU_FEATURES * nq].reshape(nq, QPU_FEATURES)
        busy = np.maximum(sim.busy_until - sim.t, 0.0)
        qpu[:, 0] = busy == 0
        qpu[:, 1] = self._squash(busy)
        qpu[:, 2] = np.minimum(pool.capacity / 27.0, 1.0)
        qpu[:, 3] = np.minimum(pool.max_depth / 100.0, 1.0)
        slots = obs[2 + QPU_FEATURES * nq :].reshape(w, SLOT_FEATURES + nq)
        mean_tau = self._mean_tau
        for i, j in enumerate(self.slots):
            subs = inst.job_subs[j]
            rem = sim.remaining[subs.start : subs.stop]
            work = float(np.sum(rem * mean_tau[subs.start : subs.stop]))
            slots[i, 0] = 1.0
            slots[i, 1] = self._squash(max(float(inst.deadline[j] - sim.t), 0.0))
            slots[i, 2] = self._squash(work)
            nxt = next((s for s in subs if sim.remaining[s] > 0), None)
            if nxt is not None:
                slots[i, 3] = sim.remaining[nxt] / inst.shots[nxt]
                slots[i, 4] = bool(inst.preds[nxt]) and sim.ready_time(nxt, 0) == math.inf
                slots[i, SLOT_FEATURES:] = inst.eligible[nxt]
        return obs

    def action_mask(self) -> np.ndarray:
        return self.mask.astype(np.int8)

    def _info(self, invalid: bool) -> dict:
        st = self.core.status
        counts = np.bincount(st, minlength=5)
        return {
            "action_mask": self.action_mask(),
            "invalid_action": invalid,
            "time": float(self.core.t),
            "served": int(counts[2]),
            "dropped": int(counts[3]),
            "late": int(counts[4]),
            "arrived": int(np.count_nonzero(st != 0)),
            "served_fraction": float(counts[2] / len(st)),
        }

    def check_invariants(self) -> None:
        """Every job is pending, active or ended exactly once, and what ran is feasible (the
        dispatcher's check)."""
        if self.core is not None:
            self.core.check_invariants()
            counts = np.bincount(self.core.status, minlength=5)
            assert counts.sum() == self.instance.n_jobs, counts

    def render(self):
        if self.render_mode == "rgb_array":
            return self._render_rgb()
        if self.render_mode != "ansi" or self.core is None:
            return None
        sim = self.core
        lines = [f"t = {sim.t:8.2f} s  served {sim.served()}/{len(sim.status)}"]
        for q in range(self.n_qpus):
            busy = max(sim.busy_until[q] - sim.t, 0.0)
            lines.append(f"  QPU {q} {self.instance.pool.names[q]:<16} busy {busy:7.2f} s")
        for j in self.slots:
            lines.append(
                f"  job {j:3d} {self.instance.circuit[j]:<14} deadline in "
                f"{self.instance.deadline[j] - sim.t:7.2f} s"
            )
        return "\n".join(lines)

    def _render_rgb(self) -> np.ndarray:
        """Left: each QPU's remaining busy time. Right: the deadline slack of each job in the
        decision window (green on time, red already late; the job's id beside its bar)."""
        from ..rendering import cached_canvas, grow_limit

        key = (id(self.instance), self.config.window)  # axis scales start afresh each episode
        blit, parts = cached_canvas(self, key, self._build_canvas)
        sim = self.core
        if sim is None:
            return blit.frame()
        busy = [max(sim.busy_until[q] - sim.t, 0.0) for q in range(self.n_qpus)]
        slack = [self.instance.deadline[j] - sim.t for j in self.slots]
        left, right = parts["left"], parts["right"]
        for bar, value in zip(parts["busy"], busy, strict=True):
            bar.set_width(value)
        span = max((abs(v) for v in slack), default=0.0)
        limits = (grow_limit(left.get_xlim()[1], max(busy)), grow_limit(right.get_xlim()[1], span))
        if limits != (left.get_xlim()[1], right.get_xlim()[1]):
            left.set_xlim(0, limits[0])
            right.set_xlim(-limits[1], limits[1])
            blit.invalidate()
        for k, (bar, text) in enumerate(zip(parts["slack"], parts["jobs"], strict=True)):
            value = slack[k] if k < len(slack) else 0.0
            bar.set_width(value)
            bar.set_visible(k < len(slack))
            bar.set_color("tab:red" if value < 0 else "tab:green")
            text.set_text(f"job {self.slots[k]}" if k < len(slack) else "")
            text.set_x(value)
            text.set_horizontalalignment("right" if value < 0 else "left")
        served = sim.served()
        parts["title"].set_text(f"t = {sim.t:.2f} s   served {served}/{len(sim.status)}")
        return blit.frame()

    def _build_canvas(self):
        """Axes, QPU names and window positions drawn once; bars, job ids and title per frame."""
        from ..rendering import BlitFigure, new_figure

        fig = new_figure(7.0, 3.2)
        left, right = fig.subplots(1, 2)
        w = self.config.window
        busy = left.barh(self.instance.pool.names[: self.n_qpus], np.zeros(self.n_qpus), zorder=2)
        slack = right.barh(
            [f"slot {k}" for k in range(w)], np.zeros(w), color="tab:green", zorder=2
        )
        jobs = [right.text(0, k, "", va="center", fontsize=6) for k in range(w)]
        left.set_xlim(0, 1.0)
        right.set_xlim(-1.0, 1.0)
        right.axvline(0.0, color="black", lw=0.5)
        left.set_xlabel("remaining busy time (s)", fontsize=8)
        left.tick_params(labelsize=7)
        right.set_xlabel("deadline slack (s): green on time, red late", fontsize=8)
        right.tick_params(labelsize=7)
        fig.subplots_adjust(left=0.2, right=0.98, wspace=0.45, bottom=0.17, top=0.87)
        title = fig.suptitle(" ", fontsize=9)
        parts = {"left": left, "right": right, "busy": busy, "slack": slack, "jobs": jobs}
        parts["title"] = title
        dynamic = [*busy, *slack, *jobs, title]
        return BlitFigure(fig, dynamic), parts
