"""Normalised scores: where a return lies between the random policy (0) and the reference (1).

As D4RL and Minari normalise between a random and an expert policy, the suite normalises
between its random-valid policy and each scenario's reference (SAA, best-fit, EDF, the
expected-reward rule, the exact optimum of the repeater MDP, ...) measured on the leaderboard's
held-out seeds: ``(R - R_random) / (R_reference - R_random)``. Returns are the envs' rewards
summed, so costs and delivery times enter negated and higher is better everywhere.

The numbers live in ``qnet_envs/data/reference_scores.json``, written by
``python scripts/leaderboard.py`` (never by hand): one entry per scenario, keyed by env id and
env config (``None`` for the id's defaults).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

DATA = "reference_scores.json"
# An optimum less than this fraction above the best heuristic leaves no gap to close
GAP_FLOOR = 1e-3


@cache
def _table() -> tuple[dict, ...]:
    text = resources.files("qnet_envs.data").joinpath(DATA).read_text()
    return tuple(json.loads(text)["scenarios"])


def reference_scores(env_id: str, config: dict | None = None) -> dict:
    """The scenario entry for ``env_id`` with env ``config``: ``random`` and ``reference`` mean
    returns, the reference policy's name, the seeds and episodes they were measured on."""
    for entry in _table():
        if entry["env_id"] == env_id and (entry["env_config"] or None) == (config or None):
            return dict(entry)
    known = sorted({(e["env_id"], json.dumps(e["env_config"])) for e in _table()})
    raise ValueError(
        f"env_id={env_id!r} with config={config!r} has no reference scores; "
        f"allowed (env id, config): {known}"
    )


def normalized_score(env_id: str, ret: float, config: dict | None = None) -> float:
    """``(ret - R_random) / (R_reference - R_random)``: 0 is the random-valid policy, 1 the
    scenario's reference policy; above 1 beats it (see the module docstring)."""
    entry = reference_scores(env_id, config)
    low, high = entry["random"], entry["reference"]
    return (float(ret) - low) / (high - low)


def gap_closed(value: float, heuristic: float, optimum: float) -> float | None:
    """``(value - heuristic) / (optimum - heuristic)``, or None where the optimum lies less
    than :data:`GAP_FLOOR` above the heuristic (no gap to close). Returns and times alike:
    pass minus a time."""
    if optimum <= heuristic + GAP_FLOOR * abs(heuristic):
        return None
    return (float(value) - heuristic) / (optimum - heuristic)


def gap_closed_score(env_id: str, ret: float, config: dict | None = None) -> float | None:
    """Where the scenario has an exact or clairvoyant optimum above its best heuristic:
    ``(ret - R_heuristic) / (R_optimum - R_heuristic)``, 0 at the best heuristic, 1 at the
    optimum, negative below the heuristic; None where it has no such optimum (then
    :func:`normalized_score` is the only score). The leaderboard's headline where it exists:
    a D4RL score near 1 can hide a policy worse than a simple heuristic when random play is
    far worse than both."""
    entry = reference_scores(env_id, config)
    heuristic, optimum = entry.get("best_heuristic"), entry.get("optimum")
    if not heuristic or not optimum:
        return None
    return gap_closed(ret, heuristic[1], optimum[1])


def recorded_agents(env_id: str, config: dict | None = None) -> tuple[dict, dict]:
    """(the scenario entry, {agent: {"mean", "normalised", "steps"}}) of the leaderboard's
    agents on ``env_id`` with ``config``; ({}, {}) where the leaderboard has no such scenario."""
    try:
        entry = reference_scores(env_id, config)
    except ValueError:
        return {}, {}
    return entry, dict(entry.get("agents", {}))
