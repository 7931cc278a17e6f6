"""Per-env random streams read in blocks: N generators without a Python loop per step."""

from __future__ import annotations

import numpy as np
from gymnasium.utils import seeding

BUFFER_BYTES = 3072  # per env: the budget beyond the physical state


class BlockStreams:
    """N independent generators, each seeded as a scalar env's ``np_random`` would be, read
    ``width`` uniforms per call. Every ``block`` calls one ``random(block * width)`` per env
    refills the buffer; ``Generator.random`` is sequential, so this equals ``block`` separate
    ``random(width)`` calls on each generator (the scalar env's pattern) for any block size.
    The default block keeps each env's buffer within ``BUFFER_BYTES`` (a refill loops over
    the generators once per block: the price of the small buffer, paid every few steps)."""

    def __init__(self, width: int, block: int | None = None):
        block = max(1, BUFFER_BYTES // (8 * width)) if block is None else block
        self.width, self.block = width, block
        self.gens: list[np.random.Generator] = []
        self.buf = np.zeros((0, block, width))
        self.pos = block

    def seed(self, seeds) -> None:
        self.gens = [seeding.np_random(s)[0] for s in seeds]
        self.buf = np.empty((len(self.gens), self.block, self.width))
        self.pos = self.block

    def next(self) -> np.ndarray:
        """(N, width) uniforms: every env's next ``width`` draws."""
        if self.pos == self.block:
            for i, g in enumerate(self.gens):
                self.buf[i] = g.random(self.block * self.width).reshape(self.block, self.width)
            self.pos = 0
        out = self.buf[:, self.pos]
        self.pos += 1
        return out
