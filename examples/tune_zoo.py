"""Tune a pgfast.zoo entry with pgfast.sweep: how a user finds a configuration for an env.
=======================================================================================

Usage (run it under ``nice``: sweeps keep a core busy)::

    nice -n 19 python examples/tune_zoo.py MountainCar-v0 --budget 12
    nice -n 19 python examples/tune_zoo.py CartPole-v1 --verify-only   # re-measure the entry
    python examples/tune_zoo.py --list                                 # the search spaces

What it does, for the search space ``SPACES[ENV]`` below (algorithm, feature map, steps,
target and a grid of agent arguments):

1. ``pgfast.sweep`` trains every configuration of the grid (``--budget N``: N of them,
   drawn at random with a fixed seed, when the grid is larger) on the *tuning* seeds
   (``--tune-seeds``, default 10-14), one run at a time (``executor="serial"``).
2. It picks the configuration whose WORST tuning seed has the highest greedy mean
   return (the zoo's target is every seed, not the median; ties go to the better mean).
3. It re-trains that configuration on seeds 0-4, which tuning never saw, evaluates each
   agent greedily (``agent.evaluate(eval_episodes, seed=seed)``) and times the training.
4. It writes the entry (configuration, per-seed results, seconds, the command and the
   budget spent) into the zoo file (``--zoo``, default ``python/pgfast/zoo.json`` of
   this checkout), replacing an older entry only if the new one is at least as good on
   its worst seed (``--force`` replaces it anyway).

To tune a new environment, add its search space to ``SPACES`` (the feature map as a
``pgfast train --features`` string) and run the script; reinstall pgfast to ship the
updated ``zoo.json``.
"""

from __future__ import annotations

import argparse
import functools
import json
import pathlib
import random
import sys
import time
from typing import Any

import gymnasium as gym
import numpy as np
import pgfast
from pgfast.cli import parse_features

CARTPOLE_BOUNDS = "-2.4:2.4,-3:3,-0.21:0.21,-3.5:3.5"

