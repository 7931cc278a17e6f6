#!/usr/bin/env python3
"""How well the behaviour policies of a QRA Minari dataset can be imitated (docs/decision_transformer.md).

    python scripts/dt_imitation_report.py --checkpoint runs/dt-crn/checkpoint.pt \
        --dataset qnet/QuantumResourceAllocation/random-valid-greedy-saa-saa-saa-v0

Prints three numbers per run:
- the Decision Transformer's accuracy on each behaviour policy's recorded actions (its own
  training windows, conditioned on their true returns-to-go, 3 episodes per policy);
- how often two SAA controllers with different scenario seeds agree on the same states (SAA's
  own sampling noise: the ceiling for any imitator of one SAA run);
- the held-out accuracy of a plain MLP behaviour-cloned on the dataset's SAA episodes (all but
  the last 5 for training), as a model-free reference for how learnable SAA's choice is.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch
from torch import nn

from qnet_agents import decision_transformer as dt


def dt_accuracy(model, cfg, episodes, scale: float) -> float:
    k, hits = cfg.context, []
    for e in episodes:
        for end in range(k, len(e["actions"]) + 1, k):
            sl = slice(end - k, end)
            with torch.no_grad():
                pred = model(
                    torch.from_numpy(e["rtg"][sl] / scale)[None, :, None].float(),
                    torch.from_numpy(e["obs"][sl])[None],
                    torch.from_numpy(e["actions"][sl])[None].long(),
                    torch.arange(end - k, end)[None],
                    torch.ones(1, k, dtype=torch.bool),
                )[0].argmax(-1)
            hits.append(pred.numpy() == e["actions"][sl])
    return float(np.concatenate(hits).mean())


def saa_self_agreement(steps: int, seed: int) -> float:
    import gymnasium as gym

    import qnet_envs  # noqa: F401
    from qnet_envs.baselines.quantum_resource_allocation import SampleAverageApproximation

    env = gym.make("qnet/QuantumResourceAllocation-v0")
    obs, info = env.reset(seed=seed)
    first, second = SampleAverageApproximation(env), SampleAverageApproximation(env)
    first.reset(1)
    second.reset(2)
    same = 0
    for _ in range(steps):
        a = first.act(obs, info)
        same += a == second.act(obs, info)
        obs, _, _, _, info = env.step(a)
    return same / steps


def bc_accuracy(train, test, epochs: int) -> float:
    x, y = (torch.from_numpy(np.concatenate([e[key] for e in train])) for key in ("obs", "actions"))
    xt, yt = (
        torch.from_numpy(np.concatenate([e[key] for e in test])) for key in ("obs", "actions")
    )
    torch.manual_seed(0)
    n_actions = int(max(y.max(), yt.max())) + 1
    net = nn.Sequential(
        nn.Linear(x.shape[1], 256),
        nn.ReLU(),
        nn.Linear(256, 256),
        nn.ReLU(),
        nn.Linear(256, n_actions),
    )
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    for _ in range(epochs):
        for b in torch.randperm(len(x)).split(256):
            loss = nn.functional.cross_entropy(net(x[b]), y[b].long())
            opt.zero_grad()
            loss.backward()
            opt.step()
    with torch.no_grad():
        return float((net(xt).argmax(-1) == yt).float().mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--root", default="data/minari")
    parser.add_argument("--agreement-steps", type=int, default=300)
    parser.add_argument("--bc-epochs", type=int, default=40)
    args = parser.parse_args()
    torch.set_num_threads(1)
    model, cfg, meta = dt.load(args.checkpoint)
    scale = dt.checkpoint_scale(cfg, meta)
    cfg = dt.config_from(**{**cfg.__dict__, "dataset_id": args.dataset, "root": args.root})
    _, episodes = dt.load_episodes(cfg)
    labels_file = Path(args.root) / args.dataset / "policies.json"
    labels = json.loads(labels_file.read_text())["episodes"]
    for policy in dict.fromkeys(labels):
        mine = [e for e, lab in zip(episodes, labels, strict=True) if lab == policy][:3]
        print(f"DT accuracy on {policy}'s actions: {dt_accuracy(model, cfg, mine, scale):.0%}")
    print(
        f"SAA vs SAA (other scenario seed) on {args.agreement_steps} states: "
        f"{saa_self_agreement(args.agreement_steps, 123):.0%}"
    )
    saa = [e for e, lab in zip(episodes, labels, strict=True) if lab == "saa"]
    print(
        f"MLP behaviour cloning on {len(saa) - 5} SAA episodes, held-out accuracy on 5: "
        f"{bc_accuracy(saa[:-5], saa[-5:], args.bc_epochs):.0%}"
    )


if __name__ == "__main__":
    main()
