"""MAPPO (Yu et al., "The Surprising Effectiveness of PPO in Cooperative Multi-Agent Games",
NeurIPS 2022) for the suite's PettingZoo envs, CleanRL style; ``independent=True`` gives IPPO.
Written for the offloading env (mobile and edge roles, hybrid actions) and run as well on the
repeater chain's decentralised front (one ``node`` role, Discrete per-node actions, the chain's
shared reward). An agent's role is its name before the last ``_``.

Actor: one network shared by all agents, input = the agent's (zero-padded) local observation
and a one-hot agent id; a separate hybrid head per role (mobile, edge): a Categorical over the
discrete choice (offload target, or forward/keep), masked by ``infos[agent]["action_mask"]``,
times a Beta over the continuous fraction (stretched and clipped so that 0 and 1 are reachable,
:func:`to_fraction`); the two log-probabilities are summed. Critic:
centralised V(env.state()) (MAPPO) or V(local observation, id) (IPPO). GAE, PPO clipping,
value normalisation (running mean and variance of returns, Yu et al. Sec. 4.1), linearly
annealed entropy bonus. Every agent receives the env's shared reward (minus the slot's cost).
What the agents minimise in evaluations and checkpoint selection is :func:`episode_cost`: the
mean cost per task on the offloading env, minus the episode's shared return elsewhere.
A mobile without a task that slot is inactive: its ignored action is left out of the policy
loss (MAPPO's active masks), so it adds no noise to the gradient.

Action heads. With the env's ``flat_actions=True`` (the default ``env_config`` here) each role's
head is one masked Categorical over target x fraction level (5 levels). The hybrid
Categorical x Beta head (``env_config={"flat_actions": False}``) is kept as an option,
but it does not learn on this env (its cost stays at random's level after 40k steps; see the
agents page of the docs): the useful fractions are the extremes, which a unimodal Beta reaches only
after its parameters grow large, while the flat head learns the seed's cut of about 70-80%
below random within a few thousand steps. With ``target_head=True`` (the default) the mobile
head is a :class:`TargetScorer`, one network applied to every offload target, so that the edges
are interchangeable in what it learns.

``train`` keeps the update loop whole, CleanRL style (about 100 lines: anneal, roll out, update,
log, evaluate, checkpoint, in order); the rollout is :func:`_collect_rollout`, the PPO update
:func:`_ppo_update`, logging and Ctrl-C :class:`qnet_agents.common.TrainingRun`.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import torch
from torch import nn
from torch.distributions import Beta, Categorical

from .common import (
    TrainingRun,
    TrainResult,
    begin_run,
    checkpoint_contents,
    count_parameters,
    load_checkpoint,
    plain,
    save_checkpoint,
)
from .config_check import checked


@dataclass
class MAPPOConfig:
    env_id: str = "qnet/MobileEdgeCloud-v0"
    env_config: dict = field(default_factory=lambda: {"flat_actions": True})
    total_steps: int = 40_000  # env steps (slots); each has one action per agent
    seed: int = 0
    rollout: int = 400
    epochs: int = 8
    minibatches: int = 4
    lr: float = 5e-4
    anneal_lr: bool = False  # linearly to 0 over the run (CleanRL's PPO option)
    gamma: float = 0.99
    gae_lambda: float = 0.95
    clip: float = 0.2
    value_coef: float = 0.5
    entropy_start: float = 0.01
    entropy_end: float = 0.0
    max_grad_norm: float = 0.5
    hidden: int = 128
    independent: bool = False
    target_head: bool = True  # flat actions: score each offload target with one shared network
    run_dir: str = "runs/mappo"
    checkpoint_every: int = 10
    eval_every: int = 0  # updates between greedy evaluations (0: none); the best -> best.pt
    eval_episodes: int = 3
    tensorboard: bool = True
    progress: bool = True
    torch_threads: int = 1
    # a potential of qnet_agents.shaping.POTENTIALS: training-only potential-based shaping of
    # the shared reward (Ng et al. 1999; optimal policies unchanged), as the centralised PPO
    # has; episode costs, curves and evaluations stay the env's own
    shaping: str | None = None

    def validate(self) -> None:
        if self.shaping is not None:
            from qnet_envs.config import check_choice

            from .shaping import APPLIES_TO, POTENTIALS

            check_choice("shaping", self.shaping, tuple(POTENTIALS))
            if self.env_id not in APPLIES_TO[self.shaping]:
                raise ValueError(f"shaping={self.shaping!r} reads the state of "
                                 f"{list(APPLIES_TO[self.shaping])}, not of {self.env_id}")  # fmt: skip


class RunningNorm:
    """Running mean and variance (Welford/Chan merge) for value normalisation."""

    def __init__(self):
        self.mean, self.var, self.count = 0.0, 1.0, 1e-4

    def update(self, x: np.ndarray) -> None:
        m, v, n = float(np.mean(x)), float(np.var(x)), x.size
        delta, total = m - self.mean, self.count + n
        self.mean += delta * n / total
        self.var = (self.var * self.count + v * n + delta**2 * self.count * n / total) / total
        self.count = total

    @property
    def std(self) -> float:
        return max(np.sqrt(self.var), 1e-6)


class TargetScorer(nn.Module):
    """The mobile head with flat actions, scoring each offload target (local, edge 1..E, cloud)
    with one network shared across targets: input the trunk's features of the whole observation,
    the target's kind (one-hot local / edge / cloud), its channel gain (the cloud is relayed by
    the best edge, local has none) and its backlog; output one logit per fraction level. An
    edge's score depends on the edge only through its own gain and backlog, so what is learnt
    about one edge holds for every edge (which edge is near depends on where the episode put the
    mobile), where a plain linear head must learn each target's logits separately."""

    def __init__(self, hidden: int, layout: dict, levels: int):
        super().__init__()
        self.own = layout["own_backlog"]
        self.gains = slice(*layout["gains"])
        self.backlogs = slice(*layout["backlogs"])
        n_edges = layout["gains"][1] - layout["gains"][0]
        kinds = torch.zeros(n_edges + 2, 3)
        kinds[0, 0], kinds[1:-1, 1], kinds[-1, 2] = 1.0, 1.0, 1.0
        self.register_buffer("kinds", kinds)
        self.net = nn.Sequential(
            nn.Linear(hidden + 5, hidden), nn.Tanh(), nn.Linear(hidden, levels)
        )

    def forward(self, x, h):
        gains = x[..., self.gains]
        gain = torch.cat(
            [torch.zeros_like(gains[..., :1]), gains, gains.max(-1, keepdim=True).values], -1
        )
        backlog = torch.cat([x[..., self.own : self.own + 1], x[..., self.backlogs]], -1)
        n = gain.shape[-1]
        feats = torch.cat(
            [
                h.unsqueeze(-2).expand(*h.shape[:-1], n, h.shape[-1]),
                self.kinds.expand(*h.shape[:-1], n, 3),
                gain.unsqueeze(-1),
                backlog.unsqueeze(-1),
            ],
            -1,
        )
        return self.net(feats).flatten(-2)  # index target * levels + level, as the env's