# One search space per env: the fixed part of the entry and the grid swept over.
SPACES: dict[str, dict[str, Any]] = {
    "CartPole-v1": dict(
        algo="actor-critic", features="fourier:3", bounds=CARTPOLE_BOUNDS, total_timesteps=50_000,
        env_backend="native", target=500.0, source="the README's one-step actor-critic example",
        grid={"lr": [0.01, 0.003, 0.03], "critic_lr": [0.01, 0.03]},
    ),
    "Pendulum-v1": dict(
        algo="actor-critic", features="tiles:16:8", bounds=None, total_timesteps=1_000_000,
        env_backend="native", target=-200.0,
        # from tests/test_actor_critic.py's Pendulum test (Degris, Pilarski & Sutton 2012:
        # 8 tilings, lr 1e-4, critic_lr 0.0125, 200k steps), which missed -200 on seed 0
        # (-239); 16 tilings at half the step sizes (the same step per unit of feature
        # norm, a finer grid) and 1M steps reached -173 at worst on seeds 10-14, while
        # 8 tilings for 2M steps collapsed on seed 2 (-1337)
        grid={"average_reward": [True], "lr": [5e-5, 1e-4], "critic_lr": [0.00625, 0.0125],
              "reward_lr": [0.01], "lambda_actor": [0.75], "lambda_critic": [0.75]},
    ),
    "MountainCar-v0": dict(
        # Round 1 (tiles:8:8, 200k steps, lr 0.03/0.05/0.1 x entropy_coef 0/0.01/0.03 x
        # batches of 1/2, tuning seeds 10-14) chose lr 0.03, batches of 1: -97..-115 on
        # seeds 0-4, but -123 and -141 on seeds 5 and 7: five tuning seeds were too few.
        # Round 2, on twenty tuning seeds (10-29), lr 0.01/0.03/0.1 x entropy_coef 0/0.01 x
        # batches of 1/4 x 200k/400k steps x tiles:8:8/16:8 (48 configurations): at 200k
        # no configuration met -115 on all twenty (round 1's: worst -122, 3 seeds short);
        # at 400k lr 0.01 on tiles:16:8 did (worst -104.6, mean -98.3), lr 0.03 on
        # tiles:8:8 nearly (-106.4); lr 0.1 failed on 13-19 of 20. This space is round 2's
        # best neighbourhood.
        algo="reinforce", features="tiles:16:8", bounds=None, total_timesteps=400_000,
        env_backend="native", target=-115.0,
        grid={"lr": [0.01, 0.03], "baseline": ["linear"], "entropy_coef": [0.0, 0.01],
              "batch_episodes": [1, 4]},
    ),
    "MountainCarContinuous-v0": dict(
        algo="actor-critic", features="tiles:8:8", bounds=None, total_timesteps=200_000,
        env_backend="native", target=90.0,
        grid={"lr": [1e-3, 3e-3, 1e-2], "critic_lr": [0.01, 0.05], "gamma": [0.99, 0.999],
              "lambda_actor": [0.0, 0.9], "lambda_critic": [0.9]},
    ),
    "Acrobot-v1": dict(
        algo="reinforce", features=None, bounds=None, total_timesteps=500_000,
        env_backend="native", target=-90.0,
        grid={"lr": [0.01, 0.005], "baseline": ["linear"]},
    ),
    "InvertedPendulum-v5": dict(
        algo="reinforce", features=None, bounds=None, total_timesteps=50_000,
        env_backend="gymnasium", target=1000.0, source="the README's InvertedPendulum recipe",
        grid={"lr": [0.01], "update": ["per_episode"]},
    ),
    # Toy text: raw features are one-hot states, so both policy and critic are tables;
    # the one-step actor-critic (TD critic) learns these far faster than REINFORCE.
    "FrozenLake-v1": dict(
        # the earlier entry (lr 0.3, no entropy bonus, 200k steps) left seed 0 on a policy
        # that succeeds 21% of the time; lr 0.1 or entropy_coef 0.001 each lifts it to
        # 0.721 (checked after the tuning, on seed 0 alone); the grid ties on seeds 10-14
        # and keeps its first configuration
        algo="actor-critic", features=None, bounds=None, total_timesteps=300_000,
        env_backend="gymnasium", target=0.70, eval_episodes=1000,
        grid={"lr": [0.1, 0.3], "critic_lr": [0.05], "gamma": [0.999],
              "lambda_actor": [0.0], "lambda_critic": [0.8], "entropy_coef": [0.001, 0.003, 0.01]},
    ),
    "CliffWalking-v1": dict(
        # -13 is the path along the cliff's edge. REINFORCE (lr 0.1-0.3, entropy 0 or 0.01,
        # gamma 0.99 or 1) settled on the safe path (-15/-17) or looped (-200): while the
        # policy is soft the edge is risky, and once it is not, the edge is no longer
        # visited. A large entropy bonus keeps every state visited; the regularised
        # optimum still takes the edge (the cliff's -100 dwarfs beta: pi(down) ~ e^(-100/beta)).
        algo="actor-critic", features=None, bounds=None, total_timesteps=400_000,
        env_backend="gymnasium", env_kwargs={"max_episode_steps": 200}, target=-13.0,
        grid={"lr": [0.01, 0.03], "critic_lr": [0.1, 0.3], "entropy_coef": [0.3, 1.0, 2.0]},
    ),
    "Taxi-v4": dict(
        # REINFORCE (batches of 10, lr 0.1, entropy 0.1 or 0.05, 800k-1.2M steps) left a few
        # of the 300 start states unlearned on some seeds (the greedy policy loops there:
        # worst tuning seed 5.5, or -192 with entropy 0.05). Without an entropy bonus (or
        # with 0.01-0.1) the one-step actor-critic learns to avoid the -10 of illegal
        # pick-ups and drop-offs and then loops (-200); with entropy_coef 1 it explores
        # until its critic finds the +20 (after 400k-600k steps) and then converges to
        # the optimal policy (its exact mean over the 300 start states, 7.93, is the
        # optimum). Judged on 1,000 episodes: on 100, the optimal policy itself scores
        # 7.60/7.87/7.97/7.63/8.12 on seeds 0-4 and 7.46 on tuning seed 14 (start-state
        # noise, sd ~0.26); on 1,000 it scores 7.83-8.05.
        algo="actor-critic", features=None, bounds=None, total_timesteps=1_000_000,
        env_backend="gymnasium", target=7.5, eval_episodes=1000,
        grid={"lr": [0.03, 0.1], "critic_lr": [0.3], "entropy_coef": [1.0, 2.0]},
    ),
    "Blackjack-v1": dict(
        algo="reinforce", features=None, bounds=None, total_timesteps=50_000,
        # a Blackjack return has std ~0.95: a 20-episode mean is noise (+-0.2), so the
        # entry is judged on 10^4 episodes (standard error ~0.01)
        env_backend="gymnasium", target=-0.08, eval_episodes=10_000,
        grid={"lr": [0.01, 0.03], "update": ["batch"], "batch_episodes": [10, 20], "gamma": [1.0]},
    ),
    "LunarLander-v3": dict(
        # Box2D (pip install "pgfast[box2d]"); a gymnasium step is ~20x a native one, so
        # a run of 1M steps takes 40-90 s here. Order-1 Fourier features of the 8-D
        # observation (256 terms) over the range the lander actually visits (the space's
        # bounds, +-10 for velocities, would squeeze every feature near its centre).
        # Hand-tried on seed 10 (1M steps, greedy mean): raw lr 0.01 -160, raw lr 0.02
        # gamma 0.995 -69, fourier:1 lr 0.01 batches of 10: +132, lr 0.03: -96, batches
        # of 4 with gamma 0.995: -106. A first grid (lr 0.01/0.005 x batches of 10/20, seeds
        # 10-12) chose lr 0.005, batches of 20 (worst 196, mean 226), which gave 192 / 208 /
        # -35 / 106 / -27 on seeds 0-4 (the entry). A second grid, batches of 40 with lr
        # 0.005 or 0.003 and entropy_coef 0 or 0.01, was worse on seeds 10-12 (best worst
        # seed -19, best mean 37; stopped after 3 of its 4 configurations). Seeds differ
        # widely at 1M steps: more steps would help, but 1M already takes 40-60 s here.
        # truncation="terminal" (the 1000-step limit ends the evaluated return, so a cut
        # episode is not bootstrapped with a landing that never comes) lifted the worst
        # seed: 217 / 123 / 255 / 103 / 178 on seeds 10-14 (the entry had -28 on seed 13;
        # re-measured later: -17 on seed 13, see round 4)
        # and 229 / 177 / 3 / 235 / 211 on seeds 0-4. With it, hand-tried on seeds 11/13:
        # batches of 10 108/22, gamma 0.995 75/153, lr 0.0075 140/-64, gamma 0.98 236/170
        # (but 62 on seed 10), gamma 0.96 -79 on 11. The entry on seed 13 for longer:
        # greedy 57 at 1.5M, 114 at 2M, 81 at 2.5M (a 2x faster env alone would not do).
        # Round 2, for the 60 s cap (about 700k steps here: 600k took 37-53 s, 700k 42-63 s
        # on a shared machine), seeds 10/13 at 500k-600k steps, greedy means:
        # uncoupled Fourier (order 3, 25 terms) -155/-144, at lr 0.01 -109/-103, with sines
        # -125/-147; Polynomial(2) on raw obs -227 on seed 10 (97 s); fourier:1 with sines (511 terms)
        # -61/-58; fourier:1 with lr 0.01 -5/-33, gamma 0.98 45/-55, batches of 10 -25/138
        # (lr 0.003: 183/-79), baseline_lr 0.2 -91/192; actor-critic (Adam; lr 0.001 or
        # 0.0003, critic_lr 0.01, lambda 0.98 or 0.9) -147/-81/-140 on seed 10. A shorter
        # time limit (env_kwargs max_episode_steps 400: a hovering episode ends sooner, so
        # more episodes per step) was the most consistent: batches of 10, gamma 0.98: 149/131
        # at 600k (lr 0.0075 18/105, lr 0.003 70/62, batches of 5 115/-75; limits 300 or 500,
        # or 400 with batches of 20, gave 66-122). In one learn of 700k steps on seeds 10-14 it gave
        # 188/20/78/146/49 (46-63 s; truncation "bootstrap" 4/59/73/108/134; gamma 0.99
        # -91/42 and normalize_returns False 59/94 on seeds 11/14; baseline_lr 0.2, the best:
        # 83/207/88/81/150, but -24/-8/3 on seeds 10/12/13 under the usual 1000-step limit;
        # baseline_lr 0.5 187/113 on 11/14), the entry itself 187/-25/232/-26/-33: none near
        # 200. The greedy policy lags the sampled one there (last 50 training returns 186/181
        # at 600k on seeds 10/13, greedy 149/131).
        # Round 3 (why greedy lags): the entry at 1M on seed 2 lands with the sampled policy
        # (mean 199 over 20 episodes, 90-445 steps) while the greedy one hovers to the
        # 1000-step limit on 19 of 20 (mean -6; seed 13: sampled 125, greedy -16, all 1000
        # steps): where the sampled policy mixes "main engine" and "nothing" to sink slowly,
        # the argmax always fires. Decaying lr linearly to 0 kept the policy stochastic
        # (sampled 101-214, greedy -60..236 on seeds 10-14; lr 0.01: worse); a negative
        # entropy coefficient (an entropy penalty, tried in a build that allowed it) made
        # greedy and sampled agree but converged early: -0.01 gave 86/2/201/-120/-68, -0.03
        # -112/-147/-26/-141/58 on seeds 10-14 at 1M. Round 4: where the greedy lander hovers
        # (seed 2, y ~0.09) the policy is near-uniform over the three engines with
        # p(nothing) ~0.002; parameters x3 still land sampled (191), greedy still -10; the
        # penalty -0.01 switched on at 600k: -53/-42/-21/161/-78 on seeds 10-14 at 1M
        # (-0.003 from the start: -21/189/-25/117 on seeds 10-13). Re-measured, the entry
        # gives -17 on seed 13, not the 103 above (seeds 0, 10, 11, 12, 14 reproduce to
        # the digit). The best of 19 greedy checkpoints (every 50k, 10 held-out episodes):
        # 140/66/212/107 on seeds 10-13 on fresh episodes.
        # Round 5: the bounds. Those above leave each feature little room where a landing is
        # decided: the 1st-99th percentiles of the states a trained policy visits (30 sampled
        # episodes of the entry on seed 2) are x -0.72..0.35, y -0.30..1.45, vx -0.69..0.67,
        # vy -0.98..0.11, angle -0.53..0.48, angular velocity -0.43..0.47. With x, vx and
        # angular velocity in +-1, y in 0..1.5, vy in -1.5..0.5, angle in +-0.6 (the entry
        # otherwise), 1M steps gave 253/201/261/229/154 on seeds 0-4 (screened there first,
        # so not held out) but 231/225/132/102/-38 on seeds 10-14 (the entry: 217/123/255/
        # -17/178), and 256/256/142/144/119 at 1.5M: over the ten seeds no better than the
        # entry (mean 175 against 161, worst -38 against -17). The percentiles themselves
        # (x, vx +-0.75, y -0.3..1.5, vy -1..0.25, angle, angular velocity +-0.5) gave
        # 262/153/159/267/188 on seeds 0-4 at 1M.
        # Round 6: the tighter bounds with an entropy bonus, against the seeds where they
        # stalled (training returns 120-150 at 1.5M: a premature, near-deterministic policy).
        # On seeds 12/13/14 at 1M: entropy_coef 0.01 147/205/181, 0.03 262/148/158 (none:
        # 132/102/-38). entropy_coef 0.01 at 1.5M: 254/258/245 on seeds 12-14; 225/214 on
        # seeds 10/11 and 215/252/225/238/246 on seeds 0-4 when learnt as 1M + 0.5M steps
        # with an evaluation between (150/243/222/198/123 at 1M). In one learn of 1.5M steps
        # (--verify-only): 232/254/206/164/224 on seeds 0-4, the entry (the old one:
        # 229/177/3/235/211); seed 3 misses 200. A gymnasium LunarLander step alone costs
        # ~75 us here, so the 60 s cap is out of reach for any run of 1M steps or more.
        # Round 7, on the seeds where that entry was weakest (3, and 5/6 held out), learnt as
        # 1.5M + 0.5M steps: entropy_coef 0.01 164/170/215 at 1.5M, 264/154/244 at 2M;
        # 0.02 248/151/164 at 1.5M, 233/234/237 at 2M. In one learn of 2M steps, 0.02 gave
        # 207 and 130 on seeds 0 and 1 (160-206 s each; stopped there): not kept. At these
        # budgets a seed's greedy score moves by +-50 from one checkpoint to the next.
        # Round 8, lr_schedule="linear" (steps decaying to 0 over one learn of 1.5M steps) on
        # tuning seeds 10-14: lr 0.005 229/226/-8/259/0, lr 0.01 223/166/261/213/125 (130-160 s
        # a seed): the decay freezes a policy that is not there yet; not kept.
        algo="reinforce", features="fourier:1", bounds="-1:1,0:1.5,-1:1,-1.5:0.5,-0.6:0.6,-1:1,0:1,0:1",
        total_timesteps=1_500_000, env_backend="gymnasium", target=200.0,
        grid={"lr": [0.005], "batch_episodes": [20], "truncation": ["terminal"], "entropy_coef": [0.01]},
    ),
}

