"""Mobile/edge/cloud offloading: both fronts' conformance, seeding, bad input, task conservation
(hypothesis), wiring to the circuit data, and the per-slot oracle against the baselines."""

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pettingzoo.test import parallel_api_test

import qnet_envs
from qnet_envs import physics
from qnet_envs.baselines.mobile_edge_cloud import DECIDERS, parallel_actions
from qnet_envs.core.quantum_processors import qae_table, shot_time, shots_needed
from qnet_envs.rollout import run_episodes

GYM_IDS = ["qnet/MobileEdgeCloud-v0", "qnet/MobileEdgeCloud-small-v0"]
PAR_IDS = [i for i in qnet_envs.parallel_env_ids() if "MobileEdgeCloud" in i]


@pytest.mark.parametrize("flat", [False, True])
@pytest.mark.parametrize("env_id", PAR_IDS)
def test_parallel_api(env_id, flat):
    parallel_api_test(
        qnet_envs.make_parallel(env_id, config={"flat_actions": flat}), num_cycles=300
    )


def test_small_preset_and_config_merge():
    env = qnet_envs.make_parallel("qnet/MobileEdgeCloud-small-v0", config={"qos": "energy"})
    assert len(env.possible_agents) == 5 and env.config.qos == "energy"
    genv = gym.make("qnet/MobileEdgeCloud-small-v0", config={"task_rate": 0.5}).unwrapped
    assert genv.core.n_mobile == 3 and genv.config.task_rate == 0.5
    default = qnet_envs.make_parallel("qnet/MobileEdgeCloud-v0")
    assert sum(a.startswith("mobile") for a in default.possible_agents) == 10
    assert sum(a.startswith("edge") for a in default.possible_agents) == 5


@pytest.mark.parametrize(
    "field,value",
    [
        ("n_mobile", 0),
        ("qos", "speed"),
        ("precision", 0.0),
        ("n_range", (5, 9)),
        ("task_rate", -1.0),
        ("horizon", 0),
    ],
)
def test_bad_config_raises(field, value):
    with pytest.raises(ValueError, match=field.split("_")[0]):
        qnet_envs.make_parallel("qnet/MobileEdgeCloud-v0", config={field: value})
    with pytest.raises(ValueError, match=field.split("_")[0]):
        gym.make("qnet/MobileEdgeCloud-v0", config={field: value})


def test_bad_processor_config_names_nested_field():
    with pytest.raises(ValueError, match="mobile_qpu.qubits"):
        gym.make("qnet/MobileEdgeCloud-v0", config={"mobile_qpu": {"qubits": 0}})


def test_out_of_space_actions_raise():
    env = qnet_envs.make_parallel("qnet/MobileEdgeCloud-small-v0")
    env.reset(seed=0)
    for bad in (
        {"target": 9, "fraction": [0.5]},
        {"target": 1, "fraction": [1.5]},
        {"target": 1},
        3,
    ):
        with pytest.raises(ValueError):
            env.step({"mobile_0": bad})
    genv = gym.make("qnet/MobileEdgeCloud-small-v0").unwrapped
    genv.reset(seed=0)
    with pytest.raises(ValueError):
        genv.step(genv.nvec + 1)


def test_masked_target_fails_the_task_with_penalty():
    env = qnet_envs.make_parallel(
        "qnet/MobileEdgeCloud-small-v0",
        config={"n_range": (9, 9), "k_range": (3, 3), "task_rate": 5.0},
    )
    obs, infos = env.reset(seed=0)
    assert (
        infos["mobile_0"]["action_mask"]["target"][0] == 0
    )  # a 16-qubit task cannot run on a 12-qubit mobile
    acts = {a: env.action_space(a).sample() for a in env.agents}
    acts["mobile_0"] = {"target": 0, "fraction": np.array([0.0], np.float32)}
    failed = infos["mobile_0"]["failed"]
    obs, rew, term, trunc, infos = env.step(acts)
    assert infos["mobile_0"]["invalid_action"] is True
    assert infos["mobile_0"]["failed"] >= failed + 1
    assert rew["mobile_0"] <= -env.config.failure_cost


