"""Reinforce.learn on a native env runs in one C++ loop, bit-identical to gymnasium's env."""

import threading

import gymnasium as gym
import numpy as np
import pytest

import pgfast
from pgfast import _fused
from pgfast import envs as native

CONFIGS = {
    "default": {},
    "per_step_baseline": {"update": "per_step", "baseline": "linear", "optimizer": "sgd", "lr": 1e-3},
    "batch_entropy": {"update": "batch", "batch_episodes": 3, "entropy_coef": 0.01, "max_grad_norm": 1.0},
}


def assert_same_agent(a, b):
    assert np.array_equal(a.policy.params, b.policy.params)
    assert a.num_timesteps == b.num_timesteps
    ha, hb = a.history, b.history
    assert ha.keys() == hb.keys()
    for k in ha:
        assert np.array_equal(ha[k], hb[k], equal_nan=True), k
    assert a.rng.bit_generator.state == b.rng.bit_generator.state


def pair(env_id, seed=0, **kwargs):
    return (
        pgfast.Reinforce(gym.make(env_id), seed=seed, **kwargs),
        pgfast.Reinforce(native.make(env_id), seed=seed, **kwargs),
    )


@pytest.mark.parametrize("config", list(CONFIGS))
@pytest.mark.parametrize("env_id", list(native.ENV_IDS))
def test_fused_learn_is_bit_identical_to_gymnasium(env_id, config):
    ref, fused = pair(env_id, seed=3, **CONFIGS[config])
    assert _fused.supported(fused, None) and not _fused.supported(ref, None)
    ref.learn(3_000)
    fused.learn(3_000)
    assert_same_agent(ref, fused)
    assert len(fused.history["episode_return"]) > 0


def test_fused_learn_continues_bit_identically_across_calls():
    ref, fused = pair("CartPole-v1", seed=1)
    for steps in (1_000, 2_345, 10):
        ref.learn(steps)
        fused.learn(steps)
        assert_same_agent(ref, fused)


def test_fused_learn_with_baseline_and_fourier_features_is_bit_identical():
    kwargs = {"features": pgfast.features.Fourier(order=2), "baseline": "linear"}
    ref, fused = pair("Pendulum-v1", seed=2, **kwargs)
    ref.learn(2_000)
    fused.learn(2_000)
    assert_same_agent(ref, fused)


def test_episode_callback_sees_the_same_episodes_and_can_stop_the_fused_run():
    seen = {"ref": [], "fused": []}

    def stopper(key):
        def on_episode_end(agent, ret, length):
            seen[key].append((agent.num_timesteps, ret, length))
            return len(seen[key]) < 7

        return type("CB", (), {"on_episode_end": staticmethod(on_episode_end)})()

    ref, fused = pair("CartPole-v1", seed=4)
    ref.learn(50_000, callback=stopper("ref"))
    fused.learn(50_000, callback=stopper("fused"))
    assert seen["ref"] == seen["fused"] and len(seen["ref"]) == 7
    assert_same_agent(ref, fused)


def test_per_step_callback_takes_the_python_loop_on_the_native_env_bit_identically():
    calls = []
    ref, fused = pair("Acrobot-v1", seed=5)
    assert not _fused.supported(fused, lambda agent: None)
    ref.learn(800, callback=lambda agent: None)
    fused.learn(800, callback=lambda agent: calls.append(agent.num_timesteps))
    assert calls == list(range(1, 801))
    assert_same_agent(ref, fused)


def test_fused_learn_with_a_progress_bar_is_bit_identical(capsys):
    ref, fused = pair("MountainCar-v0", seed=6)
    ref.learn(1_500)
    fused.learn(1_500, progress_bar=True)
    assert_same_agent(ref, fused)