# The actor-critic spaces were searched with the book's steps (one-step unless the grid sets
# lambda), ActorCritic's defaults before the Adam defaults: each entry records them.
BOOK_STEPS: dict[str, list[Any]] = {"optimizer": ["sgd"], "lambda_actor": [0.0], "lambda_critic": [0.0]}
for _space in SPACES.values():
    if _space["algo"] == "actor-critic":
        _space["grid"] = {**BOOK_STEPS, **_space["grid"]}

VERIFY_SEEDS = (0, 1, 2, 3, 4)


def _default_zoo_path() -> pathlib.Path:
    return pathlib.Path(__file__).resolve().parent.parent / "python" / "pgfast" / "zoo.json"


def make_env(env_id: str, space: dict[str, Any]) -> Any:
    """Return a fresh environment for ``env_id`` as the search space says."""
    if space["env_backend"] == "native":
        return pgfast.envs.make(env_id)
    return gym.make(env_id, **space.get("env_kwargs", {}))


def env_factory(env_id: str, space: dict[str, Any]) -> Any:
    """Return a picklable zero-argument factory of that environment (for pgfast.sweep)."""
    if space["env_backend"] == "native":
        return functools.partial(pgfast.envs.make, env_id)
    return functools.partial(gym.make, env_id, **space.get("env_kwargs", {}))


