"""``qnet/QPUScheduling-v0``: an RL agent as Q-Backbone's Layer-3 scheduler of circuit-cut jobs."""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from ..core.qpu_scheduling.codec import QPUActionCodec
from ..core.qpu_scheduling.config import QPUSchedulingConfig
from ..core.qpu_scheduling.core import QPUSchedulingCore
from ._actions import discrete_action
from .base import QnetEnv

__all__ = ["QPUActionCodec", "QPUSchedulingConfig", "QPUSchedulingEnv"]


class QPUSchedulingEnv(QnetEnv):
    """
    ## Description

    Seed 001 (Q-Backbone), Sec. IV: circuit-cut quantum jobs arrive at a pool of heterogeneous
    QPUs with deadlines; the agent is the Layer-3 scheduler. Jobs come from real circuits (QAOA,
    hardware-efficient ansaetze, GHZ, quantum autoencoders) cut by qiskit-addon-cutting, with
    LOCC wire cuts imposing measure -> prepare precedence; QPUs are IBM device snapshots.
    Model: :mod:`qnet_envs.core.qpu_scheduling` (instances, cut models and defaults in
    :mod:`.instance`, the decision core in :mod:`.core`). Time is
    event-driven (:class:`qnet_envs.core.qpu_scheduling.dispatch.Dispatcher`): the agent acts at the
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

    :class:`qnet_envs.core.qpu_scheduling.config.QPUSchedulingConfig`; e.g. ``config={"instance": {"load": 1.5, "deadline":
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
        self.core = QPUSchedulingCore(config)
        self.codec, self.n_qpus = self.core.codec, self.core.n_qpus
        self.n_assign, self.wait_action = self.codec.n_assign, self.codec.wait
        self.action_space = spaces.Discrete(self.codec.n)
        shape = (self.core.observation_size,)
        self.observation_space = spaces.Box(0.0, 1.0, shape=shape, dtype=np.float32)
        self._started = False

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        self._begin_reset(seed, options)
        self.core.reset(self.np_random)
        self._started = True
        return self.core.observation(), self.core.info(False)

    def step(self, action):
        a = discrete_action(action, self.action_space.n)
        if not self._started:
            raise RuntimeError("call reset() before step()")
        reward, invalid = self.core.apply(a)
        terminated, truncated = self.core.terminated(), self.core.truncated()
        return self.core.observation(), reward, terminated, truncated, self.core.info(invalid)

    @property
    def instance(self):
        """The episode's job set (:class:`~qnet_envs.core.qpu_scheduling.instance.Instance`)."""
        return self.core.instance

    @property
    def slots(self) -> np.ndarray:
        """The active jobs in the decision window, oldest first."""
        return self.core.slots

    def action_mask(self) -> np.ndarray:
        return self.core.mask.astype(np.int8)

    def check_invariants(self) -> None:
        self.core.check_invariants()

    def render(self):
        if self.render_mode == "rgb_array":
            return self._render_rgb()
        if self.render_mode != "ansi" or not self._started:
            return None
        sim = self.core.dispatcher
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
        if not self._started:
            return blit.frame()
        sim = self.core.dispatcher
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
