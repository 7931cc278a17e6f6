"""Metaheuristics for ``qnet/Com2Net-v0`` with the simulator as fitness oracle: the quantum
genetic algorithm (QGA) of seed 000, a classical GA with the same evaluation budget, and random
probabilistic configuration (RPC).

A solution assigns one compact allocation level (0-3, :data:`qnet_envs.core.com2net.UNIT_LEVELS`
and ``BANDWIDTH_LEVELS``) to each task of an episode, in arrival order. The env's task stream
does not depend on the decisions, so a solution can be replayed exactly: ``tcr_of`` runs the
episode from its seed and returns the task completion ratio. The objective is
f(s, a) = 1 - TCR (minimised); fitness is Fit = max(M - f, 0) with M = 1, i.e. the TCR.

Two modes: ``optimise_offline`` searches a whole episode's decisions (the seed's setting: the
controller plans a batch of tasks); ``OnlineQGA`` re-plans the tasks pending at each decision
epoch on a copy of the simulator and applies the first decision (receding horizon).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import gymnasium as gym
import numpy as np

from ..core.com2net import UNIT_LEVELS

LEVELS = len(UNIT_LEVELS)
BITS = 2  # qubits per gene: 2^2 = 4 levels


@dataclass
class QGAConfig:
    """Seed 000's QGA ("QGA-Assisted Resource Adaption Algorithm", steps 1-4)."""

    population: int = 16
    generations: int = 20
    delta_theta: float = 0.05 * np.pi  # rotation step: Han & Kim's table uses 0.001-0.05 pi
    crossover_rate: float = 0.8
    mutation_rate: float = 0.02  # Pauli-X per qubit
    fitness_m: float = 1.0
    seed: int = 0


def make_env(config: dict | None):
    return gym.make("qnet/Com2Net-v0", config=config or {}).unwrapped


def feasible_level(mask: np.ndarray, level: int) -> int:
    """The requested level if feasible, else the nearest feasible one (never an invalid move)."""
    if mask[level]:
        return level
    valid = np.flatnonzero(mask)
    return int(valid[np.argmin(np.abs(valid - level))])


def replay(env, seed: int, levels) -> tuple[float, dict]:
    """Replay the episode seeded ``seed`` with one level per task (cycled if too short); the
    episode's return (tasks completed by their deadline) and its last info."""
    obs, info = env.reset(seed=seed)
    i, done, ret = 0, False, 0.0
    while not done:
        a = feasible_level(info["action_mask"], int(levels[i % len(levels)]))
        obs, r, te, tr, info = env.step(a)
        ret += float(r)
        i += 1
        done = te or tr
    return ret, info


def tcr_of(env, seed: int, levels) -> float:
    """The task completion ratio of :func:`replay`."""
    return replay(env, seed, levels)[1]["tcr"]


def episode_length(env, seed: int) -> int:
    obs, info = env.reset(seed=seed)
    n, done = 0, False
    while not done:
        obs, r, te, tr, info = env.step(int(np.flatnonzero(info["action_mask"])[0]))
        n += 1
        done = te or tr
    return n


# --- QGA ------------------------------------------------------------------------------------
def observe(theta: np.ndarray, rng) -> np.ndarray:
    """Collapse Q-bits: bit = 1 with probability |beta|^2 = sin^2(theta); genes from bit pairs."""
    bits = rng.random(theta.shape) < np.sin(theta) ** 2
    return bits[..., 0] * 2 + bits[..., 1]


