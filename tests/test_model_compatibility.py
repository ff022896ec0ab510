"""Models written by earlier pgfast versions keep loading and predicting identically.

``tests/data/models/`` holds files written by pgfast 0.1.0 in model format version 2
(``make_models.py`` there says how) with what they predicted when they were written.
A new format must still read them: never regenerate these files, add new ones.
"""

import pathlib

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from pgfast import Reinforce

MODELS = pathlib.Path(__file__).parent / "data" / "models"
NAMES = sorted(p.stem for p in MODELS.glob("*.pgfast"))


def test_the_reference_models_are_there():
    assert {"cartpole-v1-format2", "pendulum-v1-baseline-format2", "cartpole-v1-tiles-format2"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_an_old_model_loads_with_its_parameters(name):
    agent = Reinforce.load(MODELS / f"{name}.pgfast")
    with np.load(MODELS / f"{name}.expected.npz") as expected:
        assert_array_equal(agent.policy.params, expected["params"])


@pytest.mark.parametrize("name", NAMES)
def test_an_old_model_predicts_the_same_greedy_actions(name):
    agent = Reinforce.load(MODELS / f"{name}.pgfast")
    with np.load(MODELS / f"{name}.expected.npz") as expected:
        assert_array_equal(agent.predict(expected["obs"], deterministic=True)[0], expected["greedy"])


@pytest.mark.parametrize("name", NAMES)
def test_an_old_model_samples_the_same_actions_from_its_saved_stream(name):
    agent = Reinforce.load(MODELS / f"{name}.pgfast")
    with np.load(MODELS / f"{name}.expected.npz") as expected:
        assert_array_equal(agent.predict(expected["obs"])[0], expected["sampled"])


@pytest.mark.parametrize("name", NAMES)
def test_an_old_model_keeps_training(name):
    agent = Reinforce.load(MODELS / f"{name}.pgfast")
    before, steps = agent.policy.params.copy(), agent.num_timesteps
    agent.learn(1500, progress_bar=False)
    assert agent.num_timesteps == steps + 1500
    assert np.all(np.isfinite(agent.policy.params))
    assert not np.array_equal(agent.policy.params, before)
