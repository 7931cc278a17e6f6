"""qnet/EntanglementDistribution-v2: conformance, seeding, bad input, invariants, the model's
system behaviour (parallel links, multiplexing, classical delays, decoherence) against closed
forms, and the vector env against N scalar envs."""

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qnet_envs  # noqa: F401
from qnet_envs import component_masks, physics
from qnet_envs.baselines import make_policy

ENV_ID = "qnet/EntanglementDistribution-v2"
PERFECT = {
    "generation_success": 1.0,
    "memories_per_side": 1,
    "initial_fidelity": {"kind": "fixed", "mean": 0.95, "spread": 0.0},
}


def make(**config):
    return gym.make(ENV_ID, config=config).unwrapped


def random_valid(rng, env, info, p_invalid=0.0):
    masks = component_masks(env.action_space, info["action_mask"])
    return np.array(
        [
            rng.integers(len(m)) if rng.random() < p_invalid else rng.choice(np.flatnonzero(m))
            for m in masks
        ]
    )


def trace(env, seed, steps, p_invalid=0.0):
    obs, info = env.reset(seed=seed)
    rng = np.random.default_rng(seed)
    out = [obs.tobytes()]
    for _ in range(steps):
        obs, r, te, tr, info = env.step(random_valid(rng, env, info, p_invalid))
        out.append((obs.tobytes(), r))
        if te or tr:
            obs, info = env.reset()
    return out


@pytest.mark.parametrize("old", ["v0", "v1"])
def test_old_versions_are_deprecated_in_favour_of_v2(old):
    with pytest.raises(gym.error.DeprecatedEnv, match="v2"):
        gym.make(f"qnet/EntanglementDistribution-{old}")


def test_renders_memories_pairs_and_text():
    env = gym.make(ENV_ID, render_mode="rgb_array").unwrapped
    env.reset(seed=0)
    for _ in range(5):
        env.step(np.zeros(4, dtype=int))
    img = env.render()
    assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3
    env = gym.make(ENV_ID, render_mode="ansi").unwrapped
    env.reset(seed=0)
    assert "delivered=" in env.render()


@pytest.mark.parametrize(
    "field,value",
    [
        ("n_nodes", 2),
        ("n_nodes", 11),
        ("link_length_km", -1.0),
        ("link_length_km", [10.0, 20.0]),
        ("memories_per_side", 0),
        ("memory_depolarizing_time_s", 0.0),
        ("memory_dephasing_time_s", [1.0, 2.0]),
        ("gate_fidelity", 1.5),
        ("purification", "magic"),
        ("objective", "profit"),
        ("cutoff_slots", 0),
        ("swap_success", 0.0),
        ("classical_delays", "yes"),
        ("preset", "nope"),
        ("target_fidelity", 0.1),
        ("horizon", 0),
        ("initial_fidelity", {"kind": "lognormal"}),
        ("no_such_field", 1),
    ],
)
def test_bad_config_raises_naming_the_field(field, value):
    with pytest.raises(ValueError, match=field.split("_")[0]):
        make(**{field: value})


@pytest.mark.parametrize(
    "action", [np.array([0, 0, 0, 10]), np.array([0, 0, -1, 0]), np.zeros(3, int), 2.5, "swap"]
)
def test_out_of_space_action_raises(action):
    env = make()
    env.reset(seed=0)
    with pytest.raises(ValueError):
        env.step(action)


def test_masked_out_choice_is_a_penalised_no_op():
    env = make(**PERFECT, classical_delays=False)
    env.reset(seed=0)
    masks = np.asarray(env.action_masks()).reshape(4, -1)
    bad = np.zeros(4, dtype=int)
    bad[0] = env.codec.purify0 - 1 if not masks[0, env.codec.swap(0, 0)] else 0
    assert not masks[0, bad[0]]
    before = env.core.record_status.copy()
    _, r, _, _, info = env.step(bad)
    assert info["invalid_action"] and r == pytest.approx(-0.1)
    assert info["delivered_now"] == 0
    assert np.array_equal(env.core.record_status, before)  # nothing happened but the slot


