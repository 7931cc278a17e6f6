"""Per-env random streams read in blocks: N generators without a Python loop per step."""

from __future__ import annotations

import numpy as np
from gymnasium.utils import seeding

from .pcg_seeding import fast_seedable, pcg64_states

BUFFER_BYTES = 3072  # per env: the budget beyond the physical state


class BlockStreams:
    """N independent generators, each seeded as a scalar env's ``np_random`` would be, read
    ``width`` uniforms per call. Every ``block`` calls one ``random(block * width)`` per env
    refills the buffer; ``Generator.random`` is sequential, so this equals ``block`` separate
    ``random(width)`` calls on each generator (the scalar env's pattern) for any block size.
    The default block keeps each env's buffer within ``BUFFER_BYTES`` (a refill loops over
    the generators once per block: the price of the small buffer, paid every few steps).

    The N generator objects are built once (``num_envs``); seeding assigns them the states
    :func:`qnet_envs.vector.pcg_seeding.pcg64_states` computes for all seeds at once, the
    states ``seeding.np_random(seed)`` would give (seeds it does not cover, and ``None``, go
    through ``seeding.np_random`` itself)."""

    def __init__(self, width: int, num_envs: int = 0, block: int | None = None):
        block = max(1, BUFFER_BYTES // (8 * width)) if block is None else block
        self.width, self.block = width, block
        self.gens = [np.random.Generator(np.random.PCG64(0)) for _ in range(num_envs)]
        self.buf = np.zeros((num_envs, block, width))
        self.pos = block

    def seed(self, seeds) -> None:
        seeds = list(seeds)
        if len(self.gens) == len(seeds) and fast_seedable(seeds):
            for gen, state in zip(self.gens, pcg64_states(seeds), strict=True):
                gen.bit_generator.state = state
        else:
            self.gens = [seeding.np_random(s)[0] for s in seeds]
        self.buf = np.empty((len(self.gens), self.block, self.width))
        self.pos = self.block

    def next(self) -> np.ndarray:
        """(N, width) uniforms: every env's next ``width`` draws."""
        if self.pos == self.block:
            for g, rows in zip(self.gens, self.buf, strict=True):
                g.random(out=rows)  # fills (block, width) in C order: the same draws, no copy
            self.pos = 0
        out = self.buf[:, self.pos]
        self.pos += 1
        return out
