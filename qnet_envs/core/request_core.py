"""What the batch-first request cores share (QKD provisioning, quantum resource allocation).

A request arrives, the controller serves or rejects it, time jumps to the next arrival. Every
array has a leading env axis; a scalar env is a batch of one
(:class:`qnet_envs.envs.base.RequestCoreEnv`) and the batched env runs the same code
(:class:`qnet_envs.vector.base.BatchedEnv`). Subclasses hold the model: ``_valid`` (is an
action allowed), ``_serve`` (allocate, draw the outcome, the reward), ``_arrive`` (the next
request) and what the fronts show.
"""

from __future__ import annotations

import numpy as np

from .slot_ledger import SlotLedger, read_rows, write_index


class RequestCore:
    """State, each with a leading env axis: the clock ``t``, the requests decided ``steps``,
    the resource ``ledger``, the request ``count`` (rows named by ``COUNTS``: arrived, then
    each way a request can end, "rejected" among them), the head request ``req`` (arrays) and
    its ``mask``. ``STEP_DEFAULTS``: each per-step extra's value when nothing was allocated."""

    COUNTS: tuple[str, ...] = ()
    STEP_DEFAULTS: dict = {}

    def _init_state(self, num_envs: int, capacities: dict, slots: int, mask_shape) -> None:
        self.num_envs = N = num_envs
        self.ledger = SlotLedger(capacities, N, slots)
        self.t = np.zeros(N)
        self.steps = np.zeros(N, dtype=np.int64)
        self.count = np.zeros((len(self.COUNTS), N), dtype=np.int64)  # rows in COUNTS order
        self.req: dict[str, np.ndarray] = {}
        self.mask = np.zeros((N, *mask_shape), dtype=bool)
        self._aranges: dict[int, np.ndarray] = {}

    @property
    def counts(self) -> dict[str, np.ndarray]:
        """Named views of the rows of ``count`` (made on each read, so that a copied or
        unpickled core's names still point into its own ``count``; the step writes ``count``
        by row index)."""
        return dict(zip(self.COUNTS, self.count, strict=True))

    def _batch_index(self, b: int) -> np.ndarray:
        """(b, 1, 1) row numbers 0..b-1, for gathers over a batch of b head requests (kept
        per size: the scalar env asks for b = 1 on every step)."""
        found = self._aranges.get(b)
        if found is None:
            found = self._aranges[b] = np.arange(b)[:, None, None]
        return found

    def _take(self, arr: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """:func:`read_rows` of this batch: ``arr[rows]`` without the gather for every env
        (do not write to the result)."""
        return read_rows(arr, rows, self.num_envs)

    def _at(self, rows: np.ndarray):
        """:func:`write_index` of this batch: ``arr[self._at(rows)] += x`` updates the rows."""
        return write_index(rows, self.num_envs)

    def _clear(self, rows: np.ndarray) -> None:
        """Empty the networks of envs ``rows`` for a new episode."""
        self.t[rows] = 0.0
        self.steps[rows] = 0
        self.ledger.clear(rows)
        self.count[:, rows] = 0

    def _advance_clock(self, rows: np.ndarray, gap: np.ndarray) -> None:
        """Time jumps to the next arrival in envs ``rows``, releasing what departed."""
        at = self._at(rows)
        self.t[at] += gap
        self.ledger.release_until(rows, self._take(self.t, rows))
        self.count[self.COUNTS.index("arrived"), at] += 1

    def _store(self, rows: np.ndarray, new: dict, mask: np.ndarray) -> None:
        """Keep the new head requests ``new`` (arrays over ``rows``) and their masks."""
        if len(rows) == self.num_envs:  # rows are sorted: every env, so take the new arrays
            self.req, self.mask = new, mask
            return
        if not self.req or any(self.req[k].shape[1:] != v.shape[1:] for k, v in new.items()):
            self.req = {k: np.zeros((self.num_envs, *v.shape[1:]), v.dtype) for k, v in new.items()}
        for key, val in new.items():
            self.req[key][rows] = val
        self.mask[rows] = mask

    def step(self, rows: np.ndarray, actions: np.ndarray, u: np.ndarray):
        """Decide the head request of envs ``rows`` with ``actions`` (in the action space),
        then draw the next one; ``u`` (len(rows), width) are the step's uniforms (the service's
        draws, then the next request). A masked-out action rejects and pays
        ``invalid_action_penalty``. Returns (reward, invalid, truncated, extras), each
        (len(rows),); extras as in ``STEP_DEFAULTS``."""
        cfg = self.config
        valid = self._valid(rows, actions)
        invalid = ~valid
        serve = valid & (actions > 0)
        reward = np.where(invalid, -cfg.invalid_action_penalty, 0.0)
        extras = {k: np.full(len(rows), v) for k, v in self.STEP_DEFAULTS.items()}
        at = self._at(rows)
        self.count[self.COUNTS.index("rejected"), at] += ~serve
        if serve.any():
            # every env serving (the scalar env's usual case) takes views, not gathers
            s = slice(None) if serve.all() else np.flatnonzero(serve)
            reward[s], out = self._serve(rows[s], actions[s], u[s])
            for key, value in out.items():
                extras[key][s] = value
        steps = self._take(self.steps, rows) + 1
        self.steps[at] = steps
        self._arrive(rows, u)
        return reward, invalid, steps >= cfg.horizon, extras

    def check_invariants(self) -> None:
        """Every request ends exactly once (arrived = the endings + the one request awaiting a
        decision, in every env that has begun) and no resource goes beyond its capacity or is
        released twice (the ledger's checks)."""
        arrived, *ended = self.count
        begun = arrived > 0
        pending = arrived - np.sum(ended, axis=0)
        assert np.all(pending[begun] == 1), f"requests lost or ended twice: {self.counts}"
        self.ledger.check()

    def head(self, i: int = 0) -> dict:
        """Env ``i``'s head request: Python scalars and per-path arrays."""
        return {k: (v[i].item() if v.ndim == 1 else v[i]) for k, v in self.req.items()}

    @property
    def request(self) -> dict:
        """The head request of env 0 (the scalar env's), see :meth:`head`."""
        return self.head(0)
