"""Observations, masks and action decoding of the offloading model, shared by its PettingZoo
front (one agent per node) and its Gymnasium front (one centralised controller): the agents,
each block's size and layout, the masks of what each agent may choose, and how an action
becomes a decision of :class:`.model.Offloading`. Spaces live in the fronts
(:func:`qnet_envs.envs.offloading_front.offloading_spaces`)."""

from __future__ import annotations

import numpy as np

from .model import FRACTION_LEVELS, Offloading

LEVELS = len(FRACTION_LEVELS)
BACKLOG_SCALE_S = 10.0


class OffloadingViews:
    def __init__(self, sim: Offloading, flat: bool):
        self.core, self.flat = sim, flat
        m, e = sim.n_mobile, sim.n_edge
        self.mobile_agents = [f"mobile_{i}" for i in range(m)]
        self.edge_agents = [f"edge_{j}" for j in range(e)]
        self.agents = self.mobile_agents + self.edge_agents
        # agent -> is it a mobile (a set lookup: 10,000 agents decode in linear time)
        self.is_mobile = {a: i < m for i, a in enumerate(self.agents)}
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
        # (target, level) pairs that need nothing of the local processor: local execution is
        # always whole, and a remote target with the whole task
        self._full_share = np.ones((1, self.n_targets, LEVELS), dtype=bool)
        self._full_share[0, 1:, :] = ~(np.array(FRACTION_LEVELS) < 1.0)
        self._edge_ones = np.ones(e * (2 * LEVELS if flat else 2), dtype=bool)
        # (mobiles, targets) qubits of each mobile's targets: its own processor, the edges, the
        # cloud (the processors are fixed for the sim's lifetime; the views are built with it)
        cap = sim.node_qubits
        self._target_qubits = np.concatenate(
            [cap[:m, None], np.broadcast_to(cap[None, m:], (m, cap.size - m))], axis=1
        )

    # --- observations ---------------------------------------------------------------------------
    def mobile_block(self, backlogs: np.ndarray, remote=None, out=None) -> np.ndarray:
        """All mobiles' observations as rows; ``backlogs``: every node's current backlog
        (:meth:`_backlogs`, computed once per view); the edges' and the cloud's backlogs shown
        are those broadcast at the end of the previous slot (what a mobile can know), or the
        current ones ``remote`` (scaled, :meth:`_backlogs`) where given (the state); ``out``: a
        float32 (mobiles, features) array to fill instead of a new one.

        Row: has-task, n/9, k/5, qubits/16, fits-locally, own backlog, decision-queue fill, per
        edge the channel gain (dB mapped to [0, 1]), per edge and the cloud the backlog."""
        sim, cfg = self.core, self.core.config
        m, e = sim.n_mobile, sim.n_edge
        if out is None:
            out = np.empty((m, self.mobile_obs_size), dtype=np.float32)
        obs = out
        obs[:, :5] = 0.0
        rows, _, tasks = sim.head_arrays()
        if rows:
            obs[rows, :5] = [(1.0, n / 9.0, k / 5.0, q / 16.0, q <= own) for n, k, q, own in tasks]
        obs[:, 5] = backlogs[:m]  # scaled in float32, as the observation holds it
        obs[:, 5] = np.minimum(obs[:, 5] / BACKLOG_SCALE_S, 1.0)
        obs[:, 6] = [len(q) / cfg.decision_queue_limit for q in sim.queues]
        obs[:, 7 : 7 + e] = self._gain_features()
        if remote is None:
            remote = np.minimum(sim.broadcast_backlog / BACKLOG_SCALE_S, 1.0)
        obs[:, 7 + e :] = remote
        return obs

    def _backlogs(self) -> tuple[np.ndarray, np.ndarray]:
        """Every node's current backlog (s), and the edges' and the cloud's scaled to [0, 1]
        (float64) as the mobiles' rows, the edges' rows and the state's tail show them."""
        backlogs = self.core.backlogs()
        return backlogs, np.minimum(backlogs[self.core.n_mobile :] / BACKLOG_SCALE_S, 1.0)

    def _gain_features(self) -> np.ndarray:
        """Channel gains in dB mapped to [0, 1]; kept until the core draws the next slot's."""
        gain = self.core.gain
        if getattr(self, "_gain_of", None) is not gain:
            self._gain_of = gain
            # minimum(maximum(.)) is np.clip's result (gains are positive, so no NaN) without
            # its dispatch cost, paid every slot
            scaled = (10 * np.log10(gain) + 140.0) / 60.0
            self._gain_feat = np.minimum(np.maximum(scaled, 0.0), 1.0)
        return self._gain_feat

    def edge_block(self, remote: np.ndarray, out=None) -> np.ndarray:
        """Every edge's observation as rows: own backlog (``remote``, the scaled current
        backlogs of :meth:`_backlogs`), processor-queue fill, share of the mobiles that sent it
        work last slot, the cloud's broadcast backlog (``out``: a float32 (edges, 4) array to
        fill instead of a new one)."""
        sim, cfg = self.core, self.core.config
        m, e = sim.n_mobile, sim.n_edge
        block = np.empty((e, self.edge_obs_size), np.float32) if out is None else out
        # each value is computed in float64 and rounded once, as it is written
        block[:, 0] = remote[:e]
        limit = cfg.processor_queue_limit
        block[:, 1] = [len(p) / limit for p in sim.in_flight_parts[m : m + e]]
        block[:, 2] = sim.received_last / sim.n_mobile
        block[:, 3] = sim.broadcast_backlog[-1] / BACKLOG_SCALE_S
        return np.minimum(block, 1.0, out=block)  # every feature is >= 0

    def observations(self) -> dict[str, np.ndarray]:
        backlogs, remote = self._backlogs()
        block = self.mobile_block(backlogs)
        obs = {a: block[i] for i, a in enumerate(self.mobile_agents)}
        obs.update(zip(self.edge_agents, self.edge_block(remote), strict=True))
        return obs

    def state(self) -> np.ndarray:
        """The centralised state: every mobile's row (current backlogs), every edge's row,
        then every edge's and the cloud's backlog, written into one float32 vector."""
        sim = self.core
        m, e = sim.n_mobile, sim.n_edge
        backlogs, remote = self._backlogs()
        state = np.empty(self.state_size, np.float32)
        i, j = m * self.mobile_obs_size, m * self.mobile_obs_size + e * self.edge_obs_size
        self.mobile_block(backlogs, remote, state[:i].reshape(m, self.mobile_obs_size))
        self.edge_block(remote, state[i:j].reshape(e, self.edge_obs_size))
        state[j:] = remote
        return state

    # --- masks --------------------------------------------------------------------------------
    def target_fits(self) -> np.ndarray:
        """(mobiles, targets) bool: whether each target's processor (local, edges, cloud) holds
        the mobile's head task; all True where a mobile has none."""
        return self.core.head_qubits()[:, None] <= self._target_qubits

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
        """Every agent's mask concatenated in agent order, as bool (the Gymnasium front's); a
        copy of the one built when the core's head tasks last changed (the masks read nothing
        else)."""
        heads = self.core.head_arrays()
        if getattr(self, "_mask_of", None) is not heads:
            self._mask_of = heads
            self._flat_mask = np.concatenate([self._mobile_masks().reshape(-1), self._edge_ones])
        return self._flat_mask.copy()

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
        m = self.core.n_mobile
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

    def decode_flat(self, actions) -> tuple[list, list]:
        """The flat actions of every agent at once (integers in agent order, an array or a
        list, already checked against their spaces): ``target * LEVELS + level`` per mobile,
        ``forward * LEVELS + level`` per edge, as :meth:`decode` reads one. Returns (mobile,
        edge) decisions."""
        if isinstance(actions, np.ndarray):
            actions = actions.tolist()
        pairs = [(a // LEVELS, FRACTION_LEVELS[a % LEVELS]) for a in actions]
        m = self.core.n_mobile
        return pairs[:m], pairs[m:]

    def step_decoded(self, mobile: list, rules: list) -> dict:
        """Step the core with decoded (target, fraction) per mobile and (forward, fraction)
        per edge."""
        if not self.flat:  # a task too big for its mobile leaves no share behind
            sim = self.core
            for i, (t, f) in enumerate(mobile):
                if t > 0 and f < 1.0 and sim.head(i) is not None and not sim.fits(sim.head(i), i):
                    mobile[i] = (t, 1.0)
        # A masked-out choice sends a share where it cannot run: the core fails that task.
        return self.core.step(mobile, rules)
