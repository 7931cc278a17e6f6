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


def test_on_demand_path_table_gives_the_all_pairs_paths_and_decisions():
    """Same paths pair by pair (padded wider), so the same masks, rewards and outcomes."""
    a = gym.make("qnet/QKDProvisioning-v0").unwrapped
    b = gym.make("qnet/QKDProvisioning-v0", config={"path_table": "on-demand"}).unwrapped
    assert not b.sim.net.padded_paths  # nothing computed before a request needs it
    assert b.sim.net.max_hops == 13 > a.sim.net.max_hops
    _, ia = a.reset(seed=4)
    _, ib = b.reset(seed=4)
    for _ in range(300):
        np.testing.assert_array_equal(ia["action_mask"], ib["action_mask"])
        action = int(np.flatnonzero(ia["action_mask"])[-1])
        _, ra, _, _, ia = a.step(action)
        _, rb, _, _, ib = b.step(action)
        assert ra == rb and ia["served"] == ib["served"]
    for key, links in a.sim.net.padded_paths.items():
        wide = b.sim.net.pair_paths(key)
        np.testing.assert_array_equal(wide[:, : links.shape[1]], links)
        assert (wide[:, links.shape[1] :] == -1).all()


def test_a_100_node_backbone_builds_without_yen_and_runs_an_episode():
    """The scale issue's 100-node backbone: construction computes no path (timing is
    scripts/benchmark_scaling.py's); a whole episode keeps every invariant."""
    topo = random_backbone(100, seed=2)
    env = gym.make("qnet/QKDProvisioning-v0", config={"topology": topo, "path_table": "on-demand"})
    _, info = env.reset(seed=0)
    assert len(env.unwrapped.sim.net.padded_paths) <= 1  # only the first request's pair
    done, steps = False, 0
    while not done:
        _, _, te, tr, info = env.step(int(np.flatnonzero(info["action_mask"])[-1]))
        done, steps = te or tr, steps + 1
    env.unwrapped.check_invariants()
    assert steps == 1000 and info["served"] > 0
    assert len(env.unwrapped.sim.net.padded_paths) <= 1000
