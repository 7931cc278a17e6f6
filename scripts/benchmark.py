#!/usr/bin/env python3
"""One benchmark report: env speeds (scalar and vector) against CartPole measured in the same run,
agent training throughput, the policy comparison tables, and the import time of qnet_envs.

    python scripts/benchmark.py [--quick] [--out docs/benchmarks.md]

Every rate is printed next to its reference (CartPole-v1 for scalar envs, Gymnasium's
CartPoleVectorEnv at the same number of envs for vector envs) so the ratio is what to read on a
shared machine. Nothing here is asserted in tests.
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import gymnasium as gym
import numpy as np

import qnet_envs
from qnet_envs.rollout import markdown_table, metric_keys, run_episodes

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchmark_envs import parallel_rows, scalar_rows  # noqa: E402
from benchmark_render import report as render_report  # noqa: E402
from benchmark_repeater import report as repeater_report  # noqa: E402
from benchmark_repeater import vector_rate  # noqa: E402
from benchmark_scaling import mobile_env_rows  # noqa: E402
from benchmark_scaling import report as scaling_report  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FAST_POLICIES_ONLY = {"qnet/QuantumResourceAllocation-v0": ["random-valid", "greedy", "saa"]}


def import_time() -> float:
    """Seconds to ``import qnet_envs`` in a fresh interpreter (best of 3)."""
    cmd = [sys.executable, "-c", "import time; t = time.perf_counter(); import qnet_envs; "
           "print(time.perf_counter() - t)"]  # fmt: skip
    return min(float(subprocess.check_output(cmd, text=True)) for _ in range(3))


# Vector env targets at 1,024 envs on one thread (ratio to CartPoleVectorEnv in the same run).
VECTOR_TARGETS = {
    "qnet/EntanglementDistribution-v2": 1 / 3,
    "qnet/QKDProvisioning-v0": 1 / 3,
    "qnet/QuantumResourceAllocation-v0": 1 / 3,
}


def vector_rows(seconds: float, sizes) -> list[str]:
    from gymnasium.envs.classic_control.cartpole import CartPoleVectorEnv

    rows = ["| vector env | envs | env-steps/s | CartPoleVectorEnv env-steps/s | ratio | "
            "target (1,024 envs) | |", "|---|---|---|---|---|---|---|"]  # fmt: skip
    for spec in qnet_envs.ENVS:
        if not spec.vector_entry_point:
            continue
        for n in sizes:
            ref = max(vector_rate(CartPoleVectorEnv(num_envs=n), seconds) for _ in range(2))
            rate = max(vector_rate(gym.make_vec(spec.id, num_envs=n), seconds) for _ in range(2))
            target, verdict = "", ""
            if n == 1024:
                wanted = VECTOR_TARGETS.get(spec.id, 0.1)
                target = f">= {wanted:.2f}x"
                verdict = "met" if rate / ref >= wanted else "**missed**"
            rows.append(f"| {spec.id} | {n} | {rate:,.0f} | {ref:,.0f} | {rate / ref:.3f} | "
                        f"{target} | {verdict} |")  # fmt: skip
    return rows + [""] + thread_rows(seconds, max(sizes))


def thread_rows(seconds: float, n: int) -> list[str]:
    """Every vector env at ``n`` envs on two threads against one (interleaved, medians of 3;
    target: two threads >= 1.6x one)."""
    rows = [f"Threads ({n:,} envs; `num_threads=2` against 1, same run):", "",
            "| vector env | one thread env-steps/s | two threads env-steps/s | ratio | "
            "target | |", "|---|---|---|---|---|---|"]  # fmt: skip
    for spec in qnet_envs.ENVS:
        if not spec.vector_entry_point:
            continue
        envs = {k: gym.make_vec(spec.id, num_envs=n, vectorization_mode="vector_entry_point",
                                num_threads=k) for k in (1, 2)}  # fmt: skip
        rates = {1: [], 2: []}
        for _ in range(3):
            for k, env in envs.items():
                rates[k].append(vector_rate(env, seconds))
        one, two = float(np.median(rates[1])), float(np.median(rates[2]))
        verdict = "met" if two / one >= 1.6 else "**missed**"
        rows.append(f"| {spec.id} | {one:,.0f} | {two:,.0f} | {two / one:.2f}x | >= 1.6x | "
                    f"{verdict} |")  # fmt: skip
    return rows


def qra_memory_and_reset_rows(n_envs: int = 4096) -> list[str]:
    """The QuantumResourceAllocation vector env's memory per env (its per-env random-stream
    buffers and every other per-env array) and its seeded reset, next to CartPoleVectorEnv's
    reset in the same run."""
    from gymnasium.envs.classic_control.cartpole import CartPoleVectorEnv

    vec = gym.make_vec("qnet/QuantumResourceAllocation-v0", num_envs=n_envs,
                       vectorization_mode="vector_entry_point").unwrapped  # fmt: skip
    cart = CartPoleVectorEnv(num_envs=n_envs)
    times = {"qra": [], "cart": []}
    for s in range(5):
        for name, env in (("qra", vec), ("cart", cart)):
            t = time.perf_counter()
            env.reset(seed=s)
            times[name].append(time.perf_counter() - t)
    core = vec.core
    streams = core.key.nbytes + core.counter.nbytes
    arrays = [*vars(core).values(), *vars(core.ledger).values(), *core.outputs]
    state = sum(v.nbytes for v in arrays if isinstance(v, np.ndarray) and v.base is None
                and n_envs in v.shape[:2]) - streams  # fmt: skip
    return [
        f"QuantumResourceAllocation vector env, {n_envs} envs: random streams "
        f"{streams / n_envs:,.0f} B per env (a key and a counter; target <= 3 KB beyond the "
        "physical state), "
        f"every other per-env array (ledger, device means, head request, outputs) "
        f"{state / n_envs:,.0f} B; seeded reset {min(times['qra']) * 1e3:.1f} ms "
        f"against CartPoleVectorEnv's {min(times['cart']) * 1e3:.1f} ms (best of 5; target "
        "< 50 ms). Seeding hashes every env's seed into its key at once "
        "(`qnet_envs/core/counter_rng.py`); the episode's first draws (device means, every "
        "path's nominal fidelity) are the rest.",
    ]


# what the offloading core keeps per env that is its physical state (positions and channels,
# decision queues, processors and their queued shares, the clock)
OFFLOADING_PHYSICAL = ("mobile_xy", "path_gain", "gain", "best_edge", "queue_sizes",
                       "queue_arrival", "queue_head", "queue_length", "server_free", "part_finish",
                       "part_ends_task", "part_count", "slot", "now")  # fmt: skip


def offloading_memory_and_reset_rows(n_envs: int = 4096) -> list[str]:
    """The offloading vector env's memory per env (its physical state, and everything else:
    random stream, counts, last step's masks, state vector and info, working space) and its
    seeded reset, next to CartPoleVectorEnv's reset in the same run."""
    from gymnasium.envs.classic_control.cartpole import CartPoleVectorEnv

    vec = gym.make_vec("qnet/MobileEdgeCloud-v0", num_envs=n_envs,
                       vectorization_mode="vector_entry_point").unwrapped  # fmt: skip
    cart = CartPoleVectorEnv(num_envs=n_envs)
    times = {"mec": [], "cart": []}
    for s in range(5):
        for name, env in (("mec", vec), ("cart", cart)):
            t = time.perf_counter()
            env.reset(seed=s)
            times[name].append(time.perf_counter() - t)
    core = vec.core
    physical = sum(getattr(core, name).nbytes for name in OFFLOADING_PHYSICAL)
    arrays = [v for v in vars(core).values() if isinstance(v, np.ndarray) and v.base is None
              and v.shape[:1] == (n_envs,)]  # fmt: skip
    total = sum(v.nbytes for v in [*arrays, *core.outputs, *core._decoded, vec._pending])
    return [
        f"MobileEdgeCloud vector env (default config), {n_envs} envs: physical state "
        f"{physical / n_envs:,.0f} B per env (mostly each node's table of queued shares, "
        f"`processor_queue_limit` finish times); everything else {(total - physical) / n_envs:,.0f} B "
        f"(target <= 3 KB); seeded reset {min(times['mec']) * 1e3:.1f} ms against "
        f"CartPoleVectorEnv's {min(times['cart']) * 1e3:.1f} ms (best of 5; target < 50 ms).",
    ]


