"""Learning agents (DDQN, VQC Q-learning, MAPPO, Decision Transformer) and metaheuristics.

Each algorithm is one CleanRL-style file. They depend on the ``agents`` extra (torch,
pennylane, ...); nothing in ``qnet_envs`` imports this package at import time.
"""
