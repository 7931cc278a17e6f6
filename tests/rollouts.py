"""Helpers shared by the env tests."""

import numpy as np


def masked_trace(env, seed, steps):
    """Observations and rewards of ``steps`` uniformly random valid actions from ``seed``."""
    obs, info = env.reset(seed=seed)
    rng = np.random.default_rng(seed)
    trace = [obs.tobytes()]
    for _ in range(steps):
        a = int(rng.choice(np.flatnonzero(info["action_mask"])))
        obs, r, te, tr, info = env.step(a)
        trace.append((obs.tobytes(), r))
        if te or tr:
            obs, info = env.reset()
    return trace
