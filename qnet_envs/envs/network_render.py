"""Rendering of a network with per-link (and optionally per-node) loads, text or picture."""

from __future__ import annotations

import networkx as nx
import numpy as np

from ..core.topology import edge_index
from ..rendering import figure_to_rgb, new_figure


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
    fig = new_figure(6.4, 4.8)
    ax = fig.add_subplot()
    pos = nx.kamada_kawai_layout(graph, weight="length_km")
    for u, v in edges:
        x = link_load[eidx[(u, v)]]
        (x0, y0), (x1, y1) = pos[u], pos[v]
        ax.plot([x0, x1], [y0, y1], color=(x, 1 - x, 0.2), lw=1 + 4 * x)
    colors = (
        "tab:blue" if node_load is None else [(x, 0.3, 1 - x) for x in np.clip(node_load, 0, 1)]
    )
    xy = np.array([pos[n] for n in sorted(graph.nodes)])
    ax.scatter(xy[:, 0], xy[:, 1], s=250, c=colors, zorder=3)
    for n in graph.nodes:
        ax.annotate(str(n), pos[n], ha="center", va="center", color="white", fontsize=8, zorder=4)
    ax.set_title(title, fontsize=9)
    ax.axis("off")
    return figure_to_rgb(fig)
