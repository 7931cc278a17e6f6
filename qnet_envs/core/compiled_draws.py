"""The counter-based generator and the variates the request kernels draw, compiled once for
every kernel module that imports them (:func:`qnet_envs.core.compiled.compiled` of the plain
functions in :mod:`qnet_envs.core.counter_rng`, :mod:`qnet_envs.core.uniforms` and
:mod:`qnet_envs.core.request_stream`). Imports numba: only kernel modules import it."""

from __future__ import annotations

from . import counter_rng, uniforms
from .compiled import compiled
from .request_stream import arrival_variates

mix64 = compiled(counter_rng.mix64)
uniform_at = compiled(counter_rng.uniform_at, mix64=mix64)
uniform = compiled(uniforms.uniform)
exponential = compiled(uniforms.exponential)
integer_offset = compiled(uniforms.integer_offset)
normal = compiled(uniforms.normal)
poisson = compiled(uniforms.poisson)
arrival = compiled(arrival_variates, exponential=exponential, integer_offset=integer_offset)
