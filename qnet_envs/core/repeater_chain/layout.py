"""The repeater core's shared vocabulary: record statuses, random streams, observation
features and statistics (a module of its own, so the core and its masks, views and operations
import it without importing each other)."""

from __future__ import annotations

EMPTY, ATTEMPT, PAIR, LOST = 0, 1, 2, 3
# Counter-based random streams (qnet_envs.core.counter_rng): one per kind of draw.
# GEN_STREAM holds 3 draws per record: generation success, then the fidelity's two uniforms.
GEN_STREAM, SWAP_STREAM, PURIFY_STREAM = range(3)
N_FEATURES = 6  # per memory: attempting, known pair, pending, partner, age, fidelity
MAX_AGE_OBS = 4.0
STAT_KEYS = (
    "attempts",
    "generated",
    "swaps",
    "swap_failures",
    "purifications",
    "purification_failures",
    "discarded",
    "cutoff_discards",
    "conflicts",
    "pairs_lost",
    "delivered",
    "delivered_above_target",
)
(ATTEMPTS, GENERATED, SWAPS, SWAP_FAILURES, PURIFICATIONS, PURIFICATION_FAILURES, DISCARDED,
 CUTOFF_DISCARDS, CONFLICTS, PAIRS_LOST, DELIVERED, DELIVERED_ABOVE_TARGET) = range(len(STAT_KEYS))  # fmt: skip
# What a step leaves per env besides the state: the columns of the slot outcome and of the
# info's floats, named and numbered here once for the kernels and the core.
SLOT_OUTCOME_KEYS = ("invalid", "attempts_now", "delivered_now", "terminated", "truncated")
INVALID, ATTEMPTS_NOW, DELIVERED_NOW, TERMINATED, TRUNCATED = range(len(SLOT_OUTCOME_KEYS))
INFO_FLOAT_KEYS = ("mean_delivered_fidelity", "mean_key_fraction", "time_s")
MEAN_FIDELITY, MEAN_KEY_FRACTION, TIME_S = range(len(INFO_FLOAT_KEYS))
# The fields of the core's record table (one column per record) and left-memory table.
RECORD_FIELDS = (
    "record_status",
    "far_node",
    "far_memory",
    "born_slot",
    "near_known_at",
    "far_known_at",
)
STATUS, FAR_NODE, FAR_MEMORY, BORN_SLOT, NEAR_KNOWN_AT, FAR_KNOWN_AT = range(len(RECORD_FIELDS))
LEFT_FIELDS = ("left_record", "left_free_at")
HELD_BY, FREE_AT = range(len(LEFT_FIELDS))
