"""Models written by earlier pgfast versions keep loading and predicting identically.

``tests/data/models/`` holds files written by pgfast 0.1.0 in model format version 2 and
by later versions in format 3 (``make_models.py`` there says how), with what they
predicted when they were written. A new format must still read them: never regenerate
these files, add new ones.
"""

import pathlib

import gymnasium as gym
import numpy as np
import pytest
from numpy.testing import assert_array_equal
from pgfast.io import agent_class

MODELS = pathlib.Path(__file__).parent / "data" / "models"
NAMES = sorted(p.stem for p in MODELS.glob("*.pgfast"))


def load(name):
    path = MODELS / f"{name}.pgfast"
    return agent_class(path).load(path)


def as_sent(agent, actions):
    """The recorded actions as predict returns them now: Box actions in the space's dtype.

    The files record float64 actions for float32 Box spaces (the clipped sample); predict
    now casts it to the space's dtype, so the same sample gives the same cast value.
    """
    space = agent.env.action_space
    return actions.astype(space.dtype) if isinstance(space, gym.spaces.Box) else actions


def test_the_reference_models_are_there():
    assert {"cartpole-v1-format2", "pendulum-v1-baseline-format2", "cartpole-v1-tiles-format2",
            "cartpole-v1-actor-critic-format2", "pendulum-v1-actor-critic-average-reward-format2",
            "cartpole-v1-baseline-format3", "pendulum-v1-actor-critic-average-reward-format3"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_an_old_model_loads_with_its_parameters(name):
    agent = load(name)
    with np.load(MODELS / f"{name}.expected.npz") as expected:
        assert_array_equal(agent.policy.params, expected["params"])


@pytest.mark.parametrize("name", NAMES)
def test_an_old_model_predicts_the_same_greedy_actions(name):
    agent = load(name)
    with np.load(MODELS / f"{name}.expected.npz") as expected:
        greedy = agent.predict(expected["obs"], deterministic=True)[0]
        assert_array_equal(greedy, as_sent(agent, expected["greedy"]), strict=True)


@pytest.mark.parametrize("name", NAMES)
def test_an_old_model_samples_the_same_actions_from_its_saved_stream(name):
    agent = load(name)
    with np.load(MODELS / f"{name}.expected.npz") as expected:
        sampled = agent.predict(expected["obs"])[0]
        assert_array_equal(sampled, as_sent(agent, expected["sampled"]), strict=True)


@pytest.mark.parametrize("name", NAMES)
def test_an_old_model_keeps_training(name):
    agent = load(name)
    before, steps = agent.policy.params.copy(), agent.num_timesteps
    agent.learn(1500, progress_bar=False)
    assert agent.num_timesteps == steps + 1500
    assert np.all(np.isfinite(agent.policy.params))
    assert not np.array_equal(agent.policy.params, before)


def _recorded_state(name):
    with np.load(MODELS / f"{name}.expected.npz") as expected:
        return "num_timesteps" in expected.files


# the 0.1.0 files' expectations predate these records
NAMES_WITH_STATE = [n for n in NAMES if _recorded_state(n)]


def test_the_files_since_format2_actor_critic_record_their_state():
    assert len(NAMES_WITH_STATE) >= 4


@pytest.mark.parametrize("name", NAMES_WITH_STATE)
def test_an_old_model_keeps_its_step_count_history_and_average_reward(name):
    agent = load(name)
    with np.load(MODELS / f"{name}.expected.npz") as expected:
        assert agent.num_timesteps == expected["num_timesteps"]
        assert_array_equal(agent.history["episode_return"], expected["episode_return"])
        if "average_reward" in expected.files:
            assert agent.average_reward == expected["average_reward"]


@pytest.mark.parametrize("name", NAMES)
def test_an_old_model_saves_to_the_current_format_and_back_identically(name, tmp_path):
    agent = load(name)
    path = agent.save(tmp_path / "again.pgfast")
    again = type(agent).load(path)
    before, after = agent.state_dict(), again.state_dict()
    assert before.keys() == after.keys()
    for key in before:
        _assert_state_equal(before[key], after[key], key)


def _assert_state_equal(a, b, key):
    if isinstance(a, dict):
        assert a.keys() == b.keys(), key
        for k in a:
            _assert_state_equal(a[k], b[k], f"{key}.{k}")
    else:
        assert_array_equal(np.asarray(a), np.asarray(b), err_msg=key)
