"""core/topology: graphs from presets, edge lists and networkx graphs; k-shortest-path tables
against an independent enumeration; the random geometric backbone generator."""

import itertools

import gymnasium as gym
import networkx as nx
import numpy as np
import pytest

import qnet_envs  # noqa: F401
from qnet_envs.core.topology import build_graph, edge_index, k_shortest_paths, random_backbone


def all_simple_path_lengths(g, s, t):
    """Every loopless s-t path's length, by brute-force enumeration (independent of Yen)."""
    return sorted(
        sum(g.edges[a, b]["length_km"] for a, b in itertools.pairwise(p))
        for p in nx.all_simple_paths(g, s, t)
    )


@pytest.mark.parametrize("topology", ["nsfnet", "metro6"])
def test_k_shortest_paths_are_the_k_shortest_loopless_paths(topology):
    g = build_graph(topology)
    lengths = np.zeros(g.number_of_edges())
    for (a, b), i in edge_index(g).items():
        lengths[i] = g.edges[a, b]["length_km"]
    table = k_shortest_paths(g, 3)
    for s, t in [(0, 13), (3, 9), (5, 1)] if topology == "nsfnet" else [(0, 5), (2, 3)]:
        got = [float(lengths[p].sum()) for p in table[(s, t)]]
        assert got == pytest.approx(all_simple_path_lengths(g, s, t)[:3])


def test_bad_topologies_are_refused():
    for bad in ["nowhere", [(0, 1, -5)], [(0, 1, 10), (2, 3, 10)], 7, [(0, 1)]]:
        with pytest.raises(ValueError):
            build_graph(bad)


@pytest.mark.parametrize("n", [2, 14, 60, 200])
def test_random_backbones_are_connected_sparse_and_seeded(n):
    edges = random_backbone(n, seed=5)
    g = build_graph(edges)
    assert g.number_of_nodes() == n and nx.is_connected(g)
    assert all(length > 0 for _, _, length in edges)
    if n >= 14:
        assert 2.0 <= 2 * len(edges) / n <= 5.0  # a backbone's degree at any size
    assert random_backbone(n, seed=5) == edges and random_backbone(n, seed=6) != edges


def test_a_random_backbone_runs_the_qkd_env():
    env = gym.make("qnet/QKDProvisioning-v0", config={"topology": random_backbone(20, seed=1)})
    _, info = env.reset(seed=0)
    for _ in range(50):
        _, r, te, tr, info = env.step(int(np.flatnonzero(info["action_mask"])[-1]))
        env.unwrapped.check_invariants()
