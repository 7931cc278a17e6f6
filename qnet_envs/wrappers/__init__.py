"""Adapters to external RL libraries, each imported only when used (``qnet_envs.wrappers.rllib``
needs the ``rllib`` extra)."""
