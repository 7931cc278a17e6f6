"""Exact expected delivery times of homogeneous repeater chains with cutoffs (the ``inesta2023``
preset of ``qnet/EntanglementDistribution-v2``), by dynamic programming on the exact MDP.

Model: Iñesta, Vardoyan, Scavuzzo & Wehner, "Optimal entanglement distribution policies in
homogeneous repeater chains with cutoffs", npj Quantum Information 9, 46 (2023), with the
conventions of ``shared/design/inesta2023.md``: n nodes, one qubit per side; a decision state
is the set of links (i, j, age) just before swaps; a slot is (1) the policy's swaps (each
succeeds with p_s; along a segment of adjacent swapping nodes the outcomes compose and any
failure loses every link of the segment), (2) if no end-to-end link exists, discard links of
age >= t_cut, (3) ages + 1, (4) every free physical link is generated with probability p at
age 0. T counts slots from the state after a first round of generation on the empty chain up
to and including the slot whose swaps create the end-to-end link.

``solve`` finds the optimal policy by policy iteration (exact evaluation of each policy by a
sparse linear solve, greedy improvement, stop when no state improves by more than 1e-12);
``evaluate`` gives a fixed policy's T by the same exact evaluation. Each state has a handful of
successors, so the system (I - P_pi) V = 1 is sparse: SciPy's sparse LU (SuperLU) solves it
exactly, as a dense solve would, in time far below the dense solve's cubic cost, which is what
lets chains of 6 and 7 nodes be solved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations, product

import numpy as np

from ..config import check_range

Link = tuple[int, int, int]  # (left node, right node, age)
State = tuple[Link, ...]


@dataclass
class RepeaterSolution:
    """``expected_delivery_time`` (slots); ``policy`` maps each decision state (a sorted tuple of
    (i, j, age) links) to the tuple of nodes that swap; ``values`` maps it to its expected
    remaining delivery time; ``initial`` is the distribution of first decision states."""

    n_nodes: int
    p_gen: float
    p_swap: float
    cutoff: int
    expected_delivery_time: float
    policy: dict[State, tuple[int, ...]] = field(repr=False)
    values: dict[State, float] = field(repr=False)
    initial: dict[State, float] = field(repr=False)
    iterations: int = 0

    def action(self, state: State) -> tuple[int, ...]:
        return self.policy[canonical(state)]


def canonical(links) -> State:
    return tuple(sorted((int(a), int(b), int(age)) for a, b, age in links))


def swappable(state: State) -> tuple[int, ...]:
    """Nodes holding a link on each side (the nodes that may swap)."""
    rights = {a for a, _, _ in state}
    lefts = {b for _, b, _ in state}
    return tuple(sorted(rights & lefts))


def _generate(links: list[Link], n: int, p: float) -> list[tuple[State, float]]:
    """Every free physical link (k, k+1) is generated with probability p, age 0."""
    busy_right = {a for a, _, _ in links}
    busy_left = {b for _, b, _ in links}
    free = [k for k in range(n - 1) if k not in busy_right and k + 1 not in busy_left]
    out = []
    for hits in product((True, False), repeat=len(free)):
        prob = 1.0
        new = list(links)
        for k, hit in zip(free, hits, strict=True):
            prob *= p if hit else 1.0 - p
            if hit:
                new.append((k, k + 1, 0))
        if prob > 0.0:
            out.append((canonical(new), prob))
    return out


def _segments(state: State, swaps: tuple[int, ...]) -> tuple[list[Link], list[list[Link]]]:
    """Split links into untouched ones and segments joined through swapping nodes."""
    by_left = {a: (a, b, age) for a, b, age in state}
    ends_at = {b for _, b, _ in state}
    swapping = set(swaps)
    untouched, segments, seen = [], [], set()
    for link in state:
        if link in seen or link[0] in swapping and link[0] in ends_at:
            continue  # not the first link of its segment
        seg = [link]
        while seg[-1][1] in swapping:
            seg.append(by_left[seg[-1][1]])
        seen.update(seg)
        (segments if len(seg) > 1 else untouched).append(seg if len(seg) > 1 else link)
    return untouched, segments


@lru_cache(maxsize=500_000)
def _outcomes(state: State, swaps: tuple[int, ...], n: int, p: float, ps: float, cutoff: int):
    """[(next decision state or None for delivered, probability)] of one slot."""
    untouched, segments = _segments(state, swaps)
    out: dict[State | None, float] = {}
    for wins in product((True, False), repeat=len(segments)):
        prob = 1.0
        links = list(untouched)
        for seg, win in zip(segments, wins, strict=True):
            k = len(seg) - 1
            prob *= ps**k if win else 1.0 - ps**k
            if win:
                links.append((seg[0][0], seg[-1][1], max(age for _, _, age in seg)))
        if prob == 0.0:
            continue
        if any(a == 0 and b == n - 1 for a, b, _ in links):
            out[None] = out.get(None, 0.0) + prob
            continue
        aged = [(a, b, age + 1) for a, b, age in links if age < cutoff]
        for nxt, q in _generate(aged, n, p):
            out[nxt] = out.get(nxt, 0.0) + prob * q
    return tuple(out.items())


def _actions(state: State, n: int) -> list[tuple[int, ...]]:
    nodes = swappable(state)
    return [c for r in range(len(nodes) + 1) for c in combinations(nodes, r)]


def _explore(n, p, ps, cutoff):
    """All decision states reachable from the initial distribution under any policy."""
    initial = dict(_generate([], n, p))
    index, order, stack = {}, [], list(initial)
    while stack:
        s = stack.pop()
        if s in index:
            continue
        index[s] = len(order)
        order.append(s)
        for a in _actions(s, n):
            for nxt, _ in _outcomes(s, a, n, p, ps, cutoff):
                if nxt is not None and nxt not in index:
                    stack.append(nxt)
    return initial, index, order


def policy_system(order, index, choice, n, p, ps, cutoff):
    """The sparse matrix I - P_pi of a deterministic policy (CSR; rows and columns in
    ``order``): its values V solve (I - P_pi) V = 1."""
    from scipy.sparse import coo_matrix, identity

    rows, cols, probs = [], [], []
    for i, s in enumerate(order):
        for nxt, q in _outcomes(s, choice[s], n, p, ps, cutoff):
            if nxt is not None:
                rows.append(i)
                cols.append(index[nxt])
                probs.append(q)
    size = len(order)
    transitions = coo_matrix((probs, (rows, cols)), shape=(size, size))  # duplicates add up
    return (identity(size, format="csr") - transitions.tocsr()).tocsc()


def _evaluate_policy(order, index, choice, n, p, ps, cutoff) -> np.ndarray:
    """Exact values of a deterministic policy: solve (I - P_pi) V = 1 by sparse LU."""
    from scipy.sparse.linalg import spsolve

    system = policy_system(order, index, choice, n, p, ps, cutoff)
    return spsolve(system, np.ones(len(order)))


def _check(n_nodes, p_gen, p_swap, cutoff):
    check_range("n_nodes", n_nodes, 3, 7, integer=True)
    check_range("p_gen", p_gen, 0.0, 1.0, low_open=True)
    check_range("p_swap", p_swap, 0.0, 1.0, low_open=True)
    check_range("cutoff", cutoff, 1, 50, integer=True)
    return int(n_nodes), float(p_gen), float(p_swap), int(cutoff)


def _solution(args, initial, order, values, choice, iterations) -> RepeaterSolution:
    n, p, ps, cutoff = args
    vals = {s: float(v) for s, v in zip(order, values, strict=True)}
    t = sum(q * vals[s] for s, q in initial.items())
    return RepeaterSolution(n, p, ps, cutoff, t, choice, vals, initial, iterations)


def solve(n_nodes: int, p_gen: float, p_swap: float, cutoff: int) -> RepeaterSolution:
    """The optimal expected delivery time and policy, by policy iteration on the exact MDP."""
    args = _check(n_nodes, p_gen, p_swap, cutoff)
    n, p, ps, cut = args
    initial, index, order = _explore(*args)
    choice = {s: swappable(s) for s in order}  # start from swap-asap
    for iteration in range(1, 1000):
        values = _evaluate_policy(order, index, choice, *args)
        changed = False
        for s in order:
            best, best_q = choice[s], _q(s, choice[s], values, index, args)
            for a in _actions(s, n):
                q = _q(s, a, values, index, args)
                if q < best_q - 1e-12:
                    best, best_q = a, q
            if best != choice[s]:
                choice[s], changed = best, True
        if not changed:
            return _solution(args, initial, order, values, choice, iteration)
    raise RuntimeError("policy iteration did not converge in 1000 iterations")


def _q(state, action, values, index, args) -> float:
    return 1.0 + sum(
        q * values[index[nxt]] for nxt, q in _outcomes(state, action, *args) if nxt is not None
    )


def nested_action(state: State, n_nodes: int) -> tuple[int, ...]:
    """The nested policy of Iñesta et al. (2023): swap-asap, except in the full state (every
    pair of neighbours linked), where only the odd-indexed nodes swap (for n = 5: the second
    and fourth nodes swap and the middle one waits)."""
    full = all(any(a == k and b == k + 1 for a, b, _ in state) for k in range(n_nodes - 1))
    nodes = swappable(state)
    return tuple(x for x in nodes if x % 2 == 1) if full else nodes


def evaluate(
    n_nodes: int, p_gen: float, p_swap: float, cutoff: int, policy="swap-asap"
) -> RepeaterSolution:
    """Exact expected delivery time of a fixed policy: ``"swap-asap"``, ``"nested"``, or a
    callable mapping a decision state to the nodes that swap."""
    args = _check(n_nodes, p_gen, p_swap, cutoff)
    if policy == "swap-asap":
        rule = swappable
    elif policy == "nested":
        rule = lambda s: nested_action(s, args[0])  # noqa: E731
    elif callable(policy):
        rule = policy
    else:
        raise ValueError(f"policy={policy!r}: use 'swap-asap', 'nested' or a callable")
    initial, index, order = _explore(*args)
    choice = {s: tuple(rule(s)) for s in order}
    values = _evaluate_policy(order, index, choice, *args)
    return _solution(args, initial, order, values, choice, 1)
