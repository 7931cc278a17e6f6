"""core/topology: graphs from presets, edge lists and networkx graphs; k-shortest-path tables
against an independent enumeration; the random geometric backbone generator."""

import itertools

import gymnasium as gym
import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import qnet_envs  # noqa: F401
from qnet_envs.core.topology import (
    KShortestPaths,
    build_graph,
    edge_index,
    k_shortest_paths,
    pair_k_shortest_paths,
    random_backbone,
    zoo_backbone,
    zoo_coordinates,
)


def all_simple_path_lengths(g, s, t):
    """Every loopless s-t path's length, by brute-force enumeration (independent of Yen)."""
    return sorted(
        sum(g.edges[a, b]["length_km"] for a, b in itertools.pairwise(p))
        for p in nx.all_simple_paths(g, s, t)
    )


def grid_edges(side: int) -> list:
    """A unit-length square grid: every pair of distant nodes has many equally long paths."""
    right = [(i * side + j, i * side + j + 1, 1.0) for i in range(side) for j in range(side - 1)]
    down = [(i * side + j, (i + 1) * side + j, 1.0) for i in range(side - 1) for j in range(side)]
    return right + down


@pytest.mark.parametrize(
    "topology", ["nsfnet", "geant2012", "grid"], ids=["ties", "no-ties", "all-ties"]
)
def test_scipy_k_shortest_paths_are_networkx_paths_both_ways(topology):
    """The table (SciPy's Yen's, reversed for the other direction, networkx's where lengths
    tie) equals networkx's Yen's run for every ordered pair: NSFNET's integer lengths tie for
    some pairs, GEANT's great-circle lengths never do, a unit grid's always do."""
    g = build_graph(grid_edges(4) if topology == "grid" else topology)
    eidx = edge_index(g)
    finder = KShortestPaths(g)
    for k in (1, 3):
        table = k_shortest_paths(g, k)
        pairs = [(s, t) for s in g.nodes for t in g.nodes if s != t]
        assert sorted(table) == sorted(pairs)
        for s, t in pairs:
            assert table[(s, t)] == pair_k_shortest_paths(g, s, t, k, eidx), (s, t, k)
        ties = sum(finder._untied(s, t, k) is None for s, t in pairs)
        assert (ties > 0) == (topology != "geant2012")


@settings(max_examples=30, deadline=None)
@given(
    n_nodes=st.integers(3, 12),
    seed=st.integers(0, 10_000),
    k=st.integers(1, 4),
    rounded=st.booleans(),
)
def test_scipy_k_shortest_paths_match_networkx_on_random_backbones(n_nodes, seed, k, rounded):
    """Random geometric backbones, their lengths kept or rounded to 100 km (many ties): the
    SciPy-backed table equals networkx's Yen's run for every ordered pair."""
    edges = random_backbone(n_nodes, seed)
    if rounded:
        edges = [(u, v, max(100.0, round(length, -2))) for u, v, length in edges]
    g = build_graph(edges)
    eidx = edge_index(g)
    table = k_shortest_paths(g, k)
    for (s, t), paths in table.items():
        assert paths == pair_k_shortest_paths(g, s, t, k, eidx), (s, t)


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
    assert not b.core.net.padded_paths  # nothing computed before a request needs it
    assert b.core.net.max_hops == 13 > a.core.net.max_hops
    _, ia = a.reset(seed=4)
    _, ib = b.reset(seed=4)
    for _ in range(300):
        np.testing.assert_array_equal(ia["action_mask"], ib["action_mask"])
        action = int(np.flatnonzero(ia["action_mask"])[-1])
        _, ra, _, _, ia = a.step(action)
        _, rb, _, _, ib = b.step(action)
        assert ra == rb and ia["served"] == ib["served"]
    for key, links in a.core.net.padded_paths.items():
        wide = b.core.net.pair_paths(key)
        np.testing.assert_array_equal(wide[:, : links.shape[1]], links)
        assert (wide[:, links.shape[1] :] == -1).all()


def test_a_100_node_backbone_builds_without_yen_and_runs_an_episode():
    """The scale issue's 100-node backbone: construction computes no path (timing is
    scripts/benchmark_scaling.py's); a whole episode keeps every invariant."""
    topo = random_backbone(100, seed=2)
    env = gym.make("qnet/QKDProvisioning-v0", config={"topology": topo, "path_table": "on-demand"})
    _, info = env.reset(seed=0)
    assert len(env.unwrapped.core.net.padded_paths) <= 1  # only the first request's pair
    done, steps = False, 0
    while not done:
        _, _, te, tr, info = env.step(int(np.flatnonzero(info["action_mask"])[-1]))
        done, steps = te or tr, steps + 1
    env.unwrapped.check_invariants()
    assert steps == 1000 and info["served"] > 0
    assert len(env.unwrapped.core.net.padded_paths) <= 1000


# --- the real backbones (Internet Topology Zoo, data/topologies.json) ---------------------------


def law_of_cosines_km(a, b):
    """Great-circle distance by the spherical law of cosines (not the haversine of the code)."""
    (p1, l1), (p2, l2) = np.radians(a), np.radians(b)
    c = np.sin(p1) * np.sin(p2) + np.cos(p1) * np.cos(p2) * np.cos(l2 - l1)
    return 6371.0088 * np.arccos(np.clip(c, -1.0, 1.0))