def agent_for(env_id: str, space: dict[str, Any], hyperparameters: dict[str, Any], seed: int) -> Any:
    """Return an untrained agent of the search space's algorithm with these arguments."""
    env = make_env(env_id, space)
    cls: Any = pgfast.ActorCritic if space["algo"] == "actor-critic" else pgfast.Reinforce
    kwargs = dict(hyperparameters)
    if space["features"] is not None:
        kwargs["features"] = parse_features(space["features"], space["bounds"], env)
    return cls(env, seed=seed, **kwargs)


def configurations(grid: dict[str, list[Any]], budget: int | None) -> list[dict[str, Any]]:
    """Return the grid's configurations, or ``budget`` of them drawn with a fixed seed."""
    keys = list(grid)
    combos = [dict(zip(keys, values)) for values in _product([grid[k] for k in keys])]
    if budget is not None and budget < len(combos):
        combos = random.Random(0).sample(combos, budget)
    return combos


def _product(axes: list[list[Any]]) -> list[tuple[Any, ...]]:
    import itertools

    return list(itertools.product(*axes))


def tune(
    env_id: str, space: dict[str, Any], budget: int | None, seeds: list[int]
) -> tuple[dict[str, Any], int]:
    """Sweep the configurations on ``seeds``; return the best by worst seed and the runs made."""
    env = make_env(env_id, space)
    features = None if space["features"] is None else parse_features(space["features"], space["bounds"], env)
    configs = configurations(space["grid"], budget)
    best: tuple[float, float] | None = None
    best_cfg: dict[str, Any] = configs[0]
    runs = 0
    for cfg in configs:
        grid: dict[str, Any] = {k: [v] for k, v in cfg.items()}
        grid["algo"] = [space["algo"]]
        if features is not None:
            grid["features"] = [features]
        res = pgfast.sweep(env_factory(env_id, space), grid, seeds, space["total_timesteps"],
                           executor="serial", eval_episodes=space.get("eval_episodes", 20),
                           keep_params=False, progress_bar=False)
        runs += len(res)
        means = np.array([r["eval_mean"] for r in res], dtype=float)
        score = (float(np.nan_to_num(means, nan=-np.inf).min()), float(np.nanmean(means)))
        print(f"  {cfg}: worst {score[0]:.3f}, mean {score[1]:.3f}", flush=True)
        if best is None or score > best:
            best, best_cfg = score, cfg
    return best_cfg, runs


