"""PettingZoo front of the repeater-chain core: one agent per node, local and delayed views."""

from __future__ import annotations

import numpy as np
from gymnasium import spaces

from ..config import check_choice
from ..core.counter_rng import keys_from_seeds, reset_keys
from ..core.repeater_chain.config import preset_defaults
from ..core.repeater_chain.core import RepeaterChainCore
from ..core.repeater_chain.layout import N_FEATURES
from ..envs.repeater_render import render_chain
from .base import QnetParallelEnv


class EntanglementDistributionParallelEnv(QnetParallelEnv):
    """
    ## Description

    Decentralised control of the repeater chain of ``qnet/EntanglementDistribution-v2`` (same
    core, same config and physics; see that env's docstring). Agent ``node_x`` controls node x
    and observes only its own 2M memories as it knows them: a pair's far node, age and
    fidelity appear only once the classical messages defining the pair's Pauli frame have
    reached node x (heralds, swap and purification outcomes travel at c / 1.44); until then the
    memory shows as occupied with an unknown frame, and a lost pair looks the same until the
    news arrives. No other quantum-network RL suite offers decentralised repeater control with
    delayed information.

    ## Agents and actions

    ``node_0`` ... ``node_{n-1}``, each ``Discrete(K)`` with the per-node choices of
    :mod:`qnet_envs.core.repeater_chain.codec` (idle, swap, purify, discard).
    ``infos[agent]["action_mask"]`` (int8, length K) marks the valid ones; ``action_mask(agent)``
    returns it as booleans. A masked-out choice is a no-op that costs ``invalid_action_penalty``.
    ``step`` needs one action for every live agent: a missing or unknown agent key, or a value
    outside ``Discrete(K)``, raises ``ValueError`` naming the agent.

    ## Observations

    ``Box(0, 4, (2M * 6,))`` per agent: the node's row of the Gymnasium env's observation (left memories,
    then right memories; features in that env's docstring). ``state()`` is the concatenation
    of every node's view, for centralised critics.

    ## Rewards

    ``reward_sharing="shared"`` (default): every agent receives the chain's reward (the Gymnasium
    env's objective). ``"split"``: each receives the chain's reward divided by ``n_nodes``, so the
    agents' rewards sum to the chain's.

    ## Episode End

    As the Gymnasium env: termination at the first delivery under ``objective="delivery_time"``,
    truncation at ``horizon`` (``max_cycles=N`` sets it, PettingZoo's name); then every agent
    leaves. ``render_mode="human"`` prints the text picture.

    ## Version History

    * v2: the v2 core (attempts on memories freed by a message start when it arrives).
    * v1: initial release, with the v1 core.
    """

    metadata = {**QnetParallelEnv.metadata, "name": "qnet/EntanglementDistribution-v2"}

    def __init__(
        self,
        config: dict | None = None,
        render_mode: str | None = None,
        reward_sharing: str = "shared",
        max_cycles: int | None = None,
    ):
        check_choice("reward_sharing", reward_sharing, ("shared", "split"))
        self.reward_sharing = reward_sharing
        super().__init__(config, render_mode, max_cycles)

    @classmethod
    def defaults(cls, config: dict | None):
        """The plain defaults, or the preset's when the config names one."""
        return preset_defaults(config.get("preset") if isinstance(config, dict) else None)

    def _build(self) -> None:
        cfg = self.config
        self.core = RepeaterChainCore(cfg, 1)
        self.codec = self.core.codec
        self.possible_agents = [f"node_{x}" for x in range(cfg.n_nodes)]
        width = 2 * cfg.memories_per_side * N_FEATURES
        self._obs_space = spaces.Box(0.0, 4.0, (width,), np.float32)
        self._act_space = spaces.Discrete(self.codec.k)
        self.state_space = spaces.Box(0.0, 4.0, (cfg.n_nodes * width,), np.float32)
        self._keyed = False

    def observation_space(self, agent):
        return self._obs_space

    def action_space(self, agent):
        return self._act_space

    def reset(self, seed: int | None = None, options: dict | None = None):
        keys = reset_keys(seed, 1, self._keyed)
        self._keyed = True
        self.core.reset_rows(np.array([0]), keys)
        self.agents = list(self.possible_agents)
        return self._observations(), self._infos(False)

    def rng_state(self) -> dict:
        """The env's random stream position (its counter-based generator's key and counter; a
        plain dict). With :meth:`set_rng_state` before an unseeded ``reset()``, a training run
        restores an episode bit for bit without pickling the env (MAPPO's resume)."""
        return {"key": int(self.core.key[0]), "counter": int(self.core.counter[0])}

    @staticmethod
    def seeded_rng_state(seed: int) -> dict:
        """The :meth:`rng_state` from which an unseeded ``reset()`` plays the episode that
        ``reset(seed=seed)`` plays."""
        return {"key": int(keys_from_seeds([seed])[0]), "counter": 0}

    def set_rng_state(self, state: dict) -> None:
        self.core.key[0] = np.uint64(state["key"])
        self.core.counter[0] = np.uint64(state["counter"])
        self._keyed = True

    def step(self, actions: dict):
        acts = self._actions(actions)
        out = self.core.step(acts[None])
        r = float(out["reward"][0])
        if self.reward_sharing == "split":
            r /= len(self.possible_agents)
        term, trunc = bool(out["terminated"][0]), bool(out["truncated"][0])
        obs, infos = self._observations(), self._infos(bool(out["invalid"][0]))
        agents = self.agents
        rewards = {a: r for a in agents}
        terminations = {a: term for a in agents}
        truncations = {a: trunc for a in agents}
        if term or trunc:
            self.agents = []
        return obs, rewards, terminations, truncations, infos

    def _actions(self, actions) -> np.ndarray:
        if not isinstance(actions, dict):
            raise ValueError(
                f"actions must be a dict agent -> action, got {type(actions).__name__}"
            )
        unknown = sorted(set(actions) - set(self.agents))
        missing = [a for a in self.agents if a not in actions]
        if unknown or missing:
            raise ValueError(f"actions: unknown agents {unknown}, missing agents {missing}")
        out = np.zeros(len(self.possible_agents), dtype=np.int64)
        for x, agent in enumerate(self.possible_agents):
            a = actions[agent]
            if isinstance(a, np.ndarray) and a.shape == ():
                a = a.item()
            if isinstance(a, (bool, np.bool_)) or not isinstance(a, (int, np.integer)):
                raise ValueError(f"action of {agent} must be an integer, got {a!r}")
            if not 0 <= int(a) < self.codec.k:
                raise ValueError(f"action {a} of {agent} outside Discrete({self.codec.k})")
            out[x] = int(a)
        return out

    def _observations(self) -> dict:
        views = self.core.local_views()[0].reshape(len(self.possible_agents), -1).copy()
        return {a: views[x] for x, a in enumerate(self.possible_agents) if a in self.agents}

    def _infos(self, invalid: bool) -> dict:
        shared = self.core.row_info(0)
        masks = self.core.masks()[0].astype(np.int8)
        return {
            a: {**shared, "action_mask": masks[x], "invalid_action": invalid}
            for x, a in enumerate(self.possible_agents)
            if a in self.agents
        }

    def action_mask(self, agent: str) -> np.ndarray:
        return self.core.masks()[0, self.possible_agents.index(agent)].copy()

    def check_invariants(self) -> None:
        """The core's conservation and capacity checks (see its ``check_invariants``)."""
        self.core.check_invariants()

    def state(self) -> np.ndarray:
        return self.core.local_views()[0].reshape(-1).copy()

    def picture(self, mode: str):
        return render_chain(self.core, mode)


def parallel_env(**kwargs) -> EntanglementDistributionParallelEnv:
    """PettingZoo's module convention: ``parallel_env(config=..., max_cycles=...)``."""
    return EntanglementDistributionParallelEnv(**kwargs)


def env(**kwargs):
    """The AEC version, through PettingZoo's ``parallel_to_aec``."""
    from pettingzoo.utils.conversions import parallel_to_aec

    return parallel_to_aec(parallel_env(**kwargs))
