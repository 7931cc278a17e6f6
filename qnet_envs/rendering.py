"""Shared rendering helpers: matplotlib on the Agg backend, figures to uint8 RGB arrays."""

from __future__ import annotations

import itertools
import math
import weakref

import numpy as np


def check_render_mode(metadata: dict, render_mode: str | None) -> None:
    """Every front's render-mode check (Gymnasium and PettingZoo): ``None`` or one of
    ``metadata["render_modes"]``, else the ``ValueError`` SB3 and Gymnasium expect."""
    modes = metadata["render_modes"]
    if render_mode is not None and render_mode not in modes:
        raise ValueError(
            f"render_mode={render_mode!r} is not supported; use one of {modes} or None"
        )


def new_figure(width_in: float = 6.4, height_in: float = 3.2):
    """A figure on an Agg canvas that never touches pyplot's global state or a display."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in), dpi=100)
    FigureCanvasAgg(fig)
    return fig


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


_FRAME_CLOCK = itertools.count()


class BlitFigure:
    """A figure whose static part (axes, ticks, colour bars, fixed nodes) is rasterised once;
    each frame restores that bitmap and draws only what changes. This is matplotlib's blitting
    technique (its animation guide): a full ``canvas.draw()`` re-lays out every text and tick
    and costs tens of milliseconds, drawing a few artists costs a few.

    ``dynamic`` are the changing artists. Static artists that a full draw would paint *over* a
    dynamic one (a legend, the spines) are left out of the background too and redrawn every
    frame, and everything is drawn in matplotlib's own order (z-order, then the axes' child
    order), so a frame is pixel for pixel the ordinary full draw (tested). ``frame(extra)``
    takes this frame's transient artists, already added to their axes; they are removed at
    the next frame. Call :meth:`invalidate` when something static changes (an axis limit that
    had to grow): the next frame redraws the background once.
    """

    def __init__(self, fig, dynamic):
        self.fig = fig
        self.dynamic = list(dynamic)
        self.overlay = self._overlay()
        for artist in (*self.dynamic, *self.overlay):
            artist.set_animated(True)
        self.background = None
        self.extra: list = []
        self.stamp = -1  # which frame of the process this figure drew last

    def _overlay(self) -> list:
        """Static children that a full draw paints after some dynamic artist of their axes."""
        out = []
        for ax in {id(a.axes): a.axes for a in self.dynamic if a.axes is not None}.values():
            kids = ax.get_children()
            first = min(self._key(a, kids) for a in self.dynamic if a.axes is ax)
            skip = {id(a) for a in self.dynamic} | {id(ax.patch)}
            if not ax.axison:  # Axes.draw leaves out the spines and axes of an axis("off")
                skip |= {id(a) for a in (*ax.spines.values(), *ax._axis_map.values())}
            out += [k for k in kids if id(k) not in skip and self._key(k, kids) > first]
        return out

    @staticmethod
    def _key(artist, kids) -> tuple:
        return (artist.get_zorder(), kids.index(artist))

    def _draw_order(self, artists) -> list:
        """Axes by axes in figure order, within one by (z-order, child order): Axes.draw's
        stable sort. Figure-level artists (a suptitle) come last, as they do in Figure.draw."""
        kids = {id(ax): ax.get_children() for ax in self.fig.axes}
        axes_index = {id(ax): i for i, ax in enumerate(self.fig.axes)}

        def key(a):
            if a.axes is None:
                return (len(axes_index), a.get_zorder(), 0)
            return (axes_index[id(a.axes)], *self._key(a, kids[id(a.axes)]))

        return sorted(artists, key=key)

    def invalidate(self) -> None:
        self.background = None

    def frame(self, extra=()) -> np.ndarray:
        """The picture now; ``extra`` are this frame's transient artists (in their axes)."""
        for artist in self.extra:
            artist.remove()
        self.extra = list(extra)
        for artist in self.extra:
            artist.set_animated(True)
        canvas = self.fig.canvas
        if self.background is None:
            canvas.draw()
            self.background = canvas.copy_from_bbox(self.fig.bbox)
            self._order = self._draw_order([*self.dynamic, *self.overlay])  # once per layout
        else:
            canvas.restore_region(self.background)
        self.stamp = next(_FRAME_CLOCK)
        order = self._draw_order([*self._order, *self.extra]) if self.extra else self._order
        for artist in order:
            self.fig.draw_artist(artist)
        return np.asarray(canvas.buffer_rgba())[..., :3].copy()

    def reference(self) -> np.ndarray:
        """The last frame drawn the ordinary way, every artist in one full ``canvas.draw()``:
        what :meth:`frame` must reproduce. For tests."""
        changing = [*self.dynamic, *self.overlay, *self.extra]
        for artist in changing:
            artist.set_animated(False)
        self.fig.canvas.draw()
        out = np.asarray(self.fig.canvas.buffer_rgba())[..., :3].copy()
        for artist in changing:
            artist.set_animated(True)
        self.background = None
        return out


def grow_limit(current: float, needed: float) -> float:
    """An axis limit that covers ``needed``: unchanged while it fits, else doubled until it
    does, so a growing quantity forces a background redraw only O(log) times. The doubling
    ends: a finite need is reached within about 1,100 doublings of 1e-9, and a need that is
    not finite gets the largest float at once."""
    limit = max(current, 1e-9)
    if not limit < needed:
        return limit
    if not math.isfinite(needed):
        return float(np.finfo(float).max)
    while limit < needed:
        limit *= 2.0
    return limit


def blit_figures() -> list:
    """Every cached :class:`BlitFigure` (for benchmarks and tests); ``max(..., key=stamp)``
    is the one that drew the latest frame."""
    out = []
    for _key, value in list(_CANVASES.values()):
        for part in value if isinstance(value, tuple) else (value,):
            blit = getattr(part, "blit", part)
            if isinstance(blit, BlitFigure):
                out.append(blit)
    return out


def invalidate_canvases() -> None:
    """Make the next frame of every cached picture a full redraw (what every frame cost before
    blitting): the same-run reference of ``scripts/benchmark_render.py``."""
    for blit in blit_figures():
        blit.invalidate()
