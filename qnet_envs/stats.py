"""Summary statistics for reporting: mean with a Student-t 95% confidence interval."""

from __future__ import annotations

import math

import numpy as np

# Two-sided 95% Student-t quantiles t_{0.975, df} for df = 1..30 (standard tables); the normal
# 1.96 beyond. Kept here so that reporting needs no scipy.
_T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


def t_quantile_975(df: int) -> float:
    if df < 1:
        return math.nan
    return _T975[df - 1] if df <= len(_T975) else 1.96


def mean_ci95(values) -> tuple[float, float]:
    """(mean, half-width of the 95% CI); the half-width is nan for fewer than two values."""
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        return math.nan, math.nan
    if x.size == 1:
        return float(x[0]), math.nan
    return float(x.mean()), t_quantile_975(x.size - 1) * float(x.std(ddof=1)) / math.sqrt(x.size)


def format_ci(values, digits: int = 3) -> str:
    m, h = mean_ci95(values)
    return f"{m:.{digits}f}" if math.isnan(h) else f"{m:.{digits}f} ± {h:.{digits}f}"


def plot_mean_ci(ax, xs, samples, **style) -> None:
    """One line of means with 95% CI error bars on a matplotlib axis; ``samples[i]`` holds the
    values at ``xs[i]`` (a bar is left out where fewer than two values give no CI)."""
    stats = [mean_ci95(v) for v in samples]
    ax.errorbar(
        xs,
        [m for m, _ in stats],
        yerr=[0.0 if math.isnan(h) else h for _, h in stats],
        marker="o",
        capsize=3,
        **style,
    )