def test_action_masks_is_the_flat_concatenation_of_info_masks():
    env = make()
    _, info = env.reset(seed=1)
    for _ in range(50):
        flat = env.action_masks()
        assert flat.dtype == bool and flat.shape == (int(env.action_space.nvec.sum()),)
        np.testing.assert_array_equal(flat, info["action_mask"].astype(bool))
        _, _, _, _, info = env.step(random_valid(np.random.default_rng(0), env, info))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(3, 6),
    m=st.integers(1, 3),
    delays=st.booleans(),
    cutoff=st.one_of(st.none(), st.integers(1, 20)),
    lengths=st.sampled_from([25.0, 5.0, 60.0]),
    purification=st.sampled_from(["dejmps", "bbpssw"]),
    p_invalid=st.floats(0.0, 0.3),
)
def test_invariants_hold_under_random_play(
    seed, n, m, delays, cutoff, lengths, purification, p_invalid
):
    """Records and memories stay consistent, states stay distributions, observations stay in
    bounds, and every generated pair ends exactly once: it is still held, or was delivered, cut
    off, merged away by a swap, spent by a purification, or lost (failed swap or purification,
    discard)."""
    config = {
        "n_nodes": n,
        "memories_per_side": m,
        "classical_delays": delays,
        "cutoff_slots": cutoff,
        "link_length_km": [lengths * (1 + k % 2) for k in range(n - 1)],
        "purification": purification,
        "horizon": 150,
        "generation_success": 0.6,
        "swap_success": 0.8,
    }
    env = make(**config)
    rng = np.random.default_rng(seed)
    obs, info = env.reset(seed=seed)
    for _ in range(150):
        obs, r, te, tr, info = env.step(random_valid(rng, env, info, p_invalid))
        env.core.check_invariants()
        assert env.observation_space.contains(obs) and np.isfinite(r)
        held = int(np.sum(env.core.record_status[0] == 2))
        ended = sum(
            info[k]
            for k in ("delivered", "cutoff_discards", "swaps", "purifications", "pairs_lost")
        )
        assert info["generated"] == held + ended
        if te or tr:
            break


# --- the system: parallel links, multiplexing, classical delays, decoherence --------------


def _deliveries(config, steps, policy="swap-asap", seed=0):
    env = make(**config, horizon=steps)
    pol = make_policy(ENV_ID, policy, env)
    obs, info = env.reset(seed=seed)
    pol.reset(seed)
    times = []
    for _ in range(steps):
        obs, r, te, tr, info = env.step(pol.act(obs, info))
        times += [info["t"]] * info["delivered_now"]
        if tr:
            break
    return times, info


def test_all_links_attempt_in_parallel_and_nodes_swap_together():
    # p = 1, no delays: all three links are made at slot 0, both interior nodes swap in slot 0
    # and the end-to-end pair is delivered in that slot (info["t"] = 1 after it); then again
    # every slot
    times, info = _deliveries({**PERFECT, "classical_delays": False}, 10)
    assert times == list(range(1, 11))
    assert info["attempts"] == 3 * 11


@pytest.mark.parametrize("n_nodes", [3, 4, 5, 6])
def test_classical_delays_hold_the_end_memories_until_the_news_arrives(n_nodes):
    # 25 km links, p = 1, one memory per side, swap-asap. The slot is one link's heralding
    # round trip n L / c, which is also the one-way time of a message over one link. All
    # interior nodes swap at slot 0; the farthest swap outcome reaches an end node n - 2 links
    # (slots) away, so the pair is delivered at slot n - 2. Only then are the end memories
    # free: their next attempt starts at n - 2 and is heralded one round trip later, the
    # interior links (freed by the swaps at once) are ready, the swaps happen at n - 1, and
    # the news takes n - 2 slots again: one pair per n - 1 slots, first at n - 2.
    steps = 6 * (n_nodes - 1)
    times, _ = _deliveries({**PERFECT, "n_nodes": n_nodes, "classical_delays": True}, steps)
    period, first = n_nodes - 1, n_nodes - 2
    assert times == list(range(first, steps + 1, period))


