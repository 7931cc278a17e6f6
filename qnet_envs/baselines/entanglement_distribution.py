"""Heuristic controllers for ``qnet/EntanglementDistribution-v0``."""

from __future__ import annotations

import numpy as np

from .base import Policy


class SwapAsap(Policy):
    """Swap as soon as a node holds pairs on both sides; otherwise generate, preferring links not
    yet spanned by any pair. With ``cutoff`` (in coherence times), first discard any pair older
    than the cutoff (the cutoff policies of e.g. Rozpedek et al., PRA 99, 052330 (2019))."""

    name = "swap-asap"

    def __init__(self, env, cutoff: float | None = None):
        super().__init__(env)
        self.cutoff = cutoff
        if cutoff is not None:
            self.name = f"swap-asap-cutoff{cutoff:g}"

    def act(self, obs, info) -> int:
        env, sim = self.env, self.env.sim
        mask = info["action_mask"]
        stale = self._stale_pair()
        if stale is not None:
            return env.action_index("discard", stale)
        for node in range(1, sim.n_nodes - 1):
            a = env.action_index("swap", node - 1)
            if mask[a] and self.ready_to_swap(node):
                return a
        pre_purify = self.pre_swap_action(mask)
        if pre_purify is not None:
            return pre_purify
        return self._generate(mask)

    def _stale_pair(self):
        if self.cutoff is None:
            return None
        sim = self.env.sim
        ages = sim.ages()
        limit = self.cutoff * sim.slots_per_coherence_time
        old = np.flatnonzero(sim.occ & (ages > limit))
        return int(old[0]) if old.size else None

    def ready_to_swap(self, node: int) -> bool:
        return True

    def pre_swap_action(self, mask):
        return None

    def link_satisfied(self, link: int) -> bool:
        """Whether link i is already spanned by a pair this policy is content with."""
        sim = self.env.sim
        occ, end = sim.occ, sim.end
        starts = np.arange(sim.n_pairs) // sim.m
        return bool(np.any(occ & (starts <= link) & (end > link)))

    def _generate(self, mask) -> int:
        env = self.env
        links = [i for i in range(env.sim.n_nodes - 1) if mask[env.action_index("generate", i)]]
        for i in links:
            if not self.link_satisfied(i):
                return env.action_index("generate", i)
        return env.action_index("generate", links[0]) if links else env.action_index("wait")


class PurifyThenSwap(SwapAsap):
    """Purify elementary pairs up to the link fidelity that swapping needs, then swap.

    The goal fidelity per link inverts the Werner swapping rule (Briegel et al. 1998, Eq. 3,
    :func:`qnet_envs.physics.swap_fidelity`): N-1 links of Werner parameter w and N-2 noisy
    swaps give w^(N-1) k^(N-2) with k = p (4 eta^2 - 1)/3, which must reach the target's
    (4 F_target - 1)/3; ``margin`` is added for decoherence while waiting.
    """

    name = "purify-then-swap"

    def __init__(self, env, cutoff: float | None = 0.5, margin: float = 0.005):
        super().__init__(env, cutoff)
        self.name = "purify-then-swap"
        cfg = self.env.config
        n = cfg.n_nodes
        k = cfg.gate_fidelity * (4 * cfg.meas_fidelity**2 - 1) / 3
        w_target = (4 * cfg.target_fidelity - 1) / 3
        w_link = (w_target / k ** (n - 2)) ** (1 / (n - 1))
        self.goal = min(1.0, 0.25 + 0.75 * w_link + margin)

    def _elementary_best(self, link: int) -> float:
        pairs = self.env.sim.pairs_on(link, link + 1)
        return float(self.env.sim.nominal[pairs[0], 0]) if pairs.size else 0.0

    def ready_to_swap(self, node: int) -> bool:
        sim = self.env.sim
        for link in (node - 1, node):
            pairs = sim.pairs_on(link, link + 1)
            if pairs.size and sim.nominal[pairs[0], 0] < self.goal:
                longer = np.flatnonzero(
                    sim.occ & (np.arange(sim.n_pairs) // sim.m <= link) & (sim.end > link + 1)
                )
                if not longer.size:
                    return False
        return True

    def pre_swap_action(self, mask):
        env = self.env
        for seg, (a, b) in enumerate(env.sim.segments):
            if (
                b == a + 1
                and mask[env.action_index("purify", seg)]
                and self._elementary_best(a) < self.goal
            ):
                return env.action_index("purify", seg)
        return None

    def link_satisfied(self, link: int) -> bool:
        sim = self.env.sim
        starts = np.arange(sim.n_pairs) // sim.m
        longer = sim.occ & (starts <= link) & (sim.end > link) & (sim.end - starts > 1)
        return bool(longer.any()) or self._elementary_best(link) >= self.goal


POLICIES = {
    "random-valid": None,  # filled in by the package registry with RandomValid
    "swap-asap": lambda env: SwapAsap(env),
    "swap-asap-cutoff": lambda env: SwapAsap(env, cutoff=0.01),
    "purify-then-swap": lambda env: PurifyThenSwap(env),
}
