"""Simulation cores: state, transitions and costs in pure numpy, with no Gym spaces.

Env fronts (``qnet_envs.envs``, ``qnet_envs.multiagent``) wrap these; a fix here fixes every front.
"""