def test_without_delays_the_chain_delivers_every_slot_at_any_length():
    for n_nodes in (3, 5, 7):
        times, _ = _deliveries({**PERFECT, "n_nodes": n_nodes, "classical_delays": False}, 8)
        assert times == list(range(1, 9))


def test_memory_decoherence_follows_the_per_memory_closed_form():
    """A pair waiting a slots in memories of times T_a, T_b: F = 1/4 + (F_h - 1/4) e^{-a tau
    (1/T_a + 1/T_b)}, where F_h already includes the herald round trip in both memories."""
    t_mem = [0.02, 0.05, 0.01]
    env = make(**PERFECT, n_nodes=3, memory_depolarizing_time_s=t_mem, classical_delays=False)
    env.reset(seed=0)
    tau = env.core.slot_s
    rtt = physics.heralded_attempt_time(25.0)
    for _ in range(5):
        obs, *_ = env.step(np.zeros(3, dtype=int))  # nobody swaps: the pairs just wait
    view = obs.reshape(3, 2, 6)
    for na, nb in [(0, 1), (1, 2)]:
        rate = 1 / t_mem[na] + 1 / t_mem[nb]
        f_h = 0.25 + (0.95 - 0.25) * np.exp(-rtt * rate)
        expected = 0.25 + (f_h - 0.25) * np.exp(-5 * tau * rate)
        assert view[na, 1, 5] == pytest.approx(expected, abs=1e-6)  # right memory of na
        assert view[na, 1, 4] * env.core.age_scale == pytest.approx(5)


def test_multiplexing_delivers_more_with_more_memories():
    base = {"generation_success": 0.3, "classical_delays": False}
    one, _ = _deliveries({**base, "memories_per_side": 1}, 3000)
    two, _ = _deliveries({**base, "memories_per_side": 2}, 3000)
    # independent attempts per memory pair: two memories roughly double the link rate
    assert len(two) > 1.5 * len(one)


def test_heterogeneous_links_keep_their_own_round_trips():
    env = make(**PERFECT, link_length_km=[10.0, 30.0, 20.0], classical_delays=False)
    core = env.core
    assert core.slot_s == pytest.approx(physics.heralded_attempt_time(10.0))
    np.testing.assert_array_equal(core.period, [1, 3, 2])
    env.reset(seed=0)
    np.testing.assert_array_equal(
        core.record_status[0].reshape(3, 1)[:, 0], [2, 1, 1]
    )  # link 0 done
    env.step(np.zeros(4, dtype=int))
    np.testing.assert_array_equal(core.record_status[0].reshape(3, 1)[:, 0], [2, 1, 2])
    env.step(np.zeros(4, dtype=int))
    np.testing.assert_array_equal(core.record_status[0].reshape(3, 1)[:, 0], [2, 2, 2])


def test_cutoff_discards_pairs_that_reach_the_age():
    env = make(**PERFECT, n_nodes=3, cutoff_slots=3, classical_delays=False)
    env.reset(seed=0)
    ages = []
    for _ in range(8):
        env.step(np.zeros(3, dtype=int))
        core = env.core
        ages.append(int(core.t[0] - core.born_slot[0, 0]))
    assert max(ages) == 3 and ages[:4] == [1, 2, 3, 0]
    assert env.core.stats["cutoff_discards"][0] > 0


def test_key_rate_objective_rewards_secret_fractions():
    env = make(**PERFECT, classical_delays=False, objective="key_rate")
    env.reset(seed=0)
    _, r, _, _, info = env.step(np.array([0, env.codec.swap(0, 0), env.codec.swap(0, 0), 0]))
    f = info["delivered_fidelities"][0]
    assert info["delivered_now"] == 1
    assert r == pytest.approx(float(physics.bb84_key_rate(physics.qber_from_fidelity(f))))


# --- the vector env is the same core -----------------------------------------------------