@pytest.mark.parametrize(
    ("name", "nodes", "links", "span_km"),
    [("surfnet", 50, 68, (2.0, 120.0)), ("geant2012", 40, 61, (50.0, 3300.0))],
)
def test_zoo_backbones_have_the_zoo_graph_and_great_circle_lengths(name, nodes, links, span_km):
    edges = zoo_backbone(name)
    g = build_graph(name)
    assert g.number_of_nodes() == nodes and g.number_of_edges() == links
    assert nx.is_connected(g)
    coords = zoo_coordinates(name)
    assert len(coords) == nodes and len({(lat, lon) for _, lat, lon in coords.values()}) == nodes
    for u, v, length in edges:
        assert length == pytest.approx(law_of_cosines_km(coords[u][1:], coords[v][1:]), rel=1e-6)
        assert span_km[0] <= length <= span_km[1]
    # the same k-shortest-path contract as the presets: Yen's k paths are the k shortest
    lengths = np.zeros(g.number_of_edges())
    for (a, b), i in edge_index(g).items():
        lengths[i] = g.edges[a, b]["length_km"]
    s, t = 0, nodes - 1
    got = pair_k_shortest_paths(g, s, t, 3)
    assert len(got) == 3 and all(len(set(p)) == len(p) for p in got)
    shortest = nx.shortest_path_length(g, s, t, weight="length_km")  # Dijkstra, not Yen
    got_lengths = [float(lengths[p].sum()) for p in got]
    assert got_lengths[0] == pytest.approx(shortest) and got_lengths == sorted(got_lengths)


def test_zoo_distances_match_published_city_distances():
    """London-Paris great-circle 344 km and Amsterdam-Utrecht 35 km (GEANT's UK-FR link;
    SURFnet's Amsterdam-Utrecht link)."""
    geant = {(u, v): d for u, v, d in zoo_backbone("geant2012")}
    surf = {(u, v): d for u, v, d in zoo_backbone("surfnet")}
    labels = {lab: i for i, (lab, _, _) in zoo_coordinates("geant2012").items()}
    assert geant[tuple(sorted((labels["UK"], labels["FR"])))] == pytest.approx(344, abs=1.5)
    labels = {lab: i for i, (lab, _, _) in zoo_coordinates("surfnet").items()}
    pair = tuple(sorted((labels["Amsterdam"], labels["Utrecht"])))
    assert surf[pair] == pytest.approx(35, abs=1.5)


@pytest.mark.parametrize("name", ["surfnet", "geant2012"])
@pytest.mark.parametrize("env_id", ["qnet/QKDProvisioning-v0", "qnet/QuantumResourceAllocation-v0"])
def test_zoo_backbones_run_an_episode_with_invariants(name, env_id):
    config = {"topology": name, "horizon": 60}
    if env_id.endswith("QKDProvisioning-v0"):
        config["path_table"] = "on-demand"
    env = gym.make(env_id, config=config)
    _, info = env.reset(seed=0)
    done = False
    while not done:
        valid = np.flatnonzero(info["action_mask"])
        _, _, te, tr, info = env.step(int(valid[-1]))
        env.unwrapped.check_invariants()
        done = te or tr
    with pytest.raises(ValueError, match="surfnet"):
        build_graph("atlantis")


def test_extract_topologyzoo_keeps_nodes_links_and_supplements(tmp_path):
    import importlib.util
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "scripts" / "extract_topologyzoo.py"
    spec = importlib.util.spec_from_file_location("extract_topologyzoo", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    g = nx.MultiGraph(Network="GEANT")
    g.add_node("0", label="NL", Latitude=52.37403, Longitude=4.88969)
    g.add_node("1", label="MD")  # no coordinates in the Zoo: supplemented
    g.add_node("2", label="BE", Latitude=50.85045, Longitude=4.34878)
    g.add_edges_from([("0", "1"), ("1", "0"), ("0", "2"), ("2", "2")])  # parallel + self-loop
    nx.write_graphml(g, tmp_path / "Geant2012.graphml")
    name, entry = mod.extract(tmp_path / "Geant2012.graphml")
    assert name == "geant2012"
    assert entry["edges"] == [[0, 1], [0, 2]]
    assert entry["nodes"][1] == ["MD", *mod.SUPPLEMENTS[("GEANT", "MD")][:2]]
    assert [s["label"] for s in entry["supplemented_coordinates"]] == ["MD"]
    g.nodes["1"]["label"] = "XX"
    nx.write_graphml(g, tmp_path / "Bad.graphml")
    with pytest.raises(SystemExit, match="no coordinates"):
        mod.extract(tmp_path / "Bad.graphml")
    shipped = json.loads((path.parents[1] / "qnet_envs/data/topologies.json").read_text())
    assert set(shipped["topologies"]) == {"surfnet", "geant2012"}


def test_zoo_backbones_are_drawn_on_their_map():
    """The real backbones carry (longitude, latitude) per node and the pictures use them; a graph
    without positions keeps the spring layout."""
    from qnet_envs.envs.network_render import layout

    g = build_graph("geant2012")
    coords = zoo_coordinates("geant2012")
    assert layout(g) == {i: (lon, lat) for i, (_, lat, lon) in coords.items()}
    plain = build_graph(zoo_backbone("geant2012"))  # the same links as an edge list
    assert not nx.get_node_attributes(plain, "pos")
    assert not np.allclose(layout(plain)[0], layout(g)[0])  # the spring layout
    env = gym.make(
        "qnet/QKDProvisioning-v0", config={"topology": "surfnet"}, render_mode="rgb_array"
    )
    env.reset(seed=0)
    frame = env.render()
    assert frame.ndim == 3 and frame.shape[2] == 3 and frame.std() > 0
