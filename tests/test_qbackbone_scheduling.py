"""Q-Backbone (seed 001): cut models, instances, the feasibility checker and the schedulers."""

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qnet_envs.config import merge_config
from qnet_envs.core.qpu_scheduling import (
    SCHEDULERS,
    InfeasibleSchedule,
    QBackboneConfig,
    build_instance,
    check_schedule,
    draw_jobs,
    run_scheduler,
)
from qnet_envs.core.qpu_scheduling.schedule import Schedule
from qnet_envs.workloads import compile_plan, locc_wire_cut_overhead, peng_wire_cut_overhead
from qnet_envs.workloads.library import CutPlan, catalogue, load_library


def test_peng_overhead_matches_qiskit_addon_cutting_move_decomposition():
    qpd = pytest.importorskip("qiskit_addon_cutting.qpd")
    from qiskit_addon_cutting.instructions import Move

    gamma2 = qpd.QPDBasis.from_instruction(Move()).overhead  # the package's LO wire cut
    assert peng_wire_cut_overhead(1) == pytest.approx(gamma2)
    assert peng_wire_cut_overhead(3) == pytest.approx(gamma2**3)


def test_locc_overhead_is_below_independent_cuts_and_matches_single_wire_optimum():
    # one wire: gamma = 3 with classical communication (Brenner et al.), i.e. the CX gate-cut
    # overhead the package reports for the equivalent teleportation-free cut
    qpd = pytest.importorskip("qiskit_addon_cutting.qpd")
    from qiskit.circuit.library import CXGate

    assert locc_wire_cut_overhead(1) == pytest.approx(
        qpd.QPDBasis.from_instruction(CXGate()).overhead
    )
    for n in range(2, 6):  # joint cutting beats n separate LOCC cuts and n LO cuts
        assert (
            locc_wire_cut_overhead(n) < locc_wire_cut_overhead(1) ** n < peng_wire_cut_overhead(n)
        )
    with pytest.raises(ValueError, match="n_wires"):
        locc_wire_cut_overhead(-1)


def test_recorded_gate_cut_overheads_match_qiskit():
    qpd = pytest.importorskip("qiskit_addon_cutting.qpd")
    from qiskit.circuit.library import CXGate

    cx = qpd.QPDBasis.from_instruction(CXGate()).overhead
    ghz = next(c for c in load_library()["circuits"] if c["name"] == "ghz-24")
    cuts = ghz["plans"]["12"]["gate"]["gate_cuts"]
    assert cuts and all(g == pytest.approx(cx) for _, _, g in cuts)


PLAN = CutPlan(
    "toy", "qae", 20, 12, "wire",
    ({"qubits": 10, "depth": 20}, {"qubits": 9, "depth": 18}, {"qubits": 5, "depth": 4}),
    ((1, 2, 9.0),),
    ((0, 1), (0, 1)),
)  # fmt: skip


def test_locc_compile_has_precedence_and_joint_overhead():
    job = compile_plan(PLAN, "locc", base_shots=100)
    part = [s.partition for s in job.subcircuits]
    assert sorted(part) == [0, 1, 2] and part.index(0) < part.index(1)  # topological
    assert [(part[a], part[b]) for a, b in job.edges] == [(0, 1)]
    assert job.overhead == pytest.approx(49.0 * 9.0)  # (2^3 - 1)^2 for the 2 wires, 9 the CX
    shots = {s.partition: s.shots for s in job.subcircuits}
    assert shots == {0: 4900, 1: 49 * 9 * 100, 2: 900}


def test_peng_compile_has_no_precedence_more_subcircuits_higher_overhead():
    locc = compile_plan(PLAN, "locc", base_shots=100)
    peng = compile_plan(PLAN, "peng", base_shots=100)
    assert peng.edges == []
    # partition 0 measures 2 wires (3^2 = 9 variants), partition 1 prepares 2 (4^2 = 16)
    assert [s.partition for s in peng.subcircuits].count(0) == 9
    assert [s.partition for s in peng.subcircuits].count(1) == 16
    assert peng.overhead == pytest.approx(256.0 * 9.0) and peng.total_shots > locc.total_shots
    by_part = {p: sum(s.shots for s in peng.subcircuits if s.partition == p) for p in (0, 1)}
    assert by_part == {0: 25600, 1: 256 * 9 * 100}


