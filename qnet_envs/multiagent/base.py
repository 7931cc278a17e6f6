"""What the PettingZoo fronts share: the render-mode check, ``max_cycles`` as the episode
horizon (what PettingZoo's ``max_cycles_test`` sets), and ``human`` rendering as text."""

from __future__ import annotations


def check_render_mode(cls, render_mode: str | None) -> None:
    modes = cls.metadata["render_modes"]
    if render_mode is not None and render_mode not in modes:
        raise ValueError(
            f"render_mode={render_mode!r} is not supported; use one of {modes} or None"
        )


def with_max_cycles(config: dict | None, max_cycles: int | None) -> dict | None:
    """``max_cycles`` is the horizon in steps (PettingZoo's name for it); it overrides
    ``config["horizon"]``."""
    if max_cycles is None:
        return config
    return {**(config or {}), "horizon": max_cycles}


def render_human(text: str) -> None:
    """``render_mode="human"`` prints the text picture to the terminal and returns None."""
    print(text, end="")