def verify(env_id: str, space: dict[str, Any], hyperparameters: dict[str, Any]) -> dict[str, Any]:
    """Train on seeds 0-4 and return the entry's ``result`` (greedy means, seconds)."""
    episodes = int(space.get("eval_episodes", 20))
    means, seconds = [], []
    for seed in VERIFY_SEEDS:
        agent = agent_for(env_id, space, hyperparameters, seed)
        start = time.perf_counter()
        agent.learn(space["total_timesteps"])
        seconds.append(round(time.perf_counter() - start, 2))
        means.append(round(float(agent.evaluate(episodes, seed=seed)[0]), 4))
        print(f"  seed {seed}: greedy mean {means[-1]}, {seconds[-1]} s", flush=True)
    return {"seeds": list(VERIFY_SEEDS), "greedy_mean": means, "train_seconds": seconds,
            "eval_episodes": episodes}


def entry_of(space: dict[str, Any], hyperparameters: dict[str, Any], result: dict[str, Any],
             found_by: str) -> dict[str, Any]:
    """Return the zoo entry (the schema of ``pgfast.zoo``)."""
    return {
        "algo": space["algo"], "hyperparameters": hyperparameters, "features": space["features"],
        "bounds": space["bounds"], "total_timesteps": space["total_timesteps"],
        "env_backend": space["env_backend"], "env_kwargs": space.get("env_kwargs", {}),
        "target": space["target"], "result": result, "found_by": found_by,
    }


