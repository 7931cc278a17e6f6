"""qnet/Com2Net-v0: conformance, |S| = 688, bad input, capacity and task invariants (hypothesis),
the FL surrogate, and the metaheuristics (QGA operators, GA, RPC)."""

import math

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qnet_envs  # noqa: F401
from qnet_envs import component_masks
from qnet_envs.core.com2net import SCENARIOS

IDS = ["qnet/Com2Net-v0", "qnet/Com2Net-joint-v1"]


def test_default_dimensions_are_the_seeds():
    env = gym.make("qnet/Com2Net-v0")
    assert env.observation_space.shape == (688,)  # |S| of seed 000's DDQN
    assert env.action_space.n == 4  # |A|
    joint = gym.make("qnet/Com2Net-joint-v1")
    assert joint.action_space.n == 6 * 3 * 4  # centre x device type x level


def test_the_multidiscrete_joint_version_is_removed():
    with pytest.raises(gym.error.DeprecatedEnv, match="v1"):
        gym.make("qnet/Com2Net-joint-v0")


def test_the_joint_mask_is_exact_every_allowed_action_is_placed_and_no_other():
    """Against the core's own placement: for every action of many decisions, the mask allows
    it iff the task could be placed there (plan is not None), and masked play never fails."""
    env = gym.make("qnet/Com2Net-joint-v1").unwrapped
    rng = np.random.default_rng(0)
    for seed in range(3):
        obs, info = env.reset(seed=seed)
        done = False
        while not done:
            task, mask = env.core.head, info["action_mask"]
            if task is not None:
                for a in range(env.action_space.n):
                    c, d, level = env.decode_joint(a)
                    placed = env.core.plan(task, c, d, level) is not None
                    assert bool(mask[a]) == (placed and env.core.level_feasible(task)[level])
            action = int(rng.choice(np.flatnonzero(mask)))
            obs, r, te, tr, info = env.step(action)
            assert not info["invalid_action"]
            done = te or tr


@pytest.mark.parametrize(
    "field,value",
    [
        ("scenario", "mars"),
        ("bandwidth_gbps", 0.0),
        ("kappa", 0),
        ("fl_participants", 7),
        ("general_tflop", (10.0, 5.0)),
        ("accuracy_max", 0.1),
        ("action_mode", "both"),
        ("lookahead", -1),
    ],
)
def test_bad_config(field, value):
    with pytest.raises(ValueError, match=field.split("_")[0]):
        gym.make("qnet/Com2Net-v0", config={field: value})


def test_out_of_space_actions_raise():
    env = gym.make("qnet/Com2Net-v0").unwrapped
    env.reset(seed=0)
    with pytest.raises(ValueError):
        env.step(4)
    joint = gym.make("qnet/Com2Net-joint-v1").unwrapped
    joint.reset(seed=0)
    with pytest.raises(ValueError):
        joint.step(72)


