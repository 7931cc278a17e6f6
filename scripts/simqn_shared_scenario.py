#!/usr/bin/env python3
"""The shared repeater scenario in SimQN (``pip install qns==0.2.3``), timed in CPU seconds.

    python scripts/simqn_shared_scenario.py [--slots 20000] [--memories 1] [--no-delays]

Run in an environment with SimQN and this package installed (SimQN is not a dependency of the
suite). The scenario of ``scripts/benchmark_repeater.py``: 4 nodes, 3 x 25 km, Werner 0.95
pairs, depolarising memories with T = 0.1 s (SimQN's Werner store model, w -> w exp(-t / T)
per memory holding a qubit), perfect gates, swap-asap, M memories per side. Every link attempts
heralded generation on its free memory pairs at the start of each slot (one heralding round
trip, ``qnet_envs.physics.heralded_attempt_time``), succeeding with the fibre-loss probability
``heralded_success_probability``; a success writes the pair into both memories at once and its
herald reaches both nodes one slot later. Swap-asap: at each slot, every repeater swaps its
best known left and right pairs (simultaneous swaps compose); the new pair's ends learn its
frame from a classical message over SimQN's classical channels (|i - j| x 25 km at
c / 1.44; with ``--no-delays`` at once, as the env's ``classical_delays=False``); a pair between the end nodes is delivered once both ends know every frame, which
frees its memories. SimQN's own entanglement-distribution app is a different protocol
(hop-by-hop sending at a set rate), so the scenario is written here as a SimQN application
with SimQN's simulator, nodes, memories, classical channels and Werner models.

Prints delivered pairs per simulated second, the mean delivered fidelity, and pairs per CPU
second (``time.process_time`` around ``Simulator.run``). docs/benchmarks.md quotes its output
next to the env's rate on the same scenario.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import qns
from qns.entity.cchannel.cchannel import ClassicChannel, ClassicPacket, RecvClassicPacket
from qns.entity.memory.memory import QuantumMemory
from qns.entity.node.app import Application
from qns.entity.node.node import QNode
from qns.models.epr import WernerStateEntanglement
from qns.simulator.event import func_to_event
from qns.simulator.simulator import Simulator

from qnet_envs import physics

N_NODES, LINK_KM, FIDELITY, MEMORY_T_S = 4, 25.0, 0.95, 0.1
ACCURACY = 10**9  # SimQN time slots per second (ns)


class Pair:
    """An entangled pair between nodes ``a`` < ``b`` (the SimQN Werner model ``epr``, held in
    both nodes' memories) and the messages each end still awaits before it knows the frame."""

    def __init__(self, number: int, epr, a: int, b: int):
        self.number, self.epr, self.a, self.b = number, epr, a, b
        self.waiting = {a: 1, b: 1}  # the herald, then one message per swap
        self.merged_into = None  # the pair a swap made of this one (messages follow it)

    def current(self) -> Pair:
        pair = self
        while pair.merged_into is not None:
            pair = pair.merged_into
        return pair


class ChainApp(Application):
    """Receives heralds and swap messages at one node: each lowers the count its pair awaits."""

    def __init__(self, index: int, pairs: dict):
        super().__init__()
        self.index, self.pairs = index, pairs  # every pair made so far, by number
        self.add_handler(self.on_message, [RecvClassicPacket])

    def on_message(self, node, event):
        pair = self.pairs[event.packet.get()["pair"]].current()
        if self.index in pair.waiting:  # not news for a repeater that has swapped it away
            pair.waiting[self.index] -= 1


class SharedScenario:
    def __init__(self, slots: int, memories: int, delays: bool, seed: int):
        self.rng = np.random.default_rng(seed)
        self.memories, self.delays = memories, delays
        self.slot = round(float(physics.heralded_attempt_time(LINK_KM)) * ACCURACY)
        self.p = float(physics.heralded_success_probability(LINK_KM))
        self.sim = Simulator(0.0, (slots + 1) * self.slot / ACCURACY, accuracy=ACCURACY)
        self.nodes, self.apps, self.mem, self.made = [], [], [], {}
        for i in range(N_NODES):
            app = ChainApp(i, self.made)
            node = QNode(f"n{i}", apps=[app])
            memory = QuantumMemory(f"m{i}", capacity=2 * memories, decoherence_rate=1 / MEMORY_T_S)
            node.add_memory(memory)
            self.nodes.append(node)
            self.apps.append(app)
            self.mem.append(memory)
        self.channels = {}
        for i in range(N_NODES):
            for j in range(i + 1, N_NODES):
                # a message arrives by the slot boundary it is due at (one tick early), so the
                # slot's decisions see it, as in the env; without delays none is sent
                delay = ((j - i) * self.slot - 1) / ACCURACY
                ch = ClassicChannel(f"c{i}{j}", length=(j - i) * LINK_KM, delay=delay)
                self.nodes[i].add_cchannel(ch)
                self.nodes[j].add_cchannel(ch)
                self.channels[i, j] = self.channels[j, i] = ch
        for node in self.nodes:
            node.install(self.sim)
        self.pairs: list[Pair] = []
        self.delivered, self.fidelity_sum = 0, 0.0
        for t in range(slots):
            self.sim.add_event(func_to_event(self.sim.time(time_slot=t * self.slot), self.decide))

    def known(self, pair: Pair, node: int) -> bool:
        return pair.waiting[node] == 0

    def decide(self):
        """One slot: swap-asap, deliveries, then new attempts on the free memories."""
        self.swap_asap()
        for pair in [q for q in self.pairs if q.a == 0 and q.b == N_NODES - 1]:
            if self.known(pair, pair.a) and self.known(pair, pair.b):
                self.pairs.remove(pair)
                epr = self.mem[pair.a].read(pair.epr)
                self.mem[pair.b].read(epr)  # both qubits' storage decay applied
                self.delivered += 1
                self.fidelity_sum += epr.fidelity
        for k in range(N_NODES - 1):
            used_right = sum(1 for q in self.pairs if q.a == k)
            used_left = sum(1 for q in self.pairs if q.b == k + 1)
            for _ in range(min(self.memories - used_right, self.memories - used_left)):
                if self.rng.random() < self.p:
                    self.generate(k)

    def generate(self, k: int):
        """A heralded pair on link k: written into both memories now (it decays from the
        attempt), known at both nodes when the herald arrives one slot later."""
        epr = WernerStateEntanglement(fidelity=FIDELITY)
        self.mem[k].write(epr)
        self.mem[k + 1].write(epr)
        pair = Pair(len(self.made), epr, k, k + 1)
        self.made[pair.number] = pair
        self.pairs.append(pair)
        herald = self.sim.tc + self.sim.time(time_slot=self.slot - 1)
        for node in (k, k + 1):
            packet = ClassicPacket(
                {"pair": pair.number}, src=self.nodes[node], dest=self.nodes[node]
            )
            self.sim.add_event(RecvClassicPacket(herald, packet=packet, dest=self.nodes[node]))

    def swap_asap(self):
        """Every repeater picks its best known left and right pairs; the swaps compose left to
        right (a merged pair replaces its parts), and every repeater that took part sends its
        outcome to both ends of the pair that results."""
        choice = {}
        for x in range(1, N_NODES - 1):
            left = [q for q in self.pairs if q.b == x and self.known(q, x)]
            right = [q for q in self.pairs if q.a == x and self.known(q, x)]
            if left and right:
                choice[x] = (max(left, key=lambda q: q.epr.w), max(right, key=lambda q: q.epr.w))
        swappers: dict[int, tuple[Pair, list[int]]] = {}
        for x, (left, right) in choice.items():
            left = left.current()
            self.swap(x, left, right)
            nodes = swappers.pop(id(left), (left, []))[1] + swappers.pop(id(right), (None, []))[1]
            swappers[id(left)] = (left, [*nodes, x])
        if not self.delays:  # instantaneous classical communication: the ends know at once
            return
        for pair, nodes in swappers.values():
            for end in (pair.a, pair.b):
                pair.waiting[end] += len(nodes)
                for x in nodes:
                    packet = ClassicPacket({"pair": pair.number}, src=self.nodes[x],
                                           dest=self.nodes[end])  # fmt: skip
                    self.channels[x, end].send(packet, next_hop=self.nodes[end])

    def swap(self, x: int, left: Pair, right: Pair):
        """Bell measurement at x on ``left`` (a..x) and ``right`` (x..b): every qubit's storage
        decay is applied first (each memory reads its qubit), and the new pair a..b goes into
        the far ends' memories (``left`` becomes it; messages about ``right`` follow it)."""
        a, b = left.a, right.b
        first = self.mem[a].read(left.epr)
        second = self.mem[b].read(right.epr)
        self.mem[x].read(first)
        self.mem[x].read(second)
        epr = first.swapping(second)
        self.mem[a].write(epr)
        self.mem[b].write(epr)
        self.pairs.remove(right)
        right.merged_into = left
        left.epr, left.b = epr, b
        left.waiting = {a: left.waiting[a], b: right.waiting[b]}

    def run(self) -> tuple[float, float, float]:
        start = time.process_time()
        self.sim.run()
        cpu = time.process_time() - start
        return self.delivered, self.fidelity_sum / max(self.delivered, 1), cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slots", type=int, default=20_000)
    parser.add_argument("--memories", type=int, default=1)
    parser.add_argument("--no-delays", action="store_true")
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    scenario = SharedScenario(args.slots, args.memories, not args.no_delays, args.seed)
    delivered, fidelity, cpu = scenario.run()
    simulated = args.slots * scenario.slot / ACCURACY
    print(f"SimQN {qns.__version__ if hasattr(qns, '__version__') else '0.2.3'}: M={args.memories}, "
          f"delays {'off' if args.no_delays else 'on'}, {args.slots} slots: "
          f"{delivered / simulated:,.0f} pairs per simulated s, mean F {fidelity:.4f}, "
          f"{delivered / cpu:,.0f} pairs per CPU s ({cpu:.1f} CPU s)")  # fmt: skip


if __name__ == "__main__":
    main()