def main(argv: list[str] | None = None) -> int:
    """Run the command line (see the module docstring)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("env_id", nargs="?", help="an env id of SPACES")
    p.add_argument("--budget", type=int, default=None, help="configurations to try (default: all)")
    p.add_argument("--tune-seeds", default="10-14", help="A-B: the tuning seeds (default 10-14)")
    p.add_argument("--verify-only", action="store_true",
                   help="re-measure the current entry (or else the grid's first configuration) on seeds 0-4")
    p.add_argument("--zoo", default=str(_default_zoo_path()), help="the zoo file to update")
    p.add_argument("--force", action="store_true", help="replace the entry even if it is worse")
    p.add_argument("--list", action="store_true", help="print the search spaces and exit")
    args = p.parse_args(argv)
    if args.list or args.env_id is None:
        for name, space in SPACES.items():
            print(name, json.dumps({k: v for k, v in space.items() if k != "grid"}), space["grid"])
        return 0
    if args.env_id not in SPACES:
        print(f"no search space for {args.env_id!r}; add one to SPACES ({', '.join(SPACES)})",
              file=sys.stderr)
        return 2
    space = SPACES[args.env_id]
    path = pathlib.Path(args.zoo)
    zoo = json.loads(path.read_text()) if path.exists() else {}
    start = time.perf_counter()
    command = "python examples/tune_zoo.py " + " ".join(argv if argv is not None else sys.argv[1:])
    if args.verify_only:
        if args.env_id in zoo:
            hyper = zoo[args.env_id]["hyperparameters"]
        else:
            hyper = configurations(space["grid"], None)[0]  # the grid's first
        runs = 0
    else:
        lo, hi = (int(v) for v in args.tune_seeds.split("-"))
        print(f"tuning {args.env_id} on seeds {lo}-{hi}", flush=True)
        hyper, runs = tune(args.env_id, space, args.budget, list(range(lo, hi + 1)))
        print(f"best by worst seed: {hyper}", flush=True)
    print(f"verifying on seeds 0-4: {hyper}", flush=True)
    result = verify(args.env_id, space, hyper)
    spent = time.perf_counter() - start
    found_by = (f"{command} (tuning seeds {args.tune_seeds}: {runs} runs; "
                f"{spent:.0f} s with verification)" if runs else f"{command} ({spent:.0f} s)")
    old = zoo.get(args.env_id)
    marker = "; configuration from "
    if args.verify_only and old is not None and old["hyperparameters"] == hyper:
        # a re-measurement: keep where the configuration came from
        before = old["found_by"]
        found_by += marker + (before.split(marker, 1)[1] if marker in before else before)
    elif not runs and "source" in space:
        found_by += marker + space["source"]
    new = entry_of(space, hyper, result, found_by)
    if old is not None and not args.force and min(old["result"]["greedy_mean"]) > min(result["greedy_mean"]):
        print(f"kept the zoo's entry: its worst seed {min(old['result']['greedy_mean'])} beats "
              f"{min(result['greedy_mean'])} (--force to replace it)")
        return 0
    zoo[args.env_id] = new
    path.write_text(json.dumps(dict(sorted(zoo.items())), indent=1) + "\n")
    reached = all(m >= space["target"] for m in result["greedy_mean"])
    print(f"wrote {args.env_id} to {path}: worst seed {min(result['greedy_mean'])}, "
          f"target {space['target']} {'reached on every seed' if reached else 'NOT reached on every seed'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
