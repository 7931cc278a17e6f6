"""``qnet/EntanglementDistribution-v2``: a repeater chain in which every node acts every slot."""

from __future__ import annotations

import numpy as np
from gymnasium import spaces

from ..core.repeater_chain.config import RepeaterChainConfig, preset_defaults
from ..core.repeater_chain.core import RepeaterChainCore
from ..core.repeater_chain.layout import N_FEATURES
from .base import CompiledCoreEnv
from .repeater_render import render_chain


class EntanglementDistributionEnv(CompiledCoreEnv):
    """
    ## Description

    A chain of ``n_nodes`` quantum repeaters joined by fibre links delivers entangled pairs
    between its two end nodes. Each node has ``memories_per_side`` (M) memories facing each
    neighbour. Every slot, **all links attempt in parallel** and **every node acts**:

    * **Generation.** Every free memory pair of every link attempts midpoint-heralded
      generation (M attempts at once when M memories are free: multiplexing). An attempt
      succeeds with the fibre-loss probability of
      :func:`qnet_envs.physics.heralded_success_probability` (Barrett & Kok 2005; Jones et al.,
      NJP 18, 083015 (2016), Eq. 1), or with ``generation_success`` if set; it lasts the link's
      heralding round trip n L / c (:func:`qnet_envs.physics.heralded_attempt_time`), so a link
      longer than the slot keeps its memories busy for several slots (heterogeneous links keep
      their own periods). The new pair's fidelity is drawn from ``initial_fidelity`` (seed 002's
      "uncertain fidelities": the controller believes the nominal value) and the pair has
      decohered during the round trip.
    * **Node operations**, chosen by the agent for every node at once: swap a left and a right
      pair (Bell measurement with gate and readout noise, Briegel et al., PRL 81, 5932 (1998),
      Eqs. 2-3; success probability ``swap_success``), purify two pairs to the same far node
      (BBPSSW, Bennett et al. PRL 76, 722 (1996), or DEJMPS, Deutsch et al. PRL 77, 2818 (1996),
      with the same noisy gates and readout: Duer, Briegel, Cirac & Zoller, PRA 59, 169 (1999)),
      discard a qubit, or idle. Adjacent swaps in one slot compose; the new pair survives only
      if all of them succeed (Iñesta et al. 2023). A cutoff policy is built in
      (``cutoff_slots``: pairs reaching that age are discarded) and an agent can discard itself.
    * **Classical messages.** Swap and purification outcomes travel at c / 1.44
      (:data:`qnet_envs.physics.FIBER_REFRACTIVE_INDEX`) to the nodes that need them. A node may
      use a pair only once the messages that define its Pauli frame have reached it; an
      end-to-end pair is delivered only when both end nodes know it; a lost pair's qubits stay
      busy until the news arrives. Memories decohere while waiting. ``classical_delays=False``
      makes these messages instantaneous (heralds still take the link's round trip).
    * **Decoherence per memory.** Each memory depolarises with time constant
      ``memory_depolarizing_time_s`` (and dephases with ``memory_dephasing_time_s`` if set),
      per node; a pair decays at the sum of its two memories' rates
      (:func:`qnet_envs.physics.memory_pair_decay`).

    One step is one slot: ``slot_time_s``, by default the shortest link's heralding round trip
    (120 us for 25 km). Classical messages take whole slots (rounded up).

    Order within a slot (the ``inesta2023`` convention, extended): node operations (discards,
    then purifications, then swaps), delivery, cutoffs, generation attempts launched on every
    memory pair free at this slot; then ages +1 and one slot of decoherence, arrival of
    messages (and the deliveries they complete), and the heralds that come back. An attempt
    always lasts its link's round trip: a memory freed by a message that arrives at slot t
    (an end memory after a delivery, the qubit of a lost pair) holds its next pair at the
    earliest one round trip after t. With ``generation_success=1`` and one memory per side on
    equal links, swap-asap therefore delivers one pair per n - 1 slots with delays on (the
    outcome of the farthest swap needs n - 2 slots to reach an end node, the new links one
    more) and one per slot without.

    ## Action Space

    ``MultiDiscrete([K] * n_nodes)``: one component per node, the same K = 1 + M^2 + M(M-1)/2
    + 2M choices at every node (10 for M = 2; layout in
    :mod:`qnet_envs.core.repeater_chain.codec`; ``env.unwrapped.describe_action(a)`` names an
    action). ``info["action_mask"]`` is the n_nodes per-node masks concatenated, as bool
    (n_nodes * K entries, node by node; ``qnet_envs.component_masks`` splits it for
    ``MultiDiscrete.sample``); ``action_masks()`` is the same as bool, what sb3-contrib's
    MaskablePPO reads. A masked-out choice is a no-op for that
    node and costs ``invalid_action_penalty`` (0.1) per node, with ``info["invalid_action"] =
    True``. A choice that was valid but whose pair another node consumed earlier in the slot's
    order does nothing and counts in ``info["conflicts"]``. An action outside the space raises
    ``ValueError``.

    ## Observation Space

    ``Box(0, 4, (n_nodes * 2M * 6,), float32)``: for each node, for its M left then M right
    memories, what that node knows: [attempt in flight, pair with known frame, occupied with
    unknown frame (waiting for a swap or purification outcome, or lost without knowing it),
    far node / (n-1), age / age scale (clipped at 4), fidelity]. Far node, age and fidelity are
    0 unless the frame is known. The age scale is ``cutoff_slots``, else the memory time in
    slots. The fidelity is the nominal (believed) one unless ``reveal_fidelity``. The
    observation is every node's local view side by side (the PettingZoo front gives each node
    only its own).

    ## Rewards

    ``objective``: ``"pairs_above_target"`` (default) +1 per delivered pair whose true fidelity
    is >= ``target_fidelity``; ``"fidelity"`` the sum of delivered fidelities; ``"key_rate"`` the
    sum of BB84 secret fractions ``bb84_key_rate(qber_from_fidelity(F))`` of delivered pairs;
    ``"delivery_time"`` -1 per slot until the first delivery (the episode then terminates; the
    return is minus the delivery time). Minus ``attempt_cost`` per attempt launched,
    ``memory_cost`` per occupied memory per slot, ``invalid_action_penalty`` per masked-out
    node choice.

    ## Info

    ``action_mask``, ``invalid_action``, cumulative ``delivered``, ``delivered_above_target``,
    ``mean_delivered_fidelity`` (true; 0 before any delivery), ``mean_key_fraction``,
    ``attempts``, ``generated``, ``swaps``, ``swap_failures``, ``purifications``,
    ``purification_failures``, ``discarded``, ``cutoff_discards``, ``conflicts``; this slot's
    ``delivered_now`` and ``delivered_fidelities`` (fixed length M, zero-padded past
    ``delivered_now``); the slot ``t`` and the simulated time ``time_s``.

    ## Starting State

    Empty memories at slot 0, then the first round of generation attempts.

    ## Episode End

    Terminates at the first delivery under ``objective="delivery_time"``; otherwise never.
    Truncated after ``horizon`` slots (1000; 100,000 for the preset).

    ## Arguments

    ``gym.make("qnet/EntanglementDistribution-v2", config={...})``; the config deep-merges into
    :class:`qnet_envs.core.repeater_chain.config.RepeaterChainConfig` (or into the preset's
    values when it names ``preset``):

    | Field | Default | Allowed | Source |
    |-------|---------|---------|--------|
    | preset | None | None, "inesta2023" | Iñesta, Vardoyan, Scavuzzo & Wehner, npj Quantum Inf. 9, 46 (2023) |
    | n_nodes | 4 | 3-10 | |
    | link_length_km | 25.0 | (0, 1000], one value or n-1 | metro-scale links |
    | memories_per_side | 2 | 1-8 | |
    | slot_time_s | None (shortest round trip) | [1e-9, 10] | |
    | attenuation_db_per_km | 0.2 | [0, 10] | telecom fibre at 1550 nm (ITU-T G.652) |
    | detector_efficiency | 0.9 | (0, 1] | superconducting nanowire detectors |
    | emission_efficiency | 1.0 | (0, 1] | ideal: the default links are fibre-limited |
    | generation_success | None (fibre physics) | (0, 1] | |
    | swap_success | 1.0 | (0, 1] | deterministic Bell measurement on memory qubits |
    | initial_fidelity | normal(0.92, 0.02) | normal/uniform/fixed | seed 002 "uncertain fidelities" |
    | memory_depolarizing_time_s | 1.0 | > 0, one or per node, None | one-second electron-spin coherence, Abobeih et al., Nat. Commun. 9, 2552 (2018) |
    | memory_dephasing_time_s | None | > 0, one or per node, None | |
    | gate_fidelity, meas_fidelity | 0.995, 0.998 | [0, 1], [0.5, 1] | two-qubit gates and readout of current NV/ion nodes |
    | purification | "dejmps" | bbpssw, dejmps | |
    | classical_delays | True | bool | |
    | cutoff_slots | None | >= 1 | cutoff policies, Rozpedek et al., PRA 99, 052330 (2019) |
    | objective | "pairs_above_target" | see Rewards | |
    | target_fidelity | 0.8 | [0.25, 1] | |
    | attempt_cost, memory_cost | 0, 0 | >= 0 | |
    | invalid_action_penalty | 0.1 | >= 0 | |
    | horizon | 1000 | >= 1 | |
    | reveal_fidelity | False | bool | |

    ``preset="inesta2023"``: 1 memory per side (2 per interior node, 1 per end node),
    generation with probability ``generation_success`` (p), swaps with ``swap_success`` (p_s;
    a failed swap loses both input links), ``cutoff_slots`` (t_cut), no classical delays,
    ``objective="delivery_time"``; each slot: swaps, then (no end-to-end link) discard links of
    age >= t_cut, ages +1, generation on every free link. The expected delivery time is
    T = -E[return]; :mod:`qnet_envs.references.repeater_mdp` solves it exactly.

    ## Simplifications

    * Slotted time; classical messages and heralds take whole slots.
    * Both ends of a purification act in the same slot (a protocol agreed in advance), and a
      cutoff is applied at both ends in the same slot.
    * The memories of a failed or discarded pair free when the news reaches them; a node that
      discards frees its own qubit at once.
    * Single-qubit rotations of DEJMPS are perfect; only two-qubit gates and readout are noisy.
    * The centralised observation gives the controller every node's local view without delay.

    ## Version History

    * v2: an attempt launched on a memory that a classical message freed starts when the
      message arrives, so it is heralded one round trip later (v1 relaunched it within the
      same slot, with no round trip: with delays on, rates about 5% too high on the default
      chain). Trajectories with ``classical_delays=False`` (the ``inesta2023`` preset and its
      exact references included) are unchanged bit for bit.
    * v1: removed (``gym.make`` raises ``DeprecatedEnv`` pointing at v2): parallel generation
      on every link and memory (multiplexing), per-node actions every slot
      (``MultiDiscrete``), classical-message delays, per-memory decoherence, noisy
      purification, cutoffs, objectives, the ``inesta2023`` preset with exact references, one
      batch-first core shared by the scalar, vector and PettingZoo fronts.
    * v0: removed: one operation per slot for the whole chain, instantaneous classical
      communication, pair-level decoherence, noiseless purification.
    """

    metadata = {"render_modes": ["ansi", "rgb_array"], "render_fps": 10}
    metric_keys = ("delivered_above_target", "delivered", "mean_delivered_fidelity", "t")
    MASK_DTYPE = bool  # the per-node masks concatenated, n_nodes * K bools

    @classmethod
    def default_config(cls) -> RepeaterChainConfig:
        return RepeaterChainConfig()

    @classmethod
    def defaults_for(cls, overrides) -> RepeaterChainConfig:
        preset = overrides.get("preset") if isinstance(overrides, dict) else None
        return preset_defaults(preset)

    def _configure(self, config: RepeaterChainConfig) -> None:
        self.config = config
        self._adopt(RepeaterChainCore(config, 1))  # a batch of one
        self.codec = self.core.codec
        self.action_space = spaces.MultiDiscrete(self.codec.nvec)
        n_obs = config.n_nodes * 2 * config.memories_per_side * N_FEATURES
        self.observation_space = spaces.Box(0.0, 4.0, shape=(n_obs,), dtype=np.float32)

    # --- action helpers ------------------------------------------------------------------
    def describe_action(self, action) -> str:
        return "; ".join(self.codec.describe(x, int(c)) for x, c in enumerate(action))

    def _batch_action(self, action) -> np.ndarray:
        return self.codec.check(action)[None]

    # --- rendering -----------------------------------------------------------------------
    def render(self):
        return render_chain(self.core, self.render_mode)
