"""Batched ``qnet/EntanglementDistribution-v0``: N repeater chains stepped as arrays.

The same model as :class:`qnet_envs.core.repeater_chain.RepeaterChain` (see it for the state
layout and the physics), with every per-env quantity carrying a leading env axis. Physics goes
through the same vectorised formulas in :mod:`qnet_envs.physics`. Ties break as in the scalar
core (lowest slot first), and every reset and step reads the same three uniforms from env i's
stream, so env i reproduces the scalar env seeded ``seed + i``; ``tests/test_vector_envs.py``
checks this step for step, through autoresets.

Autoreset mode NEXT_STEP: the step after an env's episode ends resets it (its action is
ignored, its reward is 0). ``infos`` holds the scalar env's info keys as arrays, except
``delivered_fidelities`` (a ragged list; ``delivered_fidelity_sum`` is given instead).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import physics
from ..config import merge_config
from ..core.repeater_chain import (
    DISCARD,
    GENERATE,
    PURIFY,
    SWAP,
    UNIFORMS_PER_STEP,
    WAIT,
    RepeaterChain,
    RepeaterChainConfig,
)
from ..envs.entanglement_distribution import MAX_AGE_OBS, EntanglementDistributionEnv
from .base import BatchedEnv

STATS = ("attempts", "generated", "swaps", "purifications", "discarded", "delivered")


class EntanglementDistributionVectorEnv(BatchedEnv):
    def __init__(self, num_envs: int = 1, config: dict | None = None, render_mode=None, **kw):
        cfg = merge_config(RepeaterChainConfig(), config)
        self.config = cfg
        self.core = RepeaterChain(cfg)  # for derived constants only
        single = EntanglementDistributionEnv(config=config)
        self._setup(num_envs, single, UNIFORMS_PER_STEP, render_mode, kw)
        self._ops = np.array(single._ops)
        self._args = np.array(single._args)
        n, m = cfg.n_nodes, cfg.memories_per_side
        self.n, self.m, self.P = n, m, (n - 1) * m
        self.seg_a, self.seg_b = self.core._seg_a, self.core._seg_b
        self._mask = None
        self._wait_col = np.ones((num_envs, 1), dtype=bool)
        self._slot_node = np.arange(self.P) // m  # the node holding each slot's right memory
        self._env_base = (np.arange(num_envs) * n * n)[:, None]
        self._seg_key = self.seg_a * n + self.seg_b

    # -- state ---------------------------------------------------------------------------------
    def _clear(self, which: np.ndarray) -> None:
        self.t[which] = 0
        self.occ[which] = False
        self.end[which] = 0
        self.rslot[which] = 0
        self.left_used[which] = False
        self.coef[which] = 0.0
        self.nominal[which] = 0.0
        self.born[which] = 0
        for k in STATS:
            self.stats[k][which] = 0
        self.above[which] = 0
        self.fid_sum[which] = 0.0

    def reset(self, *, seed: int | list | None = None, options: dict[str, Any] | None = None):
        self._seed(seed, options)
        N, P, n, m = self.num_envs, self.P, self.n, self.m
        self.t = np.zeros(N, dtype=np.int64)
        self.occ = np.zeros((N, P), dtype=bool)
        self.end = np.zeros((N, P), dtype=np.int64)
        self.rslot = np.zeros((N, P), dtype=np.int64)
        self.left_used = np.zeros((N, n, m), dtype=bool)
        self.coef = np.zeros((N, P, 4))
        self.nominal = np.zeros((N, P, 4))
        self.born = np.zeros((N, P), dtype=np.int64)
        self.stats = {k: np.zeros(N, dtype=np.int64) for k in STATS}
        self.above = np.zeros(N, dtype=np.int64)
        self.fid_sum = np.zeros(N)
        self.streams.next()  # every env's reset reads its share of the stream
        self._mask = None
        zeros = np.zeros(N, dtype=bool)
        return self._observation(), self._infos(zeros, np.zeros(N, dtype=np.int64))

    # -- masks ---------------------------------------------------------------------------------
    def action_masks(self) -> np.ndarray:
        """(N, A) validity, in the scalar env's action order (cached until the state changes)."""
        if self._mask is None:
            self._mask = self._compute_masks()
        return self._mask

    def _compute_masks(self) -> np.ndarray:
        # reductions over the short memory axis are unrolled: numpy's reduce along a tiny
        # trailing axis costs more than m elementwise operations
        N, n, m = self.num_envs, self.n, self.m
        occ2 = self.occ.reshape(N, n - 1, m)
        left = self.left_used
        right_any, right_all = occ2[..., 0].copy(), occ2[..., 0].copy()
        left_any, left_all = left[..., 0].copy(), left[..., 0].copy()
        for k in range(1, m):
            right_any |= occ2[..., k]
            right_all &= occ2[..., k]
            left_any |= left[..., k]
            left_all &= left[..., k]
        gen = ~right_all & ~left_all[:, 1:]
        swap = left_any[:, 1:-1] & right_any[:, 1:]
        # pairs per segment (a, b): bincount of env * n^2 + a * n + b over occupied slots
        key = self._env_base + self._slot_node * n + self.end
        counts = np.bincount(key[self.occ], minlength=N * n * n).reshape(N, n * n)
        purify = counts[:, self._seg_key] >= 2
        return np.concatenate([self._wait_col, gen, swap, purify, self.occ], axis=1)

    # -- step ----------------------------------------------------------------------------------
    def step(self, actions):
        actions = self._check_actions(actions)
        cfg, core = self.config, self.core
        m = self.m
        rows = self._rows
        u = self.streams.next()
        resetting = self._pending.copy()
        valid = self.action_masks()[rows, actions]
        op = np.where(valid, self._ops[actions], WAIT)
        arg = self._args[actions]
        op[resetting] = WAIT
        invalid = ~valid & ~resetting

        # generate: first free right memory at a, first free left memory at b
        g = np.flatnonzero(op == GENERATE)
        if g.size:
            a = arg[g]
            b = a + 1
            slots = a[:, None] * m + np.arange(m)
            s = np.argmin(self.occ[g[:, None], slots], axis=1)
            r = np.argmin(self.left_used[g, b], axis=1)
            ok = u[g, 0] < core.p_generate[a]
            g, a, b, s, r = g[ok], a[ok], b[ok], s[ok], r[ok]
            p = a * m + s
            f = cfg.initial_fidelity.from_uniforms(u[g, 1], u[g, 2])
            self.occ[g, p] = True
            self.end[g, p] = b
            self.rslot[g, p] = r
            self.born[g, p] = self.t[g]
            self.left_used[g, b, r] = True
            self.coef[g, p] = physics.werner(f)
            self.nominal[g, p] = core.nominal_werner
            self.stats["generated"][g] += 1
        self.stats["attempts"] += op == GENERATE

        # swap at interior node arg + 1: best left pair into it, best right pair out of it
        w = np.flatnonzero(op == SWAP)
        if w.size:
            node = arg[w] + 1
            f0 = self.nominal[w, :, 0]
            left = np.argmax(
                np.where(self.occ[w] & (self.end[w] == node[:, None]), f0, -np.inf), axis=1
            )
            own = (np.arange(self.P) // m) == node[:, None]
            right = np.argmax(np.where(self.occ[w] & own, f0, -np.inf), axis=1)
            gf, mf = cfg.gate_fidelity, cfg.meas_fidelity
            self.coef[w, left] = physics.swap_bell_diagonal(
                self.coef[w, left], self.coef[w, right], gf, mf
            )
            self.nominal[w, left] = physics.swap_bell_diagonal(
                self.nominal[w, left], self.nominal[w, right], gf, mf
            )
            self.left_used[w, node, self.rslot[w, left]] = False
            self.end[w, left] = self.end[w, right]
            self.rslot[w, left] = self.rslot[w, right]
            self.born[w, left] = np.minimum(self.born[w, left], self.born[w, right])
            self.occ[w, right] = False
            self.stats["swaps"][w] += 1

        # purify segment (a, b): the two best pairs; the second is spent
        q = np.flatnonzero(op == PURIFY)
        if q.size:
            a, b = self.seg_a[arg[q]], self.seg_b[arg[q]]
            slots = a[:, None] * m + np.arange(m)
            on = self.occ[q[:, None], slots] & (self.end[q[:, None], slots] == b[:, None])
            score = np.where(on, self.nominal[q[:, None], slots, 0], -np.inf)
            order = np.argsort(-score, axis=1, kind="stable")
            keep, spend = (
                slots[np.arange(q.size), order[:, 0]],
                slots[np.arange(q.size), order[:, 1]],
            )
            if cfg.purification == "bbpssw":
                fo, prob = physics.bbpssw(self.coef[q, keep, 0], self.coef[q, spend, 0])
                out = physics.werner(fo)
                fn, _ = physics.bbpssw(self.nominal[q, keep, 0], self.nominal[q, spend, 0])
                out_nominal = physics.werner(fn)
            else:
                out, prob = physics.dejmps(self.coef[q, keep], self.coef[q, spend])
                out_nominal, _ = physics.dejmps(self.nominal[q, keep], self.nominal[q, spend])
            self._free(q, spend)
            self.stats["purifications"][q] += 1
            win = u[q, 0] < prob
            qw, kw = q[win], keep[win]
            self.coef[qw, kw] = out[win]
            self.nominal[qw, kw] = out_nominal[win]
            self.born[qw, kw] = np.minimum(self.born[qw, kw], self.born[qw, spend[win]])
            self._free(q[~win], keep[~win])

        d = np.flatnonzero(op == DISCARD)
        if d.size:
            self._free(d, arg[d])
            self.stats["discarded"][d] += 1

        # a slot passes: decoherence, then end-to-end pairs are delivered
        self.t += 1
        self.coef = physics.depolarize(self.coef, core.keep_per_slot)
        self.nominal = physics.depolarize(self.nominal, core.keep_per_slot)
        done = self.occ[:, :m] & (self.end[:, :m] == self.n - 1)
        fid = np.where(done, self.coef[:, :m, 0], 0.0)
        above = (done & (fid >= cfg.target_fidelity)).sum(axis=1)
        de, dp = np.nonzero(done)
        if de.size:
            self._free(de, dp)
        self.stats["delivered"] += done.sum(axis=1)
        self.above += above
        self.fid_sum += fid.sum(axis=1)
        reward = (
            above
            - cfg.attempt_cost * (op == GENERATE)
            - cfg.memory_cost * 2 * self.occ.sum(axis=1)
            - cfg.invalid_action_penalty * invalid
        )
        truncated = self.t >= cfg.horizon
        if resetting.any():  # NEXT_STEP autoreset: these envs start over instead
            self._clear(resetting)
            reward[resetting] = 0.0
            truncated[resetting] = False
        self._pending = truncated.copy()
        self._mask = None
        obs = self._observation()
        terminated = np.zeros(self.num_envs, dtype=bool)
        return obs, reward.astype(np.float64), terminated, truncated, self._infos(invalid, above)

    def _free(self, e: np.ndarray, p: np.ndarray) -> None:
        self.occ[e, p] = False
        self.left_used[e, self.end[e, p], self.rslot[e, p]] = False

    # -- outputs -------------------------------------------------------------------------------
    def _observation(self) -> np.ndarray:
        occ = self.occ
        obs = np.empty((self.num_envs, self.P, 4), dtype=np.float32)
        obs[..., 0] = occ
        obs[..., 1] = np.where(occ, self.end / (self.n - 1), 0.0)
        ages = np.where(occ, self.t[:, None] - self.born, 0)
        obs[..., 2] = np.minimum(ages / self.core.slots_per_coherence_time, MAX_AGE_OBS)
        fid = self.coef[..., 0] if self.config.reveal_fidelity else self.nominal[..., 0]
        obs[..., 3] = np.where(occ, fid, 0.0)
        return obs.reshape(self.num_envs, -1)

    def _infos(self, invalid: np.ndarray, above: np.ndarray) -> dict:
        n = self.stats["delivered"]
        return {
            "action_mask": self.action_masks().astype(np.int8),
            "invalid_action": invalid,
            "delivered": n.copy(),
            "delivered_above_target": self.above.copy(),
            "mean_delivered_fidelity": np.where(n > 0, self.fid_sum / np.maximum(n, 1), 0.0),
            "delivered_fidelity_sum": self.fid_sum.copy(),
            "attempts": self.stats["attempts"].copy(),
            "swaps": self.stats["swaps"].copy(),
            "purifications": self.stats["purifications"].copy(),
            "t": self.t.copy(),
        }