def check_conservation(core):
    """Every task counted once: arrived = ended + in flight + waiting, with the waiting tasks
    read from the decision queues and the tasks in flight from the queued shares."""
    arrived, completed, failed, dropped, in_flight = core.count[0].tolist()
    waiting = int(core.queue_length[0].sum())
    assert arrived == completed + failed + dropped + in_flight + waiting
    filled = np.arange(core.config.processor_queue_limit) < core.part_count[0][:, None]
    assert int(core.part_ends_task[0][filled].sum()) == in_flight
    assert np.isfinite(core.part_finish[0][filled]).all()
    assert (core.queue_length[0] <= core.config.decision_queue_limit).all()
    assert (core.part_count[0] <= core.config.processor_queue_limit).all()
    core.check_invariants()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n_mobile=st.integers(1, 6),
    n_edge=st.integers(1, 3),
    rate=st.floats(0.0, 3.0),
    qlimit=st.integers(1, 5),
    plimit=st.integers(1, 8),
    flat=st.booleans(),
    seed=st.integers(0, 10_000),
)
def test_every_task_ends_exactly_once(n_mobile, n_edge, rate, qlimit, plimit, flat, seed):
    env = qnet_envs.make_parallel(
        "qnet/MobileEdgeCloud-v0",
        config={
            "n_mobile": n_mobile,
            "n_edge": n_edge,
            "task_rate": rate,
            "decision_queue_limit": qlimit,
            "processor_queue_limit": plimit,
            "flat_actions": flat,
            "horizon": 60,
        },
    )
    env.reset(seed=seed)
    for k, a in enumerate(env.possible_agents):
        env.action_space(a).seed(seed + k)
    while env.agents:
        env.step({a: env.action_space(a).sample() for a in env.agents})
        check_conservation(env.core)


def test_task_sizes_match_the_circuit_data_and_qae_formula():
    for (n, k), row in qae_table().items():
        assert row["qubits"] == physics.qae_qubits(n, k)
        assert row["gates_2q"] > 0 and row["depth"] > 0


def test_local_execution_time_is_shots_times_shot_time():
    """A task run whole on its free mobile at slot 0 finishes after shots x shot time (plus
    microseconds of classical processing), with energy active power x that time."""
    env = gym.make(
        "qnet/MobileEdgeCloud-small-v0",
        config={"n_range": (6, 6), "k_range": (5, 5), "task_rate": 5.0},
    ).unwrapped
    env.reset(seed=0)
    core = env.core
    mobiles = core.head_tasks(0)[0]
    assert mobiles.size == core.n_mobile  # at this rate every mobile has a task
    env.step(np.zeros(env.action_space.shape, dtype=np.int64))  # all local, fraction 0
    circuit, qpu = qae_table()[(6, 5)], core.config.mobile_qpu
    busy = shots_needed(circuit, qpu, core.config.precision) * shot_time(circuit, qpu)
    for i in mobiles.tolist():
        assert core.part_finish[0, i, 0] == pytest.approx(busy, rel=1e-3)
    energy = core.totals[0, 2]
    assert energy == pytest.approx(core.n_mobile * qpu.active_power_w * busy, rel=1e-3)


def test_parallel_adapter_runs_every_decider():
    env = qnet_envs.make_parallel("qnet/MobileEdgeCloud-small-v0", config={"horizon": 20})
    for name, cls in DECIDERS.items():
        env.reset(seed=0)
        decider, flagged = cls(env.core, np.random.default_rng(0)), 0
        while env.agents:
            _, _, _, _, infos = env.step(parallel_actions(env, decider))
            flagged += sum(i["invalid_action"] for i in infos.values())
            env.check_invariants()
        counts = env.core.counts()
        assert counts["arrived"] > 0 and counts["failed"] == flagged, (name, counts)
        if name not in ("random", "all-local"):  # the model-based deciders never fail a task
            assert flagged == 0, name


