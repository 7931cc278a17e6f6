"""The repeater chain's action layout: one component per node, the same choices at every node.

Every front (the Gymnasium env, the vector env, the PettingZoo env, the baselines) encodes and
decodes node choices here and nowhere else.

Choices of node ``x`` (``K = 1 + M^2 + M(M-1)/2 + 2M``; 10 for M = 2, 4 for M = 1):

| Index | Choice |
|-------|--------|
| 0 | idle |
| 1 + l*M + r | swap: Bell measurement on the pair in left memory l and the one in right memory r |
| 1 + M^2 + j | purify the pairs in right memories (s1, s2), the j-th pair s1 < s2 (same far node) |
| 1 + M^2 + M(M-1)/2 + s | discard the qubit in right memory s |
| 1 + M^2 + M(M-1)/2 + M + l | discard the qubit in left memory l |
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

IDLE = 0
# the kind of each choice (``op_of``), read by the kernels
IDLE_OP, SWAP_OP, PURIFY_OP, DISCARD_RIGHT_OP, DISCARD_LEFT_OP = range(5)


class RepeaterChainCodec:
    """Index arithmetic of the per-node choices (see the module docstring)."""

    def __init__(self, n_nodes: int, memories_per_side: int):
        self.n, self.m = n_nodes, m = n_nodes, memories_per_side
        self.purify_pairs = list(combinations(range(m), 2))
        self.swap0 = 1
        self.purify0 = 1 + m * m
        self.discard_right0 = self.purify0 + len(self.purify_pairs)
        self.discard_left0 = self.discard_right0 + m
        self.k = self.discard_left0 + m
        self.nvec = np.full(n_nodes, self.k, dtype=np.int64)
        self.op_of = np.full(self.k, IDLE_OP, dtype=np.int64)
        self.op_of[self.swap0 : self.purify0] = SWAP_OP
        self.op_of[self.purify0 : self.discard_right0] = PURIFY_OP
        self.op_of[self.discard_right0 : self.discard_left0] = DISCARD_RIGHT_OP
        self.op_of[self.discard_left0 :] = DISCARD_LEFT_OP

    def swap(self, left: int, right: int) -> int:
        return self.swap0 + left * self.m + right

    def purify(self, s1: int, s2: int) -> int:
        return self.purify0 + self.purify_pairs.index((min(s1, s2), max(s1, s2)))

    def discard_right(self, s: int) -> int:
        return self.discard_right0 + s

    def discard_left(self, r: int) -> int:
        return self.discard_left0 + r

    def describe(self, node: int, choice: int) -> str:
        """A readable name of node ``node``'s choice ``choice``."""
        op = self.op_of[choice]
        if op == IDLE_OP:
            return f"node {node}: idle"
        if op == SWAP_OP:
            left, right = divmod(choice - self.swap0, self.m)
            return f"node {node}: swap left memory {left} with right memory {right}"
        if op == PURIFY_OP:
            s1, s2 = self.purify_pairs[choice - self.purify0]
            return f"node {node}: purify right memories {s1} and {s2}"
        if op == DISCARD_RIGHT_OP:
            return f"node {node}: discard right memory {choice - self.discard_right0}"
        return f"node {node}: discard left memory {choice - self.discard_left0}"

    def check(self, action) -> np.ndarray:
        """An action of the MultiDiscrete(nvec) space as an int64 array; raises ``ValueError``
        for anything outside the space (wrong shape, non-integers, out of range)."""
        arr = np.asarray(action)
        # booleans are refused, as the Discrete envs refuse True (numpy's bool is no integer)
        if arr.shape != (self.n,) or not np.issubdtype(arr.dtype, np.integer):
            raise ValueError(
                f"action must be {self.n} integers (one choice per node), got {action!r}"
            )
        arr = arr.astype(np.int64)
        if arr.min() < 0 or arr.max() >= self.k:
            raise ValueError(
                f"action {arr.tolist()} outside MultiDiscrete: allowed 0 <= a < {self.k}"
            )
        return arr

    def check_batch(self, actions, num_envs: int) -> np.ndarray:
        arr = np.asarray(actions)
        if arr.shape != (num_envs, self.n) or not np.issubdtype(arr.dtype, np.integer):
            raise ValueError(
                f"actions must be an integer array of shape ({num_envs}, {self.n}), got "
                f"{arr.dtype} {arr.shape}"
            )
        if arr.min() < 0 or arr.max() >= self.k:
            raise ValueError(f"actions outside MultiDiscrete: allowed 0 <= a < {self.k}")
        return arr.astype(np.int64)
