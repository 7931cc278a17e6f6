"""The offloading model of seed 002, Sec. IV: quantum-autoencoder tasks from mobiles run
locally, at an edge or in the cloud. :mod:`.config` (fields and presets), :mod:`.core` (the
batch-first state; its slot is compiled in :mod:`.kernels`), :mod:`.views` (what the fronts
read: per-agent observations and masks, action decoding)."""

from .config import FRACTION_LEVELS, QOS_PRESETS, SMALL_PRESET, OffloadingConfig
from .core import OffloadingCore
from .layout import LEVELS
from .views import OffloadingViews

__all__ = [
    "FRACTION_LEVELS",
    "LEVELS",
    "QOS_PRESETS",
    "SMALL_PRESET",
    "OffloadingConfig",
    "OffloadingCore",
    "OffloadingViews",
]
