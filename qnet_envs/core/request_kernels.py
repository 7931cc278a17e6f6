"""The bookkeeping every compiled request core does around a decision, written once: is the
action allowed, does it serve, and the counts and step number afterwards. Imports numba: only
kernel modules import it."""

from __future__ import annotations

from numba import njit


@njit(cache=True, inline="always")
def opening(mask, e, action):
    """(valid, serve) of ``action`` on env ``e``'s head request: a masked-out action is
    invalid and rejects; action 0 rejects; any other valid action serves."""
    valid = mask[e, action]
    return valid, valid and action > 0


@njit(cache=True, inline="always")
def closing(count, steps, e, serve, rejected_row, horizon):
    """Count a rejection unless the request was served (the serve counts its own ending),
    count the decision; returns whether the episode reached its ``horizon`` decisions."""
    if not serve:
        count[rejected_row, e] += 1
    steps[e] += 1
    return steps[e] >= horizon


@njit(cache=True, inline="always")
def restart(t, steps, count, e):
    """A new episode's clock, decision count and request counts in env ``e``."""
    t[e] = 0.0
    steps[e] = 0
    count[:, e] = 0
