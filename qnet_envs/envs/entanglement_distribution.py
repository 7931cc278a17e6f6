"""``qnet/EntanglementDistribution-v0``: a controller distributing end-to-end entangled pairs."""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from ..core.repeater_chain import (
    DISCARD,
    GENERATE,
    OP_NAMES,
    PURIFY,
    SWAP,
    WAIT,
    RepeaterChain,
    RepeaterChainConfig,
)
from ..rendering import figure_to_rgb, new_figure
from ._actions import discrete_action
from .base import QnetEnv

MAX_AGE_OBS = 4.0  # ages are observed in coherence times, clipped here


class EntanglementDistributionEnv(QnetEnv):
    """
    ## Description

    A chain of ``n_nodes`` quantum repeaters joined by fibre links must deliver entangled pairs
    between its two end nodes whose fidelity reaches ``target_fidelity``. Each node holds
    ``memories_per_side`` quantum memories facing each neighbour. Elementary pairs are made by
    midpoint-heralded attempts that succeed with the fibre-loss probability of
    :func:`qnet_envs.physics.heralded_success_probability`; their fidelity is drawn from
    ``initial_fidelity`` (the "uncertain fidelities" of seed 002, Xu et al., Sec. II-C 3 and
    III). The controller joins pairs by entanglement swapping, trades two pairs for a better
    one by purification, and discards stale pairs, while every stored pair depolarises
    (:func:`qnet_envs.physics.decohere`). A pair spanning the whole chain is delivered at once.

    One step is one time slot, the heralding round trip of the longest link
    (:func:`qnet_envs.physics.heralded_attempt_time`): 122 us for the default 25 km links.

    ## Action Space

    ``Discrete(1 + (N-1) + (N-2) + N(N-1)/2 + (N-1)M)``, laid out in blocks (18 actions for
    the default N = 4, M = 2); ``env.unwrapped.describe_action(a)`` names any action.

    | Block | Actions | Meaning |
    |-------|---------|---------|
    | wait | 1 | do nothing this slot |
    | generate | N-1 | one heralded attempt on link i (needs a free memory at both ends) |
    | swap | N-2 | Bell measurement at interior node j on its best left and right pairs |
    | purify | N(N-1)/2 | purify the two best pairs between nodes (a, b) (BBPSSW or DEJMPS) |
    | discard | (N-1)M | free the pair stored in pair slot p |

    "Best" means the highest nominal fidelity. ``info["action_mask"]`` (int8) marks the valid
    actions. A masked-out action is a no-op that still takes the slot and costs
    ``invalid_action_penalty`` (default 0.1), with ``info["invalid_action"] = True``. An action
    outside the space raises ``ValueError``.

    ## Observation Space

    ``Box(0, 4, ((N-1)M * 4,), float32)``: for each pair slot p = a*M + s (the pair's left end
    is node a), four numbers, all 0 when the slot is empty:

    | Index | Observation | Range |
    |-------|-------------|-------|
    | 4p + 0 | occupied | {0, 1} |
    | 4p + 1 | right end node b / (N - 1) | (0, 1] |
    | 4p + 2 | age in coherence times, clipped | [0, 4] |
    | 4p + 3 | fidelity: nominal (believed), or true if ``reveal_fidelity`` | [0, 1] |

    The true fidelity is hidden by default (a POMDP): the nominal one follows the same physics
    from the distribution's mean.

    ## Rewards

    +1 per delivered end-to-end pair whose true fidelity is >= ``target_fidelity`` (0.8), minus
    ``attempt_cost`` (0.01) per generation attempt, minus ``memory_cost`` (0.0005) per occupied
    memory per slot, minus ``invalid_action_penalty`` (0.1) for a masked-out action.

    ## Info

    ``action_mask``, ``invalid_action``, cumulative ``delivered``, ``delivered_above_target``,
    ``mean_delivered_fidelity`` (true fidelity; 0 before the first delivery), ``attempts``,
    ``swaps``, ``purifications``, the slot ``t``, and ``delivered_fidelities`` of this step.

    ## Starting State

    All memories empty at t = 0.

    ## Episode End

    Never terminates; truncated after ``horizon`` slots (default 1000).

    ## Arguments

    ``gym.make("qnet/EntanglementDistribution-v0", config={...}, render_mode=None)``; the
    config is deep-merged into :class:`RepeaterChainConfig` defaults:

    | Field | Default | Allowed | Source |
    |-------|---------|---------|--------|
    | n_nodes | 4 | 3-10 | foundation issue |
    | link_length_km | 25.0 | (0, 1000], one value or N-1 | metro-scale links |
    | memories_per_side | 2 | 1-8 | |
    | coherence_time_s | 0.5 | > 0 | NV electron spin with decoupling: > 1 s (Abobeih et al., Nat. Commun. 9, 2552 (2018)); halved for network activity |
    | attenuation_db_per_km | 0.2 | [0, 10] | telecom fibre at 1550 nm (ITU-T G.652) |
    | detector_efficiency | 0.9 | (0, 1] | superconducting nanowire detectors |
    | emission_efficiency | 1.0 | (0, 1] | ideal: default links are fibre-limited |
    | initial_fidelity | normal(0.92, 0.02) | kind normal/uniform/fixed | seed 002 "uncertain fidelities" |
    | gate_fidelity | 0.995 | [0, 1] | two-qubit gates of current ion/NV nodes |
    | meas_fidelity | 0.998 | [0.5, 1] | single-qubit readout |
    | purification | "dejmps" | bbpssw, dejmps | |
    | target_fidelity | 0.8 | [0.25, 1] | foundation issue |
    | attempt_cost, memory_cost, invalid_action_penalty | 0.01, 0.0005, 0.1 | >= 0 | |
    | horizon | 1000 | >= 1 | |
    | reveal_fidelity | False | bool | |

    ## Version History

    * v0: initial release. Before the first tagged release the fidelity draw changed once from
      ``rng.normal`` to Box-Muller on a fixed three uniforms per step (same distribution), so
      that the batched vector env reproduces scalar envs.
    """

    metadata = {"render_modes": ["ansi", "rgb_array"], "render_fps": 10}
    metric_keys = ("delivered_above_target", "delivered", "mean_delivered_fidelity", "attempts")

    @classmethod
    def default_config(cls) -> RepeaterChainConfig:
        return RepeaterChainConfig()

    def _configure(self, config: RepeaterChainConfig) -> None:
        self.config = config
        self.sim = RepeaterChain(config)
        n, m = config.n_nodes, config.memories_per_side
        blocks = [
            (WAIT, 1),
            (GENERATE, n - 1),
            (SWAP, n - 2),
            (PURIFY, n * (n - 1) // 2),
            (DISCARD, (n - 1) * m),
        ]
        ops, args = [], []
        for op, count in blocks:
            ops += [op] * count
            args += list(range(count))
        self._ops, self._args = ops, args
        self._block_start = {op: ops.index(op) for op, _ in blocks}
        self.action_space = spaces.Discrete(len(ops))
        self.observation_space = spaces.Box(
            0.0, MAX_AGE_OBS, shape=(self.sim.n_pairs * 4,), dtype=np.float32
        )
        self._obs = np.zeros((self.sim.n_pairs, 4), dtype=np.float32)

    # --- action helpers ------------------------------------------------------------------
    def action_index(self, op: str, arg: int = 0) -> int:
        """The flat action for an operation name in ``OP_NAMES`` and its argument."""
        return self._block_start[OP_NAMES.index(op)] + arg

    def describe_action(self, action: int) -> str:
        op, arg = self._ops[action], self._args[action]
        if op == SWAP:
            return f"swap at node {arg + 1}"
        if op == PURIFY:
            a, b = self.sim.segments[arg]
            return f"purify segment ({a}, {b})"
        return OP_NAMES[op] if op == WAIT else f"{OP_NAMES[op]} {arg}"

    def action_mask(self) -> np.ndarray:
        gen, swap, purify, discard = self.sim.masks()
        return np.concatenate(([True], gen, swap, purify, discard)).astype(np.int8)

    # --- gym API -------------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        self._begin_reset(seed, options)
        self.sim.reset(self.np_random)
        self._episode_return = 0.0
        return self._observation(), self._info(invalid=False, delivered=[])

    def step(self, action):
        a = discrete_action(action, self.action_space.n)
        op, arg = self._ops[a], self._args[a]
        cfg = self.config
        invalid = not self._valid(op, arg)
        events = self.sim.apply(WAIT, 0) if invalid else self.sim.apply(op, arg)
        reward = (
            events["above_target"]
            - cfg.attempt_cost * events["attempts"]
            - cfg.memory_cost * events["occupied_memories"]
            - (cfg.invalid_action_penalty if invalid else 0.0)
        )
        truncated = self.sim.t >= cfg.horizon
        return (
            self._observation(),
            float(reward),
            False,
            truncated,
            self._info(invalid, events["delivered"]),
        )

    def _valid(self, op: int, arg: int) -> bool:
        if op == WAIT:
            return True
        return bool(self.sim.masks()[op - 1][arg])

    def _observation(self) -> np.ndarray:
        sim, obs = self.sim, self._obs
        occ = sim.occ
        obs[:, 0] = occ
        obs[:, 1] = np.where(occ, sim.end / (sim.n_nodes - 1), 0.0)
        obs[:, 2] = np.minimum(sim.ages() / sim.slots_per_coherence_time, MAX_AGE_OBS)
        fid = sim.coef[:, 0] if self.config.reveal_fidelity else sim.nominal[:, 0]
        obs[:, 3] = np.where(occ, fid, 0.0)
        return obs.reshape(-1).copy()

    def _info(self, invalid: bool, delivered: list[float]) -> dict:
        st = self.sim.stats
        n = st["delivered"]
        return {
            "action_mask": self.action_mask(),
            "invalid_action": invalid,
            "delivered": n,
            "delivered_above_target": st["delivered_above_target"],
            "mean_delivered_fidelity": st["delivered_fidelity_sum"] / n if n else 0.0,
            "delivered_fidelities": delivered,
            "attempts": st["attempts"],
            "swaps": st["swaps"],
            "purifications": st["purifications"],
            "t": self.sim.t,
        }

    # --- rendering -----------------------------------------------------------------------
    def render(self):
        if self.render_mode == "ansi":
            return self._render_text()
        if self.render_mode == "rgb_array":
            return self._render_rgb()
        return None

    def _pairs(self):
        sim = self.sim
        for p in np.flatnonzero(sim.occ):
            a = int(p) // sim.m
            yield (
                a,
                int(sim.end[p]),
                float(sim.nominal[p, 0]),
                float(sim.coef[p, 0]),
                int(sim.t - sim.born[p]),
            )

    def _render_text(self) -> str:
        st = self.sim.stats
        lines = [
            f"t={self.sim.t} slot={self.sim.slot_time_s * 1e6:.0f}us delivered={st['delivered']} "
            f"(>= target: {st['delivered_above_target']}) attempts={st['attempts']}",
            "pair     nominal  true    age",
        ]
        for a, b, fn, ft, age in self._pairs():
            lines.append(f"({a},{b})    {fn:.4f}   {ft:.4f}  {age}")
        return "\n".join(lines) + "\n"

    def _render_rgb(self) -> np.ndarray:
        n = self.config.n_nodes
        fig = new_figure()
        ax = fig.add_subplot()
        ax.scatter(range(n), [0] * n, s=300, c="tab:blue", zorder=3)
        for i in range(n):
            ax.annotate(str(i), (i, 0), ha="center", va="center", color="white", zorder=4)
        for k, (a, b, fn, _, _) in enumerate(self._pairs()):
            h = 0.15 * (b - a) + 0.04 * (k % 3)
            xs = np.linspace(a, b, 30)
            ys = h * np.sin(np.pi * (xs - a) / (b - a))
            ax.plot(xs, ys, color=(1 - fn, fn, 0.2), lw=2)
        ax.set_xlim(-0.5, n - 0.5)
        ax.set_ylim(-0.3, 0.3 + 0.15 * n)
        ax.set_title(f"t={self.sim.t}  delivered={self.sim.stats['delivered']}")
        ax.axis("off")
        return figure_to_rgb(fig)
