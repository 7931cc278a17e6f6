"""Pictures of a repeater chain (env 0 of a core): memories, pairs coloured by fidelity, attempts
and pairs whose classical messages are still in flight."""

from __future__ import annotations

import numpy as np

from ..core.repeater_chain.layout import ATTEMPT, LOST, PAIR
from ..rendering import BlitFigure, cached_canvas, new_figure


def _records(core, i=0):
    t = int(core.t[i])
    for p in np.flatnonzero(core.record_status[i]):
        a, s = divmod(int(p), core.m)
        yield {
            "a": a,
            "s": s,
            "b": int(core.far_node[i, p]),
            "r": int(core.far_memory[i, p]),
            "status": int(core.record_status[i, p]),
            "true": float(core.pair_coefficients[i, p, 0, 0]),
            "nominal": float(core.pair_coefficients[i, p, 1, 0]),
            "age": t - int(core.born_slot[i, p]),
            "in_flight": int(core.near_known_at[i, p]) > t or int(core.far_known_at[i, p]) > t,
        }


def render_chain(core, mode: str | None):
    """What ``render()`` returns for ``mode`` (None renders nothing)."""
    if mode == "ansi":
        return render_chain_text(core)
    if mode == "rgb_array":
        return render_chain_rgb(core)
    return None


def render_chain_text(core, i: int = 0) -> str:
    st = core.stats
    lines = [
        f"t={int(core.t[i])} ({core.t[i] * core.slot_s * 1e3:.3f} ms) delivered="
        f"{int(st['delivered'][i])} (>= target: {int(st['delivered_above_target'][i])}) "
        f"attempts={int(st['attempts'][i])}",
        "record  pair      state      nominal  true    age",
    ]
    names = {ATTEMPT: "attempt", PAIR: "pair", LOST: "lost"}
    for rec in _records(core, i):
        state = names[rec["status"]] + ("*" if rec["in_flight"] and rec["status"] == PAIR else "")
        lines.append(
            f"{rec['a']}.{rec['s']}     ({rec['a']},{rec['b']})  {state:9s}  "
            f"{rec['nominal']:.4f}   {rec['true']:.4f}  {rec['age']}"
        )
    lines.append("(* = frame not yet known at both ends: messages in flight)")
    return "\n".join(lines) + "\n"


def render_chain_rgb(core, i: int = 0) -> np.ndarray:
    """Nodes as columns of memory squares (left memories, right memories); pairs as arcs
    coloured by true fidelity (colour bar), dashed while their messages are in flight; grey
    dotted links are attempts awaiting their herald. The static parts (memories, labels,
    colour bar, legend) are drawn once per core; each frame redraws only the pairs."""
    canvas = cached_canvas(core, (core.n, core.m), lambda: _ChainCanvas(core.n, core.m))
    return canvas.draw(core, i)


class _ChainCanvas:
    def __init__(self, n: int, m: int):
        from matplotlib import colormaps
        from matplotlib.cm import ScalarMappable
        from matplotlib.colors import Normalize
        from matplotlib.lines import Line2D

        self.fig = fig = new_figure(7.0, 3.4)
        self.ax = ax = fig.add_subplot()
        self.cmap, self.norm = colormaps["viridis"], Normalize(0.5, 1.0)
        self.ys = np.linspace(0, 0.12 * (m - 1), m)
        mems = []
        for x in range(n):
            ax.text(x, -0.22, f"node {x}", ha="center", fontsize=8)
            for side in ("l", "r"):
                if (side == "l" and x == 0) or (side == "r" and x == n - 1):
                    continue
                mems += [self.mem_xy(x, side, k) for k in range(m)]
        xy = np.array(mems)
        memories = ax.scatter(xy[:, 0], xy[:, 1], marker="s", s=60, c="lightgrey", zorder=3,
                              edgecolors="black", linewidths=0.5)  # fmt: skip
        fig.colorbar(ScalarMappable(norm=self.norm, cmap=self.cmap), ax=ax,
                     label="pair fidelity", shrink=0.8)  # fmt: skip
        ax.legend(
            handles=[
                Line2D([], [], color="black", lw=2, label="pair (frame known)"),
                Line2D([], [], color="black", lw=2, ls="--", label="messages in flight"),
                Line2D([], [], color="grey", lw=1.5, ls=":", label="attempt awaiting herald"),
            ],
            loc="upper left",
            fontsize=7,
        )
        ax.set_xlim(-0.5, n - 0.5)
        ax.set_ylim(-0.3, 0.25 + 0.18 * (n - 1) + self.ys[-1])
        ax.axis("off")
        self.title = ax.set_title(" ", fontsize=9)
        # the pairs are this frame's transient artists, drawn under the memories (z-order)
        self.blit = BlitFigure(fig, [memories, self.title])

    def mem_xy(self, node, side, k):
        return node + (0.12 if side == "r" else -0.12), self.ys[k]

    def draw(self, core, i: int) -> np.ndarray:
        from matplotlib.lines import Line2D

        lines = []
        for rec in _records(core, i):
            x0, y0 = self.mem_xy(rec["a"], "r", rec["s"])
            x1, y1 = self.mem_xy(rec["b"], "l", rec["r"])
            xs = np.linspace(x0, x1, 40)
            frac = (xs - x0) / (x1 - x0)
            arc = y0 + (y1 - y0) * frac + 0.18 * (rec["b"] - rec["a"]) * np.sin(np.pi * frac)
            if rec["status"] == ATTEMPT:
                lines.append(Line2D(xs, arc, ls=":", color="grey", lw=1.5))
            elif rec["status"] == PAIR:
                style = "--" if rec["in_flight"] else "-"
                colour = self.cmap(self.norm(rec["true"]))
                lines.append(Line2D(xs, arc, ls=style, color=colour, lw=2.2))
        st = core.stats
        self.title.set_text(
            f"slot {int(core.t[i])}  delivered {int(st['delivered'][i])}  "
            f"(>= target {int(st['delivered_above_target'][i])})"
        )
        for line in lines:
            self.ax.add_line(line)
        return self.blit.frame(extra=lines)