def test_infeasible_joint_choice_rejects_with_penalty():
    # The supercomputer centre (index 5) has no FPGA units.
    env = gym.make("qnet/Com2Net-joint-v1").unwrapped
    obs, info = env.reset(seed=0)
    rejected = info["rejected"]
    obs, r, _, _, info = env.step((5 * 3 + 2) * 4 + 0)
    assert info["invalid_action"] and r == pytest.approx(-env.config.invalid_action_penalty)
    assert info["rejected"] == rejected + 1


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_scenarios_run(scenario):
    env = gym.make("qnet/Com2Net-v0", config={"scenario": scenario, "horizon": 10}).unwrapped
    obs, info = env.reset(seed=0)
    assert obs.shape == env.observation_space.shape
    done = False
    while not done:
        obs, r, te, tr, info = env.step(
            env.action_space.sample(mask=component_masks(env.action_space, info["action_mask"]))
        )
        done = te or tr
    assert 0.0 <= info["tcr"] <= 1.0


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    scenario=st.sampled_from(list(SCENARIOS)),
    bandwidth=st.floats(0.05, 2.0),
    rate=st.floats(0.0, 8.0),
    fl=st.floats(0.0, 1.0),
    joint=st.booleans(),
    seed=st.integers(0, 1000),
)
def test_every_task_ends_once_and_tcr_in_unit_interval(scenario, bandwidth, rate, fl, joint, seed):
    env = gym.make(
        "qnet/Com2Net-v0",
        config={
            "scenario": scenario,
            "bandwidth_gbps": bandwidth,
            "tasks_per_epoch": rate,
            "fl_fraction": fl,
            "horizon": 8,
            "action_mode": "joint" if joint else "compact",
        },
    ).unwrapped
    obs, info = env.reset(seed=seed)
    env.action_space.seed(seed)
    done = False
    while not done:
        sim = env.core
        before = [p.copy() for row in sim.free_at for p in row]
        obs, r, te, tr, info = env.step(env.action_space.sample())
        done = te or tr
        after = [p for row in sim.free_at for p in row]
        for b, a in zip(before, after, strict=True):  # a commitment only ever extends busy time
            assert np.all(np.sort(a) >= np.sort(b) - 1e-9)
        env.check_invariants()  # every task ends once; units' and slots' times are valid
        assert 0.0 <= info["tcr"] <= 1.0
    c = env.core.counts
    ended = c["completed"] + c["missed"] + c["rejected"]
    assert ended <= c["arrived"] and (rate < 0.5 or c["arrived"] > 0)


def test_fl_surrogate_reaches_target_and_kappa_slows_it():
    from qnet_envs.baselines.com2net_solvers import episode_length, make_env, tcr_of

    epochs = {}
    for kappa in (1, 10):
        env = make_env({"multi_task": False, "kappa": kappa, "straggler_sigma": 0.0})
        tcr_of(env, 0, [0] * episode_length(env, 0))  # one unit: every centre can take part
        curve = env.core.fl_curves[-1]
        assert np.all(np.diff(curve) > 0) and curve[-1] >= 0.9
        epochs[kappa] = curve.size
    # u = epochs x rho(kappa), rho = 1 / (1 + gamma (kappa - 1)): the closed form predicts both
    cfg = env.config
    for kappa, n in epochs.items():
        rho = 1 / (1 + cfg.aggregation_gamma * (kappa - 1))
        u_needed = (
            -np.log(
                (cfg.accuracy_max - cfg.accuracy_target) / (cfg.accuracy_max - cfg.accuracy_initial)
            )
            / cfg.accuracy_eta
        )
        assert n == int(np.ceil(u_needed / rho - 1e-9))
    assert epochs[10] > epochs[1]


def test_qga_operators():
    from qnet_envs.baselines.com2net_solvers import gene_bits, observe, rotate, tournament

    rng = np.random.default_rng(0)
    theta = np.full((2000, 1, 2), np.pi / 4)  # Hadamard: each level equally likely
    counts = np.bincount(observe(theta, rng)[:, 0], minlength=4) / 2000
    assert np.allclose(counts, 0.25, atol=0.04)
    # rotation moves a worse individual's differing Q-bits toward the best's bits only
    t = np.full((1, 1, 2), np.pi / 4)
    out = rotate(
        t, gene_bits(np.array([[0]])), gene_bits(np.array([[3]]))[None], np.array([True]), 0.1
    )
    assert np.all(out > np.pi / 4)
    same = rotate(
        t, gene_bits(np.array([[3]])), gene_bits(np.array([[3]]))[None], np.array([True]), 0.1
    )
    assert np.allclose(same, np.pi / 4)
    # tournament: parents come in pairs of the best two of a random half
    liv = np.array([0.1, 0.5, 0.3, 0.1])
    parents = tournament(liv, rng, 4)
    assert set(parents) <= {0, 1, 2, 3} and 1 in parents


