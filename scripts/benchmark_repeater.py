#!/usr/bin/env python3
"""Repeater-chain (qnet/EntanglementDistribution-v2) benchmark: speed against CartPole measured
in the same run, memory per env, seeded-reset time, the exact-reference table, and the shared
scenario next to an independent Monte Carlo.

    python scripts/benchmark_repeater.py [--quick]

``scripts/benchmark.py`` includes this report in docs/benchmarks.md; the README's exact-
reference and scenario tables are copied from its output. Nothing here is asserted in tests.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import gymnasium as gym
import numpy as np

import qnet_envs
from qnet_envs import physics
from qnet_envs.baselines import make_policy
from qnet_envs.references import repeater_mdp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchmark_envs import presampled  # noqa: E402

ENV_ID = "qnet/EntanglementDistribution-v2"
SCENARIO = {
    "n_nodes": 4,
    "link_length_km": 25.0,
    "initial_fidelity": {"kind": "fixed", "mean": 0.95, "spread": 0.0},
    "memory_depolarizing_time_s": 0.1,
    "gate_fidelity": 1.0,
    "meas_fidelity": 1.0,
}
PHYSICAL = (
    "record_status", "far_node", "far_memory", "born_slot", "near_known_at", "far_known_at",
    "pair_coefficients", "left_record", "left_free_at", "t",
)  # fmt: skip


def vector_rate(env, seconds: float) -> float:
    """Env-steps/s of random actions from the action space (autoreset included)."""
    bank = presampled(env, 16)
    k, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        env.step(bank[k % 16])
        k += 1
    return k * env.num_envs / (time.perf_counter() - start)


def speed_rows(seconds: float, sizes) -> list[str]:
    """The vector env on one thread against CartPoleVectorEnv at each size, then two threads
    against one at the largest size (the same run, interleaved)."""
    from gymnasium.envs.classic_control.cartpole import CartPoleVectorEnv

    rows = ["| env | envs | threads | env-steps/s | reference | reference env-steps/s | ratio |",
            "|---|---|---|---|---|---|---|"]  # fmt: skip
    for n in sizes:
        ref = max(vector_rate(CartPoleVectorEnv(num_envs=n), seconds) for _ in range(2))
        vec = gym.make_vec(ENV_ID, num_envs=n, vectorization_mode="vector_entry_point")
        rate = max(vector_rate(vec, seconds) for _ in range(2))
        rows.append(f"| v2 vector | {n} | 1 | {rate:,.0f} | CartPoleVectorEnv | {ref:,.0f} | "
                    f"{rate / ref:.3f} |")  # fmt: skip
    n = max(sizes)
    one = gym.make_vec(ENV_ID, num_envs=n, vectorization_mode="vector_entry_point")
    two = gym.make_vec(ENV_ID, num_envs=n, vectorization_mode="vector_entry_point", num_threads=2)
    rates = {1: [], 2: []}
    for _ in range(3):
        rates[1].append(vector_rate(one, seconds))
        rates[2].append(vector_rate(two, seconds))
    r1, r2 = float(np.median(rates[1])), float(np.median(rates[2]))
    rows.append(f"| v2 vector | {n} | 2 | {r2:,.0f} | the same, 1 thread | {r1:,.0f} | "
                f"{r2 / r1:.2f} |")  # fmt: skip
    return rows


def memory_and_reset_rows(n_envs: int = 4096) -> list[str]:
    vec = gym.make_vec(ENV_ID, num_envs=n_envs, vectorization_mode="vector_entry_point")
    core = vec.unwrapped.core
    physical = sum(getattr(core, k).nbytes for k in PHYSICAL)
    everything = sum(v.nbytes for v in (*core._state, *core.outputs, vec.unwrapped._pending)) - sum(
        getattr(core, k).nbytes for k in ("record_table", "left_table", "pair_coefficients", "t")
    )
    vec.reset(seed=0)
    times = []
    for s in range(5):
        t = time.perf_counter()
        vec.reset(seed=s)
        times.append(time.perf_counter() - t)
    return [
        f"Memory per env (default config, {n_envs} envs): physical state "
        f"{physical / n_envs:,.0f} B; everything else (random-stream key and counter, "
        f"statistics, masks, views and info of the last step, autoreset flag) "
        f"{everything / n_envs:,.0f} B (target <= 3 KB). Seeded reset of {n_envs} envs: "
        f"{min(times) * 1e3:.1f} ms (best of 5; target < 50 ms).",
    ]


def start_rows() -> list[str]:
    """Cold and warm start of every id with a compiled core (one per core): the first
    ``gym.make`` + reset + step in a fresh interpreter, with numba's cache of the compiled
    kernels removed (cold: every kernel that env runs compiled, shared ones included) and then
    present (warm)."""
    import subprocess

    rows = ["| env | cold: kernels compiled and cached (s) | warm: from numba's cache (s) |",
            "|---|---|---|"]  # fmt: skip
    seen = set()
    for spec in qnet_envs.ENVS:
        core = spec.vector_entry_point
        if not core or core.split(":")[0] in seen:
            continue  # the small offloading id runs the same kernels as its default one
        seen.add(core.split(":")[0])
        code = ("import time; t = time.perf_counter(); import gymnasium as gym, qnet_envs; "
                f"env = gym.make({spec.id!r}); env.reset(seed=0); "
                "env.step(env.action_space.sample()); print(time.perf_counter() - t)")  # fmt: skip
        for path in Path(qnet_envs.__file__).parent.rglob("__pycache__/*.nb[ic]"):
            path.unlink()  # numba's index and compiled-code files
        times = []
        for _ in range(2):
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
            times.append(float(out.stdout.strip().splitlines()[-1]))
        rows.append(f"| {spec.id} | {times[0]:.1f} | {times[1]:.2f} |")
    return [
        "Start of a fresh interpreter (import, `gym.make`, reset, one step); targets: cold <= 5 s, "
        "warm <= 0.3 s:",
        "",
        *rows,
    ]


def reference_rows(quick: bool) -> list[str]:
    # the last three: past the dense solver's reach (n = 5, t_cut = 6 took it about 15 s)
    cases = [(3, 0.5, 1.0, 2), (4, 0.5, 0.5, 2), (4, 0.3, 0.7, 3), (5, 0.5, 0.5, 2),
             (5, 0.3, 0.7, 3), (5, 0.5, 0.5, 3), (5, 0.5, 0.5, 6), (6, 0.5, 0.5, 3),
             (7, 0.5, 0.5, 2)]  # fmt: skip
    if quick:
        cases = cases[:4]
    rows = ["| n | p | p_s | t_cut | states | T_opt | T_swap-asap | T_nested | gap (swap-asap) "
            "| solve time |", "|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for n, p, ps, cut in cases:
        t = time.perf_counter()
        opt = repeater_mdp.solve(n, p, ps, cut)
        sec = time.perf_counter() - t
        asap = repeater_mdp.evaluate(n, p, ps, cut).expected_delivery_time
        nested = (
            f"{repeater_mdp.evaluate(n, p, ps, cut, 'nested').expected_delivery_time:.4f}"
            if n == 5
            else "-"
        )
        t_opt = opt.expected_delivery_time
        rows.append(
            f"| {n} | {p} | {ps} | {cut} | {len(opt.values):,} | {t_opt:.4f} | {asap:.4f} | "
            f"{nested} | {100 * (asap - t_opt) / t_opt:.1f}% | {sec:.2f} s |"
        )
    return rows


# --- an independent Monte Carlo of the shared scenario ----------------------------------------
def _swap_asap(pairs: list[dict], t: int, n: int, hop) -> None:
    """swap-asap in the independent simulation: every interior node picks its best known left
    and right pairs at the decision state; the swaps then compose left to right (a merged pair
    replaces its parts)."""
    choice = {}
    for x in range(1, n - 1):
        left = [q for q in pairs if q["b"] == x and q["kb"] <= t]
        right = [q for q in pairs if q["a"] == x and q["ka"] <= t]
        if left and right:
            choice[x] = (max(left, key=lambda q: q["w"]), max(right, key=lambda q: q["w"]))
    merged_into: dict[int, dict] = {}
    for x, (ql, qr) in choice.items():
        while id(ql) in merged_into:
            ql = merged_into[id(ql)]
        pairs.remove(qr)
        merged_into[id(qr)] = ql
        first = ql.get("first", x)
        ql.update(b=qr["b"], w=ql["w"] * qr["w"], ka=max(ql["ka"], t + hop(x, ql["a"])),
                  kb=max(qr["kb"], t + hop(first, qr["b"])), first=first)  # fmt: skip
    for q in pairs:
        q.pop("first", None)


def _deliver(pairs: list[dict], n: int, known_by: int) -> list[float]:
    """Remove the end-to-end pairs whose frames both ends know by slot ``known_by``; their
    Werner parameters."""
    done = [
        q for q in pairs if q["a"] == 0 and q["b"] == n - 1 and max(q["ka"], q["kb"]) <= known_by
    ]
    for q in done:
        pairs.remove(q)
    return [q["w"] for q in done]


def independent_mc(delays: bool, slots: int, seed: int, m: int = 2) -> tuple[float, float]:
    """Pairs per slot and mean delivered fidelity of swap-asap on the shared scenario, by a
    separate pure-Python simulation that tracks Werner parameters (the default scenario's pairs
    stay Werner: fixed initial fidelity, depolarising memories, perfect gates) in lists of pair
    objects instead of the core's record arrays.

    Timing from the physics of the links, not from the env: the slot is one heralding round
    trip of a 25 km link, so an attempt launched at slot t on two memories free at t is
    heralded at t + 1; a message between nodes i and j takes |i - j| slots (one link's one-way
    fibre time is the round trip of the midpoint-heralded attempt). A memory is free once the
    pair it held is swapped away by its own node or once the news of its delivery reaches it;
    only then may a new attempt start, so an end memory freed by a delivery's news at slot t
    holds its next pair at t + 1, never at t.
    """
    rng = np.random.default_rng(seed)
    n, length = 4, 25.0
    tau = float(physics.heralded_attempt_time(length))
    p = float(physics.heralded_success_probability(length))
    t_mem = 0.1
    decay_slot = math.exp(-tau * 2 / t_mem)
    w_fresh = (4 * 0.95 - 1) / 3 * math.exp(-tau * 2 / t_mem)  # waited one round trip
    pairs: list[dict] = []  # a, b, w, known_a, known_b (slot at which each end knows the frame)
    delivered, fsum = 0, 0.0

    def hop(i, j):
        return abs(i - j) if delays else 0

    def launch(t) -> list[dict]:
        """Attempts on every pair of memories free at slot t; the pairs heralded at t + 1."""
        heralded = []
        for k in range(n - 1):
            used_r = sum(1 for q in pairs if q["a"] == k)
            used_l = sum(1 for q in pairs if q["b"] == k + 1)
            for _ in range(min(m - used_r, m - used_l)):
                if rng.random() < p:
                    heralded.append({"a": k, "b": k + 1, "w": w_fresh, "ka": t + 1, "kb": t + 1})
        return heralded

    def deliver(known_by):
        nonlocal delivered, fsum
        for w in _deliver(pairs, n, known_by):
            delivered, fsum = delivered + 1, fsum + 0.25 + 0.75 * w

    pairs += launch(-1)  # the first round, heralded at slot 0
    for t in range(slots):
        _swap_asap(pairs, t, n, hop)
        deliver(t)
        heralded = launch(t)
        for q in pairs:
            q["w"] *= decay_slot
        deliver(t + 1)  # the messages that arrive by the next slot
        pairs += heralded
    return delivered / slots, fsum / max(delivered, 1)


def env_scenario(delays: bool, slots: int, seed: int, m: int = 2) -> tuple[float, float, float]:
    config = {**SCENARIO, "memories_per_side": m, "classical_delays": delays, "horizon": slots}
    env = gym.make(ENV_ID, config=config)
    policy = make_policy(ENV_ID, "swap-asap", env)
    obs, info = env.reset(seed=seed)
    policy.reset(seed)
    start, done = time.perf_counter(), False
    while not done:
        obs, r, te, tr, info = env.step(policy.act(obs, info))
        done = te or tr
    wall = time.perf_counter() - start
    return info["delivered"] / slots, info["mean_delivered_fidelity"], info["delivered"] / wall


# SimQN (qns 0.2.3) on the same scenario: ``python scripts/simqn_shared_scenario.py --slots
# 20000 --memories M [--no-delays]`` (seed 3) in a venv with qns==0.2.3 and this package, run
# once (SimQN is not a dependency): (M, delays) -> (pairs per simulated s, mean delivered F,
# pairs per CPU second).
SIMQN = {
    (1, True): (549, 0.8343, 3_325),
    (2, True): (1_068, 0.8340, 4_638),
    (1, False): (606, 0.8366, 4_417),
    (2, False): (1_309, 0.8396, 6_523),
}


def scenario_rows(quick: bool) -> list[str]:
    slots = 4000 if quick else 20_000
    tau = float(physics.heralded_attempt_time(25.0))
    rows = ["| M | classical delays | pairs / simulated s | pairs / wall-clock s | mean delivered F "
            "| independent MC: pairs / simulated s | independent MC: mean F | SimQN 0.2.3: "
            "pairs / simulated s | SimQN: mean F |", "|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for m in (1, 2):
        for delays in (False, True):
            rate, f, wall_rate = env_scenario(delays, slots, seed=1, m=m)
            ind_rate, ind_f = independent_mc(delays, slots, seed=2, m=m)
            simqn_rate, simqn_f, _ = SIMQN[m, delays]
            rows.append(
                f"| {m} | {'on' if delays else 'off'} | {rate / tau:,.0f} | {wall_rate:,.0f} | "
                f"{f:.4f} | {ind_rate / tau:,.0f} | {ind_f:.4f} | {simqn_rate:,} | {simqn_f:.4f} |"
            )
    return rows


def vector_pairs_per_cpu_second(seconds: float, num_envs: int = 1024) -> float:
    """Delivered pairs per CPU second of the vector env on the shared scenario (M = 1, delays
    on), one thread, swap-asap read from the masks: with one memory per side a node's only
    swap is (left 0, right 0), allowed exactly when it knows both pairs, which is the choice
    of ``SwapAsap`` (its best swap among one)."""
    config = {**SCENARIO, "memories_per_side": 1, "classical_delays": True, "horizon": 10**7}
    vec = gym.make_vec(ENV_ID, num_envs=num_envs, vectorization_mode="vector_entry_point",
                       config=config)  # fmt: skip
    swap = vec.unwrapped.codec.swap(0, 0)
    _, infos = vec.reset(seed=0)
    actions = np.zeros((num_envs, SCENARIO["n_nodes"]), dtype=np.int64)

    def play(steps_or_seconds, timed):
        nonlocal infos
        start, k = time.perf_counter(), 0
        while (time.perf_counter() - start < steps_or_seconds) if timed else k < steps_or_seconds:
            masks = infos["action_mask"].reshape(num_envs, SCENARIO["n_nodes"], -1)
            np.copyto(actions, np.where(masks[:, :, swap], swap, 0))
            _, _, _, _, infos = vec.step(actions)
            k += 1

    play(50, timed=False)  # past the start-up transient
    before, cpu = int(infos["delivered"].sum()), time.process_time()
    play(seconds, timed=True)
    return (int(infos["delivered"].sum()) - before) / (time.process_time() - cpu)


def simqn_speed_rows(seconds: float) -> list[str]:
    """Pairs per CPU second on the shared scenario (M = 1, delays on) against SimQN's."""
    simqn = SIMQN[1, True][2]
    config = {**SCENARIO, "memories_per_side": 1, "classical_delays": True, "horizon": 20_000}
    env = gym.make(ENV_ID, config=config)
    policy = make_policy(ENV_ID, "swap-asap", env)
    obs, info = env.reset(seed=1)
    policy.reset(1)
    cpu, done = time.process_time(), False
    while not done:
        obs, r, te, tr, info = env.step(policy.act(obs, info))
        done = te or tr
    scalar = info["delivered"] / (time.process_time() - cpu)
    vector = vector_pairs_per_cpu_second(seconds)
    return [
        "Pairs per CPU second on the shared scenario (M = 1, delays on; target >= 100x SimQN's):",
        "",
        "| simulator | pairs / CPU s | against SimQN |",
        "|---|---|---|",
        f"| SimQN 0.2.3 (`scripts/simqn_shared_scenario.py`, run once) | {simqn:,} | 1x |",
        f"| scalar env + `swap-asap` policy (Python) | {scalar:,.0f} | {scalar / simqn:.1f}x |",
        f"| vector env, 1,024 envs, one thread, swap-asap from the masks | {vector:,.0f} | "
        f"{vector / simqn:.1f}x ({'met' if vector / simqn >= 100 else '**missed**'}) |",
    ]


def report(quick: bool) -> list[str]:
    seconds = 0.5 if quick else 2.0
    lines = ["## Repeater chain v2 (`python scripts/benchmark_repeater.py`)", ""]
    lines += speed_rows(seconds, (1024,) if quick else (256, 1024, 4096)) + [""]
    lines += memory_and_reset_rows() + [""]
    lines += start_rows() + [""]
    lines += ["Exact references (`qnet_envs.references.repeater_mdp`, inesta2023 preset; T in "
              "slots, gap = (T_swap-asap - T_opt) / T_opt):", ""]  # fmt: skip
    lines += reference_rows(quick) + [""]
    lines += ["Shared scenario: 4 nodes, 3 x 25 km, Werner 0.95 pairs, T = 0.1 s per memory, "
              f"M memories per side, perfect gates, swap-asap ({4000 if quick else 20_000} slots of "
              f"{physics.heralded_attempt_time(25.0) * 1e6:.0f} us):", ""]  # fmt: skip
    lines += scenario_rows(quick) + [""]
    lines += simqn_speed_rows(0.5 if quick else 3.0) + [""]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    print("\n".join(report(args.quick)))


if __name__ == "__main__":
    main()
