"""Baseline controllers for ``qnet/EntanglementDistribution-v2``: every node decides each slot.

They read the chain through the core's state as a node would know it (pairs whose Pauli frame
has reached the node, nominal fidelities), never the hidden true fidelities.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

import numpy as np

from ..core.repeater_chain.layout import PAIR
from ..references import repeater_mdp
from .base import Policy


class ChainPolicy(Policy):
    """Common helpers: the masks as an (n, K) array and the known pairs of each node."""

    name = "chain"

    def __init__(self, env):
        super().__init__(env)
        self.core = self.env.core
        self.codec = self.core.codec

    def act(self, obs, info):
        masks = np.asarray(info["action_mask"], dtype=bool).reshape(self.core.n, -1)
        choice = np.zeros(self.core.n, dtype=np.int64)
        self.choose(choice, masks)
        return choice

    def choose(self, choice: np.ndarray, masks: np.ndarray) -> None:
        raise NotImplementedError

    # --- what the state says (env 0 of the core) -----------------------------------------
    def nominal(self, rec: int) -> float:
        return float(self.core.pair_coefficients[0, rec, 1, 0])

    def span(self, rec: int) -> int:
        return int(self.core.far_node[0, rec]) - int(self.core.record_node[rec])

    def best_swap(self, x: int, masks: np.ndarray, accept=lambda rec: True) -> int | None:
        """The valid swap at node x whose two pairs have the highest nominal fidelities."""
        best, best_score, m, cd = None, -1.0, self.core.m, self.codec
        for left in range(m):
            for right in range(m):
                k = cd.swap(left, right)
                if not masks[x, k]:
                    continue
                rl, rr = int(self.core.left_record[0, x, left]), x * m + right
                if not (accept(rl) and accept(rr)):
                    continue
                score = self.nominal(rl) * self.nominal(rr)
                if score > best_score:
                    best, best_score = k, score
        return best


def link_goal(config) -> float:
    """Werner parameter an elementary pair needs so that n-1 of them, joined by n-2 noisy
    swaps, reach ``target_fidelity``: w_link^(n-1) k^(n-2) = w_target with k = p (4 eta^2 -
    1)/3 (Briegel et al., PRL 81, 5932 (1998), Eq. 3; :func:`qnet_envs.physics.swap_fidelity`)."""
    n = config.n_nodes
    k = config.gate_fidelity * (4 * config.meas_fidelity**2 - 1) / 3
    w_target = (4 * config.target_fidelity - 1) / 3
    return (w_target / k ** (n - 2)) ** (1 / (n - 1))


class SwapAsap(ChainPolicy):
    """Every node that knows a left and a right pair swaps them at once (best nominal pairs).
    With ``cutoff``, a node first discards right pairs that waited too long: a pair spanning
    links l .. l + s - 1 is dropped once its nominal Werner parameter falls below that of its s
    links' fresh pairs joined by s - 1 noisy swaps, prod_l (keep w_l) k^(s-1), with ``keep``
    0.98 and w_l the nominal Werner parameter of link l's pair as heralded, after its round
    trip in memory (a fidelity cutoff, as in Rozpedek et al., PRA 99, 052330 (2019)): a pair
    is stale for what it lost while waiting, not for the round trip every pair of a long link
    spends before anyone knows of it."""

    name = "swap-asap"

    def __init__(self, env, cutoff: bool = False, keep: float = 0.98):
        super().__init__(env)
        self.cutoff = cutoff
        if cutoff:
            self.name = "swap-asap-cutoff"
        cfg = self.core.config
        self.w_link = link_goal(cfg)
        self.k = cfg.gate_fidelity * (4 * cfg.meas_fidelity**2 - 1) / 3
        # keep x each link's heralded Werner parameter, and their running products along the
        # chain: a pair from node x to node y is measured against fresh[y] / fresh[x]
        herald_w = (4 * self.core.herald_nominal_fidelity - 1) / 3
        self.fresh = np.concatenate([[1.0], np.cumprod(keep * herald_w)])

    def choose(self, choice, masks) -> None:
        if self.cutoff:
            self.discard_stale(choice, masks)
        for x in range(1, self.core.n - 1):
            if choice[x] == 0:
                k = self.best_swap(x, masks, self.usable)
                choice[x] = 0 if k is None else k

    def usable(self, rec: int) -> bool:
        return True

    def stale(self, rec: int) -> bool:
        x = int(self.core.record_node[rec])
        y = int(self.core.far_node[0, rec])
        w = (4 * self.nominal(rec) - 1) / 3
        return w < self.fresh[y] / self.fresh[x] * self.k ** (y - x - 1)

    def discard_stale(self, choice, masks) -> None:
        m, cd = self.core.m, self.codec
        for x in range(self.core.n - 1):
            for s in range(m):
                rec = x * m + s
                k = cd.discard_right(s)
                if masks[x, k] and self.core.record_status[0, rec] == PAIR:
                    known = self.core.near_known_at[0, rec] <= self.core.t[0]
                    if known and self.stale(rec):
                        choice[x] = k
                        break


class Nested(SwapAsap):
    """Swap-asap, except when every pair of neighbours is linked, only odd-indexed nodes swap
    (the nested policy of Iñesta et al. 2023 for n = 5, generalised)."""

    name = "nested"

    def choose(self, choice, masks) -> None:
        super().choose(choice, masks)
        core = self.core
        full = all(
            any(
                core.record_status[0, k * core.m + s] == PAIR
                and core.far_node[0, k * core.m + s] == k + 1
                for s in range(core.m)
            )
            for k in range(core.n - 1)
        )
        if full:
            choice[2 : core.n - 1 : 2] = 0


class SwapAsapAgeCutoff(SwapAsap):
    """Swap-asap that first discards right pairs older than ``max_age`` slots since they were
    heralded: the memory cutoff of Rozpedek et al. (PRA 99, 052330 (2019)) and Iñesta et al.
    (2023), by age instead of estimated fidelity."""

    name = "swap-asap-age"

    def __init__(self, env, max_age: int = 10):
        super().__init__(env, cutoff=True)
        self.name, self.max_age = "swap-asap-age", int(max_age)

    def stale(self, rec: int) -> bool:
        return int(self.core.t[0]) - int(self.core.born_slot[0, rec]) > self.max_age


class PurifyThenSwap(SwapAsap):
    """Purify elementary pairs (two known pairs on the same link) until the best reaches the
    link goal of :func:`link_goal` plus ``margin``, swap only pairs that reached it (or longer
    pairs), and discard pairs that waited too long (the rule of ``swap-asap-cutoff``)."""

    name = "purify-then-swap"

    def __init__(self, env, margin: float = 0.005, keep: float = 0.98):
        super().__init__(env, cutoff=True, keep=keep)
        self.name = "purify-then-swap"
        self.goal = min(1.0, 0.25 + 0.75 * self.w_link + margin)

    def usable(self, rec: int) -> bool:
        return self.span(rec) > 1 or self.nominal(rec) >= self.goal

    def choose(self, choice, masks) -> None:
        self.discard_stale(choice, masks)
        cd, m = self.codec, self.core.m
        for x in range(self.core.n - 1):
            if choice[x] != 0:
                continue
            for j, (s1, s2) in enumerate(cd.purify_pairs):
                k = cd.purify0 + j
                r1, r2 = x * m + s1, x * m + s2
                elementary = self.span(r1) == 1
                if (
                    masks[x, k]
                    and elementary
                    and max(self.nominal(r1), self.nominal(r2)) < self.goal
                ):
                    choice[x] = k
                    break
        for x in range(1, self.core.n - 1):
            if choice[x] == 0:
                k = self.best_swap(x, masks, self.usable)
                choice[x] = 0 if k is None else k


KEEPS = (0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.98, 0.99, 0.995)
# the tunable heuristics: name -> (its factory taking the parameters, the grid of parameter
# sets scripts/tune_baselines.py searches on training seeds)
TUNABLE = {
    "swap-asap-cutoff": (lambda env, keep: SwapAsap(env, cutoff=True, keep=keep),
                         [{"keep": k} for k in KEEPS]),
    "swap-asap-age": (lambda env, max_age: SwapAsapAgeCutoff(env, max_age),
                      [{"max_age": a} for a in (1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 18, 20, 25, 30,
                                                 50)]),
    "purify-then-swap": (lambda env, margin, keep: PurifyThenSwap(env, margin, keep),
                         [{"margin": m, "keep": k} for m in (0.0, 0.005, 0.01, 0.02)
                          for k in KEEPS[2:8]]),
}  # fmt: skip


def tuned_parameters(name: str, env) -> dict | None:
    """The tuned parameter of heuristic ``name`` (without its ``-tuned`` suffix) for the env's
    config, from ``qnet_envs/data/tuned_baselines.json`` (written by
    ``scripts/tune_baselines.py``), or None where that config was not tuned."""
    config = env.core.config
    for entry in _tuned_table():
        if entry["policy"] == name and _config_of(json.dumps(entry["env_config"])) == config:
            return dict(entry["parameters"])
    return None


@lru_cache(maxsize=1)
def _tuned_table() -> tuple:
    text = resources.files("qnet_envs.data").joinpath("tuned_baselines.json").read_text()
    return tuple(json.loads(text)["entries"])


@lru_cache(maxsize=64)
def _config_of(env_config: str):
    import gymnasium as gym

    return gym.make(
        "qnet/EntanglementDistribution-v2", config=json.loads(env_config)
    ).unwrapped.core.config


def _tuned(name: str):
    def build(env):
        params = tuned_parameters(name, env.unwrapped)
        if params is None:
            raise ValueError(f"policy '{name}-tuned' has no tuned parameters for this config "
                             "(scripts/tune_baselines.py tunes the leaderboard's scenarios)")  # fmt: skip
        policy = TUNABLE[name][0](env, **params)
        policy.name = f"{name}-tuned"
        return policy

    return build


@lru_cache(maxsize=32)
def _solved(n: int, p: float, ps: float, cutoff: int):
    return repeater_mdp.solve(n, p, ps, cutoff)


def applicable(name: str, env) -> bool:
    """``optimal`` needs the ``inesta2023`` model (one memory per side, no classical delays);
    a ``-tuned`` heuristic needs parameters tuned for the env's config."""
    if name.endswith("-tuned"):
        return tuned_parameters(name.removesuffix("-tuned"), env) is not None
    if name != "optimal":
        return True
    cfg = env.config
    return cfg.preset == "inesta2023" and cfg.memories_per_side == 1 and not cfg.classical_delays


