"""Poisson request arrivals over a network whose resources are held until each departure.

Shared by the QKD-provisioning and quantum-resource-allocation cores: a request arrives, the
controller serves or rejects it, then time jumps to the next arrival (exponential inter-arrival
times, exponential holding times: the M/M/c/c teletraffic model behind blocking-probability
studies, e.g. Cao et al., IEEE JSAC 38(7), 2020 for QKD networks), releasing every allocation
whose holding time ended on the way (:class:`qnet_envs.core.slot_ledger.SlotLedger`). This
module holds the arrival draw and the network's path tables.
"""

from __future__ import annotations

import numpy as np

from .topology import KShortestPaths, build_graph, edge_index, k_shortest_paths
from .uniforms import exponential, integer_offset

ARRIVAL_UNIFORMS = 4  # inter-arrival time, source, destination, holding time
PATH_TABLES = ("all-pairs", "on-demand")


def arrivals(u, n_nodes: int, arrival_rate: float, mean_holding: float):
    """(inter-arrival time, src, dst, holding time) from uniforms ``u[..., :4]`` (vectorised over
    leading axes): exponential gaps at ``arrival_rate``, src uniform, dst uniform among the
    other nodes, exponential holding times of mean ``mean_holding``."""
    u = np.asarray(u, dtype=float)
    means, spans = arrival_constants(n_nodes, arrival_rate, mean_holding)
    gap, src, dst, holding = arrival_variates(u[..., 0], u[..., 1], u[..., 2], u[..., 3], means,
                                              spans)  # fmt: skip
    return gap, src.astype(np.int64), dst.astype(np.int64), holding


def arrival_constants(n_nodes: int, arrival_rate: float, mean_holding: float):
    """The constants of :func:`arrival_variates`: the two exponentials' means and the two node
    draws' ranges (the cores compute them once)."""
    return np.array([1.0 / arrival_rate, mean_holding]), np.array([n_nodes, n_nodes - 1])


def arrival_variates(u_gap, u_src, u_dst, u_holding, means, spans):
    """(gap, src, dst, holding) from four uniforms: both exponentials by inverse CDF
    (:func:`qnet_envs.core.uniforms.exponential`), both node draws floor(u x range)
    (:func:`qnet_envs.core.uniforms.integer_offset`), the destination skipping the source.
    Plain arithmetic on arrays or scalars (nodes as whole floats), so kernels compile it."""
    gap = exponential(u_gap, means[0])
    holding = exponential(u_holding, means[1])
    src = integer_offset(u_src, spans[0])
    dst = integer_offset(u_dst, spans[1])
    return gap, src, dst + (dst >= src), holding


def padded_path_tables(links: np.ndarray) -> dict[str, np.ndarray]:
    """What padded paths ``links`` (..., k, H; -1 pads) imply before any request: ``gather``
    (pads pointing at link 0) and ``pad`` (+inf there, added before a min over hops, so a
    missing path's minimum is +inf), which paths ``exists`` and their ``hops``."""
    valid = links >= 0
    return {
        "links": links,
        "gather": np.maximum(links, 0),
        "pad": np.where(valid, 0.0, np.inf),
        "exists": valid.any(axis=-1),
        "hops": valid.sum(axis=-1),
    }


class PathNetwork:
    """The graph and its k-shortest-path tables, what every episode of a provisioning core
    shares (the cores keep each env's clock, ledger and request counts themselves).

    ``path_table="all-pairs"`` runs Yen's algorithm for every pair at construction (SciPy's,
    once per unordered pair: :class:`qnet_envs.core.topology.KShortestPaths`; about n^3, 0.8 s
    at 100 nodes here) and pads paths to the longest one found;
    ``"on-demand"`` runs it for a pair the first time a request needs it and keeps it for the
    env's lifetime (the same paths, so the same decisions), padding to n - 1 hops, the longest
    a loopless path can be (observations that normalise by ``max_hops`` differ from
    all-pairs)."""

    def __init__(
        self, topology, k_paths: int, arrival_rate: float, mean_holding: float,
        path_table: str = "all-pairs",
    ):  # fmt: skip
        self.graph = build_graph(topology)
        self.n_nodes = self.graph.number_of_nodes()
        self.n_links = self.graph.number_of_edges()
        self.k_paths = k_paths
        self.link_length = np.zeros(self.n_links)
        self._eidx = edge_index(self.graph)
        for u, v, data in self.graph.edges(data=True):
            self.link_length[self._eidx[(u, v)]] = data["length_km"]
        # Per (src, dst): a (k, max_hops) array of link indices padded with -1, so that per-path
        # quantities are computed without Python loops in the hot path (padded_path_tables).
        self.padded_paths = {}
        self._finder: KShortestPaths | None = None  # the on-demand table's, built on first use
        if path_table == "all-pairs":
            table = k_shortest_paths(self.graph, k_paths)
            self.max_hops = max(len(p) for ps in table.values() for p in ps)
            for key, paths in table.items():
                self._store(key, paths)
        else:
            self.max_hops = self.n_nodes - 1
        self.arrival_rate = arrival_rate
        self.mean_holding = mean_holding
        self.arrival_constants = arrival_constants(self.n_nodes, arrival_rate, mean_holding)

    def _store(self, key: tuple[int, int], paths: list[list[int]]) -> None:
        links = np.full((self.k_paths, self.max_hops), -1, dtype=np.int64)
        for i, p in enumerate(paths):
            links[i, : len(p)] = p
        self.padded_paths[key] = links

    def pair_paths(self, key: tuple[int, int]) -> np.ndarray:
        """The (k, max_hops) padded link indices of the (src, dst) = ``key`` paths (computed
        here on first use with the on-demand table)."""
        found = self.padded_paths.get(key)
        if found is None:
            if self._finder is None:
                self._finder = KShortestPaths(self.graph)
            self._store(key, self._finder.pair(*key, self.k_paths))
            found = self.padded_paths[key]
        return found
