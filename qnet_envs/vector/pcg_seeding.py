"""N PCG64 states seeded exactly as ``np.random.PCG64(np.random.SeedSequence(seed))`` seeds one
(Gymnasium's ``seeding.np_random``, hence every scalar env's ``np_random``), computed for all
seeds at once.

A batched env must give env i the generator a scalar env seeded ``seed + i`` would have; building
N SeedSequences and N PCG64s costs about 20 us each (80 ms for 4,096 envs), nearly all of a
seeded reset. Here the seed-sequence hash (M. E. O'Neill's ``seed_seq``, as numpy's
``bit_generator.pyx`` implements it: ``mix_entropy`` over a pool of 4 words, then
``generate_state``) runs vectorised over the seeds in uint32 arithmetic, and PCG64's set-seed
(``pcg_setseq_128_srandom_r`` in numpy's ``pcg64.h``) in 128-bit arithmetic on pairs of uint64
words; the resulting states are assigned to generator objects built once.
``tests/test_vector_envs.py`` checks the states against numpy's for small, 32-bit-boundary and
128-bit seeds.
"""

from __future__ import annotations

import numpy as np

# numpy/random/bit_generator.pyx
INIT_A, MULT_A = 0x43B0D7E5, 0x931E8875
INIT_B, MULT_B = 0x8B51F9DD, 0x58F38DED
MIX_MULT_L, MIX_MULT_R = 0xCA01F9DD, 0x4973F715
XSHIFT = 16
POOL_SIZE = 4
# numpy/random/src/pcg64/pcg64.h: PCG_DEFAULT_MULTIPLIER_128
PCG_MULT = (2549297995355413924 << 64) + 4865540595714422341
MASK32 = (1 << 32) - 1
MAX_SEED = 1 << (32 * POOL_SIZE)  # larger seeds have more entropy words than the pool


def _u32(x: int) -> np.uint32:
    return np.uint32(x & MASK32)


def _hash_constants(start: int, mult: int, count: int) -> list[tuple[np.uint32, np.uint32]]:
    """(xor, multiplier) of each hash step: the running hash constant before and after its
    multiplication by ``mult`` (mod 2^32). It does not depend on the data, so it is the same for
    every seed and computed once."""
    out, h = [], start
    for _ in range(count):
        out.append((h, (h * mult) & MASK32))
        h = (h * mult) & MASK32
    return [(_u32(xor), _u32(m)) for xor, m in out]


_MIX_STEPS = POOL_SIZE + POOL_SIZE * (POOL_SIZE - 1)
_HASH_A = _hash_constants(INIT_A, MULT_A, _MIX_STEPS)
_HASH_B = _hash_constants(INIT_B, MULT_B, 2 * POOL_SIZE)


def _hashmix(value: np.ndarray, step: tuple[np.uint32, np.uint32]) -> np.ndarray:
    xor, mult = step
    value = (value ^ xor) * mult
    return value ^ (value >> np.uint32(XSHIFT))


def _mix(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    result = np.uint32(MIX_MULT_L) * x - np.uint32(MIX_MULT_R) * y
    return result ^ (result >> np.uint32(XSHIFT))


def _seed_words(seeds: list[int]) -> np.ndarray:
    """(4, N) uint32 entropy words of each seed, least significant first, zero-padded (a zero
    word hashes as the pool's padding does, so the padding changes nothing)."""
    if max(seeds) < 1 << 64:  # the common case, without Python integers per element
        arr = np.array(seeds, dtype=np.uint64)
        return np.array([arr & MASK32, arr >> np.uint64(32), 0 * arr, 0 * arr], dtype=np.uint32)
    arr = np.array(seeds, dtype=object)
    return np.array([(arr >> (32 * i)) & MASK32 for i in range(POOL_SIZE)], dtype=np.uint32)


def _mul64(a: np.ndarray, b: int) -> tuple[np.ndarray, np.ndarray]:
    """(high, low) uint64 words of the 128-bit products a * b (a uint64 array, b < 2^64), by
    32-bit limbs."""
    m32 = np.uint64(MASK32)
    a_lo, a_hi = a & m32, a >> np.uint64(32)
    b_lo, b_hi = np.uint64(b & MASK32), np.uint64(b >> 32)
    ll, lh, hl, hh = a_lo * b_lo, a_lo * b_hi, a_hi * b_lo, a_hi * b_hi
    mid = (ll >> np.uint64(32)) + (lh & m32) + (hl & m32)
    low = (ll & m32) | (mid << np.uint64(32))
    high = hh + (lh >> np.uint64(32)) + (hl >> np.uint64(32)) + (mid >> np.uint64(32))
    return high, low


def seed_sequence_states(seeds: list[int]) -> np.ndarray:
    """(N, 4) uint64: ``np.random.SeedSequence(seed).generate_state(4, np.uint64)`` for each
    seed (non-negative integers below 2^128)."""
    with np.errstate(over="ignore"):
        words = _seed_words(seeds)
        steps = iter(_HASH_A)
        pool = [_hashmix(words[i], next(steps)) for i in range(POOL_SIZE)]
        for src in range(POOL_SIZE):
            for dst in range(POOL_SIZE):
                if src != dst:
                    pool[dst] = _mix(pool[dst], _hashmix(pool[src], next(steps)))
        out = np.empty((len(seeds), 2 * POOL_SIZE), dtype=np.uint32)
        for i, step in enumerate(_HASH_B):
            out[:, i] = _hashmix(pool[i % POOL_SIZE], step)
    low, high = out[:, 0::2].astype(np.uint64), out[:, 1::2].astype(np.uint64)
    return low | (high << np.uint64(32))  # numpy views the words as little-endian uint64


def pcg64_states(seeds: list[int]) -> list[dict]:
    """The ``bit_generator.state`` dict of ``np.random.PCG64(np.random.SeedSequence(s))`` for
    each seed ``s`` (``pcg_setseq_128_srandom_r``: inc = 2 initseq + 1, state = 0, one step,
    state += initstate, one step; 128-bit words as (high, low) uint64 pairs, wrapping)."""
    w = seed_sequence_states(seeds)
    one = np.uint64(1)
    with np.errstate(over="ignore"):
        inc_hi, inc_lo = (w[:, 2] << one) | (w[:, 3] >> np.uint64(63)), (w[:, 3] << one) | one
        s_lo = inc_lo + w[:, 1]  # state after one step from 0 is inc; then += initstate
        s_hi = inc_hi + w[:, 0] + (s_lo < inc_lo).astype(np.uint64)
        hi, lo = _mul64(s_lo, PCG_MULT & ((1 << 64) - 1))  # state * multiplier mod 2^128
        hi = hi + s_lo * np.uint64(PCG_MULT >> 64) + s_hi * np.uint64(PCG_MULT & ((1 << 64) - 1))
        lo2 = lo + inc_lo  # + inc
        hi = hi + inc_hi + (lo2 < lo).astype(np.uint64)
    return [
        {
            "bit_generator": "PCG64",
            "state": {"state": (sh << 64) | sl, "inc": (ih << 64) | il},
            "has_uint32": 0,
            "uinteger": 0,
        }
        for sh, sl, ih, il in zip(
            hi.tolist(), lo2.tolist(), inc_hi.tolist(), inc_lo.tolist(), strict=True
        )
    ]


def fast_seedable(seeds) -> bool:
    """Whether every seed takes the vectorised path: Python ints in [0, 2^128)."""
    return all(type(s) is int and 0 <= s < MAX_SEED for s in seeds)
