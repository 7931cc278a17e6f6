"""qnet/QPUScheduling-v0: conformance, determinism, bad input, and that every job ends exactly
once with what ran passing the independent feasibility checker."""

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qnet_envs  # noqa: F401
from qnet_envs.baselines import make_policy, policy_names
from qnet_envs.core.qpu_scheduling import check_schedule

ENV_ID = "qnet/QPUScheduling-v0"
SMALL = {"instance": {"n_jobs": 6}}


@pytest.mark.parametrize(
    "config,field",
    [
        ({"window": 0}, "window"),
        ({"chunks": (0.5, 1.5)}, "chunks"),
        ({"chunks": ()}, "chunks"),
        ({"drop_penalty": -1}, "drop_penalty"),
        ({"instance": {"load": -2.0}}, "load"),
        ({"instance": {"qpus": {"setup_s": -1.0}}}, "setup_s"),
        ({"nonsense": 1}, "nonsense"),
    ],
)
def test_bad_config_raises_naming_field(config, field):
    with pytest.raises(ValueError, match=field):
        gym.make(ENV_ID, config=config)


def test_out_of_space_action_raises_and_masked_action_is_penalised_noop():
    env = gym.make(ENV_ID, config=SMALL).unwrapped
    obs, info = env.reset(seed=1)
    for bad in (-1, env.action_space.n, 1.5, "wait"):
        with pytest.raises(ValueError):
            env.step(bad)
    masked = np.flatnonzero(info["action_mask"] == 0)
    before = (
        env.core.dispatcher.t,
        env.core.dispatcher.remaining.copy(),
        env.core.dispatcher.status.copy(),
    )
    obs2, r, term, trunc, info2 = env.step(int(masked[0]))
    assert info2["invalid_action"] and r == -env.config.invalid_action_penalty
    assert env.core.dispatcher.t == before[0]
    np.testing.assert_array_equal(env.core.dispatcher.remaining, before[1])
    np.testing.assert_array_equal(env.core.dispatcher.status, before[2])


def _run(env, policy, seed):
    obs, info = env.reset(seed=seed)
    policy.reset(seed)
    ret, done = 0.0, False
    while not done:
        obs, r, term, trunc, info = env.step(policy.act(obs, info))
        ret += r
        done = term or trunc
    return ret, info, term


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    n_jobs=st.integers(1, 8),
    load=st.floats(0.3, 3.0),
    deadline=st.sampled_from(["strict", "mixed", "generous"]),
    policy=st.sampled_from(["random-valid", "random-dispatch", "edf", "fcfs"]),
)
def test_every_job_ends_once_and_what_ran_is_feasible(seed, n_jobs, load, deadline, policy):
    cfg = {"instance": {"n_jobs": n_jobs, "load": load, "deadline": deadline}}
    env = gym.make(ENV_ID, config=cfg).unwrapped
    ret, info, terminated = _run(env, make_policy(ENV_ID, policy, env), seed)
    assert terminated
    assert info["served"] + info["dropped"] + info["late"] == n_jobs == info["arrived"]
    sched = env.core.dispatcher.schedule()
    assert check_schedule(env.instance, sched) == info["served"]
    pen = env.config
    expected = info["served"] - pen.drop_penalty * info["dropped"] - pen.late_penalty * info["late"]
    assert ret == pytest.approx(expected)  # heuristics never pick masked actions


def test_edf_dispatch_beats_random_and_policies_listed():
    assert set(policy_names(ENV_ID)) >= {"random-valid", "edf", "fcfs"}
    env = gym.make(ENV_ID).unwrapped
    served = {}
    for name in ("random-valid", "edf"):
        served[name] = np.mean(
            [_run(env, make_policy(ENV_ID, name, env), s)[1]["served_fraction"] for s in range(3)]
        )
    assert served["edf"] > served["random-valid"] + 0.2


@pytest.mark.parametrize(
    "config",
    [
        {"instance": {"max_overhead": 1}},
        {"instance": {"max_overhead": 2}},
        {"instance": {"qpus": {"min_fidelity": 1 - 1e-15}}},
    ],
)
def test_a_pool_that_fits_no_circuit_names_the_fields_that_decide_it(config):
    with pytest.raises(ValueError, match=r"instance\.max_overhead=.*instance\.qpus\.min_fidelity="):
        gym.make("qnet/QPUScheduling-v0", config=config)
