"""qnet/QKDProvisioning-v0 and qnet/QuantumResourceAllocation-v0: conformance, bad input,
resource invariants (hypothesis), physics wiring and baseline ordering."""

import gymnasium as gym
import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qnet_envs  # noqa: F401
from qnet_envs import physics
from qnet_envs.baselines import make_policy, policy_names

QKD_ID = "qnet/QKDProvisioning-v0"
QRA_ID = "qnet/QuantumResourceAllocation-v0"
IDS = [QKD_ID, QRA_ID]


@pytest.mark.parametrize("env_id", IDS)
def test_renders(env_id):
    env = gym.make(env_id, render_mode="rgb_array").unwrapped
    obs, info = env.reset(seed=0)
    for _ in range(30):
        obs, *_, info = env.step(int(np.flatnonzero(info["action_mask"])[-1]))
    img = env.render()
    assert img.dtype == np.uint8 and img.shape[2] == 3
    env = gym.make(env_id, render_mode="ansi").unwrapped
    env.reset(seed=0)
    assert "load" in env.render()


@pytest.mark.parametrize(
    "env_id,field,value",
    [
        (QKD_ID, "channels_per_link", 0),
        (QKD_ID, "k_paths", 9),
        (QKD_ID, "max_span_km", 500.0),
        (QKD_ID, "demand_kbps", (50.0, 10.0)),
        (QKD_ID, "topology", "moon"),
        (QKD_ID, "topology", [(0, 1, -5.0)]),
        (QKD_ID, "load_erlang", 0.0),
        (QRA_ID, "qubits_per_node", 0),
        (QRA_ID, "qkd_fraction", 1.5),
        (QRA_ID, "pair_fidelity_mean", (0.9, 1.2)),
        (QRA_ID, "dqc_logical_qubits", (3, 2)),
        (QRA_ID, "meas_fidelity", 0.1),
        (QRA_ID, "memory_coherence_time_s", -1.0),
        (QRA_ID, "horizon", 0),
    ],
)
def test_bad_config_raises_naming_field(env_id, field, value):
    with pytest.raises(ValueError, match=field.split("_")[0]):
        gym.make(env_id, config={field: value})


@pytest.mark.parametrize("env_id", IDS)
def test_masked_action_rejects_with_penalty(env_id):
    env = gym.make(env_id, config={"k_paths": 1}).unwrapped
    obs, info = env.reset(seed=0)
    for _ in range(200):
        masked = np.flatnonzero(info["action_mask"] == 0)
        if masked.size:
            break
        obs, *_, info = env.step(0)
    rejected = info["rejected"]
    obs, r, _, _, info = env.step(int(masked[0]))
    assert info["invalid_action"] is True
    assert r == pytest.approx(-env.config.invalid_action_penalty)
    assert info["rejected"] == rejected + 1


def small_graphs():
    line = [(0, 1, 30.0), (1, 2, 40.0), (2, 3, 25.0)]
    ring = [(0, 1, 10.0), (1, 2, 20.0), (2, 3, 30.0), (3, 0, 15.0), (0, 2, 35.0)]
    return st.sampled_from(["metro6", line, ring])


def run_and_check(env, actions):
    sim = env.core
    for raw in actions:
        *_, info = env.step(raw % env.action_space.n)
        sim.check_invariants()
        ended = info["served"] + info.get("failed", 0) + info["rejected"]
        assert info["arrived"] == ended + 1  # the head request awaits; all others ended once
    ledger = sim.net.ledger if hasattr(sim.net, "ledger") else sim.ledger
    rows = np.arange(ledger.num_envs)
    ledger.release_until(rows, np.full(len(rows), np.inf))
    np.testing.assert_array_equal(ledger.released, ledger.allocated)
    assert not ledger.active().any()
    assert np.allclose(ledger.used, 0.0)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    topology=small_graphs(),
    channels=st.integers(1, 4),
    k=st.integers(1, 4),
    load=st.floats(1.0, 200.0),
    actions=st.lists(st.integers(0, 10_000), min_size=1, max_size=200),
)
def test_qkd_invariants(topology, channels, k, load, actions):
    env = gym.make(
        QKD_ID,
        config={
            "topology": topology,
            "channels_per_link": channels,
            "k_paths": k,
            "load_erlang": load,
        },
    ).unwrapped
    env.reset(seed=len(actions))
    run_and_check(env, actions)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    topology=small_graphs(),
    qubits=st.integers(2, 30),
    pairs=st.integers(1, 20),
    channels=st.integers(1, 8),
    load=st.floats(1.0, 100.0),
    actions=st.lists(st.integers(0, 10_000), min_size=1, max_size=200),
)
def test_resource_allocation_invariants(topology, qubits, pairs, channels, load, actions):
    env = gym.make(
        QRA_ID,
        config={
            "topology": topology,
            "qubits_per_node": qubits,
            "pair_capacity_per_link": pairs,
            "channels_per_link": channels,
            "load_erlang": load,
        },
    ).unwrapped
    env.reset(seed=len(actions))
    run_and_check(env, actions)