VEC_CASES = [
    {"horizon": 60},
    {"horizon": 45, "purification": "bbpssw", "n_nodes": 5, "memories_per_side": 3},
    {"horizon": 50, "link_length_km": [10.0, 40.0, 25.0], "cutoff_slots": 7},
    {
        "preset": "inesta2023",
        "n_nodes": 5,
        "generation_success": 0.4,
        "swap_success": 0.6,
        "horizon": 400,
    },
]


@pytest.mark.parametrize("config", VEC_CASES)
def test_vector_env_matches_scalar_envs_for_5000_steps(config):
    n, seed = 4, 21
    vec = gym.make_vec(ENV_ID, num_envs=n, vectorization_mode="vector_entry_point", config=config)
    scalars = [gym.make(ENV_ID, config=config).unwrapped for _ in range(n)]
    obs, infos = vec.reset(seed=seed)
    outs = [env.reset(seed=seed + i) for i, env in enumerate(scalars)]
    np.testing.assert_array_equal(obs, np.stack([o for o, _ in outs]))
    rng = np.random.default_rng(0)
    pending, resets = np.zeros(n, bool), 0
    for _ in range(5000):
        actions = np.stack(
            [random_valid(rng, scalars[0], {"action_mask": m}, 0.05) for m in infos["action_mask"]]
        )
        obs, rew, term, trunc, infos = vec.step(actions)
        for i, env in enumerate(scalars):
            if pending[i]:
                o, info = env.reset()
                r, te, tr = 0.0, False, False
            else:
                o, r, te, tr, info = env.step(actions[i])
            np.testing.assert_array_equal(obs[i], o)
            assert rew[i] == r and term[i] == te and trunc[i] == tr
            assert set(infos) == set(info)
            for key, value in info.items():
                np.testing.assert_array_equal(infos[key][i], value, err_msg=key)
        resets += int(pending.sum())
        pending = term | trunc
    assert resets >= n


def test_vector_env_spaces_bad_actions_and_memory():
    vec = gym.make_vec(ENV_ID, num_envs=4, vectorization_mode="vector_entry_point")
    assert vec.single_action_space == gym.make(ENV_ID).action_space
    obs, infos = vec.reset(seed=0)
    assert vec.observation_space.contains(obs)
    for bad in (np.full((4, 4), 10), np.zeros((3, 4), int), np.zeros((4, 4))):
        with pytest.raises(ValueError):
            vec.step(bad)
    core = vec.unwrapped.core
    assert core.key.nbytes + core.counter.nbytes == 16 * 4  # no per-env random buffers


def test_counter_rng_is_uniform_and_streams_are_independent():
    from scipy import stats

    from qnet_envs.core.counter_rng import keys_from_seeds, uniforms

    keys = keys_from_seeds(range(2000))
    counters = np.arange(2000, dtype=np.uint64)
    a = uniforms(keys, counters, 0, 50).ravel()
    b = uniforms(keys, counters, 1, 50).ravel()
    assert stats.kstest(a, "uniform").pvalue > 1e-3
    assert abs(np.corrcoef(a, b)[0, 1]) < 0.01
    assert len(np.unique(keys)) == 2000


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(3, 10),
    m=st.integers(1, 8),
    length=st.floats(0.01, 1000.0),
    slot=st.one_of(st.none(), st.floats(1e-9, 10.0)),
    t_dep=st.one_of(st.none(), st.floats(1e-9, 1e6)),
    t_deph=st.one_of(st.none(), st.floats(1e-9, 1e6)),
    gate=st.floats(0.0, 1.0),
    meas=st.floats(0.5, 1.0),
    p_gen=st.one_of(st.none(), st.floats(1e-6, 1.0)),
    objective=st.sampled_from(["pairs_above_target", "fidelity", "key_rate", "delivery_time"]),
    seed=st.integers(0, 1000),
)
def test_every_allowed_config_runs_with_finite_in_bounds_observations(
    n, m, length, slot, t_dep, t_deph, gate, meas, p_gen, objective, seed
):
    """Allowed values never crash later: 60 random valid steps stay finite and in bounds."""
    env = make(
        n_nodes=n,
        memories_per_side=m,
        link_length_km=length,
        slot_time_s=slot,
        memory_depolarizing_time_s=t_dep,
        memory_dephasing_time_s=t_deph,
        gate_fidelity=gate,
        meas_fidelity=meas,
        generation_success=p_gen,
        objective=objective,
        horizon=60,
    )
    rng = np.random.default_rng(seed)
    obs, info = env.reset(seed=seed)
    for _ in range(60):
        obs, r, te, tr, info = env.step(random_valid(rng, env, info))
        assert env.observation_space.contains(obs) and np.isfinite(r)
        if te or tr:
            break


