"""``qnet/Com2Net-v0``: schedule computing tasks and federated-learning jobs across domains."""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from ..core.com2net import BANDWIDTH_LEVELS, FL, GENERAL, UNIT_LEVELS, Com2Net, Com2NetConfig
from ._actions import discrete_action
from .base import QnetEnv

TASK_FEATURES = 10
POOL_FEATURES = 5
CENTRE_FEATURES = 2
GLOBAL_FEATURES = 6


class Com2NetEnv(QnetEnv):
    """
    ## Description

    (Com)2Net (seed 000, "QGA-Assisted Resource Adaption" and "Case Study"): tasks arrive at
    each decision epoch at a factory server connected to computing centres (default: 3 data
    centres, 2 intelligent computing centres, 1 supercomputer centre, each a pool of CPU, GPU
    and FPGA units) over WAN links sharing ``bandwidth_gbps``. One step decides the task at the
    head of the queue: inter-domain traffic scheduling (centre and device type) and intra-domain
    allocation (units and bandwidth share). General tasks run on one unit; federated-learning
    jobs train at ``fl_participants`` centres with hierarchical aggregation every epoch at the
    access routers and every ``kappa`` epochs at the factory server, until the 90% accuracy
    target. Model and surrogate: :mod:`qnet_envs.core.com2net`.

    ## Action Space

    ``action_mode="compact"`` (default, the seed's DDQN |A| = 4): ``Discrete(4)`` joint
    allocation levels l: ``UNIT_LEVELS[l]`` = 1, 2, 4, 8 units (1 for general tasks) and
    ``BANDWIDTH_LEVELS[l]`` = 5, 10, 20, 40% of B, placed on the centre and device type that
    finishes it earliest. ``action_mode="joint"`` (``qnet/Com2Net-joint-v1``): ``Discrete(C x 3
    x 4)`` (72 for C = 6), the full joint decision, action ``(centre x 3 + device type) x 4 +
    level`` (:meth:`decode_joint`). ``info["action_mask"]`` is an int8 array over the actions
    and exact: an action is allowed iff its centre's link is up and the centre has the level's
    units of that type, which is exactly when the task can be placed there, so a mask-valid
    action never fails. A masked-out choice rejects the task (it ends as rejected) and costs
    ``invalid_action_penalty``; ``info["invalid_action"]`` is True. A task with no feasible
    level at all is rejected without asking. Out-of-space actions raise ``ValueError``.

    ## Observation Space

    ``Box(0, 1, (15C + 2C + 10(1 + L) + 6,), float32)``, |S| = 688 for the default C = 6
    centres and lookahead L = 57, the seed's |S|: per (centre, device type) pool: free-unit
    fraction now, throughput / 20 TFLOP/s, power / 600 W, price / $5 per h, earliest free time
    ahead / (10 epochs); per centre: WAN latency / 50 ms, link up; for the head task and the
    next L pending ones: present, general, FL, work / max, data / max, deadline slack / 1 h,
    FL model size / 1 Gbit, FL local work / 100 TFLOP, kappa / 10, participants / C; global:
    epoch / horizon, B / 1 Gbit/s, TCR so far, free bandwidth fraction, pending / (L + 1),
    accuracy of the last finished FL job.

    ## Rewards

    +1 when the decided task finishes by its deadline (an FL job also has to reach the accuracy
    target); 0 otherwise; minus ``invalid_action_penalty`` for an infeasible choice. The return
    is the number of tasks completed in time, so TCR = return / tasks.

    ## Episode End

    Truncated after ``horizon`` decision epochs (50); in the single-task scenario
    (``multi_task=False``) after the one FL job.

    ## Info

    ``tcr``, ``completed``, ``missed``, ``rejected``, ``arrived``, ``fl_accuracy`` and
    ``fl_epochs`` (of the last FL job), ``action_mask``, ``invalid_action``.

    ## Arguments

    Fields of :class:`qnet_envs.core.com2net.Com2NetConfig`: ``scenario`` ("multi-centre",
    "space-air-ground", "end-edge-cloud"), ``bandwidth_gbps`` (1.0), ``tasks_per_epoch`` (3),
    ``fl_fraction`` (0.3), ``fl_participants`` (3), ``kappa`` (5), ``epoch_s`` (60),
    ``multi_task`` (True), ``action_mode``, ``lookahead`` (57), ``horizon`` (50), the task
    ranges and the FL surrogate's parameters, and ``devices.{cpu,gpu,fpga}.{tflops, power_w,
    price_per_h}`` (:class:`~qnet_envs.core.com2net.DeviceProfile`: a Xeon 8380 node, an A100,
    an Alveo U250; override one number as ``{"devices": {"gpu": {"tflops": 30.0}}}``).

    ## Version History

    * Com2Net-joint-v1: the joint action is ``Discrete(C x 3 x 4)`` with an exact mask.
      Com2Net-joint-v0 took ``MultiDiscrete([C, 3, 4])`` with per-component masks, under which
      a combination of individually allowed components could still fail; it is removed
      (``gym.make`` raises ``DeprecatedEnv`` pointing at v1).
    * v0: initial release.
    """

    metadata = {"render_modes": ["ansi", "rgb_array"], "render_fps": 1}
    metric_keys = ("tcr", "completed", "missed", "rejected")

    @classmethod
    def default_config(cls) -> Com2NetConfig:
        return Com2NetConfig()

    @staticmethod
    def observation_size(config: Com2NetConfig) -> int:
        from ..core.com2net import SCENARIOS

        c = len(SCENARIOS[config.scenario])
        return (
            POOL_FEATURES * 3 * c
            + CENTRE_FEATURES * c
            + TASK_FEATURES * (1 + config.lookahead)
            + GLOBAL_FEATURES
        )

    def _configure(self, config: Com2NetConfig) -> None:
        self.config = config
        self.core = Com2Net(config)
        self.joint = config.action_mode == "joint"
        if self.joint:
            self.joint_shape = (self.core.n_centres, 3, len(UNIT_LEVELS))
            self.action_space = spaces.Discrete(int(np.prod(self.joint_shape)))
        else:
            self.action_space = spaces.Discrete(len(UNIT_LEVELS))
        self.observation_space = spaces.Box(0.0, 1.0, (self.observation_size(config),), np.float32)
        self._layout = self._obs_layout(self.core)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        self._begin_reset(seed, options)
        self.core.reset(self.np_random)
        self._last_fl = (0.0, 0)
        self._skip_to_decision()
        return self._observation(), self._info(False)

    def _skip_to_decision(self) -> bool:
        """Advance until a task with some feasible choice heads the queue; True if truncated."""
        sim = self.core
        while True:
            if sim.head is None:
                if sim.epoch + 1 >= self.config.horizon or (
                    not self.config.multi_task and sim.epoch >= 0 and sim.counts["arrived"]
                ):
                    return True
                sim.advance_epoch()
                continue
            if sim.level_feasible(sim.head).any():
                return False
            sim.reject()

    def step(self, action):
        sim, cfg = self.core, self.config
        task = sim.head
        index = discrete_action(action, self.action_space.n)
        if task is None:  # no task arrived in the whole horizon: nothing to decide
            return self._observation(), 0.0, False, True, self._info(False)
        if self.joint:
            centre, dtype, level = self.decode_joint(index)
            # plan's own test is the mask's (Com2Net.joint_feasible): None where masked out
            plan = sim.plan(task, centre, dtype, level)
        else:
            level = index
            best = sim.best_pool(task, level) if sim.level_feasible(task)[level] else None
            centre, dtype, plan = best if best else (0, 0, None)
        invalid = plan is None
        if invalid:
            sim.reject()
            reward = -float(cfg.invalid_action_penalty)  # a float even when given as an int
        else:
            reward = float(sim.commit(task, centre, dtype, plan))
            if plan["curve"] is not None:
                self._last_fl = (float(plan["curve"][plan["epochs"] - 1]), plan["epochs"])
        truncated = self._skip_to_decision()
        return self._observation(), reward, False, truncated, self._info(invalid)

    def decode_joint(self, action: int) -> tuple[int, int, int]:
        """(centre, device type, level) of a joint action."""
        centre, dtype, level = np.unravel_index(action, self.joint_shape)
        return int(centre), int(dtype), int(level)

    def action_mask(self):
        task = self.core.head
        if task is None:
            return np.ones(self.action_space.n, dtype=np.int8)
        if not self.joint:
            return self.core.level_feasible(task).astype(np.int8)
        return self.core.joint_feasible(task).reshape(-1).astype(np.int8)

    def _observation(self) -> np.ndarray:
        sim, cfg = self.core, self.config
        c = sim.n_centres
        template, free_share_at, wait_at = self._layout
        obs = template.copy()  # the fixed features already in place
        if sim.pools:
            # per pool with units: the share of its units free now, and the time until its
            # earliest unit frees (0 if one is free): segment sums over the units' free times
            on = np.add.reduceat(sim.unit_free <= sim.now, sim.pool_starts, dtype=np.int64)
            obs[free_share_at] = on / sim.pool_sizes
            first = sim.first_free
            wait = np.minimum((first - sim.now) / (10 * cfg.epoch_s), 1.0)
            obs[wait_at] = np.where(first > sim.now, wait, 0.0)
        k = POOL_FEATURES * 3 * c
        obs[k + c : k + 2 * c] = sim.link_up
        i = k + 2 * c
        for task in sim.pending[: 1 + cfg.lookahead]:
            obs[i : i + TASK_FEATURES] = self._task_features(task)
            i += TASK_FEATURES
        i = k + 2 * c + TASK_FEATURES * (1 + cfg.lookahead)
        obs[i : i + GLOBAL_FEATURES] = (
            min(sim.epoch / cfg.horizon, 1.0),
            min(cfg.bandwidth_gbps, 1.0),
            sim.tcr(),
            # np.mean of the bools, exactly: an integer count over the slot count
            np.count_nonzero(sim.bw_free_at <= sim.now) / sim.bw_free_at.size,
            min(len(sim.pending) / (1 + cfg.lookahead), 1.0),
            self._last_fl[0],
        )
        return obs

    def _obs_layout(self, sim: Com2Net):
        """What the observation keeps between steps (the units, device types and latencies
        are fixed for a config): an observation with the fixed features in place (each pool's
        type's TFLOPS, power and price, scaled; each centre's latency), and where each pool
        with units (``sim.pools``, centre-major) keeps its free share and its wait."""
        template = np.zeros(self.observation_space.shape, dtype=np.float32)
        c = sim.n_centres
        pools = template[: POOL_FEATURES * 3 * c].reshape(c, 3, POOL_FEATURES)
        prof = [(p.tflops / 20.0, p.power_w / 600.0, p.price_per_h / 5.0) for p in sim.profiles]
        pools[:, :, 1:4] = np.minimum(np.array(prof), 1.0)[None]
        k = pools.size
        template[k : k + c] = np.minimum(sim.latency / 0.05, 1.0)
        rows = np.flatnonzero(sim.units.reshape(-1) > 0) * POOL_FEATURES
        return template, rows, rows + 4

    def _task_features(self, task) -> tuple:
        """A task's TASK_FEATURES values (written into the float32 observation)."""
        cfg, sim = self.config, self.core
        slack = min(max(task.deadline_s - sim.now, 0.0) / 3600.0, 1)
        if task.kind == GENERAL:
            tflop = task.tflop / cfg.general_tflop[1]
            return (1, 1, 0, tflop, task.data_gbit / cfg.general_data_gbit[1], slack, 0, 0, 0, 0)
        return (
            1,
            0,
            1,
            0,
            0,
            slack,
            min(cfg.fl_model_mbit / 1e3, 1),
            min(cfg.fl_local_tflop / 100, 1),
            min(cfg.kappa / 10, 1),
            cfg.fl_participants / sim.n_centres,
        )

    def _info(self, invalid: bool) -> dict:
        c = self.core.counts
        return {
            "action_mask": self.action_mask(),
            "invalid_action": invalid,
            "tcr": self.core.tcr(),
            "completed": c["completed"],
            "missed": c["missed"],
            "rejected": c["rejected"],
            "arrived": c["arrived"],
            "fl_accuracy": self._last_fl[0],
            "fl_epochs": self._last_fl[1],
        }

    def render(self):
        if self.render_mode == "rgb_array":
            return self._render_rgb()
        if self.render_mode != "ansi":
            return None
        sim = self.core
        lines = [
            f"epoch={sim.epoch} t={sim.now:.0f}s TCR={sim.tcr():.3f} pending={len(sim.pending)} counts={sim.counts}"
        ]
        for i, (name, *_rest) in enumerate(sim.centres):
            busy = self._busy(i)
            lines.append(
                f"{name:6s} link={'up' if sim.link_up[i] else 'down'} busy cpu/gpu/fpga={busy[0]:.2f}/{busy[1]:.2f}/{busy[2]:.2f}"
            )
        return "\n".join(lines) + "\n"

    def _busy(self, i: int) -> list[float]:
        """Centre ``i``'s share of busy units per device type (0 where it has none)."""
        sim = self.core
        pools = sim.free_at[i]
        return [float(np.mean(free > sim.now)) if free.size else 0.0 for free in pools]

    def _render_rgb(self) -> np.ndarray:
        """Busy fraction of each centre's CPU, GPU and FPGA units (bars, legend); centres whose
        WAN link is down are hatched."""
        from ..rendering import cached_canvas

        sim = self.core
        key = tuple(c[0] for c in sim.centres)
        blit, bars, title = cached_canvas(self, key, self._build_canvas)
        busy = [self._busy(i) for i in range(len(sim.centres))]
        for d, group in enumerate(bars):
            for i, bar in enumerate(group):
                bar.set_height(busy[i][d])
                bar.set_hatch(None if sim.link_up[i] else "//")
        title.set_text(
            f"epoch {sim.epoch}  t={sim.now:.0f} s  TCR={sim.tcr():.3f}  pending {len(sim.pending)}"
        )
        return blit.frame()

    def _build_canvas(self):
        """Axes, centre names and legend drawn once; the bars and title change per frame."""
        from ..rendering import BlitFigure, new_figure

        fig = new_figure(6.4, 3.2)
        ax = fig.add_subplot()
        names = [c[0] for c in self.core.centres]
        x = np.arange(len(names))
        colours = [("CPU", "tab:blue"), ("GPU", "tab:orange"), ("FPGA", "tab:green")]
        bars = [
            ax.bar(
                x + (d - 1) * 0.27,
                np.zeros(len(names)),
                0.27,
                label=f"{lab} busy",
                color=c,
                zorder=2,
            )
            for d, (lab, c) in enumerate(colours)
        ]
        ax.set_xticks(x, names, fontsize=8)
        ax.set_ylim(0, 1.4)  # room for the legend above the bars
        ax.set_ylabel("busy fraction")
        ax.legend(fontsize=7, loc="upper right", title="hatched: link down", title_fontsize=7)
        title = ax.set_title(" ", fontsize=9)
        patches = [bar for group in bars for bar in group]
        return BlitFigure(fig, [*patches, title]), bars, title


__all__ = ["Com2NetEnv", "BANDWIDTH_LEVELS", "FL"]
