"""Compiling the suite's plain-math functions for step kernels (numba).

A physics formula or a random-variate transform is written once, as arithmetic and numpy
ufuncs that work on numpy arrays and on scalars alike; numpy callers use it as it is, and a
kernel module compiles it here. :func:`compiled` also swaps the plain functions that it calls
by name for their compiled versions, which is what numba needs to call them from a kernel.

This module imports numba: only kernel modules import it, and they are imported when an env
is made, never by ``import qnet_envs``.
"""

from __future__ import annotations

import types

from numba import njit


def compiled(func, parallel: bool = False, counted: bool = True, **callees):
    """``func`` compiled by numba (``cache=True``), with the functions it calls by name
    replaced by the compiled ``callees``; the original stays a plain Python function.

    ``counted=False`` compiles it without numba's runtime (reference counts and
    allocations): for a serial driver whose per-env code allocates nothing and only takes
    views of the arrays it is handed, every view would otherwise cost a reference count on
    the way in and out (the parallel driver's loop body is compiled without them anyway)."""
    scope = {**func.__globals__, **callees}
    copy = types.FunctionType(
        func.__code__, scope, func.__name__, func.__defaults__, func.__closure__
    )
    # numba's cache names a compiled function by its qualified name: a parallel compilation
    # of the same function needs a name of its own, or it would load the serial code
    copy.__qualname__ = func.__qualname__ + ("_parallel" if parallel else "")
    if not counted:
        return njit(cache=True, _nrt=False)(copy)
    return njit(cache=True, parallel=parallel)(copy)
