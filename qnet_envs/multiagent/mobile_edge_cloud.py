"""PettingZoo front of the offloading core: one agent per mobile and edge node."""

from __future__ import annotations

import numpy as np

from ..core.counter_rng import keys_from_seeds, reset_keys
from ..core.offloading import SMALL_PRESET, OffloadingConfig, OffloadingCore, OffloadingViews
from ..envs.offloading_front import offloading_spaces, render_offloading
from .base import QnetParallelEnv


class MobileEdgeCloudParallelEnv(QnetParallelEnv):
    """
    ## Description

    Decentralised offloading of quantum-autoencoder tasks in a heterogeneous quantum computing
    network of ``n_mobile`` mobile, ``n_edge`` edge and one cloud node (seed 002, Xu et al.,
    Sec. IV and Fig. 2-3; default 10 / 5 / 1 as in the seed). The model is
    :mod:`qnet_envs.core.offloading`. Every mobile and edge node is an agent (the cloud only
    serves); all agents receive the same reward, minus the slot's total cost
    d x latency + e x energy / ``energy_scale_j``, plus ``failure_cost``/``drop_cost`` per
    failed or dropped task.

    ## Agents and actions

    * ``mobile_i``: ``Dict(target=Discrete(E + 2), fraction=Box(0, 1, (1,)))`` for its
      head-of-line task: target 0 runs it locally, 1..E offloads to an edge, E + 1 to the cloud
      (through the edge with the best channel); ``fraction`` of the shots is offloaded, the rest
      runs locally. Ignored when the mobile has no task. A task that does not fit on the
      mobile's own processor (observation "fits locally" = 0) cannot leave a share behind: with
      a remote target its whole task is offloaded, whatever ``fraction`` says (the continuous
      fraction has no mask to say so; the flat action masks those levels instead).
    * ``edge_j``: ``Dict(forward=Discrete(2), fraction=Box(0, 1, (1,)))``: whether, and what
      share of, the shots arriving at it this slot are forwarded to the cloud.
    * With ``flat_actions=True`` both become ``Discrete``: (target or forward) x 5 fraction
      levels (0, 0.25, 0.5, 0.75, 1), index = choice * 5 + level, for DQN-style learners.

    ``infos[agent]["action_mask"]`` marks the targets (native) or target-level pairs (flat)
    whose processors can hold the task (qubits 2n - k + 1 vs capacity): with the native
    ``Dict`` action it is a dict in the form ``Dict.sample(mask=...)`` takes,
    ``{"target": int8 array, "fraction": None}`` (``"forward"`` for edges); with flat actions
    an int8 array. A masked-out
    choice is not executed: the task ends as failed, costs ``failure_cost`` (10) and
    ``infos[agent]["invalid_action"]`` is True; a mask-valid choice never fails. A share sent
    to a processor whose queue holds ``processor_queue_limit`` shares is dropped
    (``drop_cost``): congestion, which other mobiles' choices in the same slot can cause, not an
    invalid action. Actions outside the space raise ``ValueError``.

    ## Observations (local, partial)

    Mobile (``8 + 2E``): has task, n / 9, k / 5, qubits / 16, fits locally, own processor
    backlog / 10 s, own decision-queue fill, channel gain to each edge ((dB + 140) / 60), each
    edge's and the cloud's backlog / 10 s as broadcast at the end of the previous slot (stale
    by one slot). Edge (4): own backlog, own processor-queue fill, shares received last slot /
    M, cloud backlog (stale). ``state()`` is the global state for centralised critics: every
    agent's observation with fresh backlogs.

    ## Episode End

    Truncated after ``horizon`` slots (200); never terminates.

    ## Arguments

    ``config`` deep-merges into :class:`qnet_envs.core.offloading.OffloadingConfig`; ``qos``
    picks (d, e) from ``latency`` (0.9, 0.1), ``balanced`` (0.5, 0.5), ``energy`` (0.1, 0.9).
    The processor defaults and their sources are in :mod:`qnet_envs.core.quantum_processors`.

    ## Scale

    ``n_mobile`` up to 10,000 and ``n_edge`` up to 500. A slot costs time linear in its tasks
    (mobiles) at a fixed number of edges; every mobile has a channel to every edge (Rayleigh
    fading redrawn per link each slot) and observes all of them, so the slot also grows as
    M x E. The slot itself is compiled (the core's kernels); at scale the dicts of agents'
    observations, masks and infos dominate. Measured (``scripts/benchmark_scaling.py`` and a
    direct timing, docs/benchmarks.md): 1,000 agents (995 mobiles, 5 edges) step at about 560
    env-steps/s with flat actions (560,000 agent-steps/s) and 240/s with the ``Dict`` actions;
    10,005 agents in about 56 ms a step. For many mobiles without per-agent dicts, the vector
    env of the centralised id (``gym.make_vec("qnet/MobileEdgeCloud-v0", num_envs=N)``) runs
    the same core: about 3.3 ms per env-step at 10,000 mobiles.

    ## Version History

    * v0: random streams from the counter-based generator (the distributions are unchanged;
      episodes under a seed differ from earlier releases).
    * v0: initial release. Before the first tagged release, the native (``Dict``) action's info
      mask changed from an int8 array to the dict that ``Dict.sample(mask=...)`` takes, so that
      PettingZoo's AEC ``api_test`` passes with the default config.
    """

    metadata = {**QnetParallelEnv.metadata, "name": "qnet/MobileEdgeCloud-v0"}

    def _build(self) -> None:
        flat = self.config.flat_actions
        self.core = OffloadingCore(self.config, 1, whole_if_unfit=not flat)
        self.views = OffloadingViews(self.core, flat)
        self.possible_agents = list(self.views.agents)
        self._observation_spaces, self._action_spaces, self.state_space = offloading_spaces(
            self.views
        )
        self._keyed = False

    @classmethod
    def defaults(cls, config: dict | None) -> OffloadingConfig:
        return cls.default_config()

    @classmethod
    def default_config(cls) -> OffloadingConfig:
        return OffloadingConfig()

    def observation_space(self, agent):
        return self._observation_spaces[agent]

    def action_space(self, agent):
        return self._action_spaces[agent]

    def reset(self, seed=None, options=None):
        keys = reset_keys(seed, 1, self._keyed)
        self._keyed = True
        self.core.reset_rows(np.array([0]), keys)
        self.agents = list(self.possible_agents)
        return self.views.observations(), self._infos(self.core.outcome()["per_mobile_invalid"][0])

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

    def step(self, actions):
        if not self.agents:
            raise RuntimeError("step() called after the episode ended; call reset()")
        out = self.views.apply(actions)
        reward = float(out["reward"][0])
        truncated = bool(out["truncated"][0])
        obs = self.views.observations()
        rewards = dict.fromkeys(self.agents, reward)
        terminations = dict.fromkeys(self.agents, False)
        truncations = dict.fromkeys(self.agents, truncated)
        infos = self._infos(out["per_mobile_invalid"][0])
        if truncated:
            self.agents = []
        return obs, rewards, terminations, truncations, infos

    def check_invariants(self) -> None:
        """The core's conservation and capacity checks (see its ``check_invariants``)."""
        self.core.check_invariants()

    def state(self) -> np.ndarray:
        return self.views.state()

    def _infos(self, invalid) -> dict:
        masks = self.views.masks()
        if not self.config.flat_actions:  # the form Dict.sample(mask=...) takes
            masks = {
                a: {("target" if self.views.is_mobile[a] else "forward"): m, "fraction": None}
                for a, m in masks.items()
            }
        shared = self.metrics()
        invalid = invalid.tolist()
        infos = {
            a: {"action_mask": masks[a], "invalid_action": invalid[i], **shared}
            for i, a in enumerate(self.views.mobile_agents)
        }
        infos.update(
            {
                a: {"action_mask": masks[a], "invalid_action": False, **shared}
                for a in self.views.edge_agents
            }
        )
        return infos

    def metrics(self) -> dict:
        return self.core.row_info(0)

    def picture(self, mode: str):
        return render_offloading(self.core, mode)


class MobileEdgeCloudSmallParallelEnv(MobileEdgeCloudParallelEnv):
    """``qnet/MobileEdgeCloud-small-v0``: 3 mobile, 2 edge and 1 cloud node."""

    metadata = {**MobileEdgeCloudParallelEnv.metadata, "name": "qnet/MobileEdgeCloud-small-v0"}

    @classmethod
    def default_config(cls) -> OffloadingConfig:
        return OffloadingConfig(**SMALL_PRESET)


def parallel_env(**kwargs) -> MobileEdgeCloudParallelEnv:
    """PettingZoo's module convention: ``parallel_env(config=..., max_cycles=...)``."""
    return MobileEdgeCloudParallelEnv(**kwargs)


def env(**kwargs):
    """The AEC version, through PettingZoo's ``parallel_to_aec``."""
    from pettingzoo.utils.conversions import parallel_to_aec

    return parallel_to_aec(parallel_env(**kwargs))
