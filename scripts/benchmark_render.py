#!/usr/bin/env python3
"""Frame times of every env's ``rgb_array`` picture against a full redraw of the same figure.

    python scripts/benchmark_render.py [--quick]

Each env is stepped with random valid actions; a frame is timed after every few steps. The
reference, measured in the same run on the same figure, is a full ``canvas.draw()`` (forced by
``qnet_envs.rendering.invalidate_canvases``), which is what every frame cost before the static
part was cached. Target: under 50 ms per frame. Nothing here is asserted in tests.
"""

from __future__ import annotations

import argparse
import time

import gymnasium as gym
import numpy as np

import qnet_envs
from qnet_envs import component_masks
from qnet_envs.rendering import invalidate_canvases


def frame_times(env_id: str, frames: int) -> tuple[float, float, float]:
    """(first frame, median frame, median full redraw) in milliseconds."""
    env = gym.make(env_id, render_mode="rgb_array")
    _, info = env.reset(seed=0)
    env.action_space.seed(0)
    fast, full = [], []
    t = time.perf_counter()
    env.render()
    first = time.perf_counter() - t
    for k in range(2 * frames):
        for _ in range(3):
            mask = component_masks(env.action_space, info["action_mask"])
            _, _, te, tr, info = env.step(env.action_space.sample(mask=mask))
            if te or tr:
                _, info = env.reset()
                env.render()  # a new episode may rebuild the picture: not a steady frame
        if k % 2:
            invalidate_canvases()
        t = time.perf_counter()
        env.render()
        (full if k % 2 else fast).append(time.perf_counter() - t)
    env.close()
    return 1e3 * first, 1e3 * float(np.median(fast)), 1e3 * float(np.median(full))


def report(quick: bool) -> list[str]:
    frames = 5 if quick else 20
    rows = [
        "## Rendering (`rgb_array`, scripts/benchmark_render.py)",
        "",
        f"Median of {frames} frames, random valid actions; reference: a full redraw of the same "
        "figure in the same run. Target: under 50 ms per frame.",
        "",
        "| env | first frame (ms) | frame (ms) | full redraw (ms) | speed-up | < 50 ms |",
        "|---|---|---|---|---|---|",
    ]
    for spec in qnet_envs.ENVS:
        first, fast, full = frame_times(spec.id, frames)
        ok = "yes" if fast < 50 else "**no**"
        rows.append(
            f"| {spec.id} | {first:.0f} | {fast:.1f} | {full:.1f} | {full / fast:.1f}x | {ok} |"
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer frames")
    print("\n".join(report(parser.parse_args().quick)))


if __name__ == "__main__":
    main()