class HybridActorCritic(nn.Module):
    """Shared trunk; per role a Categorical head, plus a Beta over the fraction unless ``flat``
    (the env's flat Discrete actions: target x fraction level in one Categorical). With
    ``layout`` (flat actions only) the mobile head is a :class:`TargetScorer`."""

    def __init__(
        self,
        obs_dim,
        n_agents,
        state_dim,
        n_choices: dict,
        hidden,
        independent,
        flat=False,
        layout: dict | None = None,
    ):
        super().__init__()
        inp = obs_dim + n_agents
        self.flat = flat
        self.trunk = nn.Sequential(
            nn.Linear(inp, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh()
        )
        extra = 0 if flat else 2
        self.heads = nn.ModuleDict(
            {role: nn.Linear(hidden, n + extra) for role, n in n_choices.items()}
        )
        if layout is not None:
            if not flat:
                raise ValueError("target_head=True needs the env's flat_actions=True")
            n_targets = layout["backlogs"][1] - layout["backlogs"][0] + 1
            self.heads["mobile"] = TargetScorer(hidden, layout, n_choices["mobile"] // n_targets)
        self.n_choices = n_choices
        critic_in = inp if independent else state_dim
        self.critic = nn.Sequential(
            nn.Linear(critic_in, hidden),
            nn.Tanh(),
            nn.Linear(hidden, hidden),
            nn.Tanh(),
            nn.Linear(hidden, 1),
        )

    def dists(self, x, role, mask):
        head = self.heads[role]
        h = self.trunk(x)
        out = head(x, h) if isinstance(head, TargetScorer) else head(h)
        n = self.n_choices[role]
        logits = out[..., :n].masked_fill(~mask, -1e9)
        if self.flat:
            return Categorical(logits=logits), None
        ab = nn.functional.softplus(out[..., n:]) + 1.0  # alpha, beta > 1: unimodal Betas
        return Categorical(logits=logits), Beta(ab[..., 0], ab[..., 1])


class Agents:
    """Index bookkeeping between PettingZoo agents, roles and padded tensors."""

    def __init__(self, env):
        self.names = list(env.possible_agents)
        self.n = len(self.names)
        self.role = [a.rsplit("_", 1)[0] for a in self.names]  # mobile_3 -> mobile, node_0 -> node
        self.key = {"mobile": "target", "edge": "forward"}
        self.flat = bool(getattr(env.config, "flat_actions", True))  # Discrete actions: flat
        self.obs_dim = max(env.observation_space(a).shape[0] for a in self.names)
        self.n_choices = {
            r: (env.action_space(a) if self.flat else env.action_space(a)[self.key[r]]).n
            for a, r in zip(self.names, self.role, strict=True)
        }
        self.layout = getattr(getattr(env, "views", None), "mobile_layout", None)
        self.ids = np.eye(self.n, dtype=np.float32)
        self.rows = {
            r: np.array([i for i, x in enumerate(self.role) if x == r])
            for r in dict.fromkeys(self.role)
        }

    def inputs(self, obs: dict) -> np.ndarray:
        x = np.zeros((self.n, self.obs_dim), np.float32)
        for i, a in enumerate(self.names):
            x[i, : obs[a].shape[0]] = obs[a]
        return np.concatenate([x, self.ids], axis=1)

    def masks(self, infos: dict, role: str) -> np.ndarray:
        """The discrete choice's mask per agent (the native Dict action's info mask is a dict
        whose discrete entry is the target or forward mask)."""
        out = []
        for i in self.rows[role]:
            mask = infos[self.names[i]]["action_mask"]
            if isinstance(mask, dict):
                mask = next(v for k, v in mask.items() if k != "fraction")
            out.append(np.asarray(mask, dtype=bool))
        return np.stack(out)

    def actions(self, choice: dict, frac: dict) -> dict:
        out = {}
        for role, rows in self.rows.items():
            for j, i in enumerate(rows):
                if self.flat:
                    out[self.names[i]] = int(choice[role][j])
                    continue
                out[self.names[i]] = {
                    self.key[role]: int(choice[role][j]),
                    "fraction": np.array([frac[role][j]], np.float32),
                }
        return out


def build_model(cfg: MAPPOConfig, agents: Agents, obs_dim, n_agents, state_dim):
    use_layout = cfg.target_head and agents.flat and agents.layout is not None
    return HybridActorCritic(
        obs_dim,
        n_agents,
        state_dim,
        agents.n_choices,
        cfg.hidden,
        cfg.independent,
        agents.flat,
        agents.layout if use_layout else None,
    )


def make_parallel_env(cfg: MAPPOConfig):
    import qnet_envs

    return qnet_envs.make_parallel(cfg.env_id, config=cfg.env_config or None)


def act(model, agents: Agents, obs, infos, state, deterministic=False):
    x = torch.from_numpy(agents.inputs(obs))
    out = {"choice": {}, "frac": {}, "logp": np.zeros(agents.n, np.float32)}
    with torch.no_grad():
        for role, rows in agents.rows.items():
            mask = torch.from_numpy(agents.masks(infos, role))
            cat, beta = model.dists(x[rows], role, mask)
            c = cat.probs.argmax(-1) if deterministic else cat.sample()
            logp = cat.log_prob(c)
            if beta is None:  # flat actions: the fraction level is part of the choice
                f = torch.zeros(len(rows))
            else:
                f = beta.mean if deterministic else beta.sample().clamp(1e-4, 1 - 1e-4)
                logp = logp + beta.log_prob(f.clamp(1e-4, 1 - 1e-4))
            out["choice"][role], out["frac"][role] = c.numpy(), f.numpy()
            out["logp"][rows] = logp.numpy()
    return out


def values(model, agents, obs_x, state, independent):
    with torch.no_grad():
        if independent:
            return model.critic(torch.from_numpy(obs_x)).squeeze(-1).numpy()
        v = model.critic(torch.from_numpy(state)[None]).squeeze(-1).numpy()
        return np.repeat(v, agents.n)


class _Run:
    """One training run: the env, model, optimiser, value normaliser, counters, RNGs and the
    episode in progress (``live``); what a checkpoint saves and restores."""

    def __init__(self, cfg: MAPPOConfig):
        self.cfg = cfg
        self.env = env = make_parallel_env(cfg)
        self.agents = agents = Agents(env)
        self.state_dim = env.state_space.shape[0]
        self.model = build_model(cfg, agents, agents.obs_dim, agents.n, self.state_dim)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=cfg.lr, eps=1e-5)
        self.norm = RunningNorm()
        self.shuffle_rng = np.random.default_rng(cfg.seed)
        self.run_dir = Path(cfg.run_dir)
        self.start_update, self.curve, self.evals, self.best_cost = 0, [], [], float("inf")
        # the current episode: the env generator's state at its start and the actions since
        self.live = SimpleNamespace(
            step=0, episode={"rng": env.seeded_rng_state(cfg.seed), "actions": []}
        )

    def restore(self, path: str) -> None:
        state = load_checkpoint(path)
        with checkpoint_contents(path):
            self.model.load_state_dict(state["model"])
            self.opt.load_state_dict(state["optim"])
            self.norm.mean, self.norm.var, self.norm.count = state["norm"]
            self.start_update = int(state["update"])
            self.live.step = int(state["global_step"])
            self.curve = [tuple(x) for x in state["curve"]]
            self.evals = [tuple(x) for x in state.get("evals", [])]
            self.shuffle_rng.bit_generator.state = state["shuffle_rng"]
            torch.set_rng_state(state["torch_rng"])
            self.live.episode = {
                "rng": state["episode_rng"],
                "actions": list(state["episode_actions"]),
            }
        self.best_cost = min((c for _, c in self.evals), default=float("inf"))

    def checkpoint(self, update: int, name: str = "checkpoint.pt") -> None:
        """``checkpoint.pt`` resumes the run bit for bit; ``best.pt`` holds weights and config."""
        policy = {
            "algo": "mappo",
            "config": plain(asdict(self.cfg)),
            "model": self.model.state_dict(),
            "norm": [self.norm.mean, self.norm.var, self.norm.count],
            "update": update,
            "global_step": self.live.step,
            "curve": [list(c) for c in self.curve],
            "evals": [list(e) for e in self.evals],
            "dims": [self.agents.obs_dim, self.agents.n, self.state_dim],
        }
        if name == "best.pt":
            return save_checkpoint(self.run_dir / name, policy)
        resume_state = {
            "optim": self.opt.state_dict(),
            "shuffle_rng": self.shuffle_rng.bit_generator.state,
            "torch_rng": torch.get_rng_state(),
            "episode_rng": self.live.episode["rng"],
            "episode_actions": self.live.episode["actions"],
        }
        save_checkpoint(self.run_dir / name, {**policy, **resume_state})

    def update(self, update: int, n_updates: int, run: TrainingRun, t0: float) -> None:
        """Collect one rollout and run the PPO epochs on it."""
        cfg, live, agents, norm = self.cfg, self.live, self.agents, self.norm
        if cfg.anneal_lr:
            for group in self.opt.param_groups:
                group["lr"] = cfg.lr * (1.0 - (update - 1) / n_updates)
        buf = _collect_rollout(self.env, self.model, agents, norm, cfg, live, self.curve, run)
        inputs = agents.inputs(live.obs)
        v = values(self.model, agents, inputs, self.env.state(), cfg.independent)
        last_v = v * norm.std + norm.mean
        loss_info = _ppo_update(
            self.model, self.opt, norm, agents, buf, last_v, cfg, update / n_updates,
            self.shuffle_rng,
        )  # fmt: skip
        for k, val in loss_info.items():
            run.scalar(f"losses/{k}", val, live.step)
        run.scalar("charts/sps", live.step / (time.perf_counter() - t0), live.step)

    def evaluate(self, update: int, run: TrainingRun) -> None:
        """The greedy policy's mean episode cost on selection seeds (apart from any later test
        seeds); a new best is saved as best.pt."""
        cfg = self.cfg
        policy = greedy_policy(self.model, self.agents)
        run.phase(f"evaluating ({cfg.eval_episodes} greedy episodes)")
        cost = float(np.mean(evaluate(policy, cfg.env_id, cfg.env_config,
                                      cfg.eval_episodes, cfg.seed + 50_000)))  # fmt: skip
        run.phase(None)
        self.evals.append((self.live.step, cost))
        run.scalar("eval/episode_cost", cost, self.live.step)
        if cost < self.best_cost:
            self.best_cost = cost
            self.checkpoint(update, "best.pt")

    def result(self, interrupted: bool) -> TrainResult:
        best = self.run_dir / "best.pt"
        return TrainResult(
            str(self.run_dir), self.live.step, [(s, r) for s, r, _ in self.curve], self.evals,
            str(self.run_dir / "checkpoint.pt"), interrupted, count_parameters(self.model),
            str(best) if best.exists() and self.evals else "",
        )  # fmt: skip


def train(config: MAPPOConfig | None = None, resume: str | None = None) -> TrainResult:
    """Train; ``resume`` continues bit for bit from a checkpoint (model, optimiser, value
    normaliser, RNG states and the episode in progress, replayed from its generator state and
    recorded actions). Ctrl-C stops after the current update and saves a checkpoint."""
    cfg = config or MAPPOConfig()
    r = begin_run(cfg, lambda: _Run(cfg), resume)
    live = r.live
    live.obs, live.infos, live.ep_ret = _restore_episode(r.env, r.agents, live.episode)
    n_updates = updates_of(cfg)
    t0, update = time.perf_counter(), r.start_update
    with TrainingRun(
        r.run_dir, cfg.tensorboard, cfg.progress, n_updates, r.start_update, "update",
        label="training mappo",
    ) as run:  # fmt: skip
        for update in range(r.start_update + 1, n_updates + 1):
            r.update(update, n_updates, run, t0)
            if cfg.checkpoint_every and update % cfg.checkpoint_every == 0:
                r.checkpoint(update)
            if cfg.eval_every and update % cfg.eval_every == 0:
                r.evaluate(update, run)
            if run.tick():  # Ctrl-C: stop after this update, every state consistent
                break
    r.checkpoint(update)
    return r.result(run.interrupted)


BUFFER_KEYS = ("x", "state", "choice", "frac", "logp", "value", "reward", "done", "masks", "active")


def _collect_rollout(env, model, agents: Agents, norm, cfg: MAPPOConfig, live, curve, run):
    """``cfg.rollout`` env steps with the current policy; ``live`` (obs, infos, return so far,
    step counter, the episode's record) carries over between rollouts."""
    buf = {k: [] for k in BUFFER_KEYS}
    for _ in range(cfg.rollout):
        if cfg.shaping is not None and getattr(live, "phi", None) is None:
            from .shaping import POTENTIALS

            live.phi = POTENTIALS[cfg.shaping](env)  # the state this step starts from
        x = agents.inputs(live.obs)
        s = env.state()
        a = act(model, agents, live.obs, live.infos, s)
        masks = {r: agents.masks(live.infos, r) for r in agents.rows}
        v = values(model, agents, x, s, cfg.independent) * norm.std + norm.mean
        live.obs, rewards, terms, truncs, live.infos = env.step(
            agents.actions(a["choice"], a["frac"])
        )
        # as plain numbers (a checkpoint holds no arrays of objects), replayed by actions()
        live.episode["actions"].append(
            {r: [a["choice"][r].tolist(), a["frac"][r].tolist()] for r in a["choice"]}
        )
        r = next(iter(rewards.values()))
        done = any(terms.values()) or any(truncs.values())
        learned = r + _shaping(env, cfg, live, any(terms.values()))
        active = np.ones(agents.n, np.float32)
        if "mobile" in agents.rows:  # offloading: obs[0] says whether the mobile has a task
            active[agents.rows["mobile"]] = x[agents.rows["mobile"], 0]
        row = (x, s, a["choice"], a["frac"], a["logp"], v, learned, done, masks, active)
        for k, val in zip(BUFFER_KEYS, row, strict=True):
            buf[k].append(val)
        live.ep_ret += r
        live.step += 1
        if done:
            curve.append((live.step, live.ep_ret, episode_cost(env, live.ep_ret)))
            run.scalar("charts/episodic_return", live.ep_ret, live.step)
            run.scalar("charts/episode_cost", curve[-1][2], live.step)
            run.postfix(ret=f"{live.ep_ret:.1f}", cost=f"{curve[-1][2]:.3f}")
            live.episode = {"rng": env.rng_state(), "actions": []}
            live.obs, live.infos = env.reset()
            live.ep_ret, live.phi = 0.0, None
    return buf


def _shaping(env, cfg: MAPPOConfig, live, terminated: bool) -> float:
    """``gamma * Phi(s') - Phi(s)`` of the step just taken (0 without shaping); ``live.phi``
    holds Phi of the state the step started from (None: compute it, as after a reset, a
    resume or an episode's end: the potential is a function of the env's state)."""
    if cfg.shaping is None:
        return 0.0
    from .shaping import POTENTIALS

    before = live.phi  # set before the step by _collect_rollout
    after = 0.0 if terminated else POTENTIALS[cfg.shaping](env)
    live.phi = after
    return cfg.gamma * after - before


def _restore_episode(env, agents: Agents, episode: dict):
    """The env as it was in the current episode: its generator's state at the episode start,
    an unseeded reset, then the recorded actions again. Returns (obs, infos, return so far)."""
    env.set_rng_state(episode["rng"])
    obs, infos = env.reset()
    total = 0.0
    for record in episode["actions"]:
        choice = {r: np.asarray(c) for r, (c, _) in record.items()}
        frac = {r: np.asarray(f, np.float32) for r, (_, f) in record.items()}
        obs, rewards, _, _, infos = env.step(agents.actions(choice, frac))
        total += next(iter(rewards.values()))
    return obs, infos, total


def _ppo_update(model, opt, norm, agents, buf, last_v, cfg, progress, rng):
    T, N = len(buf["reward"]), agents.n
    rewards = np.array(buf["reward"], np.float32)
    dones = np.array(buf["done"], np.float32)
    vals = np.stack(buf["value"])  # (T, N), denormalised
    adv = np.zeros((T, N), np.float32)
    last = np.zeros(N, np.float32)
    for t in reversed(range(T)):
        nxt = last_v if t == T - 1 else vals[t + 1]
        nonterminal = 1.0 - dones[t]
        delta = rewards[t] + cfg.gamma * nxt * nonterminal - vals[t]
        last = delta + cfg.gamma * cfg.gae_lambda * nonterminal * last
        adv[t] = last
    returns = adv + vals
    norm.update(returns)
    x = torch.from_numpy(np.stack(buf["x"]))  # (T, N, D)
    states = torch.from_numpy(np.stack(buf["state"]))
    old_logp = torch.from_numpy(np.stack(buf["logp"]))
    adv_t = torch.from_numpy(adv)
    adv_t = (adv_t - adv_t.mean()) / (adv_t.std() + 1e-8)
    ret_t = torch.from_numpy((returns - norm.mean) / norm.std)
    ent_coef = cfg.entropy_start + (cfg.entropy_end - cfg.entropy_start) * progress
    choice = {r: torch.from_numpy(np.stack([c[r] for c in buf["choice"]])) for r in agents.rows}
    frac = {
        r: torch.from_numpy(np.stack([f[r] for f in buf["frac"]])).clamp(1e-4, 1 - 1e-4)
        for r in agents.rows
    }
    masks = {r: torch.from_numpy(np.stack([m[r] for m in buf["masks"]])) for r in agents.rows}
    active = torch.from_numpy(np.stack(buf["active"]))
    idx = np.arange(T)
    info = {}
    for _ in range(cfg.epochs):
        rng.shuffle(idx)
        for mb in np.array_split(idx, cfg.minibatches):
            logp = torch.zeros(len(mb), N)
            entropy = torch.zeros(len(mb), N)
            for role, rows in agents.rows.items():
                cat, beta = model.dists(x[mb][:, rows], role, masks[role][mb])
                logp[:, rows] = cat.log_prob(choice[role][mb])
                entropy[:, rows] = cat.entropy()
                if beta is not None:
                    logp[:, rows] += beta.log_prob(frac[role][mb])
                    entropy[:, rows] += beta.entropy()
            ratio = torch.exp(logp - old_logp[mb])
            a = adv_t[mb]
            w = active[mb] / active[mb].sum().clamp(min=1.0)
            pg = -(torch.min(ratio * a, ratio.clamp(1 - cfg.clip, 1 + cfg.clip) * a) * w).sum()
            v = (
                model.critic(x[mb]).squeeze(-1)
                if cfg.independent
                else model.critic(states[mb]).squeeze(-1)[:, None].expand(-1, N)
            )
            v_loss = 0.5 * ((v - ret_t[mb]) ** 2).mean()
            loss = pg + cfg.value_coef * v_loss - ent_coef * (entropy * w).sum()
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), cfg.max_grad_norm)
            opt.step()
            info = {"policy": pg.item(), "value": v_loss.item(), "entropy": entropy.mean().item()}
    return info


