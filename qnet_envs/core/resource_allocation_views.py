"""What ``qnet/QuantumResourceAllocation-v0`` shows: the observation of each env's head request.

Shared by the scalar env (a batch of one) and the batched env through the core's
``observations``; the layout is documented in the env docstring
(:class:`qnet_envs.envs.quantum_resource_allocation.QuantumResourceAllocationEnv`).
"""

from __future__ import annotations

import numpy as np

from .resource_allocation_layout import QKD


def observation_size(n_nodes: int, k_paths: int, n_links: int) -> int:
    """Length of the v0 observation (without the optional candidate block)."""
    return 7 + 4 * n_nodes + 6 * k_paths + 4 * n_links


def device_template(sim, qubit_mean, pair_mean, det_mean) -> np.ndarray:
    """(B, D) observations holding only each episode's device means (fixed for the episode)."""
    cfg = sim.config
    n, e = sim.net.n_nodes, sim.net.n_links
    t = np.zeros((len(qubit_mean), 7 + 4 * n + 6 * cfg.k_paths + 4 * e), dtype=np.float32)
    i = 2 * n + 7 + 6 * cfg.k_paths
    t[:, i + n : i + 2 * n] = qubit_mean
    i += 2 * n + 2 * e
    t[:, i : i + e] = pair_mean
    t[:, i + e : i + 2 * e] = 2 * det_mean
    return t


def observations(sim, req, free_q, free_c, free_p, nominal, template) -> np.ndarray:
    """(B, D) observations of B requests given the free resources, the nominal fidelities
    (B, k) of the requests' paths and the per-episode ``template`` (layout in the env's
    docstring). ``req`` holds (B, ...) arrays: src, dst, kind, demand, qubits, gates, required,
    holding and the per-path exists, hops, free_channels, free_pairs, channels (QKD need)."""
    cfg, net = sim.config, sim.net
    n, k, e = net.n_nodes, cfg.k_paths, net.n_links
    b = len(template)
    rows = np.arange(b)
    obs = template.copy()
    obs[rows, req["src"]] = 1.0
    obs[rows, n + req["dst"]] = 1.0
    qkd = req["kind"] == QKD
    dqc = ~qkd
    head = obs[:, 2 * n : 2 * n + 7]
    head[:, 0] = qkd
    head[:, 1] = dqc
    head[:, 2] = qkd * req["demand"] * (1.0 / cfg.qkd_demand_kbps[1])
    head[:, 3] = dqc * req["qubits"] * (1.0 / cfg.dqc_logical_qubits[1])
    head[:, 4] = dqc * req["gates"] * (1.0 / cfg.dqc_remote_gates[1])
    head[:, 5] = dqc * req["required"]
    head[:, 6] = np.minimum(req["holding"] * (0.1 / cfg.mean_holding), 1.0)
    i = 2 * n + 7
    per_path = obs[:, i : i + 6 * k].reshape(b, k, 6)
    per_path[..., 0] = req["exists"]
    per_path[..., 1] = req["hops"] * (1.0 / net.max_hops)
    per_path[..., 2] = req["free_channels"] * (1.0 / cfg.channels_per_link)
    per_path[..., 3] = req["free_pairs"] * (1.0 / cfg.pair_capacity_per_link)
    per_path[..., 4] = nominal
    c = cfg.max_channels_per_hop
    per_path[..., 5] = qkd[:, None] * np.minimum(req["channels"][..., 0], c) * (1.0 / c)
    i += 6 * k
    obs[:, i : i + n] = free_q * (1.0 / cfg.qubits_per_node)
    i += 2 * n
    obs[:, i : i + e] = free_c * (1.0 / cfg.channels_per_link)
    obs[:, i + e : i + 2 * e] = free_p * (1.0 / cfg.pair_capacity_per_link)
    return obs
