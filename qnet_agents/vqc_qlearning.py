"""Q-learning with a variational quantum circuit as the Q-function (Skolik, Jerbi & Dunjko,
"Quantum agents in the Gym", Quantum 6, 720 (2022)), trained with the Double-DQN loop of
:mod:`qnet_agents.ddqn` (same replay buffer, target network, masks, checkpoints and ``train``).

Circuit, per layer l = 1..L on n qubits: data re-uploading RX(atan(lambda_{l,i} x_i)) with
trainable input scales lambda, then trainable RY and RZ on every qubit, then a ring of CZ
gates. Q-values are Pauli-Z expectations times trainable output scales w_a:
Q_a = w_a <Z_{2a} Z_{2a+1}> when 2|A| <= n (the two-qubit observables Skolik et al. use for
CartPole), Q_a = w_a <Z_a> when |A| <= n, and otherwise a linear head from the n <Z_i>
(needed for the qnet envs' 18-28 actions; it keeps the quantum part as the feature map).

Observation to qubits: when the observation has more than n entries, a classical linear
encoder maps it to n inputs first (trained with the rest); narrower observations are
zero-padded.

Backends. ``backend="pennylane"`` runs the circuit on PennyLane's ``default.qubit`` with
``diff_method="backprop"`` and parameter broadcasting over the batch (25x faster than
``lightning.qubit`` with adjoint differentiation). Even so PennyLane spends ~0.5 ms of Python
per operation, 40-70 ms per forward pass of this 4-qubit, 5-layer circuit on a 2-core x86_64 CPU, which
makes a 50k-step Q-learning run take days. ``backend="torch"`` (the default) simulates exactly
the same circuit as a batched state vector in torch (one fused 2x2 unitary per qubit and layer,
the CZ ring as a diagonal of signs), about 100x faster; ``tests/test_agents.py`` checks that
both backends give the same Q-values and gradients to 1e-5.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .common import preset_values
from .config_check import checked
from .ddqn import DDQNConfig
from .ddqn import train as ddqn_train


class VQCQNetwork(nn.Module):
    def __init__(
        self,
        obs_dim: int,
        n_actions: int,
        n_qubits: int = 4,
        n_layers: int = 5,
        backend: str = "torch",
    ):
        super().__init__()
        if backend not in ("torch", "pennylane"):
            raise ValueError(f"backend={backend!r}; choose 'torch' or 'pennylane'")
        self.backend = backend
        self.obs_dim, self.n_actions = obs_dim, n_actions
        self.n_qubits, self.n_layers = n_qubits, n_layers
        self.encoder = nn.Linear(obs_dim, n_qubits) if obs_dim > n_qubits else None
        self.input_scale = nn.Parameter(torch.ones(n_layers, n_qubits))
        self.weights = nn.Parameter(torch.rand(n_layers, n_qubits, 2) * 2 * math.pi)
        if 2 * n_actions <= n_qubits:
            self.readout, head_in = "zz", None
        elif n_actions <= n_qubits:
            self.readout, head_in = "z", None
        else:
            self.readout, head_in = "linear", n_qubits
        self.output_scale = nn.Parameter(torch.ones(n_actions)) if head_in is None else None
        self.head = nn.Linear(head_in, n_actions) if head_in else None
        self._setup_statevector()
        if backend == "pennylane":
            self._setup_pennylane()

    def _observables(self) -> list[list[int]]:
        """The qubits whose Z product each output measures."""
        if self.readout == "zz":
            return [[2 * a, 2 * a + 1] for a in range(self.n_actions)]
        count = self.n_actions if self.readout == "z" else self.n_qubits
        return [[i] for i in range(count)]

    def _setup_statevector(self) -> None:
        n = self.n_qubits
        # Basis state b has bit (n-1-i) for qubit i (qubit 0 most significant, PennyLane order).
        bits = (torch.arange(2**n)[:, None] >> torch.arange(n - 1, -1, -1)[None, :]) & 1
        z = 1.0 - 2.0 * bits.float()  # Z eigenvalue of each qubit in each basis state
        ring = torch.ones(2**n)
        for i in range(n):
            j = (i + 1) % n
            if j != i:
                ring = ring * torch.where((bits[:, i] == 1) & (bits[:, j] == 1), -1.0, 1.0)
        self.register_buffer("cz_ring", ring.to(torch.complex64), persistent=False)
        signs = torch.stack([z[:, obs].prod(dim=1) for obs in self._observables()], dim=1)
        self.register_buffer("obs_signs", signs, persistent=False)

    def _statevector_expectations(self, x: torch.Tensor) -> torch.Tensor:
        n, batch = self.n_qubits, x.shape[0]
        psi = torch.zeros(batch, 2**n, dtype=torch.complex64)
        psi[:, 0] = 1.0
        for layer in range(self.n_layers):
            a = torch.atan(self.input_scale[layer] * x)  # (batch, n): RX angles
            u = _rz_ry_rx(
                a, self.weights[layer, :, 0], self.weights[layer, :, 1]
            )  # (batch, n, 2, 2)
            for i in range(n):
                psi = psi.reshape(batch, 2**i, 2, 2 ** (n - i - 1))
                psi = torch.einsum("bij,bajc->baic", u[:, i], psi).reshape(batch, 2**n)
            psi = psi * self.cz_ring
        probs = psi.real**2 + psi.imag**2
        return probs @ self.obs_signs

    def _setup_pennylane(self) -> None:
        from .registry import require

        qml = require("pennylane", "quantum-agents")

        n_qubits, n_layers = self.n_qubits, self.n_layers
        observables = self._observables()
        dev = qml.device("default.qubit", wires=n_qubits)

        @qml.qnode(dev, interface="torch", diff_method="backprop")
        def circuit(x, scale, weights):
            for layer in range(n_layers):
                for i in range(n_qubits):
                    qml.RX(torch.atan(scale[layer, i] * x[..., i]), wires=i)
                    qml.RY(weights[layer, i, 0], wires=i)
                    qml.RZ(weights[layer, i, 1], wires=i)
                for i in range(n_qubits):
                    qml.CZ(wires=[i, (i + 1) % n_qubits])
            return [qml.expval(qml.prod(*[qml.PauliZ(q) for q in obs])) for obs in observables]

        self.circuit = circuit

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        x = obs.float()
        if self.encoder is not None:
            x = self.encoder(x)
        elif x.shape[-1] < self.n_qubits:
            x = nn.functional.pad(x, (0, self.n_qubits - x.shape[-1]))
        if self.backend == "pennylane":
            out = torch.stack(self.circuit(x, self.input_scale, self.weights), dim=-1).float()
        else:
            out = self._statevector_expectations(x)
        if self.head is not None:
            return self.head(out)
        return out * self.output_scale


def _rz_ry_rx(a: torch.Tensor, b: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
    """RZ(c) RY(b) RX(a) per qubit as complex 2x2 matrices: a (batch, n), b and c (n,);
    returns (batch, n, 2, 2)."""
    ca, sa = torch.cos(a / 2), torch.sin(a / 2)
    zero = torch.zeros_like(ca)
    rx = torch.complex(
        torch.stack([torch.stack([ca, zero], -1), torch.stack([zero, ca], -1)], -2),
        torch.stack([torch.stack([zero, -sa], -1), torch.stack([-sa, zero], -1)], -2),
    )
    cb, sb = torch.cos(b / 2), torch.sin(b / 2)
    ry = torch.stack([torch.stack([cb, -sb], -1), torch.stack([sb, cb], -1)], -2).to(
        torch.complex64
    )
    phase = torch.exp(0.5j * c.to(torch.complex64))
    rz_ry = torch.stack([ry[:, 0, :] * phase.conj()[:, None], ry[:, 1, :] * phase[:, None]], -2)
    return rz_ry[None] @ rx


def config_from(preset: str = "default", **overrides) -> DDQNConfig:
    """The preset's config with ``overrides``, each field checked (:mod:`.config_check`)."""
    base = checked(DDQNConfig, {"run_dir": "runs/vqc", **preset_values("vqc", preset)})
    return checked(DDQNConfig, overrides, base)


def network_factory(n_qubits: int = 4, n_layers: int = 5, backend: str = "torch"):
    return lambda obs_dim, n_actions: VQCQNetwork(obs_dim, n_actions, n_qubits, n_layers, backend)


def train(
    env_id_or_env,
    config: DDQNConfig | None = None,
    n_qubits: int = 4,
    n_layers: int = 5,
    backend: str = "torch",
    resume: str | None = None,
):
    """Double-DQN training of a :class:`VQCQNetwork`; see :func:`qnet_agents.ddqn.train`."""
    return ddqn_train(
        env_id_or_env,
        config or config_from(),
        network_factory(n_qubits, n_layers, backend),
        algo="vqc",
        resume=resume,
    )
