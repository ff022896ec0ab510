"""Continuous control with the linear Gaussian policy (S&B §13.7, eqs. 13.19-13.20).
=================================================================================

InvertedPendulum-v5 (MuJoCo; ``pip install "pgfast[mujoco]"``) on raw observations.
Actions are sampled unclipped from N(mu(s), sigma^2) and clipped to the action box only
when sent to the environment; the log-std is learned and clamped to [-20, 2].

    python examples/continuous_gaussian.py [--timesteps 50000] [--seed 0] [--log-dir DIR]
"""

from __future__ import annotations

import argparse

import numpy as np
import pgfast


def main(argv: list[str] | None = None) -> float:
    """Train, evaluate greedily, print and return the mean evaluation return."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--timesteps", type=int, default=50_000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--log-dir", default=None,
                   help="write progress.csv and the learning curve (learning_curve.png) there")
    args = p.parse_args(argv)
    agent = pgfast.Reinforce("InvertedPendulum-v5", lr=0.01, update="per_episode", seed=args.seed)
    agent.learn(args.timesteps, progress_bar=True, log_dir=args.log_dir)
    mean, std = agent.evaluate(n_episodes=10, seed=args.seed)
    sigma = np.exp(agent.policy.params[-1])
    print(f"InvertedPendulum-v5: greedy return {mean:.1f} +/- {std:.1f} (max 1000); sigma = {sigma:.3f}")
    return mean


if __name__ == "__main__":
    main()
