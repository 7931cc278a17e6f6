"""Rendering of a network with per-link (and optionally per-node) loads, text or picture."""

from __future__ import annotations

import networkx as nx
import numpy as np

from ..core.topology import edge_index
from ..rendering import BlitFigure, cached_canvas, new_figure

_LAYOUTS: dict = {}


def layout(graph) -> dict:
    """Node positions: the map's (longitude, latitude) when every node carries ``pos`` (the real
    backbones), else computed once per topology (keyed by its edge list): networkx's spring
    layout with a fixed seed, which needs numpy only (Kamada-Kawai needs scipy)."""
    pos = nx.get_node_attributes(graph, "pos")
    if len(pos) == graph.number_of_nodes():
        return pos
    key = tuple(sorted(tuple(sorted(e)) for e in graph.edges))
    if key not in _LAYOUTS:
        _LAYOUTS[key] = nx.spring_layout(graph, seed=0, iterations=200)
    return _LAYOUTS[key]


def _canvas(graph, with_nodes: bool, link_cmap, node_cmap):
    """This topology's picture (made once): colour bars and axes static, the links, nodes,
    labels and title redrawn each frame in that order (see ``BlitFigure``)."""
    from matplotlib.cm import ScalarMappable
    from matplotlib.collections import LineCollection
    from matplotlib.colors import Normalize

    def build():
        fig = new_figure(6.4, 4.8)
        ax = fig.add_subplot()
        norm = Normalize(0.0, 1.0)
        fig.colorbar(ScalarMappable(norm, link_cmap), ax=ax, label="link load", shrink=0.6)
        if with_nodes:
            fig.colorbar(ScalarMappable(norm, node_cmap), ax=ax, label="node load", shrink=0.6)
        pos = layout(graph)
        edges = sorted({tuple(sorted(e)) for e in graph.edges})
        links = LineCollection([[pos[u], pos[v]] for u, v in edges])
        ax.add_collection(links)
        xy = np.array([pos[n] for n in sorted(graph.nodes)])
        nodes = ax.scatter(xy[:, 0], xy[:, 1], s=250, c="tab:blue", zorder=3)
        labels = [
            ax.annotate(str(n), pos[n], ha="center", va="center", color="white", fontsize=8)
            for n in sorted(graph.nodes)
        ]
        title = ax.set_title(" ", fontsize=9)
        ax.update_datalim(xy)
        ax.autoscale_view()
        ax.margins(0.08)
        ax.axis("off")
        parts = {"links": links, "nodes": nodes, "title": title, "edges": edges}
        return BlitFigure(fig, [links, nodes, *labels, title]), parts

    return cached_canvas(graph, with_nodes, build)


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
    blit, parts = _canvas(graph, node_load is not None, link_cmap, node_cmap)
    x = np.clip(np.asarray(link_load, dtype=float)[[eidx[e] for e in edges]], 0.0, 1.0)
    parts["links"].set_color(link_cmap(x))
    parts["links"].set_linewidths(1 + 4 * x)
    if node_load is not None:
        loads = np.clip(np.asarray(node_load, dtype=float), 0.0, 1.0)
        parts["nodes"].set_facecolor(node_cmap(loads))
    parts["title"].set_text(title)
    return blit.frame()
