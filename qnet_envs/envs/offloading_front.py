"""What the offloading model's two fronts (Gymnasium, one controller; PettingZoo, one agent per
node) share beyond :class:`qnet_envs.core.offloading.views.OffloadingViews`: the spaces and the
picture."""

from __future__ import annotations

import numpy as np
from gymnasium import spaces

from ..core.offloading.core import KINDS
from ..core.offloading.views import LEVELS, OffloadingViews
from ..rendering import BlitFigure, cached_canvas, new_figure


def offloading_spaces(views: OffloadingViews) -> tuple[dict, dict, spaces.Box]:
    """(observation space per agent, action space per agent, the global state's space). Flat
    actions: ``Discrete(targets x LEVELS)`` per mobile and ``Discrete(2 x LEVELS)`` per edge;
    otherwise the hybrid ``Dict(target, fraction)`` and ``Dict(forward, fraction)``."""
    observation_spaces = {
        a: spaces.Box(0.0, 1.0, (views.mobile_obs_size if views.is_mobile[a]
                                 else views.edge_obs_size,), np.float32)
        for a in views.agents
    }  # fmt: skip
    if views.flat:
        mobile_space = spaces.Discrete(views.n_targets * LEVELS)
        edge_space = spaces.Discrete(2 * LEVELS)
    else:
        frac = spaces.Box(0.0, 1.0, (1,), np.float32)
        mobile_space = spaces.Dict({"target": spaces.Discrete(views.n_targets), "fraction": frac})
        edge_space = spaces.Dict({"forward": spaces.Discrete(2), "fraction": frac})
    action_spaces = {a: mobile_space if views.is_mobile[a] else edge_space for a in views.agents}
    state_space = spaces.Box(0.0, 1.0, (views.state_size,), np.float32)
    return observation_spaces, action_spaces, state_space


def render_offloading(core, mode):
    """Text: per-node backlog and queue; picture: nodes placed in the area, coloured by backlog
    (colour bar), with an arrow from each mobile to every node that took a share of its task
    this slot (width by share; the cloud sits above the area). Env 0 of ``core``."""
    back = core.backlogs(0)
    if mode == "ansi":
        counts = core.counts(0)
        lines = [f"slot={int(core.slot[0])} cost/task={core.mean_cost_per_task(0):.3f} "
                 f"counts={counts}"]  # fmt: skip
        queued = core.queue_lengths(0)
        for node, kind in enumerate(core.kind.tolist()):
            lines.append(
                f"{KINDS[kind]:6s} {node:3d} backlog={back[node]:7.2f}s queue={queued[node]}"
            )
        return "\n".join(lines) + "\n"
    blit, parts = _canvas(core)
    colour = np.clip(back / 10.0, 0, 1)
    rgb = np.stack([colour, np.full_like(colour, 0.4), 1 - colour], axis=1)
    area = core.config.area_km
    cloud_xy = np.array([area / 2, area * 1.12])
    mobile_xy = core.mobile_xy[0]
    parts["mobile"].set_offsets(mobile_xy)
    parts["mobile"].set_facecolor(rgb[: core.n_mobile])
    parts["edge"].set_offsets(core.edge_xy)
    parts["edge"].set_facecolor(rgb[core.n_mobile : core.cloud])
    parts["cloud"].set_facecolor(rgb[-1:])
    segments, widths = [], []
    for mobile, node, share in core.last_dispatch(0):
        end = cloud_xy if node == core.cloud else core.edge_xy[node - core.n_mobile]
        segments.append([mobile_xy[mobile], end])
        widths.append(0.5 + 2.5 * share)
    parts["offloads"].set_segments(segments)
    parts["offloads"].set_linewidths(widths or [1.0])
    parts["title"].set_text(
        f"slot {int(core.slot[0])}: cloud backlog {back[-1]:.1f}s, "
        f"cost/task {core.mean_cost_per_task(0):.2f}"
    )
    return blit.frame()


def _canvas(sim):
    """This simulation's picture (made once): axes, colour bar and legend static; the nodes'
    colours, this slot's offload lines and the title redrawn each frame."""
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D

    def build():
        fig = new_figure(5.0, 5.0)
        ax = fig.add_subplot()
        _backlog_colourbar(fig, ax)
        area = sim.config.area_km
        offloads = LineCollection([], colors="dimgray", zorder=2)
        ax.add_collection(offloads)
        parts = {
            "offloads": offloads,
            "mobile": ax.scatter([], [], s=60, zorder=2),
            "edge": ax.scatter([], [], s=200, marker="s", zorder=2),
            "cloud": ax.scatter([area / 2], [area * 1.12], s=400, marker="^", zorder=2),
            "title": ax.set_title(" ", fontsize=8),
        }
        grey = {"color": "w", "markerfacecolor": "gray", "markeredgecolor": "gray"}
        handles = [
            Line2D([], [], marker="o", markersize=6, label="mobile", **grey),
            Line2D([], [], marker="s", markersize=9, label="edge", **grey),
            Line2D([], [], marker="^", markersize=11, label="cloud", **grey),
            Line2D([], [], color="dimgray", lw=2, label="offload this slot\n(width: share)"),
        ]
        ax.legend(handles=handles, loc="upper right", fontsize=7)
        ax.set_xlim(0, area)
        ax.set_ylim(0, area * 1.25)
        ax.set_xlabel("x (km)", fontsize=8)
        ax.set_ylabel("y (km)", fontsize=8)
        dynamic = [offloads, parts["mobile"], parts["edge"], parts["cloud"], parts["title"]]
        return BlitFigure(fig, dynamic), parts

    return cached_canvas(sim, None, build)


def _backlog_colourbar(fig, ax) -> None:
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import LinearSegmentedColormap, Normalize

    cmap = LinearSegmentedColormap.from_list("backlog", [(0, 0.4, 1), (1, 0.4, 0)])
    fig.colorbar(ScalarMappable(Normalize(0, 10), cmap), ax=ax, label="backlog (s)", shrink=0.7)