def test_fused_runs_in_two_threads_give_the_serial_results():
    serial = [pgfast.Reinforce(native.make("CartPole-v1"), seed=s).learn(20_000) for s in (0, 1)]
    threaded = [pgfast.Reinforce(native.make("CartPole-v1"), seed=s) for s in (0, 1)]
    workers = [threading.Thread(target=agent.learn, args=(20_000,)) for agent in threaded]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    for a, b in zip(serial, threaded):
        assert_same_agent(a, b)


def test_run_fused_rejects_an_env_and_learner_that_do_not_match():
    cart = pgfast.Reinforce(native.make("CartPole-v1"), seed=0)
    acro = native.make("Acrobot-v1")
    with pytest.raises(ValueError, match="obs_dim"):
        pgfast._core.run_fused(
            acro.core, cart._learner, cart.rng, np.random.default_rng(1), pgfast._core.FusedState(), 10
        )


def test_run_fused_rejects_one_generator_for_agent_and_env():
    cart = pgfast.Reinforce(native.make("CartPole-v1"), seed=0)
    with pytest.raises(ValueError, match="different Generators"):
        pgfast._core.run_fused(
            cart.env.core, cart._learner, cart.rng, cart.rng, pgfast._core.FusedState(), 10
        )


# ------------------------------------------------------------------- vector envs


def vector_pair(env_id, n, seed=0, **kwargs):
    ref_env = gym.make_vec(env_id, n, vectorization_mode="sync")
    return (
        pgfast.Reinforce(ref_env, seed=seed, **kwargs),
        pgfast.Reinforce(native.make_vec(env_id, n), seed=seed, **kwargs),
    )


@pytest.mark.parametrize("config", ["default", "per_step_baseline"])
@pytest.mark.parametrize("env_id", ["CartPole-v1", "Acrobot-v1", "Pendulum-v1"])
def test_fused_vector_learn_is_bit_identical_to_sync_vector_env(env_id, config):
    ref, fused = vector_pair(env_id, 4, seed=2, **CONFIGS[config])
    assert _fused.supported(fused, None)
    for steps in (3_000, 1_001):
        ref.learn(steps)
        fused.learn(steps)
        assert_same_agent(ref, fused)


def test_fused_vector_episode_callback_stops_where_the_python_loop_stops():
    seen = {"ref": [], "fused": []}

    def stopper(key):
        def on_episode_end(agent, ret, length):
            seen[key].append((agent.num_timesteps, ret, length))
            return len(seen[key]) < 9

        return type("CB", (), {"on_episode_end": staticmethod(on_episode_end)})()

    ref, fused = vector_pair("CartPole-v1", 3, seed=7)
    ref.learn(100_000, callback=stopper("ref"))
    fused.learn(100_000, callback=stopper("fused"))
    assert seen["ref"] == seen["fused"] and len(seen["ref"]) >= 9
    assert_same_agent(ref, fused)


def test_same_step_native_vector_env_takes_the_python_loop_bit_identically():
    mode = gym.vector.AutoresetMode.SAME_STEP
    ref = pgfast.Reinforce(
        gym.make_vec("MountainCar-v0", 2, vectorization_mode="sync", vector_kwargs={"autoreset_mode": mode}),
        seed=1,
    )
    nat = pgfast.Reinforce(native.make_vec("MountainCar-v0", 2, autoreset_mode=mode), seed=1)
    assert not _fused.supported(nat, None)
    ref.learn(1_500)
    nat.learn(1_500)
    assert_same_agent(ref, nat)


# ------------------------------------------------------------------- kept samples


def test_parameters_changed_by_a_callback_between_episodes_are_used_by_the_fused_update():
    # The fused loop keeps each sample's pi for the batch update; a callback that writes
    # the parameters between the batch's two episodes must make the update recompute pi.
    def shrink(agent, ret, length):
        agent.policy.params = agent.policy.params * 0.5 + 0.01

    cb = type("CB", (), {"on_episode_end": staticmethod(shrink)})()
    ref, fused = pair("CartPole-v1", seed=8, lr=0.2)
    ref.learn(3_000, callback=cb)
    fused.learn(3_000, callback=cb)
    assert_same_agent(ref, fused)


