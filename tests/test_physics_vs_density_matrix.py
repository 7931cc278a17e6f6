"""Each entanglement and QKD formula against an explicit density-matrix simulation of the protocol.

The reference builds the actual states and operations with qiskit.quantum_info (Bell-basis
projections, Pauli corrections found numerically, bilateral CNOTs with post-selection, Kraus
channels) and never calls the formula under test.
"""

import itertools

import numpy as np
import pytest

qi = pytest.importorskip("qiskit.quantum_info")
from qiskit.quantum_info import DensityMatrix, Kraus, Operator, Statevector, partial_trace  # noqa: E402

from qnet_envs import physics  # noqa: E402

N_CASES = 200
TOL = 1e-9

I2 = np.eye(2)
X = np.array([[0, 1], [1, 0]], dtype=complex)
Y = np.array([[0, -1j], [1j, 0]])
Z = np.diag([1.0, -1.0]).astype(complex)
PAULIS = {"I": I2, "Y": Y, "X": X, "Z": Z}
ORDER = ["I", "Y", "X", "Z"]  # (Phi+, Psi-, Psi+, Phi-) = (I x P)|Phi+>
PHI_PLUS = np.array([1, 0, 0, 1], dtype=complex) / np.sqrt(2)
BELL = [np.kron(PAULIS[p], I2) @ PHI_PLUS for p in ORDER]  # kron(high, low): P on qubit 1


def bell_diagonal(c):
    rho = sum(ck * np.outer(b, b.conj()) for ck, b in zip(c, BELL, strict=True))
    return DensityMatrix(rho)


def bell_coefficients(dm):
    m = dm.data
    return np.array([np.real(b.conj() @ m @ b) for b in BELL])


def random_coefficients(rng):
    return rng.dirichlet(np.ones(4))


def pauli_channel_kraus(n_qubits, keep):
    """Depolarising: rho -> keep rho + (1 - keep) I/2^n tr rho, as an explicit Pauli-twirl Kraus map."""
    paulis = []
    for combo in itertools.product([I2, X, Y, Z], repeat=n_qubits):
        op = np.array([[1.0]], dtype=complex)
        for p in combo:
            op = np.kron(op, p)
        paulis.append(op)
    d2 = len(paulis)
    ops = [np.sqrt(keep + (1 - keep) / d2) * paulis[0]]
    ops += [np.sqrt((1 - keep) / d2) * p for p in paulis[1:]]
    return Kraus(ops)


def _swap_corrections():
    """For each Bell outcome on (B1, B2), the Pauli on C that restores Phi+ from Phi+ x Phi+."""
    ideal = bell_diagonal([1, 0, 0, 0])
    state = ideal.expand(ideal)  # qubits 0,1 = (A, B1); 2,3 = (B2, C)
    table = {}
    for k, b in enumerate(BELL):
        proj = Operator(np.outer(b, b.conj()))
        post = state.evolve(proj, qargs=[1, 2])
        ac = partial_trace(post, [1, 2])
        for name in ORDER:
            fixed = ac.evolve(Operator(PAULIS[name]), qargs=[1])
            f = bell_coefficients(fixed)[0] / np.real(fixed.trace())
            if f > 1 - 1e-9:
                table[k] = name
    assert len(table) == 4
    return table


LABEL_BITS = {0: (0, 0), 1: (1, 1), 2: (1, 0), 3: (0, 1)}  # (x, z) bits of I, Y, X, Z
BITS_LABEL = {v: k for k, v in LABEL_BITS.items()}


def reference_swap(c1, c2, gate, eta, corrections):
    state = bell_diagonal(c1).expand(bell_diagonal(c2))
    state = state.evolve(pauli_channel_kraus(2, gate), qargs=[1, 2])
    out = np.zeros((4, 4), dtype=complex)
    for k, b in enumerate(BELL):
        post = state.evolve(Operator(np.outer(b, b.conj())), qargs=[1, 2])
        ac = partial_trace(post, [1, 2])
        x, z = LABEL_BITS[k]
        for fx, fz in itertools.product([0, 1], repeat=2):
            prob = (eta if fx == 0 else 1 - eta) * (eta if fz == 0 else 1 - eta)
            reported = BITS_LABEL[(x ^ fx, z ^ fz)]
            fixed = ac.evolve(Operator(PAULIS[corrections[reported]]), qargs=[1])
            out += prob * fixed.data
    return bell_coefficients(DensityMatrix(out))


