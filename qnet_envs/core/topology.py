"""Network topologies with link lengths, and k-shortest-path tables over them."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from itertools import islice, pairwise

import networkx as nx
import numpy as np

# NSFNET, 14 nodes and 21 links, lengths in km as distributed with the open-source RSA
# simulators of the optical-networking literature (e.g. the rsarl "NSF" topology; the same
# graph as the NSFNET T1 backbone used in DeepRMSA, Chen et al., JLT 37(16), 2019).
NSFNET_EDGES = (
    (0, 1, 1050), (0, 2, 1500), (0, 7, 2400), (1, 2, 600), (1, 3, 750), (2, 5, 1800),
    (3, 4, 600), (3, 10, 1950), (4, 5, 1200), (4, 6, 600), (5, 9, 1050), (5, 13, 1800),
    (6, 7, 750), (6, 9, 1350), (7, 8, 750), (8, 9, 750), (8, 11, 300), (8, 12, 300),
    (10, 11, 600), (10, 12, 750), (11, 13, 300),
)  # fmt: skip

# A 6-node metro mesh with 15-30 km links: the span lengths of deployed metropolitan QKD
# networks (Tokyo QKD network, Sasaki et al., Opt. Express 19, 10387 (2011): 13-45 km links).
METRO6_EDGES = (
    (0, 1, 20), (0, 2, 25), (1, 2, 15), (1, 3, 30),
    (2, 4, 30), (3, 4, 20), (3, 5, 25), (4, 5, 15),
)  # fmt: skip

TOPOLOGIES = {"nsfnet": NSFNET_EDGES, "metro6": METRO6_EDGES}

# Mean Earth radius R1 of the Geodetic Reference System 1980 (H. Moritz, J. Geodesy 74, 128
# (2000)): the sphere that best fits the ellipsoid for great-circle distances.
EARTH_RADIUS_KM = 6371.0088


def great_circle_km(lat1, lon1, lat2, lon2):
    """Great-circle distance in km between points given in degrees (the haversine formula,
    R. W. Sinnott, Sky and Telescope 68(2), 159 (1984)); arrays broadcast."""
    p1, p2, dl = np.radians(lat1), np.radians(lat2), np.radians(np.subtract(lon2, lon1))
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(h))


@cache
def _zoo() -> dict:
    """The shipped Topology Zoo backbones (``data/topologies.json``, written by
    ``scripts/extract_topologyzoo.py``)."""
    text = resources.files("qnet_envs.data").joinpath("topologies.json").read_text()
    return json.loads(text)["topologies"]


def zoo_names() -> tuple[str, ...]:
    """The real backbones shipped: ``surfnet`` (SURFnet, the Dutch research network, 2010: 50
    nodes, 68 links, 3-112 km spans) and ``geant2012`` (GEANT, the pan-European research
    backbone, 2012: 40 nodes, 61 links, 55-3,218 km)."""
    return tuple(_zoo())


def zoo_backbone(name: str) -> tuple[tuple[int, int, float], ...]:
    """A shipped real backbone as edges ``(u, v, length_km)``: nodes and links from the Internet
    Topology Zoo (Knight et al., IEEE JSAC 29(9), 1765-1775 (2011)); the Zoo has no fibre
    lengths, so each is the great-circle distance between the PoPs' coordinates (a lower
    bound: deployed routes run about 1.2-1.5x longer)."""
    if name not in _zoo():
        raise ValueError(f"backbone={name!r} is unknown; shipped: {sorted(_zoo())}")
    entry = _zoo()[name]
    lat, lon = np.array([n[1:] for n in entry["nodes"]], dtype=float).T
    u, v = np.array(entry["edges"], dtype=np.int64).T
    lengths = great_circle_km(lat[u], lon[u], lat[v], lon[v])
    return tuple((int(a), int(b), float(d)) for a, b, d in zip(u, v, lengths, strict=True))


def zoo_coordinates(name: str) -> dict[int, tuple[str, float, float]]:
    """Node -> (label, latitude, longitude) of a shipped backbone (for maps and pictures)."""
    zoo_backbone(name)  # the name check
    return {i: (label, lat, lon) for i, (label, lat, lon) in enumerate(_zoo()[name]["nodes"])}


def build_graph(topology) -> nx.Graph:
    """A graph from a preset name (``nsfnet``, ``metro6`` or a real backbone of
    :func:`zoo_names`, whose nodes carry ``pos`` = (longitude, latitude)), an edge list of
    (u, v, length_km), or a networkx graph whose edges carry ``length_km``. Nodes are
    relabelled 0..N-1 in sorted order."""
    name = topology if isinstance(topology, str) else None
    if name is not None:
        presets = sorted(TOPOLOGIES) + sorted(zoo_names())
        if name not in presets:
            raise ValueError(f"topology={name!r} is unknown; presets: {presets}")
        topology = TOPOLOGIES.get(name) or zoo_backbone(name)
    if isinstance(topology, nx.Graph):
        g = nx.Graph()
        for u, v, data in topology.edges(data=True):
            if "length_km" not in data:
                raise ValueError(f"topology edge ({u}, {v}) has no 'length_km' attribute")
            g.add_edge(u, v, length_km=float(data["length_km"]))
    else:
        if not isinstance(topology, (list, tuple)):
            raise ValueError(
                f"topology={topology!r} must be a preset name, a list of (u, v, length_km) "
                "edges or a networkx graph"
            )
        g = nx.Graph()
        for edge in topology:
            if not isinstance(edge, (list, tuple)) or len(edge) != 3:
                raise ValueError(f"topology edge {edge!r} must be (u, v, length_km)")
            u, v, length = edge
            g.add_edge(u, v, length_km=float(length))
    if g.number_of_nodes() < 2 or not nx.is_connected(g):
        raise ValueError("topology must be a connected graph with at least 2 nodes")
    for u, v, data in g.edges(data=True):
        if not data["length_km"] > 0:
            raise ValueError(f"topology edge ({u}, {v}) length_km={data['length_km']} must be > 0")
    mapping = {n: i for i, n in enumerate(sorted(g.nodes))}
    g = nx.relabel_nodes(g, mapping)
    if name in _zoo():  # the map's coordinates, for pictures: (longitude, latitude)
        for node, (_, lat, lon) in zoo_coordinates(name).items():
            g.nodes[node]["pos"] = (lon, lat)
    return g


def edge_index(g: nx.Graph) -> dict[tuple[int, int], int]:
    """Edge -> index in a fixed order, keyed both ways."""
    index = {}
    for i, (u, v) in enumerate(sorted(tuple(sorted(e)) for e in g.edges)):
        index[(u, v)] = index[(v, u)] = i
    return index


def pair_k_shortest_paths(g: nx.Graph, s, t, k: int, eidx=None) -> list[list[int]]:
    """Up to ``k`` loopless s -> t paths as edge-index lists, shortest (by length) first
    (Yen's algorithm via networkx ``shortest_simple_paths``); ``eidx`` from :func:`edge_index`."""
    eidx = edge_index(g) if eidx is None else eidx
    paths = islice(nx.shortest_simple_paths(g, s, t, weight="length_km"), k)
    return [[eidx[e] for e in pairwise(p)] for p in paths]


class KShortestPaths:
    """The k shortest loopless paths between node pairs of a graph from :func:`build_graph`,
    as edge-index lists (:func:`edge_index`), shortest first: the same paths as
    :func:`pair_k_shortest_paths` (networkx's Yen's algorithm, the reference), found with
    SciPy's compiled Yen's algorithm (``scipy.sparse.csgraph.yen``; J. Y. Yen, Management
    Science 17(11), 712-716, 1971), about 5x faster.

    Where two of a pair's k + 1 shortest lengths are within a relative 1e-9 of each other
    (a tie, which the two implementations may break in different orders, or between the k-th
    and the (k+1)-th path), the pair's paths come from networkx, so every table is exactly
    what networkx gives. Without such a tie the k shortest paths are unique and in a unique
    order, so t -> s's are s -> t's reversed (:meth:`both_ways`)."""

    TIE = 1e-9

    def __init__(self, g: nx.Graph):
        # SciPy is imported only where paths are found
        from scipy.sparse import csr_matrix
        from scipy.sparse.csgraph import yen

        self._yen = yen

        self.g, self.eidx = g, edge_index(g)
        n = g.number_of_nodes()
        edges = np.array([(a, b, d["length_km"]) for a, b, d in g.edges(data=True)])
        ends = edges[:, :2].astype(np.int64)
        # both directions stored: searched as a directed graph, SciPy transposes nothing
        self.csr = csr_matrix(
            (
                np.tile(edges[:, 2], 2),
                (np.r_[ends[:, 0], ends[:, 1]], np.r_[ends[:, 1], ends[:, 0]]),
            ),
            shape=(n, n),
        )
        # yen's Cython signature wants 32-bit index arrays
        self.csr.indices = self.csr.indices.astype(np.int32)
        self.csr.indptr = self.csr.indptr.astype(np.int32)

    def pair(self, s: int, t: int, k: int) -> list[list[int]]:
        """Up to ``k`` loopless s -> t paths, shortest first."""
        found = self._untied(s, t, k)
        return found if found is not None else pair_k_shortest_paths(self.g, s, t, k, self.eidx)

    def both_ways(self, s: int, t: int, k: int) -> tuple[list[list[int]], list[list[int]]]:
        """:meth:`pair` of (s, t) and of (t, s)."""
        found = self._untied(s, t, k)
        if found is None:
            return (
                pair_k_shortest_paths(self.g, s, t, k, self.eidx),
                pair_k_shortest_paths(self.g, t, s, k, self.eidx),
            )
        return found, [path[::-1] for path in found]

    def _untied(self, s: int, t: int, k: int) -> list[list[int]] | None:
        """SciPy's k shortest s -> t paths, or None where the k + 1 shortest lengths tie."""
        dist, pred = self._yen(self.csr, s, t, k + 1, directed=True, return_predecessors=True)
        if np.any(np.diff(dist) <= self.TIE * dist[1:]):
            return None
        paths = []
        for row in pred[:k].tolist():
            nodes = [t]
            while nodes[-1] != s and len(nodes) <= len(row) and row[nodes[-1]] >= 0:
                nodes.append(row[nodes[-1]])
            if nodes[-1] != s:  # not a path back to s (never seen): let networkx answer
                return None
            paths.append([self.eidx[e] for e in pairwise(reversed(nodes))])
        return paths


def k_shortest_paths(g: nx.Graph, k: int) -> dict[tuple[int, int], list[list[int]]]:
    """For every ordered pair of distinct nodes, the k shortest paths
    (:class:`KShortestPaths`: one SciPy Yen's run per unordered pair without ties, networkx's
    for both directions of a tied pair; about n^3 in time overall, see ``PathNetwork``'s
    on-demand table for large n)."""
    finder, table = KShortestPaths(g), {}
    nodes = sorted(g.nodes)
    for i, s in enumerate(nodes):
        for t in nodes[i + 1 :]:
            table[(s, t)], table[(t, s)] = finder.both_ways(s, t, k)
    return {key: table[key] for key in sorted(table)}


def random_backbone(
    n_nodes: int,
    seed: int,
    area_km: float = 3000.0,
    mean_degree: float = 3.0,
    alpha: float = 0.15,
) -> tuple[tuple[int, int, float], ...]:
    """A random geometric backbone of any size, as an edge list ``(u, v, length_km)`` that
    every ``topology`` config field takes.

    Nodes are uniform in a square of side ``area_km``; each pair is linked with Waxman's
    probability beta exp(-d / (alpha L)), L the largest distance (B. M. Waxman, "Routing of
    multipoint connections", IEEE JSAC 6(9), 1617-1622, 1988), with beta chosen so that the
    Waxman edges alone give ``mean_degree - 1`` on average (so the degree stays that of a
    backbone at any size, rather than growing with n); the Euclidean minimum spanning tree is
    added so that the graph is connected, as backbones are. The default mean degree of about
    3 is NSFNET's (3.0) and typical of national backbones. Fibre length is the straight-line
    distance (a lower bound: real routes run 1.2-1.5x longer).
    """
    if not (isinstance(n_nodes, int) and n_nodes >= 2):
        raise ValueError(f"n_nodes={n_nodes!r} must be an integer >= 2")
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0.0, area_km, size=(n_nodes, 2))
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    u, v = np.triu_indices(n_nodes, 1)
    weight = np.exp(-d[u, v] / (alpha * d.max()))
    beta = min(1.0, max(mean_degree - 1.0, 0.0) * n_nodes / 2.0 / weight.sum())
    keep = rng.random(u.size) < beta * weight
    g = nx.Graph()
    g.add_nodes_from(range(n_nodes))
    g.add_edges_from(zip(u[keep].tolist(), v[keep].tolist(), strict=True))
    complete = nx.Graph()
    complete.add_weighted_edges_from(zip(u.tolist(), v.tolist(), d[u, v].tolist(), strict=True))
    g.add_edges_from((a, b) for a, b, _ in nx.minimum_spanning_edges(complete, data=True))
    return tuple((a, b, max(float(d[a, b]), 1e-3)) for a, b in sorted(g.edges()))
