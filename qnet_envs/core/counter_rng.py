"""A counter-based random generator: every draw is a hash of (env key, counter, stream, index).

Batch-first cores draw their randomness here instead of from one sequential generator per env.
A draw depends only on the env's 64-bit key (derived from its seed), the env's step counter, a
stream number naming what the draw is for (generation success, a swap outcome, ...) and an index
inside that stream (which memory, which node). So

* env i of a batch seeded ``s + i`` and a scalar env seeded ``s + i`` compute the same numbers by
  construction, whatever the other envs do and whatever actions were taken;
* a batch needs 16 bytes per env (key and counter), not a buffer of pre-drawn numbers;
* seeding 4,096 envs is one vectorised hash, not 4,096 generator constructions.

The mixing function is SplitMix64's output function (Steele, Lea & Flood, "Fast splittable
pseudorandom number generators", OOPSLA 2014), which passes BigCrush as a counter-based
generator; hashing counter-derived inputs through it twice is the construction of
counter-based generators (Salmon, Moraes, Dror & Shaw, "Parallel random numbers: as easy as
1, 2, 3", SC 2011).

:func:`mix64` and :func:`uniform_at` are plain arithmetic on ``uint64`` values: numpy callers
pass arrays (they broadcast), and step kernels compile them
(:func:`qnet_envs.core.compiled.compiled`) and call them on scalars inside their loops.
"""

from __future__ import annotations

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S11, _S16, _S27, _S30, _S31 = (np.uint64(s) for s in (11, 16, 27, 30, 31))
_ONE = np.uint64(1)
_MASK64 = (1 << 64) - 1
_TO_UNIT = 2.0**-53


def mix64(x):
    """SplitMix64's bijective finaliser on uint64 values (wrapping arithmetic)."""
    x = (x ^ (x >> _S30)) * _M1
    x = (x ^ (x >> _S27)) * _M2
    return x ^ (x >> _S31)


def uniform_at(key, counter, stream, index):
    """The U[0, 1) draw number ``index`` of ``stream`` for an env with ``key`` at ``counter``
    (all uint64; ``stream`` < 2^16 and ``index`` < 2^16): distinct (counter, stream, index)
    give unrelated draws."""
    base = mix64(key ^ (counter * _GOLDEN))
    tag = (stream << _S16) + index
    bits = mix64(base + (tag + _ONE) * _GOLDEN)
    return (bits >> _S11) * _TO_UNIT


def keys_from_seeds(seeds) -> np.ndarray:
    """One 64-bit key per integer seed (any Python int; reduced modulo 2^64)."""
    raw = np.array([int(s) & _MASK64 for s in np.ravel(seeds)], dtype=np.uint64)
    return mix64(mix64(raw) + _GOLDEN)


def reset_keys(seed, num_envs: int, keyed: bool, rng=None) -> np.ndarray | None:
    """The keys a reset starts ``num_envs`` envs from, the one rule of every front: env i of a
    seed ``s`` gets ``s + i`` (a list gives each env its own); unseeded, the first reset draws
    fresh keys (from ``rng``, the scalar env's ``np_random``, or from entropy), and a later one
    returns None: each env's stream goes on."""
    if seed is None:
        if keyed:
            return None
        draw = rng if rng is not None else np.random.default_rng()
        return keys_from_seeds(draw.integers(2**63, size=num_envs))
    seeds = [seed + i for i in range(num_envs)] if isinstance(seed, int) else list(seed)
    if len(seeds) != num_envs:
        raise ValueError(f"seed list has {len(seeds)} seeds for {num_envs} envs")
    return keys_from_seeds(seeds)


def uniforms(keys: np.ndarray, counters: np.ndarray, stream: int, n: int) -> np.ndarray:
    """(B, n) draws: index j of ``stream`` at each env's current counter (what a kernel reads
    one at a time with :func:`uniform_at`)."""
    index = np.arange(n, dtype=np.uint64)[None, :]
    return uniform_at(keys[:, None], counters[:, None], np.uint64(stream), index)
