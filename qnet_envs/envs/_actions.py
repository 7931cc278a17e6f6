"""Checks shared by every env front's ``step``."""

from __future__ import annotations

import numpy as np


def discrete_action(action, n: int) -> int:
    """Return ``action`` as an int if it lies in Discrete(n); otherwise raise ``ValueError``.

    Out-of-space actions are a caller's bug and must never pass silently (masked-out actions
    inside the space are a different matter: each env documents them as penalised no-ops).
    """
    if isinstance(action, np.ndarray) and action.shape == ():
        action = action.item()
    if isinstance(action, (bool, np.bool_)) or not isinstance(action, (int, np.integer)):
        raise ValueError(f"action {action!r} is not in Discrete({n}): expected an integer")
    a = int(action)
    if not 0 <= a < n:
        raise ValueError(f"action {a} is not in Discrete({n}): allowed 0 <= action < {n}")
    return a
