"""Tests of the shared core modules on their own: the slot ledger, the request stream's
arrival process, and config merging."""

from dataclasses import dataclass, field

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from qnet_envs.config import merge_config
from qnet_envs.core.counter_rng import keys_from_seeds
from qnet_envs.core.request_stream import arrivals
from qnet_envs.core.slot_ledger import SlotLedger


@settings(max_examples=60, deadline=None)
@given(
    capacity=st.lists(st.integers(1, 5), min_size=1, max_size=4),
    ops=st.lists(
        st.tuples(st.integers(0, 2), st.floats(0, 10), st.floats(0, 5), st.integers(0, 3)),
        max_size=60,
    ),
)
def test_ledger_never_exceeds_capacity_and_releases_each_allocation_once(capacity, ops):
    """Three envs in one slot ledger (two slots each, so tables grow), driven against a plain
    list of live allocations per env: releases are exactly the ones that ended, once;
    over-capacity allocations raise; usage equals the live allocations' sum."""
    cap = np.array(capacity, float)
    ledger = SlotLedger({"a": cap[:1], "c": cap}, num_envs=3, slots=2)
    clock, live = np.zeros(3), [[], [], []]
    for env, gap, hold, k in ops:
        rows = np.array([env])
        clock[env] += gap
        released = ledger.release_until(rows, clock[rows])
        before = len(live[env])
        live[env] = [(end, u) for end, u in live[env] if end > clock[env]]
        assert released == before - len(live[env])  # exactly the ones that ended, once
        usage = ledger.vector({"c": np.eye(cap.size)[k % cap.size]})
        if np.all(sum((u for _, u in live[env]), np.zeros_like(usage)) + usage <= ledger.capacity):
            ledger.allocate(rows, usage[None], clock[rows] + hold)
            live[env].append((clock[env] + hold, usage))
        else:
            with pytest.raises(RuntimeError):
                ledger.allocate(rows, usage[None], clock[rows] + hold)
        ledger.check()
        for i in range(3):
            held = sum((u for _, u in live[i]), np.zeros(ledger.width))
            np.testing.assert_array_equal(ledger.used[i], held)
        np.testing.assert_array_equal(ledger.active(), [len(x) for x in live])


def test_arrivals_are_poisson_with_exponential_holding_and_distinct_uniform_ends():
    """Against closed forms: exponential gaps of mean 1/rate and holding times of the given
    mean (Kolmogorov-Smirnov), sources uniform, destinations uniform among the other nodes."""
    rng = np.random.default_rng(0)
    n, rate, hold = 6, 2.0, 3.0
    gap, src, dst, holding = arrivals(rng.random((40_000, 4)), n, rate, hold)
    assert stats.kstest(gap, "expon", args=(0, 1 / rate)).pvalue > 1e-3
    assert stats.kstest(holding, "expon", args=(0, hold)).pvalue > 1e-3
    assert np.all(src != dst) and src.min() == 0 and dst.max() == n - 1
    pairs = np.bincount(src * n + dst, minlength=n * n).reshape(n, n)
    expected = len(src) / (n * (n - 1))
    off = pairs[~np.eye(n, dtype=bool)]
    assert stats.chisquare(off, np.full(off.size, expected)).pvalue > 1e-3


@dataclass(frozen=True)
class Inner:
    a: int = 1
    b: float = 2.0

    def validate(self) -> None:
        if self.a < 0:
            raise ValueError(f"inner.a={self.a} must be >= 0")


@dataclass(frozen=True)
class Outer:
    inner: Inner = field(default_factory=Inner)
    table: dict = field(default_factory=lambda: {"x": {"y": 1, "z": 2}})
    name: str = "n"

    def validate(self) -> None:
        self.inner.validate()


def test_merge_is_deep_and_leaves_unnamed_fields_alone():
    merged = merge_config(Outer(), {"inner": {"b": 5.0}, "table": {"x": {"z": 3}}})
    assert merged.inner == Inner(1, 5.0) and merged.table == {"x": {"y": 1, "z": 3}}
    assert Outer().table == {"x": {"y": 1, "z": 2}}  # the defaults are not mutated


@pytest.mark.parametrize(
    "override,needle",
    [
        ({"inner": {"c": 1}}, "inner.c"),
        ({"nope": 1}, "nope"),
        ({"inner": 3}, "inner"),
        ({"inner": {"a": 1.5}}, "inner.a"),
        ({"inner": {"a": True}}, "inner.a"),
        ({"name": None}, "name"),
        ({"inner": {"a": -1}}, "inner.a"),
    ],
)
def test_bad_overrides_name_their_full_path(override, needle):
    with pytest.raises(ValueError, match=needle):
        merge_config(Outer(), override)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    kind=st.sampled_from(["qkd", "qra"]),
    load=st.floats(2.0, 80.0),
    p_invalid=st.floats(0.0, 0.5),
    horizon=st.integers(1, 30),
)
def test_every_request_ends_exactly_once_in_the_batch_cores(seed, kind, load, p_invalid, horizon):
    """The request cores driven directly, three envs at once with random (partly masked-out)
    actions and episodes restarted at their horizon: after every step each env's arrivals
    equal its endings plus the one request awaiting a decision, and the ledger's own checks
    hold (capacity, usage = the sum of the held allocations, allocated = released + held)."""
    from qnet_envs.core.qkd_provisioning import QKDProvisioning, QKDProvisioningConfig
    from qnet_envs.core.resource_allocation import ResourceAllocation, ResourceAllocationConfig

    if kind == "qkd":
        core = QKDProvisioning(QKDProvisioningConfig(load_erlang=load, horizon=horizon), 3, 2)
    else:
        core = ResourceAllocation(ResourceAllocationConfig(load_erlang=load, horizon=horizon), 3, 2)
    rng = np.random.default_rng(seed)
    rows = np.arange(3)

    def reset(rows):  # the kernels draw from each env's key and counter
        core.reset_rows(rows, keys_from_seeds(rng.integers(2**32, size=len(rows))))

    def step(actions):
        return core.step(actions, rows)["truncated"]

    reset(rows)
    for _ in range(60):
        masks = core.flat_masks()
        actions = np.array([
            rng.integers(len(m)) if rng.random() < p_invalid else rng.choice(np.flatnonzero(m))
            for m in masks
        ])  # fmt: skip
        truncated = step(actions).copy()
        core.check_invariants()
        m = core.metrics()
        ended = m["served"] + m.get("failed", 0) + m["rejected"]
        np.testing.assert_array_equal(m["arrived"], ended + 1)
        if truncated.any():
            reset(np.flatnonzero(truncated))
