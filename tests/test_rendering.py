"""Every env's picture: a cached-background frame is pixel for pixel the ordinary full draw
of the same state (every artist in one ``canvas.draw()``, matplotlib's own z-order), through
steps, resets and axis rescaling."""

import gymnasium as gym
import numpy as np
import pytest

import qnet_envs
from qnet_envs import component_masks
from qnet_envs.rendering import blit_figures, grow_limit, invalidate_canvases

IDS = [spec.id for spec in qnet_envs.ENVS]


@pytest.mark.parametrize("env_id", IDS)
def test_blitted_frames_equal_full_redraws(env_id):
    env = gym.make(env_id, render_mode="rgb_array")
    _, info = env.reset(seed=3)
    env.action_space.seed(3)
    for step in range(60):
        mask = component_masks(env.action_space, info["action_mask"])
        _, _, te, tr, info = env.step(env.action_space.sample(mask=mask))
        if te or tr:
            _, info = env.reset()
        if step % 10 == 9:
            fast = env.render()
            blit = max(blit_figures(), key=lambda b: b.stamp)  # the picture just drawn
            full = blit.reference()
            assert fast.shape == full.shape
            np.testing.assert_array_equal(fast, full)
            invalidate_canvases()
            np.testing.assert_array_equal(env.render(), full)


def test_pictures_change_with_the_state():
    env = gym.make("qnet/EntanglementDistribution-v2", render_mode="rgb_array")
    _, info = env.reset(seed=0)
    first = env.render()
    for _ in range(20):
        mask = component_masks(env.action_space, info["action_mask"])
        _, _, _, _, info = env.step(env.action_space.sample(mask=mask))
    assert not np.array_equal(first, env.render())


def test_grow_limit_doubles_until_it_fits():
    assert grow_limit(4.0, 3.0) == 4.0
    assert grow_limit(4.0, 9.0) == 16.0
    assert grow_limit(0.0, 0.0) > 0


def test_grow_limit_is_the_doubling_rule_and_ends_for_zero_and_infinite_needs():
    """The closed form equals doubling until the need is covered, and a need of 0, inf or
    NaN returns at once (a doubling loop never ended on inf)."""
    import math

    from qnet_envs.rendering import grow_limit

    def doubled(current, needed):
        limit = max(current, 1e-9)
        while limit < needed:
            limit *= 2.0
        return limit

    rng = np.random.default_rng(0)
    for current, needed in zip(
        rng.random(5000) * 10, 10 ** rng.uniform(-12, 12, 5000), strict=True
    ):
        assert grow_limit(current, needed) == doubled(current, needed)
    assert grow_limit(1.0, 0.0) == 1.0 and grow_limit(0.0, 0.0) == 1e-9
    assert math.isfinite(grow_limit(1.0, math.inf)) and grow_limit(1.0, math.nan) == 1.0
