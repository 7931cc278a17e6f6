"""``qnet/QKDProvisioning-v0``: serve or block tenants' secret-key-rate requests on a backbone."""

from __future__ import annotations

import numpy as np
from gymnasium import spaces

from ..core.qkd_provisioning import QKDProvisioning, QKDProvisioningConfig
from .base import CompiledRequestEnv
from .network_render import render_network


class QKDProvisioningEnv(CompiledRequestEnv):
    """
    ## Description

    Multi-tenant QKD provisioning (the RL-for-QKD-provisioning line of work cited by seed 002,
    Xu et al., Sec. II-C 1 and ref. [5]). Requests (src, dst, key rate in kbit/s, holding time)
    arrive as a Poisson process on a trusted-relay backbone, NSFNET by default. The controller
    serves the request at the head of the queue on one of the k shortest paths with a number of
    quantum channels per hop, or rejects it; served requests hold their channels until they
    depart. A channel's key rate on a link is the weak+vacuum decoy-state BB84 rate
    (:func:`qnet_envs.physics.decoy_bb84_key_rate`, GYS device parameters) at the link's
    trusted-relay span length (ceil(L / ``max_span_km``) equal spans) times the source
    repetition rate; a path's rate per channel is its slowest hop's.

    ## Action Space

    ``Discrete(1 + k * C)``: 0 rejects; ``1 + k_index * C + (c - 1)`` serves on path
    ``k_index`` with ``c`` channels per hop (C = ``max_channels_per_hop``). ``info["action_mask"]``
    allows an allocation only if every hop has ``c`` free channels and ``c`` times the path's
    per-channel rate meets the demand. A masked-out action rejects the request and costs
    ``invalid_action_penalty``, with ``info["invalid_action"] = True``. Out of space raises.

    ## Observation Space

    ``Box(0, 1, (2N + 2 + 4k + E,), float32)``: one-hot source and destination (N nodes), demand
    / max demand, holding time / (10 x mean holding) clipped; per path: exists, hops / max hops,
    free channels on its busiest hop / W, channels per hop needed / (C + 1) (clipped); then the
    free-channel fraction of each of the E links.

    ## Rewards

    A served request earns (demand / mean demand) x (holding / mean holding) minus
    ``channel_cost`` per channel held (channels per hop x hops). A rejection earns 0.

    ## Starting State

    An empty network and the first request.

    ## Episode End

    Truncated after ``horizon`` requests (1000). Never terminates.

    ## Info

    ``blocking_probability``, ``served``, ``rejected``, ``arrived``, ``channel_utilisation``,
    ``key_rate_kbps`` (of the allocation just made, else 0), ``action_mask``, ``invalid_action``.

    ## Arguments

    | Field | Default | Allowed | Source |
    |-------|---------|---------|--------|
    | topology | "nsfnet" | "nsfnet", "metro6", "surfnet", "geant2012", edge list (u, v, km), networkx graph, ``random_backbone(n, seed)`` | NSFNET 14 nodes / 21 links; surfnet (50 nodes) and geant2012 (40) are Internet Topology Zoo maps with great-circle fibre lengths (``core/topology.zoo_backbone``) |
    | channels_per_link | 16 | 1-1024 | W wavelengths/time slots |
    | k_paths | 3 | 1-8 | |
    | max_channels_per_hop | 4 | 1-64 | |
    | max_span_km | 80 | 1-140 | trusted nodes every ~60 km in the Beijing-Shanghai backbone |
    | repetition_rate_hz | 1e9 | | GHz-clocked QKD sources |
    | load_erlang | 40 | [1e-6, 1e6] | arrival rate x mean holding |
    | mean_holding | 10 | [1e-6, 1e9] | time unit of the arrival process |
    | demand_kbps | (20, 200) | 0 < low <= high | |
    | channel_cost | 0.01 | >= 0 | |
    | invalid_action_penalty | 0.1 | >= 0 | |
    | horizon | 1000 | >= 1 | requests per episode |
    | path_table | "all-pairs" | "all-pairs", "on-demand" | Yen's k shortest paths for every ordered pair at construction (n^3: 14 s at 100 nodes), or for a pair when a request first needs it (same paths; hops observed as hops / (n - 1)); use on-demand for backbones of hundreds of nodes |

    ## Version History

    * v0: initial release. Before the first tagged release the arrival stream changed once (same
      distributions): each arrival reads four uniforms, turned into variates by inverse
      transforms (shared with QuantumResourceAllocation-v0); trajectories for a given seed
      differ from earlier builds.
    """

    metadata = {"render_modes": ["ansi", "rgb_array"], "render_fps": 4}
    metric_keys = ("blocking_probability", "served", "rejected", "channel_utilisation")

    @classmethod
    def default_config(cls) -> QKDProvisioningConfig:
        return QKDProvisioningConfig()

    def _configure(self, config: QKDProvisioningConfig) -> None:
        self.config = config
        self._adopt(QKDProvisioning(config))  # a batch of one
        self.action_space = spaces.Discrete(self.core.n_actions)
        size = self.core.observation_size
        self.observation_space = spaces.Box(0.0, 1.0, shape=(size,), dtype=np.float32)

    def decode(self, action: int) -> tuple[int, int] | None:
        """(path index, channels per hop) of an action, or None for reject (the core's codec)."""
        return self.core.decode(action)

    def render(self):
        if self.render_mode is None:
            return None
        ledger = self.core.ledger
        load = ledger.load("channels")[0]
        title = (
            f"t={self.core.t[0]:.1f} blocking={self.core.blocking_probability():.3f} "
            f"active={ledger.active()[0]}"
        )
        return render_network(self.core.net.graph, load, None, title, self.render_mode)
