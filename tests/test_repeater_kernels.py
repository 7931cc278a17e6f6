"""The repeater chain's compiled kernels: the physics tables they apply, the compiled random
draws, thread-count independence, and the light import."""

import subprocess
import sys
from types import SimpleNamespace

import gymnasium as gym
import numpy as np
import pytest

import qnet_envs  # noqa: F401
from qnet_envs import physics
from qnet_envs.core import counter_rng

ENV_ID = "qnet/EntanglementDistribution-v2"


@pytest.mark.parametrize("purification", ["dejmps", "bbpssw"])
def test_tables_reproduce_the_physics_maps_on_any_bell_diagonal_pairs(purification):
    """The kernels apply decoherence, swapping and purification as tables of the physics
    functions' values on Bell states; on random Bell-diagonal inputs the tables give what the
    functions give (the maps are affine in each pair, so the tables are exact)."""
    from qnet_envs.core.repeater_chain.kernels import physics_tables

    cfg = SimpleNamespace(gate_fidelity=0.97, meas_fidelity=0.985, purification=purification)
    keep = np.array([[0.9, 0.8], [0.8, 0.7]])
    pz = np.array([[0.01, 0.02], [0.02, 0.05]])
    keep_h, pz_h = np.array([0.95]), np.array([0.01])
    decay, swap, purify, base, slope, nominal = physics_tables(cfg, keep, pz, keep_h, pz_h, 0.9)
    rng = np.random.default_rng(4)
    c1, c2 = rng.dirichlet(np.ones(4), 200), rng.dirichlet(np.ones(4), 200)
    unnormalised = np.einsum("ni,nj,ijk->nk", c1, c2, purify)
    success = unnormalised.sum(axis=1)
    if purification == "dejmps":
        expected, p = physics.dejmps(c1, c2, 0.97, 0.985)
    else:
        f, p = physics.bbpssw(c1[:, 0], c2[:, 0], 0.97, 0.985)
        expected = physics.werner(f)
    np.testing.assert_allclose(unnormalised / success[:, None], expected, atol=1e-12)
    np.testing.assert_allclose(success, p, atol=1e-12)
    np.testing.assert_allclose(
        np.einsum("ni,nj,ijk->nk", c1, c2, swap),
        physics.swap_bell_diagonal(c1, c2, 0.97, 0.985),
        atol=1e-12,
    )
    np.testing.assert_allclose(
        np.einsum("ni,ik->nk", c1, decay[0, 1]), physics.decohere_pair(c1, 0.8, 0.02), atol=1e-12
    )
    f = rng.random(50)
    np.testing.assert_allclose(
        base[0] + f[:, None] * slope[0],
        physics.decohere_pair(physics.werner(f), keep_h[0], pz_h[0]),
        atol=1e-12,
    )
    np.testing.assert_allclose(nominal[0], physics.decohere_pair(physics.werner(0.9), 0.95, 0.01))


def test_compiled_draws_are_the_numpy_draws():
    from qnet_envs.core.repeater_chain.kernels import _uniform_at

    keys = counter_rng.keys_from_seeds([0, 7, 2**40])
    counters = np.array([0, 5, 123456], dtype=np.uint64)
    expected = counter_rng.uniforms(keys, counters, 2, 9)
    got = [
        [_uniform_at(keys[e], counters[e], np.uint64(2), np.uint64(j)) for j in range(9)]
        for e in range(3)
    ]
    np.testing.assert_array_equal(np.array(got), expected)


TRACE = """
import gymnasium as gym, numpy as np, qnet_envs, sys
config = {"horizon": 50, "n_nodes": 5, "memories_per_side": 3, "cutoff_slots": 9}
vec = gym.make_vec("qnet/EntanglementDistribution-v2", num_envs=64,
                   vectorization_mode="vector_entry_point", config=config,
                   num_threads=int(sys.argv[1]))
obs, infos = vec.reset(seed=3)
rng = np.random.default_rng(0)
out = [obs]
for _ in range(300):
    masks = infos["action_mask"].reshape(64, 5, -1)
    acts = np.array([[rng.choice(np.flatnonzero(node)) for node in env] for env in masks])
    obs, rew, term, trunc, infos = vec.step(acts)
    out += [obs, rew, term, trunc, *infos.values()]
np.savez(sys.argv[2], *out)
"""


def test_two_threads_give_the_same_trajectories_as_one(tmp_path):
    # in a child process: numba's thread pool stays out of the test process, which forks
    # workers in other tests (GNU OpenMP is not fork-safe once started)
    traces = []
    for threads in (1, 2):
        path = tmp_path / f"trace{threads}.npz"
        subprocess.run([sys.executable, "-c", TRACE, str(threads), str(path)], check=True)
        traces.append(np.load(path))
    one, two = traces
    assert len(one.files) == len(two.files) > 1000
    for name in one.files:
        np.testing.assert_array_equal(one[name], two[name], err_msg=name)


def test_num_threads_is_checked():
    with pytest.raises(ValueError, match="num_threads"):
        gym.make_vec(ENV_ID, num_envs=2, vectorization_mode="vector_entry_point", num_threads=0)


def test_importing_the_suite_does_not_import_numba():
    code = "import sys, qnet_envs; print('numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
