"""The one action-mask layout every qnet env uses, and its split into Gymnasium's form.

``info["action_mask"]`` is one flat array on every env. For ``Discrete`` actions it is Gymnasium's
int8 mask, which ``Discrete.sample(mask=...)`` takes as it is. For ``MultiDiscrete`` actions it
is the per-component masks concatenated in component order, as bool: exactly what sb3-contrib's
MaskablePPO reads (``action_masks()``), and a fixed shape that TorchRL's batched ``GymEnv`` and
the vector envs can stack. Gymnasium's ``MultiDiscrete.sample(mask=...)`` takes a tuple of int8
per-component masks instead, which is ragged when the components differ in size (the offloading
env) and which no batched library stacks: :func:`component_masks` converts. (A flat int8 array
would look like a ``sample`` mask and fail inside Gymnasium; a bool one cannot be mistaken.)
"""

from __future__ import annotations

import numpy as np


def component_masks(space, mask) -> np.ndarray | tuple:
    """``info["action_mask"]`` in the form ``space.sample(mask=...)`` takes.

    Every qnet env carries one flat mask (for ``MultiDiscrete``, the per-component masks
    concatenated in component order, as bool: fixed-shape, so TorchRL and vector envs can
    stack it).
    Gymnasium's ``MultiDiscrete.sample`` wants a tuple of per-component masks instead; this
    splits the flat mask at the component boundaries. A ``Discrete`` space's mask is returned
    unchanged.
    """
    if not hasattr(space, "nvec"):
        return mask
    nvec = np.asarray(space.nvec).ravel()
    mask = np.asarray(mask, dtype=np.int8).ravel()
    if mask.shape != (int(nvec.sum()),):
        raise ValueError(f"mask of length {mask.size} does not fit nvec {nvec.tolist()}")
    return tuple(np.split(mask, np.cumsum(nvec)[:-1]))


def flat_mask(parts) -> np.ndarray:
    """Per-component masks concatenated into the flat bool mask a MultiDiscrete env carries."""
    return np.concatenate([np.asarray(m, dtype=bool).ravel() for m in parts])
