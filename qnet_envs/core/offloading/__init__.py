"""The offloading model of seed 002, Sec. IV: quantum-autoencoder tasks from mobiles run
locally, at an edge or in the cloud (:mod:`.model`), and what its fronts read of it (:mod:`.views`:
observations, masks, action decoding)."""

from .model import (
    FRACTION_LEVELS,
    QOS_PRESETS,
    SMALL_PRESET,
    Offloading,
    OffloadingConfig,
    Task,
)
from .views import LEVELS, OffloadingViews

__all__ = [
    "FRACTION_LEVELS",
    "LEVELS",
    "QOS_PRESETS",
    "SMALL_PRESET",
    "Offloading",
    "OffloadingConfig",
    "OffloadingViews",
    "Task",
]