def test_slot_oracle_beats_baselines_on_small_preset():
    costs = {}
    for name in ("random", "all-local", "least-loaded-edge", "slot-oracle"):
        r = run_episodes("qnet/MobileEdgeCloud-small-v0", name, 2, 0, {"horizon": 60})
        costs[name] = np.mean(r.metrics["mean_cost_per_task"])
    assert costs["slot-oracle"] < min(costs["all-local"], costs["least-loaded-edge"])
    assert costs["slot-oracle"] < 0.5 * costs["random"]


def test_best_response_is_the_slot_oracle_when_one_mobile_decides_alone():
    """With one mobile the joint per-slot optimum is its own best choice; with ten mobiles
    deciding alone within a slot costs more than the joint assignment."""
    one = {"n_mobile": 1, "n_edge": 2, "horizon": 40, "task_rate": 0.9}
    costs = {
        name: run_episodes("qnet/MobileEdgeCloud-v0", name, 2, 0, one).metrics["mean_cost_per_task"]
        for name in ("best-response", "slot-oracle")
    }
    np.testing.assert_allclose(costs["best-response"], costs["slot-oracle"])
    many = {"horizon": 30, "qos": "balanced"}
    alone, joint = (
        np.mean(
            run_episodes("qnet/MobileEdgeCloud-v0", n, 2, 0, many).metrics["mean_cost_per_task"]
        )
        for n in ("best-response", "slot-oracle")
    )
    assert joint < alone


@pytest.mark.parametrize(
    "change",
    [
        lambda acts: {k: v for k, v in acts.items() if k != "mobile_0"},  # missing agent
        lambda acts: {**acts, "mobile_99": acts["mobile_0"]},  # unknown agent
        lambda acts: {("mobil_0" if k == "mobile_0" else k): v for k, v in acts.items()},
        lambda acts: {},
        lambda acts: list(acts.values()),
        lambda acts: {**acts, "mobile_0": {"target": 0, "fraction": "0.5"}},
    ],
)
def test_malformed_parallel_actions_raise(change):
    env = qnet_envs.make_parallel("qnet/MobileEdgeCloud-small-v0")
    env.reset(seed=0)
    acts = {a: env.action_space(a).sample() for a in env.agents}
    with pytest.raises(ValueError):
        env.step(change(acts))


@pytest.mark.parametrize("flat", [False, True])
@pytest.mark.parametrize("p_masked", [0.0, 0.3])
def test_masks_agree_with_outcomes(flat, p_masked):
    """A mask-valid choice never fails and never sets invalid_action; a masked-out one always
    does (failed tasks == flagged decisions), with tight queues so that drops happen too."""
    env = qnet_envs.make_parallel(
        "qnet/MobileEdgeCloud-v0",
        config={"flat_actions": flat, "task_rate": 1.5, "processor_queue_limit": 2},
    )
    obs, infos = env.reset(seed=4)
    rng = np.random.default_rng(0)
    flagged = masked = drops = 0
    for _ in range(150):
        actions, chose_masked = {}, set()
        for a in env.agents:
            mask = infos[a]["action_mask"]
            if isinstance(mask, dict):
                key = "target" if "target" in mask else "forward"
                m, frac = mask[key], {"fraction": np.array([rng.random()], np.float32)}
            else:
                m, frac = mask, None
            pick_bad = rng.random() < p_masked and not m.all()
            choice = int(rng.choice(np.flatnonzero(m == 0 if pick_bad else m == 1)))
            if pick_bad and a.startswith("mobile") and obs[a][0] > 0:  # it has a task to fail
                chose_masked.add(a)
            actions[a] = choice if frac is None else {key: choice, **frac}
        before = env.metrics()["failed"]
        obs, _, _, truncs, infos = env.step(actions)
        flags = {a for a in infos if infos[a]["invalid_action"]}
        assert flags == chose_masked
        assert env.metrics()["failed"] - before == len(flags)
        flagged, masked = flagged + len(flags), masked + len(chose_masked)
        drops = max(drops, env.metrics()["dropped"])
        if any(truncs.values()):
            obs, infos = env.reset()
    assert drops > 0  # congestion happened, and never counted as an invalid action
    assert (flagged > 0) == (p_masked > 0)