def test_catalogue_keeps_only_cut_jobs_within_overhead():
    plans = catalogue(12, 4000, 250.0)
    assert plans and all(p.kind != "uncut" and p.circuit_qubits > 12 for p in plans)
    for p in plans:
        assert max(s.shots for s in compile_plan(p, "locc", 4000).subcircuits) <= 250 * 4000
    assert any(compile_plan(p, "locc", 4000).edges for p in plans)  # some LOCC wire cuts


def _config(**kw):
    return merge_config(QBackboneConfig(), kw)


def test_deadlines_and_arrivals_follow_config():
    cfg = _config(n_jobs=200, load=1.0, deadline="less_generous")
    inst = build_instance(cfg, draw_jobs(cfg, np.random.default_rng(0)))
    assert inst.arrival[0] == 0 and np.all(np.diff(inst.arrival) >= 0)
    np.testing.assert_allclose(inst.deadline, inst.arrival + 2.0 * inst.ideal)
    heavier = _config(n_jobs=200, load=2.0, deadline="less_generous")
    inst2 = build_instance(heavier, draw_jobs(heavier, np.random.default_rng(0)))
    assert inst2.arrival[-1] < 0.7 * inst.arrival[-1]  # double load, about half the span
    ablation = build_instance(cfg, draw_jobs(cfg, np.random.default_rng(0)), "peng")
    np.testing.assert_allclose(ablation.deadline, inst.deadline)  # same deadlines


@pytest.mark.parametrize(
    "field,value",
    [
        ("n_jobs", 0),
        ("load", 0.0),
        ("deadline", "lenient"),
        ("deadline", -1.0),
        ("cut_target", 9),
        ("cut_model", "teleport"),
        ("families", ("ghz", "bogus")),
        ("qpus", {"devices": ("FakeNowhere",), "sites": (0,)}),
        ("qpus", {"sites": (0, 1)}),
        ("qpus", {"min_fidelity": 1.5}),
    ],
)
def test_bad_config_names_field(field, value):
    with pytest.raises(ValueError, match=field.split(".")[0] if field != "qpus" else "qpus"):
        _config(**{field: value})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n_jobs=st.integers(1, 7),
    load=st.floats(0.2, 4.0),
    deadline=st.sampled_from(["strict", "less_generous", "generous", "mixed", 0.7, 3.0]),
    seed=st.integers(0, 10_000),
    target=st.sampled_from([7, 12, 16]),
)
def test_every_scheduler_output_is_feasible(n_jobs, load, deadline, seed, target):
    cfg = _config(n_jobs=n_jobs, load=load, deadline=deadline, cut_target=target)
    draws = draw_jobs(cfg, np.random.default_rng(seed))
    for name in SCHEDULERS:
        inst, sched = run_scheduler(name, cfg, draws, seed=seed, iterations=40)
        served = check_schedule(inst, sched)
        assert served == len(sched.served) <= n_jobs


@pytest.fixture(scope="module")
def solved():
    cfg = _config(n_jobs=8, load=1.5, deadline="mixed")
    draws = draw_jobs(cfg, np.random.default_rng(3))
    inst, sched = run_scheduler("greedy-edf", cfg, draws)
    assert len(sched.served) >= 2 and any(inst.preds)
    return inst, sched


def _mutated(sched, **changes):
    frags = list(sched.fragments)
    i = changes.pop("index", 0)
    frags[i] = dataclasses.replace(frags[i], **changes)
    return Schedule(frags, set(sched.served), set(sched.dropped), set(sched.late))