def test_qga_and_ga_beat_random_configuration():
    from qnet_envs.baselines.com2net_solvers import QGAConfig, optimise_offline

    cfg = {"horizon": 8, "bandwidth_gbps": 0.6}
    search = QGAConfig(population=8, generations=5)
    q = optimise_offline("qga", cfg, 0, search)["tcr"]
    g = optimise_offline("ga", cfg, 0, search)["tcr"]
    r = np.mean([optimise_offline("rpc", cfg, 0, QGAConfig(seed=s))["tcr"] for s in range(3)])
    assert q > r and g > r


def test_online_qga_acts_validly():
    from qnet_envs.baselines.com2net_solvers import OnlineQGA, QGAConfig

    env = gym.make("qnet/Com2Net-v0", config={"horizon": 3}).unwrapped
    policy = OnlineQGA(env, QGAConfig(population=4, generations=2))
    obs, info = env.reset(seed=0)
    done = False
    while not done:
        a = policy.act(obs, info)
        assert info["action_mask"][a] == 1
        obs, r, te, tr, info = env.step(a)
        done = te or tr


def test_random_valid_handles_multidiscrete_masks():
    from qnet_envs.rollout import run_episodes

    r = run_episodes("qnet/Com2Net-joint-v1", "random-valid", 1, config={"horizon": 5})
    assert len(r.returns) == 1 and np.isfinite(r.returns[0])


def test_pool_features_and_kept_fl_rounds_match_a_fresh_computation():
    """The observation's pool block against a per-pool loop, and every plan made with the
    job's kept FL rounds against the same plan on a copy of the job with none kept."""
    import copy

    from qnet_envs.core.com2net import UNIT_LEVELS

    env = gym.make("qnet/Com2Net-v0", config={"tasks_per_epoch": 6}).unwrapped
    env.reset(seed=4)
    env.action_space.seed(4)
    sim, checked = env.core, 0
    for _ in range(150):
        pools = env._observation()[: sim.n_centres * 3 * 5].reshape(sim.n_centres, 3, 5)
        for c in range(sim.n_centres):
            for d in range(3):
                free = sim.free_at[c][d]
                if free.size:
                    assert pools[c, d, 0] == np.float32(np.mean(free <= sim.now))
                    wait = (free.min() - sim.now) / (10 * env.config.epoch_s)
                    want = min(wait, 1.0) if free.min() > sim.now else 0.0
                    assert pools[c, d, 4] == np.float32(want)
                else:
                    assert pools[c, d, 0] == pools[c, d, 4] == 0.0
        task = sim.head
        if task is not None and task.draws is not None:
            fresh = copy.deepcopy(task)
            fresh.rounds.clear()
            for level in range(len(UNIT_LEVELS)):
                for c, d in sim.candidates(task, level):
                    kept, new = sim.plan(task, c, d, level), sim.plan(fresh, c, d, level)
                    assert kept["finish"] == new["finish"] and kept["epochs"] == new["epochs"]
                    np.testing.assert_array_equal(kept["curve"], new["curve"])
                    checked += 1
        mask = env.action_masks()
        env.step(int(np.flatnonzero(mask)[-1]))
    assert checked > 0


def test_best_pool_is_the_first_earliest_finishing_candidate():
    """The compact action's pool choice against planning every candidate one by one."""
    from qnet_envs.core.com2net import UNIT_LEVELS

    env = gym.make("qnet/Com2Net-v0", config={"tasks_per_epoch": 6}).unwrapped
    env.reset(seed=9)
    sim, general = env.core, 0
    for _ in range(200):
        task = sim.head
        if task is not None:
            for level in range(len(UNIT_LEVELS)):
                plans = [
                    (c, d, sim.plan(task, c, d, level)) for c, d in sim.candidates(task, level)
                ]
                want = None
                for c, d, plan in plans:
                    if want is None or plan["finish"] < want[2]["finish"]:
                        want = (c, d, plan)
                got = sim.best_pool(task, level)
                assert (got is None) == (want is None)
                if got is not None:
                    assert got[:2] == want[:2] and got[2]["finish"] == want[2]["finish"]
            general += task.draws is None
        env.step(int(np.flatnonzero(env.action_masks())[-1]))
    assert general > 0


