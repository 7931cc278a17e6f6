"""Shared rendering helpers: matplotlib on the Agg backend, figures to uint8 RGB arrays."""

from __future__ import annotations

import weakref

import numpy as np


def new_figure(width_in: float = 6.4, height_in: float = 3.2):
    """A figure on an Agg canvas that never touches pyplot's global state or a display."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def figure_to_rgb(fig) -> np.ndarray:
    """Draw ``fig`` and return its pixels as an (H, W, 3) uint8 array."""
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()


_CANVASES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def cached_canvas(owner, key, build):
    """The drawing state ``build()`` makes for ``owner`` (the env, core or topology a picture
    belongs to), made once per ``key`` and reused for every frame: a new figure with its colour
    bars and legends each frame costs about half a frame's time. Weakly keyed, so it goes with
    its owner; copies and unpickled envs build their own."""
    entry = _CANVASES.get(owner)
    if entry is None or entry[0] != key:
        entry = (key, build())
        _CANVASES[owner] = entry
    return entry[1]
