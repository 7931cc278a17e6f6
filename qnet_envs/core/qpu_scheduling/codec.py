"""The action layout of ``qnet/QPUScheduling-v0``, for the core, its mask and the baselines."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class QPUActionCodec:
    """The one layout of QPUScheduling's ``Discrete`` action, for the env, its mask and the
    baselines: ``assign(slot, qpu, chunk) = (slot * Q + qpu) * C + chunk`` for the W window
    slots, then ``drop(slot) = W Q C + slot``, then ``wait`` last."""

    window: int
    n_qpus: int
    n_chunks: int

    @property
    def n_assign(self) -> int:
        return self.window * self.n_qpus * self.n_chunks

    @property
    def wait(self) -> int:
        return self.n_assign + self.window

    @property
    def n(self) -> int:
        return self.wait + 1

    def assign(self, slot: int, qpu: int, chunk: int) -> int:
        return (slot * self.n_qpus + qpu) * self.n_chunks + chunk

    def drop(self, slot: int) -> int:
        return self.n_assign + slot

    def decode(self, action: int) -> tuple[str, int, int, int]:
        """(kind, slot, qpu, chunk): kind is "assign", "drop" or "wait" (unused parts -1)."""
        if action == self.wait:
            return "wait", -1, -1, -1
        if action >= self.n_assign:
            return "drop", action - self.n_assign, -1, -1
        slot, rest = divmod(action, self.n_qpus * self.n_chunks)
        qpu, chunk = divmod(rest, self.n_chunks)
        return "assign", slot, qpu, chunk