def test_qkd_link_rate_is_decoy_rate_at_trusted_relay_span():
    # 150 km with relays every <= 80 km: two 75 km spans.
    env = gym.make(QKD_ID, config={"topology": [(0, 1, 150.0)], "max_span_km": 80.0}).unwrapped
    expected = physics.decoy_bb84_key_rate(75.0) * 1e9 / 1e3
    assert env.core.link_rate_kbps[0] == pytest.approx(expected)
    obs, info = env.reset(seed=0)
    obs, r, *_, info = env.step(int(np.flatnonzero(info["action_mask"])[1]))
    assert info["key_rate_kbps"] >= env.core.demand_low


def test_qkd_accepts_a_networkx_graph():
    g = nx.cycle_graph(5)
    nx.set_edge_attributes(g, 40.0, "length_km")
    env = gym.make(QKD_ID, config={"topology": g}).unwrapped
    env.reset(seed=0)
    assert env.core.net.n_links == 5


def test_dqc_success_rule_matches_an_independent_computation():
    """With zero spreads the hidden fidelities are the observed means, so success is decidable
    from the cited formulas: purified, decohered, swapped pairs and repetition-coded qubits."""
    cfg = {
        "qkd_fraction": 0.0,
        "qubit_fidelity_spread": 0.0,
        "pair_fidelity_spread": 0.0,
        "dqc_required_fidelity": (0.3, 0.95),
    }
    env = gym.make(QRA_ID, config=cfg).unwrapped
    obs, info = env.reset(seed=4)
    checked = 0
    for _ in range(300):
        sim, req = env.core, env.core.request
        valid = np.flatnonzero(info["action_mask"][1:]) + 1
        if not valid.size:
            obs, *_, info = env.step(0)
            continue
        a = int(valid[checked % valid.size])
        path, level, depth = sim.decode(a)
        links = req["links"][path]
        links = links[links >= 0]
        f = sim.pair_mean[0, links]
        if depth:
            wait = (2**depth - 1) * physics.heralded_attempt_time(sim.net.link_length[links])
            wait = wait / physics.heralded_success_probability(sim.net.link_length[links])
            f = physics.decohere(f, wait, env.config.memory_coherence_time_s)
        for _ in range(depth):
            f = physics.bbpssw(f, f)[0]
        pair = f[0]
        for x in f[1:]:
            pair = physics.swap_fidelity(
                pair, x, env.config.gate_fidelity, env.config.meas_fidelity
            )
        fid = pair ** req["gates"]
        for node, q in zip((req["src"], req["dst"]), req["split"], strict=True):
            p_l = physics.repetition_code_logical_error(1 - sim.qubit_mean[0, node], 2 * level + 1)
            fid *= (1 - p_l) ** q
        obs, r, *_, info = env.step(a)
        assert info["success"] == bool(fid >= req["required"])
        checked += 1
    assert checked > 100


def mean_return(env_id, policy, seeds=range(3), config=None):
    out = []
    for s in seeds:
        env = gym.make(env_id, config=config or {"horizon": 300})
        pol = make_policy(env_id, policy, env)
        pol.reset(s)
        obs, info = env.reset(seed=s)
        total, done = 0.0, False
        while not done:
            obs, r, te, tr, info = env.step(pol.act(obs, info))
            assert not info["invalid_action"], policy
            total += r
            done = te or tr
        out.append(total)
    return float(np.mean(out))


def test_saa_beats_greedy_and_random():
    saa = mean_return(QRA_ID, "saa")
    assert saa > mean_return(QRA_ID, "greedy")
    assert saa > mean_return(QRA_ID, "random-valid")


def test_every_baseline_runs_without_invalid_actions():
    for env_id in IDS:
        for name in policy_names(env_id):
            mean_return(env_id, name, seeds=[0], config={"horizon": 60})


def test_qra_action_codec_round_trips():
    env = gym.make("qnet/QuantumResourceAllocation-v0").unwrapped
    assert env.decode(0) is None
    for a in range(1, env.action_space.n):
        assert env.encode(*env.decode(a)) == a


def test_candidate_block_is_calibrated_against_the_realised_outcomes():
    """The optional block's success probabilities (on a fixed 32-scenario sample) predict the
    env's own fidelity draws: over 1,500 allocations, the realised success rate equals the
    mean predicted probability within sampling error; the block leaves trajectories as they
    are and is zero where actions are masked out."""
    plain = gym.make("qnet/QuantumResourceAllocation-v0")
    env = gym.make("qnet/QuantumResourceAllocation-v0", config={"observe_candidates": True})
    base = plain.observation_space.shape[0]
    assert env.observation_space.shape[0] == base + 2 * (env.action_space.n - 1)
    o0, i0 = plain.reset(seed=7)
    obs, info = env.reset(seed=7)
    rng = np.random.default_rng(0)
    predicted, realised = [], []
    while len(realised) < 1500:
        np.testing.assert_array_equal(obs[:base], o0)
        block = obs[base:].reshape(-1, 2)
        masked = info["action_mask"][1:] == 0
        assert np.all(block[masked] == 0.0)
        choices = np.flatnonzero(info["action_mask"][1:]) + 1
        action = int(rng.choice(choices)) if choices.size else 0
        if action:
            predicted.append(block[action - 1, 0])
        o0, r0, *_ = plain.step(action)
        obs, r, _, truncated, info = env.step(action)
        assert r == r0
        if action:
            realised.append(info["success"])
        if truncated:
            o0, i0 = plain.reset()
            obs, info = env.reset()
    p, hits = np.mean(predicted), np.mean(realised)
    assert abs(p - hits) < 4 * np.sqrt(p * (1 - p) / len(realised)) + 0.01
