"""The repeater-chain model of ``qnet/EntanglementDistribution-v2``: config, action codec,
layout, compiled kernels and the batch-first core (see ``docs/architecture.md``). The kernels
module imports numba; nothing here imports it until a core is built."""
