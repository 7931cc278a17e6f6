"""Potential-based reward shaping for training on sparse-reward envs.

Ng, Harada & Russell, "Policy invariance under reward transformations: theory and application
to reward shaping", ICML 1999, Theorem 1: adding ``F(s, s') = gamma * Phi(s') - Phi(s)`` to every
reward, for any function ``Phi`` of the state, leaves the optimal policies of the MDP unchanged
(and with ``Phi = 0`` at terminal states, every policy's return changes only by ``-Phi(s_0)``).
It changes what a learner sees early, not what it should learn: the env's reward contract and
every evaluation stay the env's own (the wrapper is used only inside training; the learning
curves record the unshaped return, Monitor sitting inside the wrapper).

Potentials read the env's state (``env.unwrapped``), which may hold more than the observation
(true fidelities): a potential is part of the trainer, not of the agent's information.
"""

from __future__ import annotations

from collections.abc import Callable

import gymnasium as gym


def repeater_span_potential(env) -> float:
    """The longest pair the repeater chain holds now, as a fraction of the chain (0 to 1),
    counting only pairs whose true fidelity meets ``target_fidelity`` when the objective is
    ``pairs_above_target``: how far the chain has got towards an end-to-end pair worth
    delivering (every delivery first needs such a pair)."""
    from qnet_envs.core.repeater_chain.layout import PAIR

    core = env.core
    held = core.record_status[0] == PAIR
    if core.config.objective == "pairs_above_target":
        held &= core.pair_coefficients[0, :, 0, 0] >= core.config.target_fidelity
    if not held.any():
        return 0.0
    span = core.far_node[0][held] - core.record_node[held]
    return float(span.max()) / (core.n - 1)


POTENTIALS: dict[str, Callable] = {"repeater-span": repeater_span_potential}
# the env ids each potential reads the state of
APPLIES_TO: dict[str, tuple[str, ...]] = {"repeater-span": ("qnet/EntanglementDistribution-v2",)}


class PotentialShaping(gym.Wrapper):
    """Adds ``gamma * Phi(s') - Phi(s)`` to each reward (``Phi(s') = 0`` when the episode
    terminates); ``info["unshaped_reward"]`` keeps the env's own reward."""

    def __init__(self, env: gym.Env, potential: str, gamma: float):
        super().__init__(env)
        if potential not in POTENTIALS:
            raise ValueError(f"shaping={potential!r}; choose one of {sorted(POTENTIALS)}")
        env_id = env.spec.id if env.spec is not None else None
        if env_id not in APPLIES_TO[potential]:
            raise ValueError(
                f"shaping={potential!r} reads the state of {list(APPLIES_TO[potential])}, "
                f"not of {env_id}"
            )
        self.potential, self.gamma, self._phi = POTENTIALS[potential], float(gamma), 0.0

    def reset(self, **kwargs):
        obs, info = self.env.reset(**kwargs)
        self._phi = self.potential(self.env.unwrapped)
        return obs, info

    def step(self, action):
        obs, reward, terminated, truncated, info = self.env.step(action)
        phi = 0.0 if terminated else self.potential(self.env.unwrapped)
        shaped = float(reward) + self.gamma * phi - self._phi
        self._phi = phi
        info["unshaped_reward"] = reward
        return obs, shaped, terminated, truncated, info

    def action_masks(self):
        return self.env.unwrapped.action_masks()
