"""agent.state_dict() / agent.load_state_dict(): the agent's whole learning state, public.

An agent that loads another's state and then learns must take exactly the steps the
other takes (parameters, baseline/critic, optimiser moments, R̄, random streams, history,
step count and the finished episodes waiting for a batch update all carry over); a bad
state is refused naming its key and leaves the agent as it was.
"""

import copy
import dataclasses
import inspect

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from pgfast import ActorCritic, Reinforce
from pgfast._validate import ActorCriticConfig, ReinforceConfig


def assert_state_equal(a, b, key="state"):
    if isinstance(a, dict):
        assert a.keys() == b.keys(), key
        for k in a:
            assert_state_equal(a[k], b[k], f"{key}[{k!r}]")
    else:
        assert type(a) is type(b) or isinstance(a, np.ndarray), key
        assert_array_equal(np.asarray(a), np.asarray(b), err_msg=key)


# (agent class, keyword arguments): every kind of state there is
AGENTS = {
    "reinforce-adam-baseline-pending": (Reinforce, {"baseline": "linear", "batch_episodes": 3}),
    "reinforce-sgd": (Reinforce, {"optimizer": "sgd", "lr": 0.01, "update": "per_episode"}),
    "reinforce-numpy-backend": (Reinforce, {"baseline": "linear", "batch_episodes": 3, "backend": "numpy"}),
    "actor-critic-traces": (ActorCritic, {"lr": 0.001, "critic_lr": 0.01, "lambda_actor": 0.5,
                                          "lambda_critic": 0.8}),
    "actor-critic-average-reward": (ActorCritic, {"lr": 0.001, "critic_lr": 0.01, "average_reward": True,
                                                  "optimizer": "sgd"}),
    "actor-critic-adam": (ActorCritic, {}),  # the defaults: Adam for the actor and the critic
}


def trained(name, seed=0, steps=700):
    cls, kwargs = AGENTS[name]
    return cls("CartPole-v1", seed=seed, **kwargs).learn(steps)


@pytest.mark.parametrize("name", sorted(AGENTS))
def test_an_agent_that_loads_the_state_learns_bit_identically(name):
    original = trained(name)
    copy_ = trained(name, seed=1, steps=300)  # other seed, other history: all overwritten
    copy_.load_state_dict(original.state_dict())
    original.learn(1500)
    copy_.learn(1500)
    assert_state_equal(copy_.state_dict(), original.state_dict())


def test_the_state_holds_the_pending_episodes_and_adam_moments():
    state = trained("reinforce-adam-baseline-pending").state_dict()
    assert state["pending"]["n_episodes"] > 0  # mid-batch: the test above carries them over
    assert state["optimizer"]["t"] > 0 and state["baseline_optimizer"]["t"] > 0
    assert state["optimizer"]["m"].shape == state["params"].shape


def test_the_state_of_actor_critic_holds_the_average_reward():
    agent = trained("actor-critic-average-reward")
    state = agent.state_dict()
    assert state["average_reward"] == agent.average_reward != 0.0
    assert "optimizer" not in state and "pending" not in state


def test_the_state_keys_are_documented_per_agent():
    assert Reinforce("CartPole-v1").state_keys() == (
        "params", "baseline_params", "total_steps", "history", "rng_state", "eval_rng_state",
        "optimizer", "baseline_optimizer", "pending")
    assert ActorCritic("CartPole-v1").state_keys() == (
        "params", "critic_params", "total_steps", "history", "rng_state", "eval_rng_state",
        "optimizer", "critic_optimizer", "average_reward")
    assert ActorCritic("CartPole-v1", optimizer="sgd").state_keys() == (
        "params", "critic_params", "total_steps", "history", "rng_state", "eval_rng_state",
        "average_reward")


def test_the_state_is_a_copy():
    agent = trained("reinforce-adam-baseline-pending")
    before = agent.state_dict()
    state = agent.state_dict()
    state["params"][:] = 0.0
    state["optimizer"]["m"][:] = 0.0
    state["history"]["episode_return"][:] = 0.0
    state["rng_state"]["state"]["state"] = 1
    assert_state_equal(agent.state_dict(), before)


