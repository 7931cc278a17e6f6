#!/usr/bin/env python3
"""One short animated GIF per env family for the docs, from the envs' own rgb_array frames.

    python scripts/make_gifs.py          # writes docs/gifs/<family>.gif

Each GIF plays a baseline policy (named in the file name's table below) for a few dozen steps
from seed 0. Uses Pillow (a matplotlib dependency).
"""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
from PIL import Image

import qnet_envs  # noqa: F401
from qnet_envs.baselines import make_policy

ROOT = Path(__file__).resolve().parents[1]
FAMILIES = {
    "repeater_chain": ("qnet/EntanglementDistribution-v2", "purify-then-swap", 40, {}),
    "quantum_network": ("qnet/QuantumResourceAllocation-v0", "greedy", 30, {}),
    "offloading": ("qnet/MobileEdgeCloud-small-v0", "least-loaded-edge", 20, {}),
    "com2net": ("qnet/Com2Net-v0", "random-valid", 20, {}),
    "qpu_scheduling": ("qnet/QPUScheduling-v0", "edf", 30, {}),
    "quantum_invocation": ("qnet/QuantumInvocation-v0", "expected-reward", 15, {}),
}


def frames(env_id: str, policy_name: str, steps: int, config: dict) -> list[Image.Image]:
    env = gym.make(env_id, render_mode="rgb_array", config=config or None)
    policy = make_policy(env_id, policy_name, env)
    obs, info = env.reset(seed=0)
    policy.reset(0)
    out = [Image.fromarray(env.render())]
    for _ in range(steps):
        obs, r, te, tr, info = env.step(policy.act(obs, info))
        out.append(Image.fromarray(env.render()))
        if te or tr:
            break
    return out


def main() -> None:
    folder = ROOT / "docs" / "gifs"
    folder.mkdir(parents=True, exist_ok=True)
    for family, (env_id, policy, steps, config) in FAMILIES.items():
        images = [
            im.convert("P", palette=Image.Palette.ADAPTIVE)
            for im in frames(env_id, policy, steps, config)
        ]
        path = folder / f"{family}.gif"
        images[0].save(path, save_all=True, append_images=images[1:], duration=250, loop=0)
        print(
            f"{path.relative_to(ROOT)}: {env_id}, {policy}, {len(images)} frames, {path.stat().st_size // 1024} KB"
        )


if __name__ == "__main__":
    main()
