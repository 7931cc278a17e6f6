"""What the offloading model's fronts read of its core (env 0 of a batch of one, or every env):
the agents, each block's size and layout, the per-agent observations and masks cut from the
state vector and the flat masks the kernels write, and how an agent's action becomes a
(choice, fraction) of :class:`.core.OffloadingCore`. Spaces live in the fronts
(:func:`qnet_envs.envs.offloading_front.offloading_spaces`)."""

from __future__ import annotations

import numpy as np

from .config import FRACTION_LEVELS
from .core import OffloadingCore
from .layout import BACKLOG_SCALE_S, LEVELS


class OffloadingViews:
    """The agents' view of env 0 of ``core``: mobiles ``mobile_i``, edges ``edge_j``."""

    def __init__(self, core: OffloadingCore, flat: bool):
        self.core, self.flat = core, flat
        m, e = core.n_mobile, core.n_edge
        self.mobile_agents = [f"mobile_{i}" for i in range(m)]
        self.edge_agents = [f"edge_{j}" for j in range(e)]
        self.agents = self.mobile_agents + self.edge_agents
        # agent -> is it a mobile (a set lookup: 10,000 agents decode in linear time)
        self.is_mobile = {a: i < m for i, a in enumerate(self.agents)}
        self.n_targets = e + 2  # local, edge_1..edge_E, cloud
        self.mobile_obs_size = 8 + 2 * e
        # where a mobile's observation keeps what (the kernels' ``_mobile_views``)
        self.mobile_layout = {
            "own_backlog": 5,
            "gains": (7, 7 + e),
            "backlogs": (7 + e, 8 + 2 * e),  # edges, then the cloud
        }
        self.edge_obs_size = 4
        self.state_size = m * self.mobile_obs_size + e * self.edge_obs_size + e + 1
        self._choice = np.zeros((1, m + e), np.int64)  # a decoded decision, batch of one
        self._fraction = np.zeros((1, m + e))

    # --- observations ---------------------------------------------------------------------------
    def state(self) -> np.ndarray:
        """The centralised state of env 0: every mobile's row with the current backlogs of the
        edges and the cloud, every edge's row, then those backlogs (a copy)."""
        return self.core.observations()[0].copy()

    def mobile_block(self, state: np.ndarray | None = None) -> np.ndarray:
        """Every mobile's observation as rows: its row of the state, with the edges' and the
        cloud's backlogs as broadcast at the end of the previous slot (what a mobile can know).
        Row: has-task, n/9, k/5, qubits/16, fits-locally, own backlog, decision-queue fill,
        per edge the channel gain (dB mapped to [0, 1]), per edge and the cloud the backlog."""
        state = self.state() if state is None else state
        m = self.core.n_mobile
        block = state[: m * self.mobile_obs_size].reshape(m, self.mobile_obs_size)
        start = self.mobile_layout["backlogs"][0]
        block[:, start:] = np.minimum(self.core.broadcast[0] / BACKLOG_SCALE_S, 1.0)
        return block

    def edge_block(self, state: np.ndarray | None = None) -> np.ndarray:
        """Every edge's observation as rows: own backlog, processor-queue fill, share of the
        mobiles that sent it work last slot, the cloud's broadcast backlog."""
        state = self.state() if state is None else state
        start = self.core.n_mobile * self.mobile_obs_size
        size = self.core.n_edge * self.edge_obs_size
        return state[start : start + size].reshape(self.core.n_edge, self.edge_obs_size)

    def observations(self) -> dict[str, np.ndarray]:
        state = self.state()
        edges = self.edge_block(state)  # before the mobiles' rows are overwritten in place
        obs = dict(zip(self.mobile_agents, self.mobile_block(state), strict=True))
        obs.update(zip(self.edge_agents, edges, strict=True))
        return obs

    # --- masks --------------------------------------------------------------------------------
    def mobile_masks(self) -> np.ndarray:
        """Every mobile's mask as rows (int8): per (target, level) when flat, else per target
        (a target's processor holds the task: its whole-task level's entry)."""
        m = self.core.n_mobile
        rows = self.core.flat_masks()[0, : m * self.n_targets * LEVELS]
        rows = rows.reshape(m, self.n_targets, LEVELS)
        masks = rows.reshape(m, -1) if self.flat else rows[:, :, LEVELS - 1]
        return masks.astype(np.int8)

    def edge_mask(self) -> np.ndarray:
        return np.ones(2 * LEVELS if self.flat else 2, dtype=np.int8)

    def mask_list(self) -> list[np.ndarray]:
        """Every agent's mask in agent order (mobiles, then edges)."""
        edge = self.edge_mask()
        return [*self.mobile_masks(), *[edge] * self.core.n_edge]

    def masks(self) -> dict[str, np.ndarray]:
        return dict(zip(self.agents, self.mask_list(), strict=True))

    # --- actions ------------------------------------------------------------------------------
    def decode(self, agent: str, action) -> tuple[int, float]:
        """(target or forward flag, fraction); raises ``ValueError`` outside the agent's space."""
        choices = self.n_targets if self.is_mobile[agent] else 2  # targets, or forward?
        if self.flat:
            if isinstance(action, np.ndarray) and action.shape == ():
                action = action.item()
            if (
                isinstance(action, (bool, np.bool_))
                or not isinstance(action, (int, np.integer))
                or not 0 <= action < choices * LEVELS
            ):
                raise ValueError(
                    f"{agent}: action {action!r} is not in Discrete({choices * LEVELS})"
                )
            first, level = divmod(int(action), LEVELS)
            return first, FRACTION_LEVELS[level]
        key = "target" if self.is_mobile[agent] else "forward"
        if not isinstance(action, dict) or set(action) != {key, "fraction"}:
            raise ValueError(
                f"{agent}: action {action!r} must be a dict with keys {key!r}, 'fraction'"
            )
        first = action[key]
        if isinstance(first, np.ndarray) and first.shape == ():
            first = first.item()
        if (
            isinstance(first, (bool, np.bool_))
            or not isinstance(first, (int, np.integer))
            or not 0 <= first < choices
        ):
            raise ValueError(f"{agent}: {key}={first!r} is not in Discrete({choices})")
        raw = np.asarray(action["fraction"])
        if raw.dtype.kind not in "iuf":  # "0.5" would convert silently
            raise ValueError(f"{agent}: fraction={action['fraction']!r} must be a number")
        frac = raw.astype(np.float64).reshape(-1)
        if frac.size != 1 or not np.isfinite(frac[0]) or not 0.0 <= frac[0] <= 1.0:
            raise ValueError(
                f"{agent}: fraction={action['fraction']!r} must be one number in [0, 1]"
            )
        return int(first), float(frac[0])

    def apply(self, actions: dict) -> dict:
        """Decode every agent's action and step the core. A missing, unknown or misspelled
        agent key, or a container other than a dict, raises ``ValueError`` naming it."""
        if not isinstance(actions, dict):
            raise ValueError(
                f"actions must be a dict agent -> action, got {type(actions).__name__}"
            )
        unknown = sorted(set(actions) - set(self.agents), key=str)
        missing = [a for a in self.agents if a not in actions]
        if unknown or missing:
            raise ValueError(f"actions: unknown agents {unknown}, missing agents {missing}")
        decoded = [self.decode(a, actions[a]) for a in self.agents]
        self._choice[0] = [first for first, _ in decoded]
        self._fraction[0] = [fraction for _, fraction in decoded]
        return self.core.step_decoded(self._choice, self._fraction)

    @staticmethod
    def encode_flat(decision) -> list[int]:
        """Per-agent flat actions (mobiles, then edges) of a decision ((target, fraction) per
        mobile, (forward, fraction) per edge), each fraction at its nearest level: the inverse
        of the flat decoding on the levels."""
        mobile, rules = decision
        levels = np.asarray(FRACTION_LEVELS)
        return [
            int(first) * LEVELS + int(np.argmin(np.abs(levels - f)))
            for first, f in [*mobile, *rules]
        ]
