"""Names shared by the QKD provisioning kernels and core: the per-path columns of the head
request's ``path_view`` and the request counts."""

from __future__ import annotations

PATH_VIEW_KEYS = ("exists", "hops", "rate", "free", "needed")
EXISTS, HOPS, RATE, FREE, NEEDED = range(len(PATH_VIEW_KEYS))
COUNTS = ("arrived", "served", "rejected")  # every request ends once as one of the last two
ARRIVED, SERVED, REJECTED = range(len(COUNTS))