def test_parameters_set_between_fused_learn_calls_are_used_by_the_next_update():
    ref, fused = pair("Acrobot-v1", seed=9, batch_episodes=3)
    for steps in (1_250, 1_250, 1_250):
        ref.learn(steps)
        fused.learn(steps)
        for agent in (ref, fused):  # finished episodes wait in the batch across the calls
            agent.policy.params = agent.policy.params + 0.25
        assert_same_agent(ref, fused)


# ------------------------------------------------------------------- episode budget


def test_max_episodes_stops_the_fused_run_where_the_gymnasium_run_stops():
    ref, fused = pair("CartPole-v1", seed=10)
    ref.learn(10**6, max_episodes=5)
    fused.learn(10**6, max_episodes=5)
    assert len(fused.history["episode_return"]) == 5
    assert_same_agent(ref, fused)
    ref.learn(1_000)  # continues bit-identically: no reset after the budget's last episode
    fused.learn(1_000)
    assert_same_agent(ref, fused)


def test_max_episodes_is_bounded_by_total_timesteps():
    ref, fused = pair("MountainCar-v0", seed=11)
    ref.learn(450, max_episodes=3)
    fused.learn(450, max_episodes=3)
    assert fused.num_timesteps == 450 and len(fused.history["episode_return"]) == 2
    assert_same_agent(ref, fused)


def test_max_episodes_does_not_return_to_python_at_every_episode_end(monkeypatch):
    calls = []
    run_fused = pgfast._core.run_fused

    def counting(*args):
        calls.append(args[-1])
        return run_fused(*args)

    monkeypatch.setattr(_fused._core, "run_fused", counting)
    agent = pgfast.Reinforce(native.make("CartPole-v1"), seed=12).learn(10**6, max_episodes=40)
    assert calls == [40] and len(agent.history["episode_return"]) == 40


def test_max_episodes_with_an_episode_callback_calls_it_for_every_episode_and_stops_at_the_budget():
    seen = {"ref": [], "fused": []}

    def recorder(key):
        def on_episode_end(agent, ret, length):
            seen[key].append((agent.num_timesteps, ret, length))

        return type("CB", (), {"on_episode_end": staticmethod(on_episode_end)})()

    ref, fused = pair("Acrobot-v1", seed=13)
    ref.learn(10**6, callback=recorder("ref"), max_episodes=4)
    fused.learn(10**6, callback=recorder("fused"), max_episodes=4)
    assert seen["ref"] == seen["fused"] and len(seen["ref"]) == 4
    assert_same_agent(ref, fused)


def test_max_episodes_stops_a_fused_vector_run_after_the_step_where_the_python_loop_stops():
    ref, fused = vector_pair("CartPole-v1", 3, seed=14)
    ref.learn(10**6, max_episodes=11)
    fused.learn(10**6, max_episodes=11)
    assert len(fused.history["episode_return"]) >= 11
    assert_same_agent(ref, fused)
    ref.learn(500)
    fused.learn(500)
    assert_same_agent(ref, fused)


def test_max_episodes_stops_a_fused_actor_critic_where_the_gymnasium_run_stops():
    ref = pgfast.ActorCritic(gym.make("CartPole-v1"), seed=15)
    fused = pgfast.ActorCritic(native.make("CartPole-v1"), seed=15)
    ref.learn(10**6, max_episodes=6)
    fused.learn(10**6, max_episodes=6)
    assert len(fused.history["episode_return"]) == 6
    assert_same_agent(ref, fused)


@pytest.mark.parametrize(
    "bad, error", [(0, ValueError), (-3, ValueError), (2.0, TypeError), (True, TypeError)]
)
def test_max_episodes_that_is_not_a_positive_int_is_refused_naming_it(bad, error):
    agent = pgfast.Reinforce(native.make("CartPole-v1"), seed=0)
    with pytest.raises(error, match="max_episodes"):
        agent.learn(100, max_episodes=bad)
    assert agent.num_timesteps == 0