def agent_rows(quick: bool) -> list[str]:
    """Env steps/s and updates/s of short training runs (no evaluation, no TensorBoard)."""
    rows = [
        "| agent | env | env steps | seconds | env steps/s | updates/s |",
        "|---|---|---|---|---|---|",
    ]
    try:
        from qnet_agents import ddqn, mappo, vqc_qlearning
    except ImportError as exc:  # the agents extra is not installed
        return [f"(agents skipped: {exc})"]
    steps = 3000 if quick else 20_000
    tmp = tempfile.mkdtemp()
    common = {"progress": False, "tensorboard": False, "eval_every": 0}
    dcfg = ddqn.config_from(total_steps=steps, run_dir=f"{tmp}/ddqn", **common)
    vcfg = vqc_qlearning.config_from(total_steps=steps // 2, run_dir=f"{tmp}/vqc", **common)
    runs = [
        ("ddqn", "qnet/QuantumResourceAllocation-v0", dcfg, ddqn.train),
        ("vqc (torch backend)", "CartPole-v1", vcfg, vqc_qlearning.train),
    ]
    for name, env_id, cfg, train in runs:
        t = time.perf_counter()
        res = train(env_id, cfg)
        sec = time.perf_counter() - t
        updates = max(res.global_step - cfg.learning_starts, 0) // cfg.train_freq
        updates *= cfg.gradient_steps
        rows.append(
            f"| {name} | {env_id} | {res.global_step:,} | {sec:.1f} | {res.global_step / sec:,.0f} "
            f"| {updates / sec:,.0f} |"
        )
    t = time.perf_counter()
    mcfg = mappo.config_from(
        env_id="qnet/MobileEdgeCloud-small-v0", total_steps=steps // 3, run_dir=f"{tmp}/mappo",
        progress=False, tensorboard=False,
    )  # fmt: skip
    res = mappo.train(mcfg)
    sec = time.perf_counter() - t
    n_updates = (res.global_step // mcfg.rollout) * mcfg.epochs * mcfg.minibatches
    rows.append(
        f"| mappo | qnet/MobileEdgeCloud-small-v0 | {res.global_step:,} | {sec:.1f} | "
        f"{res.global_step / sec:,.0f} | {n_updates / sec:,.1f} |"
    )
    return rows


def policy_tables(episodes: int) -> list[str]:
    out = []
    for spec in qnet_envs.ENVS:
        names = FAST_POLICIES_ONLY.get(spec.id)
        if names is None:
            from qnet_envs.baselines import policy_names

            names = policy_names(spec.id, gym.make(spec.id))
        results = [run_episodes(spec.id, p, episodes) for p in names]
        keys = metric_keys(gym.make(spec.id))
        out += [f"**{spec.id}** ({episodes} episodes, seeds 0-{episodes - 1})", "",
                markdown_table(results, keys), ""]  # fmt: skip
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short windows and runs")
    parser.add_argument("--out", default=str(ROOT / "docs" / "benchmarks.md"))
    parser.add_argument("--mobile-env-python", default=sys.executable,
                        help="an interpreter with mobile-env installed (default: this one)")  # fmt: skip
    args = parser.parse_args()
    seconds = 0.5 if args.quick else 2.0
    # scalar envs: CartPole-paired windows; 9 pairs, as single windows on this shared machine move
    # 10-30% (5 pairs left the median of an env near the line flipping between runs)
    pair_s, pairs = (0.3, 1) if args.quick else (1.0, 9)
    lines = [
        "# Benchmarks",
        "",
        f"`python scripts/benchmark.py{' --quick' if args.quick else ''}` on {platform.node()} "
        f"({platform.processor() or platform.machine()}, Python {platform.python_version()}, "
        f"gymnasium {gym.__version__}), {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. "
        "Read the ratios, the machine is shared: each is measured against its reference in the "
        "same run.",
        "",
        "Also measured: [install size](install.md) of the default job's extra, and "
        "[screenshots](screenshots.md) of the documentation checked in headless Chromium.",
        "",
        f"`import qnet_envs`: {import_time():.2f} s (fresh interpreter, best of 3; registers "
        f"{len(qnet_envs.ENVS)} Gymnasium ids, imports no torch, qiskit, pennylane or ray).",
        "",
        "## Scalar envs (unwrapped, random actions from the action space)",
        "",
        "Each env's timed windows alternate with CartPole-v1's; the ratio is the median over "
        f"{pairs} such pairs of {pair_s:g} s windows (range beside it), so the machine's drift "
        "cancels out of it.",
        "",
    ]
    lines += scalar_rows(pair_s, pairs) + [""] + parallel_rows(pair_s, pairs)
    lines += ["", "## Vector envs (random actions, autoreset)", ""]
    lines += vector_rows(seconds, (1024,) if args.quick else (256, 1024, 4096))
    lines += [""] + qra_memory_and_reset_rows()
    lines += [""] + offloading_memory_and_reset_rows()
    lines += [""] + repeater_report(args.quick)
    lines += [""] + render_report(args.quick)
    lines += [""] + scaling_report(args.quick)
    lines += mobile_env_rows(args.mobile_env_python, 0.5 if args.quick else 2.0)
    lines += ["", "## Agent training throughput", ""] + agent_rows(args.quick)
    lines += ["", "## Policy comparisons", ""] + policy_tables(2 if args.quick else 5)
    text = "\n".join(lines) + "\n"
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
