"""Write the reference models of tests/test_model_compatibility.py (run once per format).

The files in this folder are committed: a later pgfast must keep loading them and
predicting exactly what they predicted when they were written. The ``*-format2`` files
were written by pgfast 0.1.0 (model format version 2; the actor-critic ones by main
``ed0d874``, still format 2), the ``*-format3`` ones by format 3. Never regenerate a
file: for a new format, add entries to ``MODELS`` with the new suffix. The script
writes only the files that do not exist yet.

    python tests/data/models/make_models.py   # writes <name>.pgfast and <name>.expected.npz
"""

from __future__ import annotations

import pathlib

from typing import Any

import numpy as np
import pgfast
from pgfast import ActorCritic, Reinforce

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
    # actor-critic with traces: a critic, no optimiser state, nothing pending
    "cartpole-v1-actor-critic-format2": lambda: ActorCritic(
        "CartPole-v1", seed=0, lr=0.001, critic_lr=0.01, lambda_actor=0.5, lambda_critic=0.8).learn(2000),
    # the continuing setting: R-bar is part of the state
    "pendulum-v1-actor-critic-average-reward-format2": lambda: ActorCritic(
        "Pendulum-v1", seed=0, average_reward=True, lr=0.001).learn(1000),
    # format 3 (history members named by agent.history's keys): REINFORCE with a baseline,
    # Adam for both, an episode pending; and actor-critic in the continuing setting
    "cartpole-v1-baseline-format3": lambda: Reinforce(
        "CartPole-v1", seed=0, baseline="linear", batch_episodes=3).learn(2000),
    "pendulum-v1-actor-critic-average-reward-format3": lambda: ActorCritic(
        "Pendulum-v1", seed=0, average_reward=True, lr=0.001).learn(1000),
}


def expected(agent: Any) -> dict[str, np.ndarray]:
    """What the model must keep predicting: greedy and sampled actions on fixed inputs."""
    space = agent.spaces.observation_space
    space.seed(0)
    obs = np.array([space.sample() for _ in range(64)], dtype=np.float64)
    greedy = np.asarray(agent.predict(obs, deterministic=True)[0])
    sampled = np.asarray(agent.predict(obs)[0])  # from the saved evaluation stream
    out = {"obs": obs, "greedy": greedy, "sampled": sampled, "params": agent.policy.params.copy(),
           "num_timesteps": np.int64(agent.num_timesteps),
           "episode_return": np.asarray(agent.history["episode_return"])}
    if hasattr(agent, "average_reward"):
        out["average_reward"] = np.float64(agent.average_reward)
    return out


def main() -> None:
    for name, make in MODELS.items():
        if (HERE / f"{name}.pgfast").exists():
            continue
        agent = make()
        agent.save(str(HERE / f"{name}.pgfast"))
        np.savez(HERE / f"{name}.expected.npz", **expected(agent))
        print(name, "written")


if __name__ == "__main__":
    main()