def test_candidates_levels_and_fl_rounds_match_their_definitions():
    """Per epoch, the candidate pools and the feasible levels against their definitions on the
    units table and the link draw, and every FL job's kept rounds against the rounds computed
    on the (epochs, participants) block of its straggler draws."""
    from qnet_envs.core.com2net import FL, GENERAL, UNIT_LEVELS

    env = gym.make("qnet/Com2Net-v0", config={"tasks_per_epoch": 6}).unwrapped
    env.reset(seed=5)
    sim, cfg, fl_jobs = env.core, env.config, 0
    for _ in range(200):
        task = sim.head
        if task is not None:
            for level, n in enumerate(UNIT_LEVELS):
                need = 1 if task.kind == GENERAL else n
                want = [
                    (c, d)
                    for c in range(sim.n_centres)
                    for d in range(3)
                    if sim.units[c, d] >= need and sim.link_up[c]
                ]
                assert sim.candidates(task, level) == want
                assert sim.level_feasible(task)[level] == bool(want)
        sim.check_invariants()
        env.step(int(np.flatnonzero(env.action_masks())[-1]))
        if task is None:
            continue
        # the decision just made planned the job (its rounds are kept on it)
        for (dtype, n, k), (compute, acc, epochs, reached) in task.rounds.items():
            assert task.kind == FL
            local = cfg.fl_local_tflop / (n * sim.tflops[dtype])
            times = local * task.draws[:, :k]
            timeout = cfg.straggler_timeout * local
            share = (times <= timeout).mean(axis=1) * k / cfg.fl_participants
            u = np.cumsum(share * sim.fl_rho)
            want_acc = cfg.accuracy_max - (cfg.accuracy_max - cfg.accuracy_initial) * np.exp(
                -cfg.accuracy_eta * u
            )
            np.testing.assert_array_equal(acc, want_acc)
            hits = np.flatnonzero(want_acc >= cfg.accuracy_target)
            assert reached == bool(hits.size)
            assert epochs == (hits[0] + 1 if hits.size else cfg.fl_max_epochs)
            epoch_time = np.minimum(times.max(axis=1), timeout)
            assert compute == np.sum(epoch_time[:epochs])
            fl_jobs += 1
    assert fl_jobs > 0


@pytest.mark.parametrize("timeout", [1.0, 1.5, 1.7, 3.3, 100.0])
def test_on_time_threshold_is_the_comparison_of_the_rounded_times(timeout):
    """A participant counts as on time when its slowdown is at most the kept threshold: the
    same verdict as comparing its rounded time local * x with the rounded timeout, checked at
    the doubles around the threshold and on random slowdowns, for every device type and
    unit count."""
    from qnet_envs.core.com2net import UNIT_LEVELS, Com2Net, Com2NetConfig

    sim = Com2Net(Com2NetConfig(straggler_timeout=timeout))
    rng = np.random.default_rng(0)
    for dtype in range(3):
        for n in UNIT_LEVELS:
            local, limit, below = sim._fl_timing(dtype, n)
            near = [below]
            for _ in range(4):
                near = [np.nextafter(near[0], 0.0), *near, np.nextafter(near[-1], np.inf)]
            xs = np.concatenate([near, rng.lognormal(0.0, 0.5, 2000), [timeout]])
            np.testing.assert_array_equal(local * xs <= limit, xs <= below)
            assert local * below <= limit < local * np.nextafter(below, np.inf)