def test_kernel_views_agree_with_each_node_and_task_read_one_by_one():
    """The kernels' backlogs and masks against per-node and per-task reads in Python, and the
    slot's arrivals against a replay of the counter-based stream (stream 1 + i, index 0:
    mobile i's Poisson count)."""
    from qnet_envs.core import counter_rng, uniforms

    env = gym.make("qnet/MobileEdgeCloud-v0", config={"task_rate": 0.8}).unwrapped
    env.reset(seed=11)
    env.action_space.seed(11)
    core, views = env.core, env.views
    offsets = core.server_offset
    for _ in range(40):
        counter, arrived = core.counter[0], core.count[0, 0]
        env.step(env.action_space.sample())
        free = core.server_free[0]
        want = [max(0.0, free[offsets[n] : offsets[n + 1]].min() - core.now[0])
                for n in range(core.cloud + 1)]  # fmt: skip
        assert core.backlogs(0).tolist() == want
        mobiles, n, k = core.head_tasks(0)
        sizes = zip(n.tolist(), k.tolist(), strict=True)
        need = {i: qae_table()[nk]["qubits"] for i, nk in zip(mobiles.tolist(), sizes, strict=True)}
        capacity = [core.config.mobile_qpu.qubits, *[core.config.edge_qpu.qubits] * core.n_edge,
                    core.config.cloud_qpu.qubits]  # fmt: skip
        whole = views.mobile_masks().reshape(core.n_mobile, views.n_targets, -1)[:, :, -1]
        for i in range(core.n_mobile):
            fits = [need.get(i, 0) <= c for c in capacity]
            assert whole[i].tolist() == fits
        streams = np.arange(1, core.n_mobile + 1, dtype=np.uint64)
        with np.errstate(over="ignore"):  # the hash wraps around 2^64 by design
            uniform = counter_rng.uniform_at(core.key[0], counter, streams, np.uint64(0))
        draws = [uniforms.poisson(u, 0.8) for u in uniform.tolist()]
        assert core.count[0, 0] - arrived == sum(draws)


@pytest.mark.parametrize(
    "size", [{"n_mobile": 10_000, "n_edge": 5}, {"n_mobile": 1_000, "n_edge": 500}]
)
def test_network_scale_configs_run_an_episode_with_invariants(size):
    """The largest allowed sizes (issue: 10,000 mobiles, 500 edges) run a short episode of
    mask-valid random actions with every task accounted for after each slot."""
    env = gym.make("qnet/MobileEdgeCloud-v0", config={**size, "horizon": 3}).unwrapped
    obs, info = env.reset(seed=0)
    rng = np.random.default_rng(0)
    done, slots = False, 0
    while not done:
        masks = qnet_envs.component_masks(env.action_space, info["action_mask"])
        action = np.array([rng.choice(np.flatnonzero(m)) for m in masks])
        obs, r, te, tr, info = env.step(action)
        env.core.check_invariants()
        assert obs.shape == env.observation_space.shape and np.isfinite(r)
        assert not info["invalid_action"]
        done, slots = te or tr, slots + 1
    assert slots == 3 and info["arrived"] > 1_000


def test_parallel_front_at_a_thousand_agents():
    env = qnet_envs.make_parallel(
        "qnet/MobileEdgeCloud-v0",
        config={"n_mobile": 995, "n_edge": 5, "horizon": 3, "flat_actions": True},
    )
    obs, infos = env.reset(seed=1)
    assert len(env.agents) == 1_000
    while env.agents:
        actions = {a: int(np.flatnonzero(infos[a]["action_mask"])[0]) for a in env.agents}
        obs, rew, te, tr, infos = env.step(actions)
        env.core.check_invariants()
    assert not env.agents


def test_an_edge_larger_than_the_cloud_names_both_fields():
    with pytest.raises(ValueError, match=r"cloud_qpu\.qubits=127, edge_qpu\.qubits=200"):
        gym.make("qnet/MobileEdgeCloud-small-v0", config={"edge_qpu": {"qubits": 200}})