def load_policy(checkpoint: str):
    """A deterministic ``policy(env, obs, infos) -> actions`` from a checkpoint."""
    state = load_checkpoint(checkpoint)
    with checkpoint_contents(checkpoint):
        # checkpoints from before the target head had a plain linear mobile head
        cfg = MAPPOConfig(**{"target_head": False, **state["config"]})
        env = make_parallel_env(cfg)
        agents = Agents(env)
        model = build_model(cfg, agents, *state["dims"])
        model.load_state_dict(state["model"])
    return greedy_policy(model, agents), cfg


def greedy_policy(model, agents: Agents):
    """``policy(env, obs, infos) -> actions`` taking each head's most likely action."""

    def policy(env, obs, infos):
        a = act(model, agents, obs, infos, None, deterministic=True)
        return agents.actions(a["choice"], a["frac"])

    return policy


def episode_cost(env, episode_return: float) -> float:
    """What MAPPO minimises, per finished episode: the offloading env's mean cost per task
    (its ``metrics()``), else minus the episode's shared return."""
    metrics = getattr(env, "metrics", None)
    return metrics()["mean_cost_per_task"] if metrics else -episode_return


def evaluate(
    policy,
    env_id: str,
    env_config: dict,
    episodes: int,
    seed: int,
    max_steps: int | None = None,
    label: str | None = None,
) -> list[float]:
    """:func:`episode_cost` of ``policy`` on episodes of the parallel env seeded seed, seed+1...
    (cut after ``max_steps`` steps if given; ``label``: a progress bar so labelled)."""
    import qnet_envs

    from .common import episode_bar

    out = []
    env = qnet_envs.make_parallel(env_id, config=env_config or None)
    for ep in episode_bar(episodes, label or "", progress=label is not None):
        obs, infos = env.reset(seed=seed + ep)  # a seeded reset starts the env afresh
        total, steps = 0.0, 0
        while env.agents and (max_steps is None or steps < max_steps):
            steps += 1
            obs, r, te, tr, infos = env.step(policy(env, obs, infos))
            total += next(iter(r.values()))
        out.append(episode_cost(env, total))
    return out


def updates_of(cfg: MAPPOConfig) -> int:
    """Updates a run of ``cfg.total_steps`` makes: one per rollout of ``cfg.rollout`` slots, at
    least one (the run takes ``updates_of(cfg) * cfg.rollout`` env steps)."""
    return max(1, cfg.total_steps // cfg.rollout)


def config_from(**overrides) -> MAPPOConfig:
    """The defaults with ``overrides``; ``env_config`` defaults to flat actions on the
    offloading env and to the env's own defaults elsewhere."""
    from qnet_envs.registration import offloading_env_ids

    env_id = overrides.get("env_id", MAPPOConfig.env_id)
    if "env_config" not in overrides and env_id not in offloading_env_ids():
        overrides["env_config"] = {}
    return checked(MAPPOConfig, overrides)
