"""Observations, action spaces, masks and action decoding of the offloading core, shared by its
PettingZoo front (one agent per node) and its Gymnasium front (one centralised controller)."""

from __future__ import annotations

import numpy as np
from gymnasium import spaces

from ..core.offloading import FRACTION_LEVELS, Offloading

LEVELS = len(FRACTION_LEVELS)
BACKLOG_SCALE_S = 10.0


class OffloadingViews:
    def __init__(self, sim: Offloading, flat: bool):
        self.sim, self.flat = sim, flat
        m, e = sim.n_mobile, sim.n_edge
        self.mobile_agents = [f"mobile_{i}" for i in range(m)]
        self.edge_agents = [f"edge_{j}" for j in range(e)]
        self.agents = self.mobile_agents + self.edge_agents
        self.n_targets = e + 2  # local, edge_1..edge_E, cloud
        self.mobile_obs_size = 8 + 2 * e
        # where a mobile's observation keeps what (see mobile_block)
        self.mobile_layout = {
            "own_backlog": 5,
            "gains": (7, 7 + e),
            "backlogs": (7 + e, 8 + 2 * e),  # edges, then the cloud
        }
        self.edge_obs_size = 4
        self.state_size = m * self.mobile_obs_size + e * self.edge_obs_size + e + 1
        self.observation_spaces = {
            a: spaces.Box(
                0.0,
                1.0,
                (self.mobile_obs_size if a in self.mobile_agents else self.edge_obs_size,),
                np.float32,
            )
            for a in self.agents
        }
        if flat:
            mobile_space = spaces.Discrete(self.n_targets * LEVELS)
            edge_space = spaces.Discrete(2 * LEVELS)
        else:
            frac = spaces.Box(0.0, 1.0, (1,), np.float32)
            mobile_space = spaces.Dict(
                {"target": spaces.Discrete(self.n_targets), "fraction": frac}
            )
            edge_space = spaces.Dict({"forward": spaces.Discrete(2), "fraction": frac})
        self.action_spaces = {
            a: mobile_space if a in self.mobile_agents else edge_space for a in self.agents
        }
        self.state_space = spaces.Box(0.0, 1.0, (self.state_size,), np.float32)
        # (target, level) pairs that need nothing of the local processor: local execution is
        # always whole, and a remote target with the whole task
        self._full_share = np.ones((1, self.n_targets, LEVELS), dtype=bool)
        self._full_share[0, 1:, :] = ~(np.array(FRACTION_LEVELS) < 1.0)
        self._edge_ones = np.ones(e * (2 * LEVELS if flat else 2), dtype=bool)

    # --- observations ---------------------------------------------------------------------------
    def remote_backlogs(self) -> np.ndarray:
        """Current backlog (s) of every edge and of the cloud."""
        return self.sim.backlogs()[self.sim.n_mobile :]

    def mobile_block(self, stale: bool = True, backlogs: np.ndarray | None = None) -> np.ndarray:
        """All mobiles' observations as rows; ``stale`` uses the backlogs broadcast at the end of
        the previous slot (what a mobile can know), otherwise the current ones (the state);
        ``backlogs``: every node's current backlog where the caller has it.

        Row: has-task, n/9, k/5, qubits/16, fits-locally, own backlog, decision-queue fill, per
        edge the channel gain (dB mapped to [0, 1]), per edge and the cloud the backlog."""
        sim, cfg = self.sim, self.sim.config
        m, e = sim.n_mobile, sim.n_edge
        backlogs = sim.backlogs() if backlogs is None else backlogs
        obs = np.zeros((m, self.mobile_obs_size), dtype=np.float32)
        heads = [(i, q[0]) for i, q in enumerate(sim.queues) if q]
        if heads:
            rows = [i for i, _ in heads]
            qubits = [sim.qubits(t) for _, t in heads]
            obs[rows, :5] = [
                (1.0, t.n / 9.0, t.k / 5.0, q / 16.0, q <= cap)
                for (_, t), q, cap in zip(heads, qubits, sim.node_qubits[rows], strict=True)
            ]
        obs[:, 5] = backlogs[:m]  # scaled in float32, as the observation holds it
        obs[:, 5] = np.minimum(obs[:, 5] / BACKLOG_SCALE_S, 1.0)
        obs[:, 6] = [len(q) / cfg.decision_queue_limit for q in sim.queues]
        obs[:, 7 : 7 + e] = self._gain_features()
        backlog = sim.broadcast_backlog if stale else backlogs[m:]
        obs[:, 7 + e :] = np.minimum(backlog / BACKLOG_SCALE_S, 1.0)
        return obs

    def _gain_features(self) -> np.ndarray:
        """Channel gains in dB mapped to [0, 1]; kept until the core draws the next slot's."""
        gain = self.sim.gain
        if getattr(self, "_gain_of", None) is not gain:
            self._gain_of = gain
            self._gain_feat = np.clip((10 * np.log10(gain) + 140.0) / 60.0, 0.0, 1.0)
        return self._gain_feat

    def edge_block(self, backlogs: np.ndarray | None = None) -> np.ndarray:
        """Every edge's observation as rows: own backlog, processor-queue fill, share of the
        mobiles that sent it work last slot, the cloud's broadcast backlog."""
        sim, cfg = self.sim, self.sim.config
        m, e = sim.n_mobile, sim.n_edge
        backlogs = sim.backlogs() if backlogs is None else backlogs
        block = np.empty((e, self.edge_obs_size))
        block[:, 0] = backlogs[m : m + e] / BACKLOG_SCALE_S
        block[:, 1] = [sim.queue_length(m + j) / cfg.processor_queue_limit for j in range(e)]
        block[:, 2] = sim.received_last / sim.n_mobile
        block[:, 3] = sim.broadcast_backlog[-1] / BACKLOG_SCALE_S
        return np.clip(block, 0.0, 1.0).astype(np.float32)

    def observations(self) -> dict[str, np.ndarray]:
        backlogs = self.sim.backlogs()
        block = self.mobile_block(backlogs=backlogs)
        obs = {a: block[i] for i, a in enumerate(self.mobile_agents)}
        obs.update(zip(self.edge_agents, self.edge_block(backlogs), strict=True))
        return obs

    def state(self) -> np.ndarray:
        backlogs = self.sim.backlogs()
        return np.concatenate(
            [
                self.mobile_block(False, backlogs).reshape(-1),
                self.edge_block(backlogs).reshape(-1),
                np.minimum(backlogs[self.sim.n_mobile :] / BACKLOG_SCALE_S, 1.0),
            ]
        ).astype(np.float32)

    # --- masks --------------------------------------------------------------------------------
    def target_fits(self) -> np.ndarray:
        """(mobiles, targets) bool: whether each target's processor (local, edges, cloud) holds
        the mobile's head task; all True where a mobile has none."""
        sim = self.sim
        m = sim.n_mobile
        need = sim.head_qubits()[:, None]
        local = need <= sim.node_qubits[:m, None]
        return np.concatenate([local, need <= sim.node_qubits[None, m:]], axis=1)

    def mobile_masks(self) -> np.ndarray:
        """Every mobile's mask as rows (int8): per target, or per (target, level) when flat."""
        return self._mobile_masks().astype(np.int8)

    def _mobile_masks(self) -> np.ndarray:
        fits = self.target_fits()
        if not self.flat:
            return fits
        # per (target, level): the target fits, and a share that stays local fits locally
        mask = fits[:, :, None] & (self._full_share | fits[:, :1, None])
        return mask.reshape(len(fits), -1)

    def edge_mask(self) -> np.ndarray:
        return np.ones(2 * LEVELS if self.flat else 2, dtype=np.int8)

    def flat_mask(self) -> np.ndarray:
        """Every agent's mask concatenated in agent order, as bool (the Gymnasium front's)."""
        return np.concatenate([self._mobile_masks().reshape(-1), self._edge_ones])

    def mask_list(self) -> list[np.ndarray]:
        """Every agent's mask in agent order (mobiles, then edges)."""
        edge = self.edge_mask()
        return [*self.mobile_masks(), *[edge] * self.sim.n_edge]

    def masks(self) -> dict[str, np.ndarray]:
        return dict(zip(self.agents, self.mask_list(), strict=True))

    # --- actions ------------------------------------------------------------------------------
    def decode(self, agent: str, action) -> tuple[int, float]:
        """(target or forward flag, fraction); raises ``ValueError`` outside the agent's space."""
        space = self.action_spaces[agent]
        if self.flat:
            if isinstance(action, np.ndarray) and action.shape == ():
                action = action.item()
            if (
                isinstance(action, (bool, np.bool_))
                or not isinstance(action, (int, np.integer))
                or not 0 <= action < space.n
            ):
                raise ValueError(f"{agent}: action {action!r} is not in {space}")
            first, level = divmod(int(action), LEVELS)
            return first, FRACTION_LEVELS[level]
        key = "target" if agent in self.mobile_agents else "forward"
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
            or not 0 <= first < space[key].n
        ):
            raise ValueError(f"{agent}: {key}={first!r} is not in {space[key]}")
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
        m = self.sim.n_mobile
        return self.step_decoded(decoded[:m], decoded[m:])

    @staticmethod
    def encode_flat(decision) -> list[int]:
        """Per-agent flat actions (mobiles, then edges) of a decision ((target, fraction) per
        mobile, (forward, fraction) per edge), each fraction at its nearest level: the inverse
        of :meth:`decode_flat` on the levels."""
        mobile, rules = decision
        levels = np.asarray(FRACTION_LEVELS)
        return [
            int(first) * LEVELS + int(np.argmin(np.abs(levels - f)))
            for first, f in [*mobile, *rules]
        ]

    def decode_flat(self, actions: np.ndarray) -> tuple[list, list]:
        """The flat actions of every agent at once (integers in agent order, already checked
        against their spaces): ``target * LEVELS + level`` per mobile, ``forward * LEVELS +
        level`` per edge, as :meth:`decode` reads one. Returns (mobile, edge) decisions."""
        first, level = np.divmod(np.asarray(actions, dtype=np.int64), LEVELS)
        pairs = list(zip(first.tolist(), np.asarray(FRACTION_LEVELS)[level].tolist(), strict=True))
        m = self.sim.n_mobile
        return pairs[:m], pairs[m:]

    def step_decoded(self, mobile: list, rules: list) -> dict:
        """Step the core with decoded (target, fraction) per mobile and (forward, fraction)
        per edge."""
        if not self.flat:  # a task too big for its mobile leaves no share behind
            sim = self.sim
            for i, (t, f) in enumerate(mobile):
                if t > 0 and f < 1.0 and sim.head(i) is not None and not sim.fits(sim.head(i), i):
                    mobile[i] = (t, 1.0)
        # A masked-out choice sends a share where it cannot run: the core fails that task.
        return self.sim.step(mobile, rules)
