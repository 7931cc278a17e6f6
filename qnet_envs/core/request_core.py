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