class Optimal(ChainPolicy):
    """The optimal policy of the exact MDP (:func:`qnet_envs.references.repeater_mdp.solve`),
    for the ``inesta2023`` preset only."""

    name = "optimal"

    def __init__(self, env):
        super().__init__(env)
        cfg = self.core.config
        if not applicable("optimal", self.env):
            raise ValueError(
                "policy 'optimal' needs config preset='inesta2023' (one memory per side, no "
                "classical delays); the exact MDP covers that model only"
            )
        self.solution = _solved(
            cfg.n_nodes, float(cfg.generation_success), float(cfg.swap_success), cfg.cutoff_slots
        )

    def state(self) -> repeater_mdp.State:
        core = self.core
        recs = np.flatnonzero(core.record_status[0] == PAIR)
        t = int(core.t[0])
        return repeater_mdp.canonical(
            (int(core.record_node[p]), int(core.far_node[0, p]), t - int(core.born_slot[0, p]))
            for p in recs
        )

    def choose(self, choice, masks) -> None:
        for x in self.solution.action(self.state()):
            choice[x] = self.codec.swap(0, 0)


POLICIES = {
    "random-valid": None,  # filled in by the package registry with RandomValid
    "swap-asap": lambda env: SwapAsap(env),
    "swap-asap-cutoff": lambda env: SwapAsap(env, cutoff=True),
    "nested": lambda env: Nested(env),
    "purify-then-swap": lambda env: PurifyThenSwap(env),
    "optimal": lambda env: Optimal(env),
    # where scripts/tune_baselines.py tuned them for the env's config (the leaderboard's)
    **{f"{name}-tuned": _tuned(name) for name in TUNABLE},
}