@pytest.mark.parametrize(
    "env_id, bounds",
    [("MountainCar-v0", None), ("CartPole-v1", ([-2.4, -3.0, -0.21, -3.5], [2.4, 3.0, 0.21, 3.5]))],
)
def test_fused_learn_with_tile_coding_keeps_sparse_samples_bit_identically(env_id, bounds):
    # Tile coding: the kept softmax samples of a sparse feature vector (3 and 2 actions).
    kwargs = {"features": pgfast.features.TileCoding(4, 4, bounds=bounds), "lr": 0.05}
    ref, fused = pair(env_id, seed=16, **kwargs)
    for steps in (1_500, 700):
        ref.learn(steps)
        fused.learn(steps)
        assert_same_agent(ref, fused)


def test_a_refused_update_names_the_same_timestep_on_the_fused_and_the_gymnasium_path():
    # SGD at lr=0.01 with the default baseline overflows after ~48k CartPole steps; the
    # fused loop, which runs 100k-step chunks, names the failing step as the Python loop
    # does (not the chunk's start) and keeps the last finite parameters
    messages = []
    for env in (native.make("CartPole-v1"), gym.make("CartPole-v1"),
                native.make_vec("CartPole-v1", 3), gym.make_vec("CartPole-v1", 3, vectorization_mode="sync")):
        agent = pgfast.Reinforce(env, seed=0, optimizer="sgd", lr=0.01)
        with pytest.raises(ValueError, match=r"^grad contains NaN or inf \(at timestep (\d+)\)$") as info:
            agent.learn(100_000)
        messages.append(str(info.value))
        assert str(info.value).endswith(f"(at timestep {agent.num_timesteps + 1})")
        assert agent.num_timesteps > 1000
        assert np.isfinite(agent.policy.params).all() and np.isfinite(agent.baseline_params).all()
    assert messages[0] == messages[1] and messages[2] == messages[3]


@pytest.mark.parametrize("limit", [None, 100])
def test_a_native_env_made_by_gymnasium_make_learns_fused_and_bit_identically(limit):
    kwargs = {} if limit is None else {"max_episode_steps": limit}
    wrapped = gym.make("pgfast/CartPole-v1", **kwargs)  # TimeLimit(OrderEnforcing(PassiveEnvChecker(native)))
    agent = pgfast.Reinforce(wrapped, seed=3)
    assert _fused.supported(agent, None)
    assert _fused.native_target(wrapped) == (wrapped.unwrapped, limit or 500)
    agent.learn(100_000)
    reference = pgfast.Reinforce(gym.make("CartPole-v1", **kwargs), seed=3).learn(100_000)
    np.testing.assert_array_equal(agent.policy.params, reference.policy.params)
    for key in reference.history:
        np.testing.assert_array_equal(agent.history[key], reference.history[key], err_msg=key)
    assert agent.history["episode_length"].max() == (limit or 500)
    assert wrapped.unwrapped.max_episode_steps is None  # the run's limit is the run's only
    wrapped.reset(seed=0)  # and the env still works through its wrappers
    assert wrapped.step(0)[0].shape == (4,)


def test_other_wrappers_around_a_native_env_take_the_python_loop():
    for env in (gym.wrappers.RecordEpisodeStatistics(gym.make("pgfast/CartPole-v1")),
                gym.wrappers.TimeLimit(gym.make("pgfast/CartPole-v1"), 50),  # two limits
                gym.wrappers.TimeLimit(native.make("CartPole-v1"), 50)):  # not the env's own
        assert _fused.native_target(env) == (None, None)
        assert not _fused.supported(pgfast.Reinforce(env, seed=0), None)
    same = gym.wrappers.TimeLimit(native.make("CartPole-v1"), 500)
    assert _fused.native_target(same) == (same.unwrapped, 500)
    core = native.make("CartPole-v1").core
    with pytest.raises(ValueError, match="max_episode_steps must be >= 0"):
        core.max_episode_steps = -1