def test_swap_matches_bell_measurement_and_correction():
    rng = np.random.default_rng(0)
    corrections = _swap_corrections()
    for i in range(N_CASES):
        c1, c2 = random_coefficients(rng), random_coefficients(rng)
        gate, eta = (1.0, 1.0) if i < 20 else (rng.uniform(0.7, 1), rng.uniform(0.7, 1))
        ref = reference_swap(c1, c2, gate, eta, corrections)
        got = physics.swap_bell_diagonal(c1, c2, gate, eta)
        np.testing.assert_allclose(got, ref, atol=TOL)


def test_swap_fidelity_of_werner_pairs_matches_simulation():
    rng = np.random.default_rng(1)
    corrections = _swap_corrections()
    for i in range(N_CASES):
        f1, f2 = rng.uniform(0.25, 1, size=2)
        gate, eta = (1.0, 1.0) if i < 50 else (rng.uniform(0.7, 1), rng.uniform(0.7, 1))
        ref = reference_swap(physics.werner(f1), physics.werner(f2), gate, eta, corrections)[0]
        assert abs(physics.swap_fidelity(f1, f2, gate, eta) - ref) < TOL
        if i < 50:  # the closed form quoted in the foundation issue
            assert abs(ref - (f1 * f2 + (1 - f1) * (1 - f2) / 3)) < TOL


def dejmps_rotations(state):
    """Alice's qubits (0, 2) get Rx(pi/2), Bob's (1, 3) Rx(-pi/2) (Deutsch et al. 1996)."""

    def rx(t):
        c, s = np.cos(t / 2), np.sin(t / 2)
        return Operator(np.array([[c, -1j * s], [-1j * s, c]]))

    for q in (0, 2):
        state = state.evolve(rx(np.pi / 2), qargs=[q])
    for q in (1, 3):
        state = state.evolve(rx(-np.pi / 2), qargs=[q])
    return state


def reference_purify(c1, c2, rotate):
    # qubits: 0 = A1, 1 = B1 (kept pair); 2 = A2, 3 = B2 (sacrificed pair)
    state = bell_diagonal(c1).expand(bell_diagonal(c2))
    if rotate:
        state = dejmps_rotations(state)
    cnot = Operator(np.array([[1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0], [0, 1, 0, 0]]))  # ctrl q0
    state = state.evolve(cnot, qargs=[0, 2]).evolve(cnot, qargs=[1, 3])
    agree = np.zeros((4, 4))
    agree[0, 0] = agree[3, 3] = 1  # |00><00| + |11><11| on (A2, B2)
    post = state.evolve(Operator(agree), qargs=[2, 3])
    p = float(np.real(post.trace()))
    kept = partial_trace(post, [2, 3])
    return bell_coefficients(kept) / p, p


def test_bbpssw_matches_bilateral_cnot_simulation():
    rng = np.random.default_rng(2)
    for _ in range(N_CASES):
        f1, f2 = rng.uniform(0.25, 1, size=2)
        ref, p_ref = reference_purify(physics.werner(f1), physics.werner(f2), rotate=False)
        f, p = physics.bbpssw(f1, f2)
        assert abs(f - ref[0]) < TOL and abs(p - p_ref) < TOL


def test_dejmps_matches_rotated_bilateral_cnot_simulation():
    rng = np.random.default_rng(3)
    for _ in range(N_CASES):
        c1, c2 = random_coefficients(rng), random_coefficients(rng)
        ref, p_ref = reference_purify(c1, c2, rotate=True)
        c, p = physics.dejmps(c1, c2)
        np.testing.assert_allclose(c, ref, atol=TOL)
        assert abs(p - p_ref) < TOL


