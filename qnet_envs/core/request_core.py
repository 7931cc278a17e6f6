"""What the compiled request cores share (QKD provisioning, quantum resource allocation): the
request counts and the check that every request ends exactly once.

A request arrives, the controller serves or rejects it, time jumps to the next arrival. Every
array has a leading env axis; a scalar env is a batch of one
(:class:`qnet_envs.envs.base.CompiledRequestEnv`) and the vector env runs the same code
(:class:`qnet_envs.vector.base.CompiledRequestVectorEnv`).
"""

from __future__ import annotations

import numpy as np


class RequestCounts:
    """What every request core keeps whatever computes its steps: the request ``count``
    (rows named by ``COUNTS``: arrived, then each way a request can end, "rejected" among
    them; columns the envs) and a resource ``ledger``, and the check that nothing is lost."""

    COUNTS: tuple[str, ...] = ()

    @property
    def counts(self) -> dict[str, np.ndarray]:
        """Named views of the rows of ``count`` (made on each read, so that a copied or
        unpickled core's names still point into its own ``count``; the step writes ``count``
        by row index)."""
        return dict(zip(self.COUNTS, self.count, strict=True))

    def check_invariants(self) -> None:
        """Every request ends exactly once (arrived = the endings + the one request awaiting a
        decision, in every env that has begun) and no resource goes beyond its capacity or is
        released twice (the ledger's checks)."""
        arrived, *ended = self.count
        begun = arrived > 0
        pending = arrived - np.sum(ended, axis=0)
        assert np.all(pending[begun] == 1), f"requests lost or ended twice: {self.counts}"
        self.ledger.check()


class CompiledRequestCore(RequestCounts):
    """The calls every compiled request core answers in the same way (QKD provisioning,
    quantum resource allocation). A subclass sets ``EXTRA`` (the name of the step's own
    output, ``outputs[5]``), builds ``outputs`` (masks, observations, rewards, invalid,
    truncated, the extra, info floats), ``key``, ``counter``, ``ledger``, ``_drivers``
    (``kernels.DRIVERS[threads > 1]``), ``_set_threads``, ``num_threads`` and ``_all_rows``,
    and ``_rebind`` (the kernels' tuples after a table grew)."""

    EXTRA: str

    def _driver_args(self) -> tuple:
        """What the step and reset drivers take after the rows (and actions)."""
        return ()

    def reset_rows(self, rows: np.ndarray, keys: np.ndarray | None = None) -> None:
        """Start new episodes in envs ``rows`` (with new ``keys`` if given; else each env's
        stream goes on): an empty network and the first request."""
        rows = np.asarray(rows, dtype=np.int64)
        if keys is not None:
            self.key[rows] = keys
            self.counter[rows] = 0
        self._after(self._run("reset", rows, *self._driver_args()))

    def step(self, actions: np.ndarray, rows: np.ndarray | None = None) -> dict:
        """Decide the head request of envs ``rows`` (default: all) with ``actions`` (N,), in
        the space but maybe masked out (then the request is rejected and
        ``invalid_action_penalty`` paid), then draw each env's next request. Returns the
        step's outcome, arrays over every env (views of buffers that the next call
        overwrites)."""
        rows = self._all_rows if rows is None else np.asarray(rows, dtype=np.int64)
        actions = np.asarray(actions, dtype=np.int64)
        self._after(self._run("step", rows, actions, *self._driver_args()))
        return self.outcome()

    def outcome(self) -> dict:
        """The last step's reward, invalid and truncated flags and ``EXTRA``, per env; never
        terminated (episodes end at their horizon)."""
        _, _, reward, invalid, truncated, extra, _ = self.outputs
        never = np.zeros_like(truncated)
        return {"reward": reward, "invalid": invalid, "terminated": never,
                "truncated": truncated, self.EXTRA: extra}  # fmt: skip

    def _run(self, phase: str, *args):
        if self.num_threads > 1:
            self._set_threads(self.num_threads)  # thread-local in numba: set for every call
        return self._drivers[phase](self._state, self._model, self.outputs, *args)

    def _after(self, full: int) -> None:
        """Make room in full slot tables, so that the next allocation finds a slot."""
        if full and self.ledger.make_room():
            self._rebind()

    @property
    def observation_size(self) -> int:
        return self.outputs[1].shape[1]

    def observations(self) -> np.ndarray:
        """(N, D) observations of the head requests (layout in the env docstring): a buffer
        the next call overwrites."""
        return self.outputs[1]

    def flat_masks(self) -> np.ndarray:
        """(N, A) masks in action order, reject first (a buffer the next call overwrites)."""
        return self.outputs[0]

    def infos(self) -> dict[str, np.ndarray]:
        """Every env's info entries but the masks, as (N,) arrays (copies)."""
        out = self.metrics()
        out[self.EXTRA] = self.outputs[5].copy()
        return out

    @property
    def request(self) -> dict:
        """The head request of env 0 (the scalar env's): the subclass's ``head(0)``."""
        return self.head(0)
