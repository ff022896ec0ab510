"""The ``pgfast`` command line: ``train``, ``eval`` and ``bench``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Optional


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="pgfast", description="Policy-gradient (REINFORCE) training of linear policies."
    )
    sub = p.add_subparsers(dest="command", required=True)

    t = sub.add_parser("train", help="train REINFORCE on a gymnasium environment")
    t.add_argument("env_id", help="gymnasium environment id, e.g. CartPole-v1")
    t.add_argument("--timesteps", type=int, default=100_000, help="environment steps (default 100000)")
    t.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    t.add_argument("--save", default=None, help="model file to write (default ENV_ID.pgfast)")
    t.add_argument("--log-dir", default=None,
                   help="directory for progress.csv and learning_curve.png (default runs/ENV_ID)")
    t.add_argument("--lr", type=float, default=0.2, help="policy step size (default 0.2)")
    t.add_argument("--optimizer", choices=["adam", "sgd"], default="adam")
    t.add_argument("--gamma", type=float, default=0.99)
    t.add_argument("--baseline", choices=["none", "linear"], default="none")
    t.add_argument("--baseline-lr", type=float, default=None)
    t.add_argument("--update", choices=["per_step", "per_episode", "batch"], default="batch")
    t.add_argument("--batch-episodes", type=int, default=2)
    t.add_argument("--no-normalize", action="store_true", help="do not standardise returns")
    t.add_argument("--discount-gradient", action="store_true", help="the book's gamma^t factor")
    t.add_argument("--entropy-coef", type=float, default=0.0)
    t.add_argument("--max-grad-norm", type=float, default=None)
    t.add_argument("--truncation", choices=["bootstrap", "terminal"], default="bootstrap")
    t.add_argument("--backend", choices=["cpp", "numpy"], default="cpp")
    t.add_argument("--num-envs", type=int, default=1, help="sub-environments (a sync vector env if > 1)")
    t.add_argument("--eval-episodes", type=int, default=20, help="greedy evaluation episodes after training")
    t.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    e = sub.add_parser("eval", help="evaluate a saved model")
    e.add_argument("model", help="a file written by `pgfast train --save` or Reinforce.save")
    e.add_argument("--episodes", type=int, default=10)
    e.add_argument("--seed", type=int, default=None)
    e.add_argument("--env", default=None, help="environment id (default: the one saved)")
    e.add_argument("--stochastic", action="store_true", help="sample actions instead of greedy")

    b = sub.add_parser("bench", help="run the benchmarks (ratios against NumPy)")
    b.add_argument("--full", action="store_true", help="the full suite (slow)")
    b.add_argument("--out", default="bench_results", help="output directory for JSON/PNG")
    b.add_argument("--only", default=None, help="comma-separated sections (see python -m bench --help)")
    b.add_argument("--quiet", action="store_true", help="no progress lines")
    b.add_argument("--markdown", action="store_true", help="also print Markdown tables")
    return p


def _train(args: argparse.Namespace) -> int:
    import gymnasium as gym

    from .agent import Reinforce

    if args.timesteps < 0:
        raise ValueError("--timesteps must be >= 0")
    if args.num_envs < 1:
        raise ValueError("--num-envs must be >= 1")
    env: object = args.env_id
    if args.num_envs > 1:
        try:
            env = gym.make_vec(args.env_id, num_envs=args.num_envs, vectorization_mode="sync")
        except gym.error.Error as e:
            raise ValueError(f"cannot make environment {args.env_id!r}: {e}") from e
    agent = Reinforce(
        env, lr=args.lr, optimizer=args.optimizer, gamma=args.gamma,
        baseline=None if args.baseline == "none" else args.baseline, baseline_lr=args.baseline_lr,
        normalize_returns=not args.no_normalize, discount_gradient=args.discount_gradient,
        update=args.update, batch_episodes=args.batch_episodes, entropy_coef=args.entropy_coef,
        max_grad_norm=args.max_grad_norm, truncation=args.truncation, seed=args.seed,
        backend=args.backend,
    )
    log_dir = args.log_dir or os.path.join("runs", args.env_id)
    agent.learn(args.timesteps, progress_bar=not args.no_progress, log_dir=log_dir)
    save = args.save or f"{args.env_id}.pgfast"
    agent.save(save)
    h = agent.history
    last = h["episode_return"][-20:]
    print(f"trained {agent.num_timesteps} steps, {len(h['episode_return'])} episodes; "
          f"mean return of the last {len(last)}: {last.mean() if len(last) else float('nan'):.1f}")
    if args.eval_episodes > 0:
        mean, std = agent.evaluate(args.eval_episodes, seed=args.seed)
        print(f"greedy evaluation over {args.eval_episodes} episodes: {mean:.1f} +/- {std:.1f}")
    print(f"model saved to {save}; logs and learning curve in {log_dir}/")
    return 0


def _eval(args: argparse.Namespace) -> int:
    from .agent import Reinforce

    if args.episodes < 1:
        raise ValueError("--episodes must be >= 1")
    agent = Reinforce.load(args.model, env=args.env)
    mean, std = agent.evaluate(args.episodes, deterministic=not args.stochastic, seed=args.seed)
    print(f"{args.model}: mean return {mean:.2f} +/- {std:.2f} over {args.episodes} episodes")
    return 0


def _bench(args: argparse.Namespace) -> int:
    from ._bench import main as bench_main

    argv = (["--full"] if args.full else []) + ["--out", args.out] + (["--quiet"] if args.quiet else [])
    argv += ["--markdown"] if args.markdown else []
    return int(bench_main(argv + (["--only", args.only] if args.only else [])))


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "train":
            return _train(args)
        if args.command == "eval":
            return _eval(args)
        return _bench(args)
    except (ValueError, TypeError, FileNotFoundError, OSError) as e:
        print(f"pgfast: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("pgfast: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