def test_a_boolean_action_is_refused_like_the_discrete_envs_refuse_true():
    env = make()
    env.reset(seed=0)
    with pytest.raises(ValueError, match="integers"):
        env.step(np.zeros(4, dtype=bool))
    vec = gym.make_vec(ENV_ID, num_envs=2, vectorization_mode="vector_entry_point")
    vec.reset(seed=0)
    with pytest.raises(ValueError, match="integer"):
        vec.step(np.zeros((2, 4), dtype=bool))


def test_cutoff_baselines_measure_staleness_from_each_links_heralded_pair():
    """On unequal links with short memories a pair of a 40 km link spends its round trip in
    memory before anyone knows of it; the cutoff must not count that as waiting. The reference
    of each link is its pair as heralded: Werner(F0) after a depolarising round trip in both
    memories, exp(-2 t_rt / T) (computed here from the closed form, not from the core)."""
    import math

    from qnet_envs.baselines.entanglement_distribution import SwapAsap
    from qnet_envs.rollout import run_episodes

    config = {"n_nodes": 4, "link_length_km": [10.0, 40.0, 20.0],
              "memory_depolarizing_time_s": 0.02, "objective": "pairs_above_target",
              "target_fidelity": 0.7, "horizon": 300}  # fmt: skip
    env = gym.make(ENV_ID, config=config)
    env.reset(seed=0)
    policy = SwapAsap(env, cutoff=True)
    f0 = env.unwrapped.core.config.initial_fidelity.nominal
    w0 = (4 * f0 - 1) / 3
    for link, km in enumerate((10.0, 40.0, 20.0)):
        t_rt = 1.44 * km / 299_792.458  # n L / c
        heralded = w0 * math.exp(-2 * t_rt / 0.02)
        assert policy.fresh[link + 1] / policy.fresh[link] == pytest.approx(0.98 * heralded)
    # and it now pays: it beats plain swap-asap there instead of discarding every fresh pair
    cut = run_episodes(ENV_ID, "swap-asap-cutoff", 4, 100, config).returns
    plain = run_episodes(ENV_ID, "swap-asap", 4, 100, config).returns
    assert sum(cut) > sum(plain) > 0


def test_tuned_heuristics_are_offered_where_tuned_and_reproduce_their_training_score():
    """``<name>-tuned`` baselines exist only for the configs scripts/tune_baselines.py tuned
    (the leaderboard's), and each stored training mean is what its parameters score now on
    the same training seeds (the file is current with the code)."""
    import json
    from importlib import resources

    from qnet_envs.baselines import policy_names
    from qnet_envs.baselines.entanglement_distribution import TUNABLE
    from qnet_envs.rollout import play_episode

    assert not any(n.endswith("-tuned") for n in policy_names(ENV_ID, gym.make(ENV_ID)))
    table = json.loads(resources.files("qnet_envs.data").joinpath("tuned_baselines.json")
                       .read_text())["entries"]  # fmt: skip
    assert {e["policy"] for e in table} == set(TUNABLE)
    entry = next(e for e in table if e["policy"] == "swap-asap-cutoff")
    env = gym.make(ENV_ID, config=entry["env_config"])
    assert "swap-asap-cutoff-tuned" in policy_names(ENV_ID, env)
    policy = make_policy(ENV_ID, "swap-asap-cutoff-tuned", env)
    first, last = entry["training_seeds"]
    returns = [play_episode(env, policy, seed, None)[0] for seed in range(first, last + 1)]
    assert np.mean(returns) == pytest.approx(entry["training_mean"])
