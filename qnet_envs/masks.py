"""The one action-mask layout every qnet env uses, and its split into Gymnasium's form.

Every env carries ``info["action_mask"]`` as one flat int8 array: for ``MultiDiscrete`` actions,
the per-component masks concatenated in component order. A fixed shape is what TorchRL's
batched ``GymEnv`` and the vector envs can stack, and it is what sb3-contrib's MaskablePPO
reads (``action_masks()``). Gymnasium's ``MultiDiscrete.sample(mask=...)`` takes a tuple of
per-component masks instead: :func:`component_masks` converts.
"""

from __future__ import annotations

import numpy as np


def component_masks(space, mask) -> np.ndarray | tuple:
    """``info["action_mask"]`` in the form ``space.sample(mask=...)`` takes.

    Every qnet env carries one flat int8 mask (for ``MultiDiscrete``, the per-component masks
    concatenated in component order: fixed-shape, so TorchRL and vector envs can stack it).
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
    """Per-component masks concatenated into the one flat int8 mask every env carries."""
    return np.concatenate([np.asarray(m, dtype=np.int8).ravel() for m in parts])
