"""qnet/QuantumInvocation-v0: conformance, bad input, the calibration table against qiskit, and
the best-of-S and white-noise outcome model against independent computations."""

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import qnet_envs  # noqa: F401
from qnet_envs.baselines import make_policy
from qnet_envs.core import invocation as inv

ENV_ID = "qnet/QuantumInvocation-v0"


@pytest.mark.parametrize(
    "config,field",
    [
        ({"deadline_s": (5.0, 1.0)}, "deadline_s"),
        ({"reliability_target": (0.5, 1.5)}, "reliability_target"),
        ({"queue_departure": 2.0}, "queue_departure"),
        ({"classical_slowdown": 0.0}, "classical_slowdown"),
        ({"max_shots": 0}, "max_shots"),
        ({"horizon": 0}, "horizon"),
        ({"qpus": {"devices": ("FakeNowhere",), "sites": (0,)}}, "devices"),
    ],
)
def test_bad_config_raises_naming_field(config, field):
    with pytest.raises(ValueError, match=field):
        gym.make(ENV_ID, config=config)


def test_out_of_space_raises_and_masked_action_drops_job_with_penalty():
    env = gym.make(ENV_ID, config={"qpus": {"devices": ("FakeHanoiV2",), "sites": (0,)}}).unwrapped
    for bad in (-1, 2, 0.5, None):
        env.reset(seed=0)
        with pytest.raises(ValueError):
            env.step(bad)
    obs, info = env.reset(seed=0)
    for _ in range(500):
        if not info["action_mask"].all():
            break
        obs, r, te, tr, info = env.step(0)
    masked = int(np.flatnonzero(info["action_mask"] == 0)[0])
    obs, r, te, tr, info = env.step(masked)
    cfg = env.config
    assert info["invalid_action"] and not info["met_deadline"]
    assert r == pytest.approx(-cfg.miss_penalty - cfg.invalid_action_penalty)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), policy=st.sampled_from(["random-valid", "always-quantum",
       "always-classical", "expected-reward"]))  # fmt: skip
def test_outcomes_are_consistent(seed, policy):
    env = gym.make(ENV_ID, config={"horizon": 40}).unwrapped
    pol = make_policy(ENV_ID, policy, env)
    obs, info = env.reset(seed=seed)
    pol.reset(seed)
    for _ in range(40):
        deadline = env.core.job["deadline"]
        obs, r, te, tr, info = env.step(pol.act(obs, info))
        assert env.observation_space.contains(obs)
        assert 0.0 <= info["quality"] <= 1.0 and info["energy_j"] >= 0.0
        if info["met_deadline"]:
            assert info["time_s"] <= deadline + 1e-9
            assert (info["shots"] > 0) != (info["sweeps"] > 0)
    assert tr and 0.0 <= info["miss_rate"] <= 1.0


def test_model_based_rule_beats_fixed_paths():
    returns = {}
    for name in ("always-classical", "always-quantum", "expected-reward"):
        env = gym.make(ENV_ID).unwrapped
        pol = make_policy(ENV_ID, name, env)
        total = 0.0
        for seed in range(3):
            obs, info = env.reset(seed=seed)
            pol.reset(seed)
            done = False
            while not done:
                obs, r, te, tr, info = env.step(pol.act(obs, info))
                total += r
                done = te or tr
        returns[name] = total
    assert returns["expected-reward"] > max(returns["always-classical"], returns["always-quantum"])


def test_best_of_shots_matches_monte_carlo():
    rng = np.random.default_rng(0)
    support = np.array([0.2, 0.5, 0.7, 1.0])
    probs = np.array([0.4, 0.3, 0.2, 0.1])
    for shots in (1, 3, 10):
        samples = rng.choice(support, size=(40_000, shots), p=probs).max(axis=1)
        assert inv.expected_best(support, probs, shots) == pytest.approx(samples.mean(), abs=0.01)
        draws = [inv.sample_best(support, probs, shots, rng) for _ in range(20_000)]
        assert np.mean(draws) == pytest.approx(samples.mean(), abs=0.01)


def test_white_noise_weight_matches_depolarised_density_matrix():
    """Two qubits, g CX gates each followed by a depolarising channel whose average gate
    infidelity (computed by qiskit) is r: the density matrix is F rho + (1 - F) I/4 with
    F = white_noise_fidelity(r, g)."""
    qi = pytest.importorskip("qiskit.quantum_info")
    noise = pytest.importorskip("qiskit_aer.noise")
    from qiskit import QuantumCircuit
    from qiskit.circuit.library import CXGate

    channel = noise.depolarizing_error(0.04, 2).to_quantumchannel()
    r = 1.0 - qi.average_gate_fidelity(channel)
    qc = QuantumCircuit(2)
    qc.h(0)
    qc.ry(0.3, 1)
    noisy, ideal = qi.DensityMatrix(qc), qi.DensityMatrix(qc)
    g = 4
    for _ in range(g):
        noisy = noisy.evolve(qi.Operator(CXGate())).evolve(channel)
        ideal = ideal.evolve(qi.Operator(CXGate()))
    f = inv.white_noise_fidelity(r, g)
    np.testing.assert_allclose(noisy.data, f * ideal.data + (1 - f) * np.eye(4) / 4, atol=1e-12)


def test_calibration_table_matches_qiskit_statevector():
    """Rebuild one recorded QAOA state from its edges and angles and compare distributions."""
    pytest.importorskip("qiskit")
    from qiskit.circuit.library import qaoa_ansatz
    from qiskit.quantum_info import SparsePauliOp, Statevector

    rows = inv.calibration()["instances"]
    assert {r["n"] for r in rows} == {6, 8, 10, 12}
    row = next(r for r in rows if r["n"] == 8)
    n, edges = row["n"], row["edge_list"]
    x = (np.arange(2**n)[:, None] >> np.arange(n)) & 1
    values = np.round(sum(w * (x[:, a] != x[:, b]) for a, b, w in edges), 6)
    assert values.max() == pytest.approx(row["optimum"])
    # the table bins quality = value / optimum in steps of 0.01 (the optimum alone on top)
    bins = np.rint(np.array(row["support"]) / row["optimum"] / row["binned"]).astype(int)
    mine = np.minimum(np.floor(values / row["optimum"] * 100 + 1e-9).astype(int), 100)
    pos = np.searchsorted(bins, mine)
    assert np.array_equal(bins[pos], mine)
    np.testing.assert_allclose(
        np.bincount(pos, minlength=len(bins)) / 2**n, row["uniform"], atol=1e-8
    )
    for p in ("1", "2"):
        cost = SparsePauliOp.from_sparse_list([("ZZ", [a, b], w) for a, b, w in edges], n)
        angles = row["qaoa"][p]["angles"]
        state = Statevector(qaoa_ansatz(cost, reps=int(p)).assign_parameters(angles))
        dist = np.bincount(pos, weights=state.probabilities(), minlength=len(bins))
        np.testing.assert_allclose(dist, row["qaoa"][p]["probabilities"], atol=1e-6)