def test_a_fresh_agent_state_loads_into_a_trained_one():
    fresh = Reinforce("CartPole-v1", seed=3, baseline="linear", batch_episodes=3)
    agent = trained("reinforce-adam-baseline-pending")
    agent.load_state_dict(fresh.state_dict())
    assert_state_equal(agent.state_dict(), fresh.state_dict())


@pytest.mark.parametrize("name", ["reinforce-adam-baseline-pending", "actor-critic-average-reward",
                                  "actor-critic-adam"])
def test_save_and_load_equal_the_state_round_trip(name, tmp_path):
    agent = trained(name)
    loaded = type(agent).load(agent.save(tmp_path / "m"))
    assert_state_equal(loaded.state_dict(), agent.state_dict())


def test_a_cpp_state_loads_into_the_numpy_backend():
    agent = trained("reinforce-adam-baseline-pending")
    twin = Reinforce("CartPole-v1", baseline="linear", batch_episodes=3, backend="numpy")
    twin.load_state_dict(agent.state_dict())
    assert_state_equal(twin.state_dict(), agent.state_dict())


# ---- refusals --------------------------------------------------------------------------
def edit(path, value):
    def apply(state):
        d = state
        for k in path[:-1]:
            d = d[k]
        if value is DELETE:
            del d[path[-1]]
        else:
            d[path[-1]] = value(d[path[-1]]) if callable(value) else value
    return apply


