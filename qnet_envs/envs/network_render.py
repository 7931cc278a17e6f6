"""Rendering of a network with per-link (and optionally per-node) loads, text or picture."""

from __future__ import annotations

import networkx as nx
import numpy as np

from ..core.topology import edge_index
from ..rendering import cached_canvas, figure_to_rgb, new_figure

_LAYOUTS: dict = {}


def layout(graph) -> dict:
    """Node positions, computed once per topology (keyed by its edge list): networkx's spring
    layout with a fixed seed, which needs numpy only (Kamada-Kawai needs scipy)."""
    key = tuple(sorted(tuple(sorted(e)) for e in graph.edges))
    if key not in _LAYOUTS:
        _LAYOUTS[key] = nx.spring_layout(graph, seed=0, iterations=200)
    return _LAYOUTS[key]


def _canvas(graph, with_nodes: bool, link_cmap, node_cmap):
    """This topology's figure with its colour bars (made once); the map's axes cleared."""
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    def build():
        fig = new_figure(6.4, 4.8)
        ax = fig.add_subplot()
        norm = Normalize(0.0, 1.0)
        fig.colorbar(ScalarMappable(norm, link_cmap), ax=ax, label="link load", shrink=0.6)
        if with_nodes:
            fig.colorbar(ScalarMappable(norm, node_cmap), ax=ax, label="node load", shrink=0.6)
        return fig, ax

    fig, ax = cached_canvas(graph, with_nodes, build)
    ax.clear()
    return fig, ax


def render_network(graph, link_load, node_load, title: str, mode: str):
    """``ansi``: a table of link (and node) loads; ``rgb_array``: the graph with links coloured
    by load (green idle, red full) and nodes by their load when given."""
    eidx = edge_index(graph)
    edges = sorted({tuple(sorted(e)) for e in graph.edges})
    if mode == "ansi":
        lines = [title, "link       km     load"]
        for u, v in edges:
            i = eidx[(u, v)]
            lines.append(
                f"{u:>3}-{v:<3} {graph.edges[u, v]['length_km']:7.0f}  {link_load[i]:5.2f}"
            )
        if node_load is not None:
            lines.append("node load: " + " ".join(f"{x:.2f}" for x in node_load))
        return "\n".join(lines) + "\n"
    from matplotlib import colormaps

    link_cmap, node_cmap = colormaps["RdYlGn_r"], colormaps["cool"]
    fig, ax = _canvas(graph, node_load is not None, link_cmap, node_cmap)
    pos = layout(graph)
    for u, v in edges:
        x = float(np.clip(link_load[eidx[(u, v)]], 0.0, 1.0))
        (x0, y0), (x1, y1) = pos[u], pos[v]
        ax.plot([x0, x1], [y0, y1], color=link_cmap(x), lw=1 + 4 * x)
    xy = np.array([pos[n] for n in sorted(graph.nodes)])
    if node_load is None:
        ax.scatter(xy[:, 0], xy[:, 1], s=250, c="tab:blue", zorder=3)
    else:
        loads = np.clip(np.asarray(node_load, dtype=float), 0.0, 1.0)
        ax.scatter(xy[:, 0], xy[:, 1], s=250, c=node_cmap(loads), zorder=3)
    for n in graph.nodes:
        ax.annotate(str(n), pos[n], ha="center", va="center", color="white", fontsize=8, zorder=4)
    ax.set_title(title, fontsize=9)
    ax.axis("off")
    return figure_to_rgb(fig)
