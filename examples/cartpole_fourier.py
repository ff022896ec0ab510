"""CartPole-v1 with a linear softmax policy over a Fourier basis (S&B §9.5.2).
===========================================================================

CartPole's velocities are unbounded in its observation space, so the Fourier basis is
given explicit bounds for every input (values outside are clipped).

    python examples/cartpole_fourier.py [--timesteps 30000] [--seed 0] [--log-dir DIR]
"""

from __future__ import annotations

import argparse

import pgfast
from pgfast.features import Fourier

# (low, high) as gymnasium.spaces.Box takes them, over cart position, cart velocity,
# pole angle and pole angular velocity.
BOUNDS = ((-2.4, -3.0, -0.21, -3.5), (2.4, 3.0, 0.21, 3.5))


def main(argv: list[str] | None = None) -> float:
    """Train, evaluate greedily, print and return the mean evaluation return."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--timesteps", type=int, default=30_000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--log-dir", default=None,
                   help="write progress.csv and the learning curve (learning_curve.png) there")
    args = p.parse_args(argv)
    agent = pgfast.Reinforce("CartPole-v1", features=Fourier(order=3, bounds=BOUNDS), lr=0.05, seed=args.seed)
    agent.learn(args.timesteps, progress_bar=True, log_dir=args.log_dir)
    mean, std = agent.evaluate(n_episodes=20, seed=args.seed)
    print(f"Fourier(order=3), {agent.spaces.n_features} features: greedy return {mean:.1f} +/- {std:.1f}")
    return mean


if __name__ == "__main__":
    main()