DELETE = object()
BAD = {
    "missing key": (edit(["optimizer"], DELETE), r"state_dict\['optimizer'\] is missing"),
    "unexpected key": (edit(["critic_params"], np.zeros(5)),
                       r"state_dict\['critic_params'\]: unexpected key"),
    "params shape": (edit(["params"], lambda p: p[:-1]),
                     r"state_dict\['params'\]: has shape \(9,\), expected \(10,\)"),
    "params NaN": (edit(["params"], lambda p: p * np.nan), r"state_dict\['params'\]: contains NaN"),
    "params of strings": (edit(["params"], ["a"] * 10), r"state_dict\['params'\]: must hold numbers"),
    "baseline shape": (edit(["baseline_params"], np.zeros(2)), r"state_dict\['baseline_params'\]: has shape"),
    "total_steps float": (edit(["total_steps"], 3.0), r"state_dict\['total_steps'\]: must be an int"),
    "adam m shape": (edit(["optimizer", "m"], np.zeros(3)), r"state_dict\['optimizer'\]\['m'\]: has shape"),
    "adam v negative": (edit(["optimizer", "v"], lambda v: -v - 1.0),
                        r"state_dict\['optimizer'\]\['v'\]: Adam"),
    "adam t missing": (edit(["optimizer", "t"], DELETE), r"state_dict\['optimizer'\]\['t'\] is missing"),
    "history unequal": (edit(["history", "episode_length"], lambda a: a[:-1]),
                        r"state_dict\['history'\]: unequal lengths"),
    "history old key": (edit(["history", "timesteps"], np.zeros(0)),
                        r"state_dict\['history'\]\['timesteps'\]: unexpected key"),
    "history beyond total": (edit(["total_steps"], 5),
                             r"state_dict\['history'\]\['episode_length'\]: .*total_steps=5"),
    "rng not PCG64": (edit(["rng_state", "bit_generator"], "MT19937"),
                      r"state_dict\['rng_state'\]: not the state of a PCG64"),
    "eval rng broken": (edit(["eval_rng_state", "state"], "x"),
                        r"state_dict\['eval_rng_state'\]: not a valid PCG64"),
    "pending both kinds": (edit(["pending", "I"], np.zeros((0, 4), np.int64)),
                           r"state_dict\['pending'\]: needs one of"),
    "pending term ints": (edit(["pending", "term"], lambda a: a.astype(np.int64)),
                          r"state_dict\['pending'\]\['term'\]: must be a 1-D array of bool"),
    # refused by the learner itself, after other parts were set: the agent is put back
    "pending not ending": (edit(["pending", "term"], lambda a: np.zeros_like(a)),
                           r"state_dict\['pending'\]: pending episodes"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_state_is_refused_naming_the_key_and_changes_nothing(case):
    change, match = BAD[case]
    agent = trained("reinforce-adam-baseline-pending")
    state = copy.deepcopy(agent.state_dict())
    other = trained("reinforce-adam-baseline-pending", seed=5, steps=1000).state_dict()
    assert other["pending"]["n_episodes"] > 0
    change(other)
    before = agent.state_dict()
    with pytest.raises(ValueError, match=match):
        agent.load_state_dict(other)
    assert_state_equal(agent.state_dict(), before)
    assert_state_equal(agent.state_dict(), state)


def test_a_state_that_is_not_a_mapping_is_a_type_error():
    with pytest.raises(TypeError, match="state must be a mapping"):
        Reinforce("CartPole-v1").load_state_dict([("params", np.zeros(10))])


def test_an_sgd_agent_refuses_adam_moments():
    agent = Reinforce("CartPole-v1", optimizer="sgd")
    state = agent.state_dict()
    state["optimizer"] = {"t": 1, "m": np.zeros(10), "v": np.zeros(10)}
    with pytest.raises(ValueError, match=r"state_dict\['optimizer'\]: this optimiser keeps no state"):
        agent.load_state_dict(state)


def test_actor_critic_refuses_a_non_finite_average_reward():
    agent = ActorCritic("CartPole-v1", average_reward=True)
    state = agent.state_dict()
    state["average_reward"] = float("inf")
    with pytest.raises(ValueError, match=r"state_dict\['average_reward'\]: must be a finite number"):
        agent.load_state_dict(state)


# ---- history: one spelling, read incrementally --------------------------------------------
def test_history_keys_are_the_episode_and_update_records():
    assert tuple(Reinforce("CartPole-v1").history) == (
        "episode_return", "episode_length", "episode_total_timesteps",
        "update_grad_norm", "update_entropy", "update_baseline_loss", "update_total_timesteps")


def test_history_since_is_the_tail_of_the_history():
    agent = trained("reinforce-adam-baseline-pending", steps=2000)
    h = agent.history
    n_ep, n_up = len(h["episode_return"]), len(h["update_grad_norm"])
    tail = agent.history_since(n_ep - 4, n_up - 2)
    for k, v in tail.items():
        cut = n_ep - 4 if k.startswith("episode_") else n_up - 2
        assert_array_equal(v, h[k][cut:], err_msg=k)
        assert v.dtype == h[k].dtype, k
    assert all(len(v) == 0 for v in agent.history_since(n_ep, n_up).values())


def test_history_since_refuses_a_negative_start():
    with pytest.raises(ValueError, match="episodes must be >= 0"):
        Reinforce("CartPole-v1").history_since(-1)


# ---- the config: spelled once --------------------------------------------------------------
@pytest.mark.parametrize(("cls", "config"), [(Reinforce, ReinforceConfig), (ActorCritic, ActorCriticConfig)])
def test_the_signature_defaults_are_the_config_defaults(cls, config):
    params = inspect.signature(cls.__init__).parameters
    for f in dataclasses.fields(config):
        assert params[f.name].default == f.default, f.name
    not_config = {"self", "env", "features", "seed", "backend"}
    assert {f.name for f in dataclasses.fields(config)} == set(params) - not_config


def test_the_agent_config_is_frozen_and_resolved():
    agent = Reinforce("CartPole-v1", lr=0.05, baseline="linear")
    assert agent.config == ReinforceConfig(lr=0.05, baseline="linear", baseline_lr=0.5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        agent.config.lr = 1.0  # type: ignore[misc]
    assert agent.hyperparameters == {**dataclasses.asdict(agent.config), "seed": None}


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"lr": "0.1"}, TypeError, "lr must be a number"),
    ({"batch_episodes": 2**31}, ValueError, r"batch_episodes must be <= 2147483647"),
    ({"update": "often"}, ValueError, "update must be one of"),
])
def test_the_config_checks_each_value_naming_it(kwargs, error, match):
    with pytest.raises(error, match=match):
        ReinforceConfig(**kwargs)
