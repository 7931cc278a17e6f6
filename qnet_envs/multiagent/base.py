"""What the PettingZoo fronts share: construction (render-mode check, ``max_cycles`` as the
episode horizon, the config merged into the model's defaults), rendering (``human`` as text)
and ``close``. Each front supplies its defaults, its model and its picture."""

from __future__ import annotations

from pettingzoo import ParallelEnv

from ..config import merge_config
from ..rendering import check_render_mode


def with_max_cycles(config: dict | None, max_cycles: int | None) -> dict | None:
    """``max_cycles`` is the horizon in steps (PettingZoo's name for it); it overrides
    ``config["horizon"]``."""
    if max_cycles is None:
        return config
    return {**(config or {}), "horizon": max_cycles}


def render_human(text: str) -> None:
    """``render_mode="human"`` prints the text picture to the terminal and returns None."""
    print(text, end="")


class QnetParallelEnv(ParallelEnv):
    """Base of the suite's ParallelEnvs. Subclasses define ``metadata`` (with ``name``),
    :meth:`defaults` (the config dataclass a user's config merges into), :meth:`_build` (the
    model, agents and spaces, from ``self.config``) and :meth:`picture` (a frame in ``ansi``
    or ``rgb_array``)."""

    metadata = {"render_modes": ["ansi", "rgb_array", "human"], "is_parallelizable": True}

    def __init__(
        self, config: dict | None = None, render_mode: str | None = None,
        max_cycles: int | None = None,
    ):  # fmt: skip
        check_render_mode(self.metadata, render_mode)
        self.render_mode = render_mode
        config = with_max_cycles(config, max_cycles)
        self.config = merge_config(self.defaults(config), config)
        self.agents: list[str] = []
        self._build()

    @classmethod
    def defaults(cls, config: dict | None):
        raise NotImplementedError

    def _build(self) -> None:
        raise NotImplementedError

    def picture(self, mode: str):
        raise NotImplementedError

    def render(self):
        if self.render_mode is None:
            return None
        if self.render_mode == "human":
            return render_human(self.picture("ansi"))
        return self.picture(self.render_mode)

    def close(self) -> None:
        pass