def reference_noisy_purify(c1, c2, rotate, gate, eta):
    """Bilateral CNOTs each followed by two-qubit depolarisation, Z readouts each flipped with
    probability 1 - eta (Kraus sqrt(POVM) operators), kept when the recorded bits agree."""
    state = bell_diagonal(c1).expand(bell_diagonal(c2))  # 0 = A1, 1 = B1, 2 = A2, 3 = B2
    if rotate:
        state = dejmps_rotations(state)
    cnot = Operator(np.array([[1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0], [0, 1, 0, 0]]))
    noise = pauli_channel_kraus(2, gate)
    state = state.evolve(cnot, qargs=[0, 2]).evolve(noise, qargs=[0, 2])
    state = state.evolve(cnot, qargs=[1, 3]).evolve(noise, qargs=[1, 3])
    kept = np.zeros((4, 4), dtype=complex)
    for r in (0, 1):
        root = np.diag(
            [np.sqrt(eta), np.sqrt(1 - eta)] if r == 0 else [np.sqrt(1 - eta), np.sqrt(eta)]
        )
        post = state.evolve(Operator(np.kron(root, root)), qargs=[2, 3])
        kept += partial_trace(post, [2, 3]).data
    p = float(np.real(np.trace(kept)))
    return bell_coefficients(DensityMatrix(kept)) / p, p


def test_noisy_dejmps_matches_density_matrix_simulation():
    rng = np.random.default_rng(8)
    for i in range(60):
        c1, c2 = random_coefficients(rng), random_coefficients(rng)
        gate, eta = (1.0, 1.0) if i < 5 else (rng.uniform(0.7, 1), rng.uniform(0.7, 1))
        ref, p_ref = reference_noisy_purify(c1, c2, True, gate, eta)
        c, p = physics.dejmps(c1, c2, gate, eta)
        np.testing.assert_allclose(c, ref, atol=TOL)
        assert abs(p - p_ref) < TOL


def test_noisy_bbpssw_matches_density_matrix_simulation():
    rng = np.random.default_rng(9)
    for _ in range(60):
        f1, f2 = rng.uniform(0.25, 1, size=2)
        gate, eta = rng.uniform(0.7, 1), rng.uniform(0.7, 1)
        ref, p_ref = reference_noisy_purify(
            physics.werner(f1), physics.werner(f2), False, gate, eta
        )
        f, p = physics.bbpssw(f1, f2, gate, eta)
        assert abs(f - ref[0]) < TOL and abs(p - p_ref) < TOL


def test_per_memory_decoherence_matches_local_channels_on_each_qubit():
    """Memory a depolarises with exp(-t/T_a) and dephases with coherence exp(-t/T2_a), memory b
    with its own times: the pair-level map of memory_pair_decay/decohere_pair agrees."""
    rng = np.random.default_rng(10)
    for _ in range(N_CASES):
        c = random_coefficients(rng)
        t = rng.uniform(0, 2)
        ta, tb, t2a, t2b = rng.uniform(0.1, 3, size=4)
        dm = bell_diagonal(c)
        for q, (t1, t2) in enumerate([(ta, t2a), (tb, t2b)]):
            gamma = 1 - np.exp(-2 * t / t2)
            damp = Kraus(
                [np.diag([1, np.sqrt(1 - gamma)]), np.array([[0, 0], [0, np.sqrt(gamma)]])]
            )
            dm = dm.evolve(pauli_channel_kraus(1, np.exp(-t / t1)), qargs=[q]).evolve(
                damp, qargs=[q]
            )
        keep, pz = physics.memory_pair_decay(t, (ta, tb), (t2a, t2b))
        np.testing.assert_allclose(
            physics.decohere_pair(c, keep, pz), bell_coefficients(dm), atol=TOL
        )


