"""What the PettingZoo fronts share (the render-mode check is ``qnet_envs.rendering``'s, as for
the Gymnasium fronts): ``max_cycles`` as the episode
horizon (what PettingZoo's ``max_cycles_test`` sets), and ``human`` rendering as text."""

from __future__ import annotations


def with_max_cycles(config: dict | None, max_cycles: int | None) -> dict | None:
    """``max_cycles`` is the horizon in steps (PettingZoo's name for it); it overrides
    ``config["horizon"]``."""
    if max_cycles is None:
        return config
    return {**(config or {}), "horizon": max_cycles}


def render_human(text: str) -> None:
    """``render_mode="human"`` prints the text picture to the terminal and returns None."""
    print(text, end="")
