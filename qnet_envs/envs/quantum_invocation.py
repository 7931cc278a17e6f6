"""``qnet/QuantumInvocation-v0``: the Quantum Invocation Policy (QIP) of Q-Backbone."""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from ..core.invocation_model import CLASSICAL, QUANTUM, InvocationConfig, InvocationModel
from ._actions import discrete_action
from .base import QnetEnv

N_OBS = 11


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
        self.core = InvocationModel(config)
        self.action_space = spaces.Discrete(2)
        self.observation_space = spaces.Box(0.0, 1.0, shape=(N_OBS,), dtype=np.float32)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        self._begin_reset(seed, options)
        self.core.reset(self.np_random)
        return self._observation(), self._info(False, None)

    def step(self, action):
        a = discrete_action(action, 2)
        if self.core.job is None:
            raise RuntimeError("call reset() before step()")
        reward, invalid, outcome = self.core.decide(a)
        truncated = self.core.steps >= self.config.horizon
        return self._observation(), float(reward), False, truncated, self._info(invalid, outcome)

    def expected_reward(self, path: int) -> float:
        """The expected reward of sending the current job down ``path`` (QUANTUM or
        CLASSICAL), from the model's own outcome distributions (what the expected-reward
        baseline compares; the env keeps the job's hidden draws to itself)."""
        if self.core.job is None:
            raise RuntimeError("call reset() before expected_reward()")
        return self.core.expected_reward(path)

    def _observation(self) -> np.ndarray:
        sim, cfg = self.core, self.config
        job = sim.job
        row = job["row"]
        sweeps = 0 if job["sweeps"] is None else int(job["sweeps"])
        shots = 0 if job["plan"] is None else job["plan"][2]
        age = sim.age_h[job["qpu"]] if job["qpu"] is not None else 0.0
        obs = [
            row["n"] / 12.0,
            row["density"],
            min(max(row["roughness"], 0.0), 1.0),
            job["deadline"] / (job["deadline"] + 10.0),
            job["target"],
            job["budget"] / (job["budget"] + 1000.0),
            np.count_nonzero(sim.up) / sim.up.size,
            sim.queue / (sim.queue + 5.0),
            age / cfg.calibration_period_h,
            shots / cfg.max_shots,
            sweeps / 64.0,
        ]
        out = np.array(obs, dtype=np.float32)
        np.maximum(out, 0.0, out=out)  # clipped to [0, 1] in place (np.clip's wrapper costs more)
        return np.minimum(out, 1.0, out=out)

    def action_mask(self) -> np.ndarray:
        return self.core.mask.astype(np.int8)

    def _info(self, invalid: bool, outcome) -> dict:
        st = self.core.stats
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
        sim = self.core
        if self.render_mode != "ansi" or sim.job is None:
            return None
        j = sim.job
        return (
            f"job n={j['row']['n']} density={j['row']['density']} deadline={j['deadline']:.2f}s "
            f"target={j['target']:.3f} queue={sim.queue} QPUs up={int(sim.up.sum())} "
            f"shots={0 if j['plan'] is None else j['plan'][2]} sweeps={j['sweeps']}"
        )

    def _render_rgb(self) -> np.ndarray:
        """The hardware state the invocation policy sees (QPUs up, queue) and the current job
        (size, deadline, quality target), as labelled bars."""
        from ..rendering import cached_canvas, grow_limit

        blit, ax, bars = cached_canvas(self, None, self._build_canvas)
        sim = self.core
        j = sim.job
        values = [0.0] * 5
        if j is not None:
            values = [float(sim.up.sum()), float(sim.queue), float(j["row"]["n"]),
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


__all__ = ["CLASSICAL", "QUANTUM", "InvocationConfig", "QuantumInvocationEnv"]
