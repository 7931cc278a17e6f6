"""The offloading model's layout constants, shared by its kernels, core and views."""

from .config import FRACTION_LEVELS

LEVELS = len(FRACTION_LEVELS)  # offload-fraction levels of a flat action
BACKLOG_SCALE_S = 10.0  # backlogs are observed as seconds / 10, capped at 1
COUNT_NAMES = ("arrived", "completed", "failed", "dropped")  # the first columns of ``count``
N_TABLE, K_TABLE = 6, 3  # the per-(n, k) tables start at n = 6, k = 3 (the circuit data's range)
