"""Ray RLlib helpers: register qnet envs with RLlib and build PPO configs for them.

Needs the ``rllib`` extra (``pip install -e ".[rllib]"``; ray[rllib] pins gymnasium 1.2.2) and is
imported only when used. Env creators run inside RLlib's env runners, local or on a Ray cluster.

* :func:`register_gym`: any ``qnet/...`` Gymnasium id as an RLlib env; ``env_config`` becomes the
  env's ``config``.
* :func:`register_offloading`: the PettingZoo offloading env wrapped as RLlib's
  ``ParallelPettingZooEnv``, with its flat ``Discrete`` actions (RLlib's default models take
  Box observations and Discrete actions; the hybrid ``Dict`` head is :mod:`qnet_agents.mappo`'s).
* :func:`policy_mapping_fn`: one shared policy per role, ``mobile`` and ``edge`` (agents of a
  role have identical spaces).
* :func:`ppo_config`: a PPO config for either, with ``num_env_runners`` workers.

Masks: RLlib's default PPO does not read ``info["action_mask"]``; a masked-out action is the
env's documented penalised no-op, so PPO learns to avoid it.
"""

from __future__ import annotations

import gymnasium as gym

from ..registration import make_parallel

OFFLOADING_ROLES = ("mobile", "edge")


def _env_config(cfg) -> dict | None:
    cfg = dict(cfg or {})
    return cfg or None


def register_gym(env_id: str, name: str | None = None) -> str:
    """Register Gymnasium id ``env_id`` with RLlib under ``name`` (default: the id)."""
    from ray.tune.registry import register_env

    import qnet_envs  # noqa: F401  (registers the ids in each worker process)

    name = name or env_id
    register_env(name, lambda cfg: gym.make(env_id, config=_env_config(cfg)))
    return name


def make_offloading(env_id: str = "qnet/MobileEdgeCloud-v0", config: dict | None = None):
    """The offloading ParallelEnv with flat actions, wrapped for RLlib."""
    from ray.rllib.env.wrappers.pettingzoo_env import ParallelPettingZooEnv

    return ParallelPettingZooEnv(
        make_parallel(env_id, config={**(config or {}), "flat_actions": True})
    )


def register_offloading(
    env_id: str = "qnet/MobileEdgeCloud-v0", name: str = "qnet-offloading"
) -> str:
    from ray.tune.registry import register_env

    register_env(name, lambda cfg: make_offloading(env_id, _env_config(cfg)))
    return name


def role_of(agent_id: str) -> str:
    role = agent_id.rsplit("_", 1)[0]
    if role not in OFFLOADING_ROLES:
        raise ValueError(f"agent id {agent_id!r} is neither mobile_* nor edge_*")
    return role


def policy_mapping_fn(agent_id, *args, **kwargs) -> str:
    return role_of(agent_id)


def ppo_config(
    env_id: str,
    env_config: dict | None = None,
    num_env_runners: int = 0,
    train_batch_size: int = 4000,
    minibatch_size: int = 256,
    seed: int = 0,
):
    """PPO on the multi-agent offloading env for its PettingZoo ids, else on the Gymnasium id
    (the repeater chain's id, also a PettingZoo id, trains its centralised Gymnasium front)."""
    from ray.rllib.algorithms.ppo import PPOConfig

    from ..registration import offloading_env_ids

    cfg = PPOConfig()
    if env_id in offloading_env_ids():
        name = register_offloading(env_id, name=f"rllib:{env_id}")
        probe = make_parallel(env_id, config={**(env_config or {}), "flat_actions": True})
        cfg = cfg.environment(name, env_config=env_config or {}).multi_agent(
            policies=set(OFFLOADING_ROLES), policy_mapping_fn=policy_mapping_fn
        )
        probe.close()
    else:
        cfg = cfg.environment(
            register_gym(env_id, name=f"rllib:{env_id}"), env_config=env_config or {}
        )
    return (
        cfg.env_runners(num_env_runners=num_env_runners)
        .training(train_batch_size=train_batch_size, minibatch_size=minibatch_size)
        .debugging(seed=seed)
    )
