"""Exact references for the inesta2023 preset: closed forms from the paper, and the env's Monte
Carlo against exact policy evaluation and the optimal policy."""

import numpy as np
import pytest

import qnet_envs  # noqa: F401
from qnet_envs.references import repeater_mdp as rm
from qnet_envs.rollout import run_episodes

ENV_ID = "qnet/EntanglementDistribution-v2"


@pytest.mark.parametrize("p", [0.1, 0.25, 0.5, 0.75, 0.9, 1.0])
def test_three_nodes_match_the_closed_form(p):
    """Iñesta et al. (2023): n = 3, p_s = 1, t_cut = 2 gives
    T = (2p^3 - 6p^2 + 4p + 1)/(2p^4 - 6p^3 + 5p^2)."""
    closed = (2 * p**3 - 6 * p**2 + 4 * p + 1) / (2 * p**4 - 6 * p**3 + 5 * p**2)
    assert rm.solve(3, p, 1.0, 2).expected_delivery_time == pytest.approx(closed, abs=1e-9)
    assert rm.evaluate(3, p, 1.0, 2).expected_delivery_time == pytest.approx(closed, abs=1e-9)


@pytest.mark.parametrize("cutoff", [1, 2, 5])
def test_deterministic_chain_delivers_in_one_slot(cutoff):
    assert rm.solve(5, 1.0, 1.0, cutoff).expected_delivery_time == pytest.approx(1.0)


def test_optimal_is_no_worse_than_fixed_policies():
    for args in [(4, 0.5, 0.5, 2), (5, 0.3, 0.7, 3), (5, 0.6, 0.4, 2)]:
        t_opt = rm.solve(*args).expected_delivery_time
        assert t_opt <= rm.evaluate(*args).expected_delivery_time + 1e-9
        assert t_opt <= rm.evaluate(*args, policy="nested").expected_delivery_time + 1e-9


@pytest.mark.parametrize("args", [(4, 0.5, 0.5, 2), (5, 0.3, 0.7, 3), (5, 0.5, 0.5, 3)])
def test_the_sparse_solve_agrees_with_a_dense_solve_of_the_same_system(args):
    """Policy evaluation solves (I - P_pi) V = 1 by sparse LU; a dense solve of the same matrix
    (the solver it replaced) gives the same values to 1e-9, for swap-asap and the optimum."""
    initial, index, order = rm._explore(*args)
    for choice in ({s: rm.swappable(s) for s in order}, rm.solve(*args).policy):
        sparse = rm._evaluate_policy(order, index, choice, *args)
        dense = np.linalg.solve(rm.policy_system(order, index, choice, *args).toarray(),
                                np.ones(len(order)))  # fmt: skip
        np.testing.assert_allclose(sparse, dense, rtol=0, atol=1e-9)


def test_six_nodes_are_within_reach_and_the_optimum_beats_swap_asap():
    """n = 6 (t_cut = 2), which the dense solver could not reach in CI: the optimum is above
    one slot and no worse than swap-asap."""
    t_opt = rm.solve(6, 0.5, 0.5, 2).expected_delivery_time
    t_asap = rm.evaluate(6, 0.5, 0.5, 2).expected_delivery_time
    assert 1.0 < t_opt <= t_asap + 1e-9


def test_bad_arguments_raise_naming_them():
    with pytest.raises(ValueError, match="p_gen"):
        rm.solve(4, 0.0, 0.5, 2)
    with pytest.raises(ValueError, match="cutoff"):
        rm.evaluate(4, 0.5, 0.5, 0)
    with pytest.raises(ValueError, match="policy"):
        rm.evaluate(4, 0.5, 0.5, 2, policy="magic")


def _mean_delivery_time(policy, config, episodes, seed):
    res = run_episodes(ENV_ID, policy, episodes, seed=seed, config=config)
    t = -np.asarray(res.returns)
    return t.mean(), t.std(ddof=1) / np.sqrt(len(t))


@pytest.mark.parametrize(
    "policy,n,p,ps,cut",
    [
        ("swap-asap", 4, 0.5, 0.5, 2),
        ("optimal", 4, 0.5, 0.5, 2),
        ("nested", 5, 0.6, 0.7, 3),
        ("optimal", 5, 0.6, 0.7, 3),
    ],
)
def test_env_monte_carlo_agrees_with_the_exact_reference(policy, n, p, ps, cut):
    config = {
        "preset": "inesta2023",
        "n_nodes": n,
        "generation_success": p,
        "swap_success": ps,
        "cutoff_slots": cut,
    }
    if policy == "optimal":
        exact = rm.solve(n, p, ps, cut).expected_delivery_time
    else:
        exact = rm.evaluate(n, p, ps, cut, policy=policy).expected_delivery_time
    mean, se = _mean_delivery_time(policy, config, 1500, seed=100)
    assert abs(mean - exact) < 3.5 * se, (mean, se, exact)
