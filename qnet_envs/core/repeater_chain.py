"""A linear chain of quantum repeaters distributing entangled pairs between its two end nodes.

Pure-numpy core of ``qnet/EntanglementDistribution-v0`` (seed 002, Sec. II-C 3, "Entangled
pairs": generation, swapping, purification and decoherence of pairs with uncertain fidelity).

State layout. Node ``a`` has ``M`` memories on its right side and ``M`` on its left. A pair
between nodes a < b occupies one right memory of ``a`` and one left memory of ``b``; it is stored
in pair slot ``a * M + s`` (``s`` its right memory at ``a``) with ``end[p] = b`` and
``rslot[p]`` the left memory it holds at ``b``. Every pair carries two Bell-diagonal states: the
true one (hidden) and the nominal one the controller believes, obtained by running the same
physics from the nominal initial fidelity.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import physics
from ..config import check_choice, check_range
from .fidelity_distribution import FidelityDistribution

WAIT, GENERATE, SWAP, PURIFY, DISCARD = range(5)
# Every reset and every step reads exactly this many U[0, 1) draws from the env's generator
# (generation success, then two for the pair's fidelity; purification success reuses the
# first), whatever the action. A fixed count lets the batched env in
# qnet_envs.vector reproduce N scalar envs by reading each env's stream in blocks.
UNIFORMS_PER_STEP = 3
OP_NAMES = ("wait", "generate", "swap", "purify", "discard")


@dataclass(frozen=True)
class RepeaterChainConfig:
    """Physical and reward parameters; see the env docstring for the meaning of each."""

    n_nodes: int = 4
    link_length_km: float | tuple = 25.0
    memories_per_side: int = 2
    coherence_time_s: float = 0.5
    attenuation_db_per_km: float = 0.2
    detector_efficiency: float = 0.9
    emission_efficiency: float = 1.0
    initial_fidelity: FidelityDistribution = field(default_factory=FidelityDistribution)
    gate_fidelity: float = 0.995
    meas_fidelity: float = 0.998
    purification: str = "dejmps"
    target_fidelity: float = 0.8
    attempt_cost: float = 0.01
    memory_cost: float = 0.0005
    invalid_action_penalty: float = 0.1
    horizon: int = 1000
    reveal_fidelity: bool = False

    def validate(self) -> None:
        check_range("n_nodes", self.n_nodes, 3, 10, integer=True)
        lengths = np.atleast_1d(np.asarray(self.link_length_km, dtype=float))
        if lengths.size not in (1, self.n_nodes - 1):
            raise ValueError(
                f"link_length_km has {lengths.size} values; give one, or n_nodes - 1 = "
                f"{self.n_nodes - 1}"
            )
        for i, length in enumerate(lengths):
            check_range(f"link_length_km[{i}]", float(length), 0.0, 1000.0, low_open=True)
        check_range("memories_per_side", self.memories_per_side, 1, 8, integer=True)
        check_range("coherence_time_s", self.coherence_time_s, 0.0, 1e6, low_open=True)
        check_range("attenuation_db_per_km", self.attenuation_db_per_km, 0.0, 10.0)
        check_range("detector_efficiency", self.detector_efficiency, 0.0, 1.0, low_open=True)
        check_range("emission_efficiency", self.emission_efficiency, 0.0, 1.0, low_open=True)
        if isinstance(self.initial_fidelity, FidelityDistribution):
            self.initial_fidelity.validate()
        else:
            raise ValueError(f"initial_fidelity={self.initial_fidelity!r} must be a mapping")
        check_range("gate_fidelity", self.gate_fidelity, 0.0, 1.0)
        check_range("meas_fidelity", self.meas_fidelity, 0.5, 1.0)
        check_choice("purification", self.purification, ("bbpssw", "dejmps"))
        check_range("target_fidelity", self.target_fidelity, 0.25, 1.0)
        check_range("attempt_cost", self.attempt_cost, 0.0, 100.0)
        check_range("memory_cost", self.memory_cost, 0.0, 100.0)
        check_range("invalid_action_penalty", self.invalid_action_penalty, 0.0, 100.0)
        check_range("horizon", self.horizon, 1, 10_000_000, integer=True)
        if not isinstance(self.reveal_fidelity, bool):
            raise ValueError(f"reveal_fidelity={self.reveal_fidelity!r} must be True or False")

    def link_lengths(self) -> np.ndarray:
        lengths = np.atleast_1d(np.asarray(self.link_length_km, dtype=float))
        return np.broadcast_to(lengths, (self.n_nodes - 1,)).copy()


class RepeaterChain:
    """The simulation. ``apply(op, arg)`` performs one action and advances one time slot."""

    def __init__(self, config: RepeaterChainConfig):
        self.config = config
        n, m = config.n_nodes, config.memories_per_side
        self.n_nodes, self.m = n, m
        self.n_pairs = (n - 1) * m
        lengths = config.link_lengths()
        self.p_generate = physics.heralded_success_probability(
            lengths,
            config.attenuation_db_per_km,
            config.detector_efficiency,
            config.emission_efficiency,
        )
        # All links share one clock: a slot is the longest link's heralding round trip.
        self.slot_time_s = float(np.max(physics.heralded_attempt_time(lengths)))
        self.keep_per_slot = float(physics.decay_factor(self.slot_time_s, config.coherence_time_s))
        self.slots_per_coherence_time = config.coherence_time_s / self.slot_time_s
        self.nominal_werner = physics.werner(config.initial_fidelity.nominal)
        self.segments = [(a, b) for a in range(n) for b in range(a + 1, n)]
        self._seg_a = np.array([a for a, _ in self.segments])
        self._seg_b = np.array([b for _, b in self.segments])
        self._nodes = np.arange(n)

    # --- state -------------------------------------------------------------------------
    def reset(self, rng: np.random.Generator) -> None:
        self.rng = rng
        rng.random(UNIFORMS_PER_STEP)  # a reset reads its share of the stream too
        self.t = 0
        self.occ = np.zeros(self.n_pairs, dtype=bool)
        self.end = np.zeros(self.n_pairs, dtype=np.int64)
        self.rslot = np.zeros(self.n_pairs, dtype=np.int64)
        self.left_used = np.zeros((self.n_nodes, self.m), dtype=bool)
        self.coef = np.zeros((self.n_pairs, 4))
        self.nominal = np.zeros((self.n_pairs, 4))
        self.born = np.zeros(self.n_pairs, dtype=np.int64)
        self.stats = {
            "attempts": 0,
            "generated": 0,
            "swaps": 0,
            "purifications": 0,
            "purification_failures": 0,
            "discarded": 0,
            "delivered": 0,
            "delivered_above_target": 0,
            "delivered_fidelity_sum": 0.0,
        }
        self._mask = None

    def ages(self) -> np.ndarray:
        """Age in slots of every pair slot (0 where empty); a merged pair keeps its oldest part."""
        return np.where(self.occ, self.t - self.born, 0)

    def pairs_on(self, a: int, b: int) -> np.ndarray:
        """Pair slots holding a pair between nodes a and b, best nominal fidelity first."""
        row = slice(a * self.m, (a + 1) * self.m)
        idx = np.flatnonzero(self.occ[row] & (self.end[row] == b)) + a * self.m
        return idx[np.argsort(-self.nominal[idx, 0], kind="stable")]

    def _best(self, idx: np.ndarray) -> int:
        return int(idx[np.argmax(self.nominal[idx, 0])])

    # --- masks -------------------------------------------------------------------------
    def masks(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Validity of (generate per link, swap per interior node, purify per segment, discard
        per pair slot). Cached until the structure changes."""
        if self._mask is None:
            occ2 = self.occ.reshape(self.n_nodes - 1, self.m)
            has_right = occ2.any(axis=1)  # node a (0..n-2) stores a pair to its right
            has_left = self.left_used.any(axis=1)  # node b (0..n-1) stores a pair to its left
            gen = ~occ2.all(axis=1) & ~self.left_used[1:].all(axis=1)
            swap = has_left[1:-1] & has_right[1:]
            ends = np.where(occ2, self.end.reshape(occ2.shape), -1)
            count = (ends[:, :, None] == self._nodes).sum(axis=1)
            purify = count[self._seg_a, self._seg_b] >= 2
            self._mask = (gen, swap, purify, self.occ.copy())
        return self._mask

    # --- transitions -------------------------------------------------------------------
    def apply(self, op: int, arg: int) -> dict:
        """Apply one action (assumed valid: the front checks masks) and advance one slot.

        Returns the slot's events: attempts, delivered fidelities, occupied memories.
        """
        cfg = self.config
        attempts = 0
        u = self.rng.random(UNIFORMS_PER_STEP)
        if op == GENERATE:
            attempts = 1
            self._generate(arg, u)
        elif op == SWAP:
            self._swap(arg + 1)  # swap actions index the interior nodes 1..N-2
        elif op == PURIFY:
            self._purify(*self.segments[arg], u[0])
        elif op == DISCARD:
            self._free(arg)
            self.stats["discarded"] += 1
        # One slot passes: every stored pair decoheres (a new pair waited its herald round trip).
        self.t += 1
        if self.occ.any():
            self.coef = physics.depolarize(self.coef, self.keep_per_slot)
            self.nominal = physics.depolarize(self.nominal, self.keep_per_slot)
        delivered = self._deliver()
        self.stats["attempts"] += attempts
        return {
            "attempts": attempts,
            "delivered": delivered,
            "above_target": sum(f >= cfg.target_fidelity for f in delivered),
            "occupied_memories": 2 * int(self.occ.sum()),
        }

    def _generate(self, link: int, u: np.ndarray) -> None:
        a, b = link, link + 1
        s = int(np.argmin(self.occ[a * self.m : (a + 1) * self.m]))
        r = int(np.argmin(self.left_used[b]))
        if u[0] >= self.p_generate[link]:
            return
        p = a * self.m + s
        f = float(self.config.initial_fidelity.from_uniforms(u[1], u[2]))
        self.occ[p], self.end[p], self.rslot[p], self.born[p] = True, b, r, self.t
        self.left_used[b, r] = True
        self.coef[p] = physics.werner(f)
        self.nominal[p] = self.nominal_werner
        self.stats["generated"] += 1
        self._mask = None

    def _swap(self, node: int) -> None:
        left = self._best(np.flatnonzero(self.occ & (self.end == node)))
        right = (
            self._best(np.flatnonzero(self.occ[node * self.m : (node + 1) * self.m]))
            + node * self.m
        )
        cfg = self.config
        g, e = cfg.gate_fidelity, cfg.meas_fidelity
        self.coef[left] = physics.swap_bell_diagonal(self.coef[left], self.coef[right], g, e)
        self.nominal[left] = physics.swap_bell_diagonal(
            self.nominal[left], self.nominal[right], g, e
        )
        self.left_used[node, self.rslot[left]] = False
        self.end[left], self.rslot[left] = self.end[right], self.rslot[right]
        self.born[left] = min(self.born[left], self.born[right])
        self.occ[right] = False
        self.stats["swaps"] += 1
        self._mask = None

    def _purify(self, a: int, b: int, u: float) -> None:
        keep, spend = (int(i) for i in self.pairs_on(a, b)[:2])
        if self.config.purification == "bbpssw":
            f, p = physics.bbpssw(self.coef[keep, 0], self.coef[spend, 0])
            out = physics.werner(f)
            fn, _ = physics.bbpssw(self.nominal[keep, 0], self.nominal[spend, 0])
            out_nominal = physics.werner(fn)
        else:
            out, p = physics.dejmps(self.coef[keep], self.coef[spend])
            out_nominal, _ = physics.dejmps(self.nominal[keep], self.nominal[spend])
        self._free(spend)
        self.stats["purifications"] += 1
        if u < p:
            self.coef[keep], self.nominal[keep] = out, out_nominal
            self.born[keep] = min(self.born[keep], self.born[spend])
        else:
            self._free(keep)
            self.stats["purification_failures"] += 1

    def _free(self, p: int) -> None:
        self.occ[p] = False
        self.left_used[self.end[p], self.rslot[p]] = False
        self._mask = None

    def _deliver(self) -> list[float]:
        """End-to-end pairs are handed to the application as soon as they exist."""
        done = np.flatnonzero(self.occ[: self.m] & (self.end[: self.m] == self.n_nodes - 1))
        fids = [float(self.coef[p, 0]) for p in done]
        for p, f in zip(done, fids, strict=True):
            self._free(int(p))
            self.stats["delivered"] += 1
            self.stats["delivered_fidelity_sum"] += f
            self.stats["delivered_above_target"] += f >= self.config.target_fidelity
        return fids
