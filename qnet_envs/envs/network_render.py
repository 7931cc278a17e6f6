"""Rendering of a network with per-link (and optionally per-node) loads, text or picture."""

from __future__ import annotations

import networkx as nx
import numpy as np

from ..core.topology import edge_index
from ..rendering import figure_to_rgb, new_figure

_LAYOUTS: dict = {}


def layout(graph) -> dict:
    """Node positions, computed once per topology (keyed by its edge list): networkx's spring
    layout with a fixed seed, which needs numpy only (Kamada-Kawai needs scipy)."""
    key = tuple(sorted(tuple(sorted(e)) for e in graph.edges))
    if key not in _LAYOUTS:
        _LAYOUTS[key] = nx.spring_layout(graph, seed=0, iterations=200)
    return _LAYOUTS[key]


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
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    fig = new_figure(6.4, 4.8)
    ax = fig.add_subplot()
    pos = layout(graph)
    link_cmap, node_cmap, norm = colormaps["RdYlGn_r"], colormaps["cool"], Normalize(0.0, 1.0)
    for u, v in edges:
        x = float(np.clip(link_load[eidx[(u, v)]], 0.0, 1.0))
        (x0, y0), (x1, y1) = pos[u], pos[v]
        ax.plot([x0, x1], [y0, y1], color=link_cmap(x), lw=1 + 4 * x)
    fig.colorbar(ScalarMappable(norm, link_cmap), ax=ax, label="link load", shrink=0.6)
    xy = np.array([pos[n] for n in sorted(graph.nodes)])
    if node_load is None:
        ax.scatter(xy[:, 0], xy[:, 1], s=250, c="tab:blue", zorder=3)
    else:
        loads = np.clip(np.asarray(node_load, dtype=float), 0.0, 1.0)
        ax.scatter(xy[:, 0], xy[:, 1], s=250, c=node_cmap(loads), zorder=3)
        fig.colorbar(ScalarMappable(norm, node_cmap), ax=ax, label="node load", shrink=0.6)
    for n in graph.nodes:
        ax.annotate(str(n), pos[n], ha="center", va="center", color="white", fontsize=8, zorder=4)
    ax.set_title(title, fontsize=9)
    ax.axis("off")
    return figure_to_rgb(fig)
