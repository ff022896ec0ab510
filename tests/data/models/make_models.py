"""Write the reference models of tests/test_model_compatibility.py (run once per format).

The files in this folder were written by pgfast 0.1.0, model format version 2, and are
committed: a later pgfast must keep loading them and predicting exactly what they
predicted when they were written. Do not regenerate them for a new format; add new
files next to them instead.

    python tests/data/models/make_models.py   # writes <name>.pgfast and <name>.expected.npz
"""

from __future__ import annotations

import pathlib

import numpy as np
import pgfast
from pgfast import Reinforce

HERE = pathlib.Path(__file__).resolve().parent

MODELS = {
    # the reference file: default settings, 2000 steps
    "cartpole-v1-format2": lambda: Reinforce("CartPole-v1", seed=0).learn(2000),
    # a Gaussian policy with a baseline and Adam moments for both, one episode pending
    "pendulum-v1-baseline-format2": lambda: Reinforce(
        "Pendulum-v1", seed=0, baseline="linear", batch_episodes=3).learn(2000),
    # a sparse feature map (pending episodes stored as active indices)
    "cartpole-v1-tiles-format2": lambda: Reinforce(
        "CartPole-v1", seed=0, baseline="linear",
        features=pgfast.features.TileCoding(4, 3, bounds=[(-2.4, 2.4), (-3, 3), (-0.21, 0.21), (-3.5, 3.5)]),
    ).learn(2500),
}


def expected(agent: Reinforce) -> dict[str, np.ndarray]:
    """What the model must keep predicting: greedy and sampled actions on fixed inputs."""
    space = agent.spaces.observation_space
    space.seed(0)
    obs = np.array([space.sample() for _ in range(64)], dtype=np.float64)
    greedy = np.asarray(agent.predict(obs, deterministic=True)[0])
    sampled = np.asarray(agent.predict(obs)[0])  # from the saved evaluation stream
    return {"obs": obs, "greedy": greedy, "sampled": sampled, "params": agent.policy.params.copy()}


def main() -> None:
    for name, make in MODELS.items():
        agent = make()
        agent.save(str(HERE / f"{name}.pgfast"))
        np.savez(HERE / f"{name}.expected.npz", **expected(agent))
        print(name, agent._learner.pending_episodes, "pending episode(s)")


if __name__ == "__main__":
    main()
