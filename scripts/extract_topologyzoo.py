#!/usr/bin/env python3
"""Regenerate ``qnet_envs/data/topologies.json`` from Internet Topology Zoo GraphML files.

    python scripts/extract_topologyzoo.py Surfnet.graphml Geant2012.graphml

The files are the Topology Zoo's (http://www.topology-zoo.org/files/<Name>.graphml; S. Knight,
H. X. Nguyen, N. Falkner, R. Bowden, M. Roughan, "The Internet Topology Zoo", IEEE JSAC 29(9),
1765-1775, 2011; the site states a CC BY-SA 3.0 licence, not re-checked from this machine).
Kept per network: each node's label, latitude and longitude (node ids 0..n-1 in the file's
order), the links as unordered node pairs (parallel links and self-loops merged away: the envs
model one fibre per node pair), and the map the Zoo traced it from. A node the Zoo gives no
coordinates gets them from ``SUPPLEMENTS`` (named in the output, with their source); any other
missing coordinate is an error. Fibre lengths are not in
the Zoo: ``qnet_envs.core.topology`` computes them as great-circle distances at load time.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import networkx as nx

OUT = Path(__file__).resolve().parents[1] / "qnet_envs" / "data" / "topologies.json"

# (network, node label) -> (latitude, longitude, source). GEANT 2012's PoPs in Ukraine, Moldova
# and Belarus have no coordinates in the Zoo; their NRENs (URAN, RENAM, BASNET) sit in the
# capitals. Kyiv's are the Zoo's own (Cogentco.graphml, node "Kiev").
SUPPLEMENTS = {
    ("GEANT", "UA"): (50.45466, 30.5238, "Kyiv, as in the Topology Zoo's Cogentco.graphml"),
    ("GEANT", "MD"): (47.00556, 28.8575, "Chisinau city centre (GeoNames 618426)"),
    ("GEANT", "BY"): (53.9, 27.56667, "Minsk city centre (GeoNames 625144)"),
}


def extract(path: Path) -> tuple[str, dict]:
    """(preset name, entry) of one Topology Zoo GraphML file."""
    g = nx.read_graphml(path)
    network = g.graph.get("Network", path.stem)
    ids = sorted(g.nodes, key=int)
    index = {node: i for i, node in enumerate(ids)}
    nodes, supplemented = [], []
    for node in ids:
        data = g.nodes[node]
        label = str(data.get("label", node))
        if "Latitude" in data and "Longitude" in data:
            lat, lon = float(data["Latitude"]), float(data["Longitude"])
        elif (network, label) in SUPPLEMENTS:
            lat, lon, source = SUPPLEMENTS[(network, label)]
            supplemented.append({"label": label, "source": source})
        else:
            raise SystemExit(f"{path}: node {node} ({label}) has no coordinates")
        nodes.append([label, lat, lon])
    edges = sorted({tuple(sorted((index[u], index[v]))) for u, v in g.edges() if u != v})
    entry = {
        "network": network,
        "date": g.graph.get("NetworkDate", ""),
        "traced_from": g.graph.get("Source", ""),
        "zoo_file": f"http://www.topology-zoo.org/files/{path.name}",
        "nodes": nodes,
        "edges": [list(e) for e in edges],
        "supplemented_coordinates": supplemented,
    }
    return path.stem.lower(), entry


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path, help="Topology Zoo .graphml files")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    topologies = dict(extract(path) for path in args.files)
    doc = {
        "source": (
            "The Internet Topology Zoo (Knight et al., IEEE JSAC 29(9), 1765-1775, 2011; "
            "www.topology-zoo.org, CC BY-SA 3.0 as the site states); regenerate with "
            "scripts/extract_topologyzoo.py"
        ),
        "topologies": topologies,
    }
    text = json.dumps(doc, indent=1, ensure_ascii=False)
    # one node or link per line: the innermost lists on one line each
    text = re.sub(r"\[\s+([^\[\]{}]*?)\s+\]", lambda m: "[" + " ".join(m[1].split()) + "]", text)
    args.out.write_text(text + "\n")
    for name, entry in topologies.items():
        print(f"{name}: {len(entry['nodes'])} nodes, {len(entry['edges'])} links -> {args.out}")


if __name__ == "__main__":
    main()