def test_depolarising_memory_matches_two_local_depolarising_channels():
    # Each memory depolarises with exp(-t/(2T)); together the pair decays as exp(-t/T).
    rng = np.random.default_rng(4)
    for _ in range(N_CASES):
        f, t, T = rng.uniform(0.25, 1), rng.uniform(0, 5), rng.uniform(0.1, 3)
        local = pauli_channel_kraus(1, np.exp(-t / (2 * T)))
        rho = physics.werner(f)
        dm = bell_diagonal(rho).evolve(local, qargs=[0]).evolve(local, qargs=[1])
        assert abs(physics.decohere(f, t, T) - bell_coefficients(dm)[0]) < TOL


def test_dephasing_matches_phase_damping_kraus():
    rng = np.random.default_rng(5)
    for _ in range(N_CASES):
        c = random_coefficients(rng)
        t, T = rng.uniform(0, 5), rng.uniform(0.1, 3)
        gamma = 1 - np.exp(-2 * t / T)  # coherence factor sqrt(1 - gamma) = exp(-t/T)
        damp = Kraus([np.diag([1, np.sqrt(1 - gamma)]), np.array([[0, 0], [0, np.sqrt(gamma)]])])
        dm = bell_diagonal(c).evolve(damp, qargs=[0])
        np.testing.assert_allclose(physics.dephase_bell(c, t, T), bell_coefficients(dm), atol=TOL)
        f = rng.uniform(0.25, 1)
        dmw = bell_diagonal(physics.werner(f)).evolve(damp, qargs=[0])
        assert abs(physics.dephase(f, t, T) - bell_coefficients(dmw)[0]) < TOL


def test_qber_from_fidelity_matches_measured_error_rates_in_both_bases():
    rng = np.random.default_rng(6)
    h = Operator(np.array([[1, 1], [1, -1]]) / np.sqrt(2))
    for _ in range(N_CASES):
        f = rng.uniform(0.25, 1)
        dm = bell_diagonal(physics.werner(f))
        for basis_change in (False, True):
            d = dm.evolve(h, qargs=[0]).evolve(h, qargs=[1]) if basis_change else dm
            probs = d.probabilities()  # index = 2*q1 + q0
            err = probs[1] + probs[2]
            assert abs(physics.qber_from_fidelity(f) - err) < TOL


def test_qae_qubit_count_matches_built_autoencoder_circuit():
    from qiskit import QuantumCircuit, QuantumRegister
    from qiskit.circuit.library import real_amplitudes

    for n in range(2, 10):
        for k in range(1, n):
            data, ref, anc = QuantumRegister(n), QuantumRegister(n - k), QuantumRegister(1)
            qc = QuantumCircuit(data, ref, anc)
            qc.compose(real_amplitudes(n, reps=2), qubits=data, inplace=True)
            qc.h(anc[0])
            for i in range(n - k):  # swap test between trash qubits and fresh references
                qc.cswap(anc[0], data[k + i], ref[i])
            qc.h(anc[0])
            assert qc.num_qubits == physics.qae_qubits(n, k)


def test_bell_states_are_the_labelled_paulis():
    # Sanity of the reference itself: BELL[k] is Phi+, Psi-, Psi+, Phi- up to phase.
    s2 = np.sqrt(2)
    expected = [[1, 0, 0, 1], [0, 1, -1, 0], [0, 1, 1, 0], [1, 0, 0, -1]]
    for b, e in zip(BELL, expected, strict=True):
        overlap = abs(np.vdot(np.array(e) / s2, b))
        assert abs(overlap - 1) < 1e-12
    assert Statevector(BELL[0]).is_valid()


def test_repetition_code_matches_majority_decoding_of_noisy_register():
    rng = np.random.default_rng(7)
    for d in (1, 3, 5):
        for _ in range(40):
            p = rng.uniform(0, 0.5)
            flip = Kraus([np.sqrt(1 - p) * I2, np.sqrt(p) * X])
            dm = DensityMatrix.from_label("0" * d)  # encoded logical |0>
            for q in range(d):
                dm = dm.evolve(flip, qargs=[q])
            probs = dm.probabilities()
            wrong = sum(pr for idx, pr in enumerate(probs) if bin(idx).count("1") > d // 2)
            assert abs(physics.repetition_code_logical_error(p, d) - wrong) < TOL
