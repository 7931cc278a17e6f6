"""Batched ``qnet/QuantumResourceAllocation-v0``: N request streams served as arrays.

The same model as :class:`qnet_envs.core.resource_allocation.ResourceAllocation`: arrivals,
request attributes, masks, service success, costs and observations go through the same
vectorised functions, with the env axis as their batch axis. What is batched here is the
ledger: each env's active allocations sit in a slot table (departure time, usage vector over
qubits | channels | pairs), released when the env's clock passes their departure; the table
grows when an env needs more slots. Every reset and step reads the core's ``width`` uniforms
from env i's stream, so env i reproduces the scalar env seeded ``seed + i`` step for step
(``tests/test_vector_envs.py``, through autoresets).

Autoreset mode NEXT_STEP: the step after an env's episode ends resets it (its action is
ignored, its reward is 0). ``infos`` holds the scalar env's info keys as arrays; ``success``
is -1 where the step made no allocation, else 0 or 1.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..config import merge_config
from ..core.request_stream import ARRIVAL_UNIFORMS, arrivals
from ..core.resource_allocation import (
    QKD,
    ResourceAllocation,
    ResourceAllocationConfig,
    allocation_cost,
    service_normals,
    service_reward,
)
from ..envs.quantum_resource_allocation import (
    QuantumResourceAllocationEnv,
    device_template,
    observations,
)
from .base import BatchedEnv

COUNTS = ("arrived", "served", "failed", "rejected")
UTILISATION = {
    "qubits": "qubit_utilisation",
    "channels": "channel_utilisation",
    "pairs": "pair_utilisation",
}


class QuantumResourceAllocationVectorEnv(BatchedEnv):
    def __init__(
        self, num_envs: int = 1, config: dict | None = None, render_mode=None, slots: int = 32, **kw
    ):
        cfg = merge_config(ResourceAllocationConfig(), config)
        if cfg.observe_candidates:
            raise ValueError(
                "observe_candidates=True: the batched env does not compute the candidate block; "
                "allowed: False (use gym.make_vec(..., vectorization_mode='sync') for the block)"
            )
        self.config = cfg
        self.core = ResourceAllocation(cfg)
        single = QuantumResourceAllocationEnv(config=config)
        self._setup(num_envs, single, self.core.width, render_mode, kw)
        net = self.core.net
        self.n, self.e = net.n_nodes, net.n_links
        n, e = self.n, self.e
        # one usage vector per allocation: qubits per node | channels per link | pairs per link
        self.capacity = np.concatenate(
            [
                np.full(n, float(cfg.qubits_per_node)),
                np.full(e, float(cfg.channels_per_link)),
                np.full(e, float(cfg.pair_capacity_per_link)),
            ]
        )
        self.parts = {
            "qubits": slice(0, n),
            "channels": slice(n, n + e),
            "pairs": slice(n + e, None),
        }
        self.totals = {k: self.capacity[s].sum() for k, s in self.parts.items()}
        self._slots = slots

    # -- episodes -------------------------------------------------------------------------------
    def reset(self, *, seed: int | list | None = None, options: dict[str, Any] | None = None):
        self._seed(seed, options)
        N, core = self.num_envs, self.core
        p, k, _ = core.pair_paths.shape
        R, A = len(self.capacity), core.n_actions
        self.t = np.zeros(N)
        self.steps = np.zeros(N, dtype=np.int64)
        self.used = np.zeros((N, R))
        self.dep = np.full((N, self._slots), np.inf)
        self.usage = np.zeros((N, self._slots, R))
        self.counts = {c: np.zeros(N, dtype=np.int64) for c in COUNTS}
        self.utility = np.zeros(N)
        self.qubit_mean = np.zeros((N, self.n))
        self.pair_mean = np.zeros((N, self.e))
        self.det_mean = np.zeros((N, self.e))
        self.nominal_rate = np.zeros((N, self.e))
        self.nominal = np.zeros((N, p, k))
        self.template = np.zeros((N,) + self.single_observation_space.shape, np.float32)
        self.req: dict[str, np.ndarray] = {}
        self.mask = np.zeros((N, A), dtype=bool)
        self._begin(self._rows, self.streams.next())
        none = np.zeros(N, dtype=bool)
        return self._observation(), self._infos(none, np.full(N, -1, np.int8))

    def _begin(self, rows: np.ndarray, u: np.ndarray) -> None:
        """Start new episodes in ``rows``: an empty network, this episode's device means, and
        the first request (the scalar core's ``reset``)."""
        core = self.core
        self.t[rows] = 0.0
        self.steps[rows] = 0
        self.used[rows] = 0.0
        self.dep[rows] = np.inf
        self.usage[rows] = 0.0
        for c in self.counts.values():
            c[rows] = 0
        self.utility[rows] = 0.0
        q, f, d = core.device_means(u[rows])
        self.qubit_mean[rows], self.pair_mean[rows], self.det_mean[rows] = q, f, d
        self.nominal_rate[rows] = core.channel_rate_kbps(np.arange(self.e)[None], d)
        self.nominal[rows] = core.nominal_path_fidelity(f)
        self.template[rows] = device_template(core, q, f, d)
        self._arrive(rows, u)

    def _arrive(self, rows: np.ndarray, u: np.ndarray) -> None:
        """The next request in ``rows``: advance the clock, release what departed, draw it and
        compute its mask (the scalar core's ``_draw_request``)."""
        core, cfg = self.core, self.config
        ur = u[rows]
        gap, src, dst, holding = arrivals(
            ur[:, :ARRIVAL_UNIFORMS], self.n, core.net.arrival_rate, cfg.mean_holding
        )
        self.t[rows] += gap
        self._release(rows)
        self.counts["arrived"][rows] += 1
        attrs = core.request_attributes(ur)
        pair = core.pair_index[src, dst]
        free = self.capacity - self.used[rows]
        parts = self.parts
        new = {"src": src, "dst": dst, "pair": pair, "holding": holding, **attrs}
        mask, per_path = core.masks(
            new,
            free[:, parts["qubits"]],
            free[:, parts["channels"]],
            free[:, parts["pairs"]],
            self.nominal_rate[rows],
        )
        new.update(per_path)
        if not self.req:
            self.req = {
                k: np.zeros((self.num_envs,) + v.shape[1:], v.dtype) for k, v in new.items()
            }
        for key, val in new.items():
            self.req[key][rows] = val
        self.mask[rows] = mask

    def _release(self, rows: np.ndarray) -> None:
        due = self.dep[rows] <= self.t[rows, None]
        r, s = np.nonzero(due)
        if r.size:
            env = rows[r]
            np.subtract.at(self.used, env, self.usage[env, s])
            self.dep[env, s] = np.inf

    def _allocate(self, rows: np.ndarray, usage: np.ndarray, until: np.ndarray) -> None:
        free = self.dep[rows] == np.inf
        if not free.any(axis=1).all():  # some env holds as many allocations as there are slots
            grow = self.dep.shape[1]
            self.dep = np.concatenate([self.dep, np.full((self.num_envs, grow), np.inf)], axis=1)
            self.usage = np.concatenate([self.usage, np.zeros_like(self.usage)], axis=1)
            free = self.dep[rows] == np.inf
        slot = np.argmax(free, axis=1)
        self.dep[rows, slot] = until
        self.usage[rows, slot] = usage
        self.used[rows] += usage

    # -- step ----------------------------------------------------------------------------------
    def action_masks(self) -> np.ndarray:
        """(N, A) validity of every action in each env's current request."""
        return self.mask

    def step(self, actions):
        actions = self._check_actions(actions)
        cfg = self.config
        N, rows = self.num_envs, self._rows
        u = self.streams.next()
        resetting = self._pending.copy()
        active = ~resetting
        valid = self.mask[rows, actions]
        invalid = ~valid & active
        serve = np.flatnonzero(active & valid & (actions > 0))
        reward = np.where(invalid, -cfg.invalid_action_penalty, 0.0)
        success = np.full(N, -1, np.int8)
        self.counts["rejected"] += active & ~(valid & (actions > 0))
        if serve.size:
            reward[serve], success[serve] = self._serve(serve, actions[serve], u)
        self.steps[active] += 1
        truncated = active & (self.steps >= cfg.horizon)
        act = np.flatnonzero(active)
        if act.size:
            self._arrive(act, u)
        if resetting.any():  # NEXT_STEP autoreset: these envs start over instead
            self._begin(np.flatnonzero(resetting), u)
        self._pending = truncated.copy()
        terminated = np.zeros(N, dtype=bool)
        return self._observation(), reward, terminated, truncated, self._infos(invalid, success)

    def _serve(self, s: np.ndarray, actions: np.ndarray, u: np.ndarray):
        """Allocate the chosen (path, level, depth) in envs ``s``, draw the outcome, and return
        (reward, success) for them."""
        cfg, core, req = self.config, self.core, self.req
        n, e = self.n, self.e
        path, level, depth = core.decode(actions)
        links = core.pair_paths[req["pair"][s], path]  # (S, H), -1 padded
        valid = links >= 0
        z = service_normals(u[s], core.max_hops)
        qkd = req["kind"][s] == QKD
        usage = np.zeros((len(s), len(self.capacity) + 1))  # the last column absorbs padding
        trash = len(self.capacity)
        ok = np.zeros(len(s), dtype=bool)
        sub = {k: req[k][s] for k in ("src", "dst", "gates", "split", "required", "demand")}
        q = np.flatnonzero(qkd)
        if q.size:
            channels = req["channels"][s[q], path[q], level[q]]
            ok[q] = core.qkd_success(
                links[q], channels, sub["demand"][q], self.det_mean[s[q]], z[q, 2:]
            )
            cols = np.where(valid[q], n + links[q], trash)
            usage[q[:, None], cols] = channels[:, None]
        d = np.flatnonzero(~qkd)
        if d.size:
            dq = {k: v[d] for k, v in sub.items()}
            ok[d] = core.dqc_success(
                dq,
                links[d],
                level[d],
                depth[d],
                self.pair_mean[s[d]],
                self.qubit_mean[s[d]],
                z[d],
            )
            per_logical = 2 * level[d] + 1
            usage[d, dq["src"]] = dq["split"][:, 0] * per_logical
            usage[d, dq["dst"]] = dq["split"][:, 1] * per_logical
            cols = np.where(valid[d], n + e + links[d], trash)
            usage[d[:, None], cols] = (dq["gates"] * 2 ** depth[d])[:, None]
        usage = usage[:, :trash]
        holding = req["holding"][s]
        p = self.parts
        cost = allocation_cost(
            cfg,
            holding,
            usage[:, p["qubits"]].sum(axis=1),
            usage[:, p["channels"]].sum(axis=1),
            usage[:, p["pairs"]].sum(axis=1),
        )
        self._allocate(s, usage, self.t[s] + holding)
        self.counts["served"][s] += ok
        self.counts["failed"][s] += ~ok
        self.utility[s] += np.where(ok, cfg.utility * holding / cfg.mean_holding, 0.0)
        return service_reward(cfg, holding, ok, cost), ok.astype(np.int8)

    # -- outputs -------------------------------------------------------------------------------
    def _observation(self) -> np.ndarray:
        free = self.capacity - self.used
        p = self.parts
        return observations(
            self.core,
            self.req,
            free[:, p["qubits"]],
            free[:, p["channels"]],
            free[:, p["pairs"]],
            self.nominal[self._rows, self.req["pair"]],
            self.template,
        )

    def _infos(self, invalid: np.ndarray, success: np.ndarray) -> dict:
        c = self.counts
        decided = c["served"] + c["failed"] + c["rejected"]
        allocated = c["served"] + c["failed"]
        info = {
            "action_mask": self.mask.astype(np.int8),
            "invalid_action": invalid,
            "success": success,
            "acceptance_ratio": np.where(decided > 0, allocated / np.maximum(decided, 1), 0.0),
            "success_ratio": np.where(allocated > 0, c["served"] / np.maximum(allocated, 1), 0.0),
            "utility": self.utility.copy(),
        }
        for k, s in self.parts.items():
            info[UTILISATION[k]] = self.used[:, s].sum(axis=1) / self.totals[k]
        info.update({k: v.copy() for k, v in c.items()})
        return info