@pytest.mark.parametrize(
    "config",
    [
        {"fl_local_tflop": 1e-6},
        {"fl_local_tflop": 1e9, "devices": {k: {"tflops": 1e-6} for k in ("cpu", "gpu", "fpga")}},
    ],
)
def test_extreme_allowed_fl_work_and_throughput_step_with_finite_times(config):
    """The floors of fl_local_tflop and tflops: every step returns quickly with finite
    observations and rewards and the invariants hold (a denormal value once made the on-time
    threshold search loop forever, or the training times infinite)."""
    import time

    env = gym.make("qnet/Com2Net-v0", config=config)
    obs, info = env.reset(seed=0)
    rng = np.random.default_rng(0)
    for _ in range(300):
        start = time.perf_counter()
        action = int(rng.choice(np.flatnonzero(info["action_mask"])))
        obs, reward, terminated, truncated, info = env.step(action)
        assert time.perf_counter() - start < 1.0
        assert np.isfinite(reward) and np.all(np.isfinite(obs))
        env.unwrapped.check_invariants()
        if terminated or truncated:
            obs, info = env.reset()


@pytest.mark.parametrize(
    "config, field",
    [
        ({"fl_local_tflop": 5e-324}, "fl_local_tflop"),
        ({"devices": {"gpu": {"tflops": 1e-304}}}, "devices.gpu.tflops"),
    ],
)
def test_denormal_work_and_throughput_are_refused_naming_the_field(config, field):
    with pytest.raises(ValueError, match=field.replace(".", r"\.")):
        gym.make("qnet/Com2Net-v0", config=config)


def test_on_time_threshold_is_bounded_for_zero_and_infinite_local_times():
    from qnet_envs.core.com2net import _last_on_time

    assert _last_on_time(0.0, 0.0, 1.5) == math.inf
    assert _last_on_time(math.inf, math.inf, 1.5) == math.inf
    x = _last_on_time(3.0, 1.5 * 3.0, 1.5)
    assert 3.0 * x <= 4.5 < 3.0 * math.nextafter(x, math.inf)


def test_an_accuracy_curve_that_falls_names_both_fields():
    with pytest.raises(ValueError, match="accuracy_initial=1.*accuracy_max=0.97"):
        gym.make("qnet/Com2Net-v0", config={"accuracy_initial": 1.0})


def test_an_integer_penalty_still_gives_float_rewards():
    env = gym.make("qnet/Com2Net-joint-v1", config={"invalid_action_penalty": 1})
    env.reset(seed=0)
    env.action_space.seed(0)
    flagged = 0
    for _ in range(300):
        _, reward, terminated, truncated, info = env.step(env.action_space.sample())
        assert type(reward) is float
        flagged += info["invalid_action"]
        if terminated or truncated:
            env.reset()
    assert flagged > 0  # the penalised branch ran


def test_the_offline_searches_play_the_plan_they_found():
    """``qga-offline`` and ``ga-offline`` search an episode by replaying it from its seed, then
    play the plan through the env: the played return is the searched plan's return, and the
    clairvoyant search is at least as good as RPC on the same episode."""
    from qnet_envs.baselines import is_clairvoyant, policy_names
    from qnet_envs.baselines.com2net_solvers import QGAConfig, optimise_offline
    from qnet_envs.rollout import run_episodes

    config = {"horizon": 8}
    assert {"rpc", "qga-online", "qga-offline", "ga-offline"} <= set(policy_names(IDS[0]))
    assert is_clairvoyant(IDS[0], "ga-offline") and not is_clairvoyant(IDS[0], "rpc")
    for name, method in (("qga-offline", "qga"), ("ga-offline", "ga")):
        played = run_episodes(IDS[0], name, 1, 3, config).returns[0]
        searched = optimise_offline(method, config, 3, QGAConfig(seed=3))["return"]
        assert played == searched
    assert played >= run_episodes(IDS[0], "rpc", 1, 3, config).returns[0]
