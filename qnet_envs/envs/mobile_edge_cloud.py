"""``qnet/MobileEdgeCloud-v0`` as a Gymnasium env: one controller decides for every node."""

from __future__ import annotations

import numpy as np
from gymnasium import spaces

from ..core.offloading import (
    LEVELS,
    SMALL_PRESET,
    OffloadingConfig,
    OffloadingCore,
    OffloadingViews,
)
from .base import CompiledCoreEnv
from .offloading_front import offloading_spaces, render_offloading


class MobileEdgeCloudEnv(CompiledCoreEnv):
    """
    ## Description

    The centralised front of the mobile/edge/cloud offloading model (seed 002, Sec. IV; core in
    :mod:`qnet_envs.core.offloading`, decentralised front
    :class:`qnet_envs.multiagent.mobile_edge_cloud.MobileEdgeCloudParallelEnv`). One controller
    sees the global state and decides for every mobile and edge node at once.

    ## Action Space

    ``MultiDiscrete([(E + 2) * 5] * M + [2 * 5] * E)``: per mobile, target (local, edges,
    cloud) x offload-fraction level (0, 0.25, 0.5, 0.75, 1) as ``target * 5 + level``; per edge,
    (keep, forward to cloud) x forwarded-fraction level. ``info["action_mask"]`` is one flat bool
    array, the per-component masks concatenated (fixed shape, so batched libraries can stack
    it; ``qnet_envs.component_masks`` splits it for ``MultiDiscrete.sample``); a
    masked-out component makes that task fail (``failure_cost``) and sets
    ``info["invalid_action"]``. Out-of-space actions raise ``ValueError``.

    ## Observation Space

    ``Box(0, 1, (M (8 + 2E) + 4E + E + 1,), float32)``: the multi-agent env's ``state()``.

    ## Rewards

    Minus the slot's total cost: d x latency + e x energy / ``energy_scale_j`` per dispatched
    task, plus ``failure_cost`` / ``drop_cost`` per failed or dropped task.

    ## Episode End

    Truncated after ``horizon`` slots (200).

    ## Info

    ``action_mask``, ``invalid_action``, ``mean_cost_per_task`` and the episode's task counts
    ``arrived``, ``completed``, ``failed``, ``dropped`` (every task ends exactly once as one of
    the last three, or is still queued).

    ## Arguments

    As the multi-agent env (``config`` merges into ``OffloadingConfig``; ``qos`` presets
    latency / balanced / energy). ``qnet/MobileEdgeCloud-small-v0`` has 3 mobile and 2 edge
    nodes. Up to 10,000 mobiles and 500 edges: the step is linear in the slot's tasks at a
    fixed number of edges, and the observation holds M (8 + 2E) + 5E + E + 1 floats (10 million
    at the largest size; see the multi-agent env's Scale section).

    ## Vector env

    ``gym.make_vec("qnet/MobileEdgeCloud-v0", num_envs=N)`` runs N envs in the same compiled
    core (:class:`qnet_envs.vector.MobileEdgeCloudVectorEnv`; ``num_threads`` spreads them over
    threads with identical results): env i seeded ``s + i`` is this env seeded ``s + i``, step
    for step through autoresets, infos included.

    ## Version History

    * v0: random streams from the counter-based generator (the distributions are unchanged;
      episodes under a seed differ from earlier releases).
    * v0: initial release (the task count ``info["done"]`` is now ``info["completed"]``, which
      does not collide with TorchRL's ``done`` key, and ``info["action_mask"]`` is flat).
    """

    metadata = {"render_modes": ["ansi", "rgb_array"], "render_fps": 4}
    MASK_DTYPE = bool
    metric_keys = ("mean_cost_per_task", "completed", "failed", "dropped")

    @classmethod
    def default_config(cls) -> OffloadingConfig:
        return OffloadingConfig()

    def _configure(self, config: OffloadingConfig) -> None:
        self.config = config
        self._adopt(OffloadingCore(config, 1))
        self.views = OffloadingViews(self.core, flat=True)
        m, e = self.core.n_mobile, self.core.n_edge
        self.nvec = np.array([self.views.n_targets * LEVELS] * m + [2 * LEVELS] * e)
        self._nvec = self.nvec.tolist()
        self._action = np.zeros((1, m + e), dtype=np.int64)  # the batch of one, reused
        self.action_space = spaces.MultiDiscrete(self.nvec)
        self.observation_space = offloading_spaces(self.views)[2]

    def _batch_action(self, action) -> np.ndarray:
        a = np.asarray(action)
        chosen = a.tolist() if a.shape == self.nvec.shape and a.dtype.kind in "iu" else None
        # a few agents: the bounds check on Python ints costs less than three array ops
        if chosen is None or not all(0 <= x < n for x, n in zip(chosen, self._nvec, strict=True)):
            raise ValueError(f"action {action!r} is not in {self.action_space}")
        self._action[0] = chosen
        return self._action

    def render(self):
        if self.render_mode is None:
            return None
        return render_offloading(self.core, self.render_mode)


class MobileEdgeCloudSmallEnv(MobileEdgeCloudEnv):
    """``qnet/MobileEdgeCloud-small-v0``: the same model with 3 mobile, 2 edge, 1 cloud node."""

    @classmethod
    def default_config(cls) -> OffloadingConfig:
        return OffloadingConfig(**SMALL_PRESET)
