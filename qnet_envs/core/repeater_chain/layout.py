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
# What a step leaves per env besides the state (the kernels' SLOT_OUTCOME and INFO_FLOATS
# columns, in this order).
SLOT_OUTCOME_KEYS = ("invalid", "attempts_now", "delivered_now", "terminated", "truncated")
INFO_FLOAT_KEYS = ("mean_delivered_fidelity", "mean_key_fraction", "time_s")
# The fields of the core's record table (one column per record) and left-memory table, in
# this order (the kernels name them STATUS, FAR_NODE, ... and HELD_BY, FREE_AT).
RECORD_FIELDS = (
    "record_status",
    "far_node",
    "far_memory",
    "born_slot",
    "near_known_at",
    "far_known_at",
)
LEFT_FIELDS = ("left_record", "left_free_at")
