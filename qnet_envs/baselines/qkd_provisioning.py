"""Classic provisioning heuristics for ``qnet/QKDProvisioning-v0`` (RWA literature: first-fit,
least-loaded routing, best-fit), each using the fewest channels per hop that meet the demand."""

from __future__ import annotations

import numpy as np

from .base import Policy


class _PathChoice(Policy):
    def act(self, obs, info) -> int:
        sim = self.env.core
        req, mask = sim.request, sim.path_mask[0]
        feasible = np.flatnonzero(mask.any(axis=1))
        if not feasible.size:
            return 0
        path = int(feasible[np.argmin(self.score(req, feasible))])
        c = int(np.argmax(mask[path])) + 1  # fewest channels per hop that serve the demand
        return sim.encode(path, c)

    def score(self, req, feasible) -> np.ndarray:
        raise NotImplementedError


class FirstFit(_PathChoice):
    """The first of the k shortest paths that can serve the request."""

    name = "first-fit"

    def score(self, req, feasible):
        return feasible


class LeastLoaded(_PathChoice):
    """The path whose busiest hop has the most free channels."""

    name = "least-loaded"

    def score(self, req, feasible):
        return -req["free"][feasible]


class BestFit(_PathChoice):
    """The path that needs the fewest channels in total (channels per hop x hops)."""

    name = "best-fit"

    def score(self, req, feasible):
        return req["needed"][feasible] * req["hops"][feasible] + 1e-3 * feasible


POLICIES = {
    "random-valid": None,
    "first-fit": FirstFit,
    "least-loaded": LeastLoaded,
    "best-fit": BestFit,
}