def gene_bits(genes: np.ndarray) -> np.ndarray:
    return np.stack([genes // 2, genes % 2], axis=-1).astype(bool)


def rotate(theta, x_bits, best_bits, worse, delta):
    """Han & Kim (IEEE TEC 6(6), 2002, Table I) rotation gate on real amplitudes
    (alpha, beta) = (cos theta, sin theta): where an individual is worse than the best and a bit
    differs from the best's, turn that Q-bit by delta toward the best's bit; otherwise leave it."""
    direction = np.where(best_bits, 1.0, -1.0)
    turn = (x_bits != best_bits) & worse[:, None, None]
    return np.clip(theta + turn * direction * delta, 0.0, np.pi / 2)


def tournament(livability: np.ndarray, rng, n_parents: int) -> np.ndarray:
    """Seed 000: draw p/2 individuals at random, keep the two with the highest livability;
    repeat until there are p parents."""
    p = len(livability)
    parents = []
    while len(parents) < n_parents:
        group = rng.choice(p, size=max(2, p // 2), replace=False)
        best_two = group[np.argsort(-livability[group])[:2]]
        parents.extend(int(i) for i in best_two)
    return np.array(parents[:n_parents])


def _score(genes, fitness, state, progress):
    """Record a generation: keep the best individual seen so far and its fitness."""
    i = int(np.argmax(fitness))
    if fitness[i] > state["fit"]:
        state["fit"], state["genes"] = float(fitness[i]), genes[i].copy()
    state["history"].append(state["fit"])
    if progress:
        progress(state["fit"])
    p = len(fitness)
    return fitness / fitness.sum() if fitness.sum() > 0 else np.full(p, 1.0 / p)


def qga(fitness_of, n_genes: int, cfg: QGAConfig, progress=None):
    """Minimise f = M - Fit over ``n_genes`` four-level genes. ``fitness_of(genes) -> TCR``.
    Returns (best genes, best fitness, best fitness per generation)."""
    rng = np.random.default_rng(cfg.seed)
    p = cfg.population
    theta = np.full((p, n_genes, BITS), np.pi / 4)  # Hadamard: uniform superposition
    best = {"genes": None, "fit": -np.inf, "history": []}
    for _ in range(cfg.generations):
        genes = observe(theta, rng)
        fit = np.array([max(cfg.fitness_m - (1.0 - fitness_of(g)), 0.0) for g in genes])
        livability = _score(genes, fit, best, progress)
        best_genes, best_fit = best["genes"], best["fit"]
        parents = tournament(livability, rng, p)
        theta, genes, fit = theta[parents].copy(), genes[parents], fit[parents]
        for a in range(0, p - 1, 2):  # quantum crossover: exchange Q-bit tails of two parents
            if rng.random() < cfg.crossover_rate:
                cut = int(rng.integers(1, n_genes)) if n_genes > 1 else 0
                theta[[a, a + 1], cut:] = theta[[a + 1, a], cut:]
        theta = rotate(
            theta, gene_bits(genes), gene_bits(best_genes)[None], fit < best_fit, cfg.delta_theta
        )
        flip = rng.random(theta.shape) < cfg.mutation_rate  # Pauli-X swaps alpha and beta
        theta = np.where(flip, np.pi / 2 - theta, theta)
    return best["genes"], best["fit"], best["history"]


def ga(fitness_of, n_genes: int, cfg: QGAConfig, progress=None):
    """Classical GA, same evaluation budget: integer genes, the same tournament, single-point
    crossover, uniform mutation, elitism."""
    rng = np.random.default_rng(cfg.seed)
    p = cfg.population
    genes = rng.integers(0, LEVELS, size=(p, n_genes))
    best = {"genes": None, "fit": -np.inf, "history": []}
    for _ in range(cfg.generations):
        fit = np.array([fitness_of(g) for g in genes])
        livability = _score(genes, fit, best, progress)
        children = genes[tournament(livability, rng, p)].copy()
        for a in range(0, p - 1, 2):
            if rng.random() < cfg.crossover_rate and n_genes > 1:
                cut = int(rng.integers(1, n_genes))
                children[[a, a + 1], cut:] = children[[a + 1, a], cut:]
        mutate = rng.random(children.shape) < cfg.mutation_rate * BITS
        children[mutate] = rng.integers(0, LEVELS, size=int(mutate.sum()))
        children[0] = best["genes"]  # elitism
        genes = children
    return best["genes"], best["fit"], best["history"]


def rpc(n_genes: int, seed: int, probabilities=(0.25, 0.25, 0.25, 0.25)) -> np.ndarray:
    """Random probabilistic configuration: every level drawn from a fixed distribution."""
    return np.random.default_rng(seed).choice(LEVELS, size=n_genes, p=probabilities)


def optimise_offline(
    method: str, env_config: dict | None, seed: int, cfg: QGAConfig | None = None, env=None
) -> dict:
    """Best TCR that ``method`` ("qga", "ga", "rpc") finds for the episode seeded ``seed``,
    with the env's return of that solution (tasks completed in time); the search's own
    randomness (and RPC's draws) come from ``cfg.seed``. ``env`` (an unwrapped Com2Net env to
    replay the episode on) replaces building one from ``env_config``."""
    cfg = cfg or QGAConfig(seed=seed)
    env = make_env(env_config) if env is None else env
    n = episode_length(env, seed)
    history = []
    if method == "rpc":
        genes = rpc(n, cfg.seed)
    else:
        search = {"qga": qga, "ga": ga}[method]
        genes, fit, history = search(lambda g: tcr_of(env, seed, g), n, cfg)
    ret, info = replay(env, seed, genes)
    return {"tcr": info["tcr"], "return": ret, "genes": genes, "history": history}


class OnlineQGA:
    """Online decisions: at each step, run a QGA over the levels of the tasks pending in this
    decision epoch, each candidate scored on a copy of the simulator by how many of them finish
    in time, and take the first task's level."""

    def __init__(self, env, cfg: QGAConfig | None = None):
        self.env = env.unwrapped
        self.cfg = cfg or QGAConfig(population=8, generations=6)

    def act(self, obs, info) -> int:
        env = self.env
        n = len(env.core.pending)
        if n <= 1 and info["action_mask"].sum() == 1:
            return int(np.flatnonzero(info["action_mask"])[0])

        def completed(genes) -> float:
            sim = copy.deepcopy(env.core)
            done = 0
            for level in genes[: len(sim.pending)]:
                task = sim.head
                feasible = sim.level_feasible(task)
                best = sim.best_pool(task, feasible_level(feasible, int(level)))
                if best is None:
                    sim.reject()
                    continue
                done += sim.commit(task, *best)
            return done / max(1, n)

        genes, _, _ = qga(completed, max(1, n), self.cfg)
        return feasible_level(info["action_mask"], int(genes[0]))