def test_checker_rejects_violations(solved):
    inst, sched = solved
    check_schedule(inst, sched)
    f = sched.fragments[0]
    cases = {
        "shots": _mutated(sched, shots=f.shots - 1, end=f.end - inst.tau[f.sub, f.qpu]),
        "duration": _mutated(sched, end=f.end - 0.5),
        "arrives": _mutated(sched, start=f.start - 1e3, end=f.end - 1e3),
    }
    big = next(s for s in range(inst.n_subs) if not inst.eligible[s].all())
    g = next((x for x in sched.fragments if x.sub == big), None)
    if g is not None:
        bad_q = int(np.flatnonzero(~inst.eligible[big])[0])
        cases["eligible"] = _mutated(sched, index=sched.fragments.index(g), qpu=bad_q)
    for _name, bad in cases.items():
        with pytest.raises(InfeasibleSchedule):
            check_schedule(inst, bad)
    # overlap: put a second copy of a fragment on the same QPU at the same time
    dup = Schedule([*sched.fragments, sched.fragments[0]], sched.served, sched.dropped, sched.late)
    with pytest.raises(InfeasibleSchedule, match="overlap|shots"):
        check_schedule(inst, dup)
    # a job in two groups, or in none
    with pytest.raises(InfeasibleSchedule, match="ends"):
        check_schedule(inst, Schedule(sched.fragments, sched.served, sched.dropped | sched.served))
    with pytest.raises(InfeasibleSchedule, match="deadline|ends|claimed"):
        late = max(sched.served, key=lambda j: inst.deadline[j])
        shift = Schedule(
            [
                dataclasses.replace(x, start=x.start + 1e6, end=x.end + 1e6) if x.job == late else x
                for x in sched.fragments
            ],
            sched.served,
            sched.dropped,
        )
        check_schedule(inst, shift)


def test_checker_enforces_locc_precedence_with_latency(solved):
    inst, sched = solved
    served_with_edge = [
        s for s in range(inst.n_subs) if inst.preds[s] and inst.sub_job[s] in sched.served
    ]
    if not served_with_edge:
        pytest.skip("no served job with a wire cut in this instance")
    s = served_with_edge[0]
    p = inst.preds[s][0]
    first = min(x.end for x in sched.fragments if x.sub == p)
    moved = [
        dataclasses.replace(
            x,
            start=first - 0.5 * inst.pool.latency.max() - 1.0,
            end=x.end - x.start + first - 0.5 * inst.pool.latency.max() - 1.0,
        )
        if x.sub == s
        else x
        for x in sched.fragments
    ]
    with pytest.raises(InfeasibleSchedule, match="measure"):
        check_schedule(inst, Schedule(moved, sched.served, sched.dropped, sched.late))


def test_qb_scheduler_is_at_least_greedy_and_ablations_cost_jobs():
    cfg = _config(n_jobs=10, load=1.0, deadline="strict")
    totals = dict.fromkeys(SCHEDULERS, 0)
    for seed in range(3):
        draws = draw_jobs(cfg, np.random.default_rng(seed))
        for name in SCHEDULERS:
            inst, sched = run_scheduler(name, cfg, draws, seed=seed, iterations=300)
            totals[name] += check_schedule(inst, sched)
    assert totals["qb"] >= totals["greedy-edf"]
    assert totals["qb"] > totals["qb-no-shot-split"]
    assert totals["qb"] > totals["random"]


def test_unknown_scheduler_raises():
    cfg = _config(n_jobs=2)
    with pytest.raises(ValueError, match="scheduler"):
        run_scheduler("fifo", cfg, draw_jobs(cfg, np.random.default_rng(0)))


def test_time_limit_stops_annealing():
    cfg = _config(n_jobs=10)
    draws = draw_jobs(cfg, np.random.default_rng(0))
    import time

    t = time.perf_counter()
    inst, sched = run_scheduler("qb", cfg, draws, iterations=10**7, time_limit_s=0.3)
    assert time.perf_counter() - t < 5.0 and math.isfinite(len(sched.served))
    check_schedule(inst, sched)
