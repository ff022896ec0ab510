"""Native classic-control envs (pgfast.envs) equal gymnasium's bit for bit.

Every exactness test runs the native env and ``gymnasium.make(id)`` side by side with the
same seeds and actions, across many episodes (resets without a seed continue the
Generator's stream, as in gymnasium), and compares observations (bytes and dtype),
rewards, terminated, truncated and info with ``==``. A mismatch reports the ULP
distance of the observations.
"""

import math
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from gymnasium.vector import AutoresetMode

import pgfast
from pgfast import envs as native

IDS = list(native.ENV_IDS)
DISCRETE = ["CartPole-v1", "Acrobot-v1", "MountainCar-v0"]
CONTINUOUS = ["MountainCarContinuous-v0", "Pendulum-v1"]
STEPS_PER_ENV = 100_000


def ulp_distance(a, b):
    """Largest distance in units in the last place between two float arrays."""
    a = np.asarray(a)
    b = np.asarray(b)
    if a.dtype == np.float32:
        ia, ib = a.view(np.int32).astype(np.int64), b.view(np.int32).astype(np.int64)
    else:
        ia, ib = a.view(np.int64), b.view(np.int64)
    # map the sign-magnitude bit patterns onto a monotone integer line
    ia = np.where(ia < 0, np.iinfo(ia.dtype).min - ia, ia)
    ib = np.where(ib < 0, np.iinfo(ib.dtype).min - ib, ib)
    return int(np.max(np.abs(ia - ib))) if a.size else 0


def assert_same_obs(got, want, where):
    assert isinstance(got, np.ndarray) and got.dtype == want.dtype and got.shape == want.shape, (
        f"{where}: {got!r} vs {want!r}"
    )
    if not np.array_equal(got, want):
        raise AssertionError(
            f"{where}: observations differ by {ulp_distance(got, want)} ULP: "
            f"native {got!r}, gymnasium {want!r}"
        )


def actions_for(space, rng, n, dtype=np.float32):
    """n actions: uniform integers, or uniform floats over 1.5x the bounds (clipping exercised)."""
    if isinstance(space, gym.spaces.Discrete):
        return [int(a) for a in rng.integers(0, space.n, n)]
    return [a.astype(dtype) for a in rng.uniform(1.5 * space.low, 1.5 * space.high, (n, *space.shape))]


def run_side_by_side(env_id, seeds, steps, *, action_dtype=np.float32, options=None, kwargs=None):
    """Step native and gymnasium envs together; returns the number of episodes seen."""
    kwargs = kwargs or {}
    env = native.make(env_id, **kwargs)
    ref = gym.make(env_id, **kwargs)
    rng = np.random.default_rng(12345)
    episodes = 0
    per_seed = steps // len(seeds)
    for seed in seeds:
        got, info = env.reset(seed=seed, options=options)
        want, want_info = ref.reset(seed=seed, options=options)
        assert_same_obs(got, want, f"{env_id} seed {seed} reset")
        assert info == want_info
        for t, action in enumerate(actions_for(ref.action_space, rng, per_seed, action_dtype)):
            g = env.step(action)
            w = ref.step(action)
            where = f"{env_id} seed {seed} step {t}"
            assert_same_obs(g[0], w[0], where)
            assert g[1] == w[1], f"{where}: reward {g[1]!r} vs {w[1]!r}"
            assert (g[2], g[3]) == (w[2], w[3]), f"{where}: terminated/truncated {g[2:4]} vs {w[2:4]}"
            assert g[4] == w[4]
            if g[2] or g[3]:
                episodes += 1
                got, _ = env.reset(options=options)
                want, _ = ref.reset(options=options)
                assert_same_obs(got, want, f"{where} (reset)")
    return episodes


@pytest.mark.parametrize("env_id", IDS)
def test_native_env_equals_gymnasium_over_1e5_steps(env_id):
    episodes = run_side_by_side(env_id, seeds=list(range(20)), steps=STEPS_PER_ENV)
    assert episodes >= 20  # the run crossed many episode boundaries


# Energy pumping: push along the velocity. Random actions almost never reach the goal of
# these three; this policy does, so their termination branches are compared too.
PUMP = {
    "Acrobot-v1": lambda obs: 2 if obs[5] > 0 else 0,
    "MountainCar-v0": lambda obs: 2 if obs[1] > 0 else 0,
    "MountainCarContinuous-v0": lambda obs: np.array([1.0 if obs[1] > 0 else -1.0], dtype=np.float32),
}


@pytest.mark.parametrize("env_id", list(PUMP))
def test_native_env_equals_gymnasium_when_episodes_terminate_at_the_goal(env_id):
    env, ref = native.make(env_id), gym.make(env_id)
    policy = PUMP[env_id]
    terminations = 0
    for seed in range(30):
        got, _ = env.reset(seed=seed)
        want, _ = ref.reset(seed=seed)
        assert_same_obs(got, want, f"seed {seed} reset")
        for t in range(1_000):
            action = policy(want)
            g, w = env.step(action), ref.step(action)
            assert_same_obs(g[0], w[0], f"{env_id} seed {seed} step {t}")
            assert g[1:] == w[1:], f"{env_id} seed {seed} step {t}: {g[1:]} vs {w[1:]}"
            want = w[0]
            if w[2] or w[3]:
                terminations += int(w[2])
                break
    assert terminations >= 25


@pytest.mark.parametrize("env_id", CONTINUOUS)
def test_native_env_equals_gymnasium_with_float64_actions(env_id):
    run_side_by_side(env_id, seeds=[3, 4], steps=4_000, action_dtype=np.float64)


@pytest.mark.parametrize(
    ("env_id", "options", "kwargs"),
    [
        ("CartPole-v1", {"low": -0.2, "high": 0.2}, {"sutton_barto_reward": True}),
        ("Acrobot-v1", {"low": -1.0, "high": 1.0}, {}),
        ("MountainCar-v0", {"low": -1.0, "high": 0.4}, {"goal_velocity": 0.01}),
        ("MountainCarContinuous-v0", {"low": -1.1, "high": 0.3}, {"goal_velocity": 0.02}),
        ("Pendulum-v1", {"x_init": 1.0, "y_init": 3.0}, {"g": 9.81}),
    ],
)
def test_native_env_equals_gymnasium_with_reset_options_and_arguments(env_id, options, kwargs):
    run_side_by_side(env_id, seeds=[7, 8], steps=6_000, options=options, kwargs=kwargs)


def test_cartpole_stepped_after_termination_matches_gymnasium_and_warns():
    env, ref = native.make("CartPole-v1"), gym.make("CartPole-v1")
    env.reset(seed=0)
    ref.reset(seed=0)
    rewards = []
    with pytest.warns(UserWarning, match="already returned terminated = True"):
        for _ in range(40):
            g, w = env.step(1), ref.step(1)
            assert_same_obs(g[0], w[0], "after termination")
            assert g[1:4] == w[1:4]
            rewards.append(g[1])
    assert rewards[-1] == 0.0


def test_numpy_float64_cos_sin_are_libm_cos_sin():
    """gymnasium calls np.cos/np.sin on float64 scalars; the C++ envs call libm's cos/sin."""
    x = np.random.default_rng(0).uniform(-20.0, 20.0, 100_000)
    libm_cos = np.array([math.cos(v) for v in x])
    libm_sin = np.array([math.sin(v) for v in x])
    scalar_cos = np.array([np.cos(v) for v in x[:20_000]])
    assert np.array_equal(np.cos(x), libm_cos), (
        f"np.cos(array) vs libm: {ulp_distance(np.cos(x), libm_cos)} ULP"
    )
    assert np.array_equal(np.sin(x), libm_sin), (
        f"np.sin(array) vs libm: {ulp_distance(np.sin(x), libm_sin)} ULP"
    )
    assert np.array_equal(scalar_cos, libm_cos[:20_000]), (
        f"np.cos(scalar) vs libm: {ulp_distance(scalar_cos, libm_cos[:20_000])} ULP"
    )


def test_float32_cos_sin_of_numpy_are_reproduced():
    """Acrobot's first observation takes NumPy's float32 cos/sin; the detected algorithm matches."""
    x = np.random.default_rng(1).uniform(-4.0, 4.0, 200_000).astype(np.float32)
    distances = {}
    for mode, name in ((0, "numpy-simd"), (1, "libm")):
        c, s = pgfast._core.float32_trig(x, mode)
        distances[name] = max(ulp_distance(c, np.cos(x)), ulp_distance(s, np.sin(x)))
    assert native.FLOAT32_TRIG != "unknown", (
        f"no float32 cos/sin reproduces NumPy's; ULP distances {distances}"
    )
    assert distances[native.FLOAT32_TRIG] == 0


def test_scalar_numpy_float32_cos_equals_the_array_loop():
    x = np.random.default_rng(2).uniform(-0.1, 0.1, 2_000).astype(np.float32)
    assert all(np.cos(v) == c for v, c in zip(x, np.cos(x)))


@pytest.mark.parametrize("env_id", IDS)
def test_make_has_gymnasium_spaces_metadata_and_time_limit(env_id):
    env, ref = native.make(env_id), gym.make(env_id)
    assert isinstance(env, gym.Env)
    assert env.observation_space == ref.observation_space
    assert env.action_space == ref.action_space
    assert env.metadata == ref.unwrapped.metadata
    assert env.spec.id == f"pgfast/{env_id}"
    assert env.spec.max_episode_steps == ref.spec.max_episode_steps == env.max_episode_steps
    assert env.spec.reward_threshold == ref.spec.reward_threshold
    assert env.render_mode is None


@pytest.mark.parametrize("env_id", IDS)
def test_native_env_passes_gymnasium_env_checker_with_gymnasiums_own_warnings_only(env_id):
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        check_env(native.make(env_id), skip_render_check=True)
    with warnings.catch_warnings(record=True) as want:
        warnings.simplefilter("always")
        check_env(gym.make(env_id).unwrapped, skip_render_check=True)
    assert sorted(str(w.message) for w in got) == sorted(str(w.message) for w in want)


@pytest.mark.parametrize("env_id", IDS)
def test_gymnasium_make_of_the_pgfast_id_is_native_and_exact(env_id):
    env, ref = gym.make(f"pgfast/{env_id}"), gym.make(env_id)
    assert isinstance(env.unwrapped, native.NativeEnv)
    assert env.spec.max_episode_steps == ref.spec.max_episode_steps
    rng = np.random.default_rng(0)
    g, w = env.reset(seed=5), ref.reset(seed=5)
    assert_same_obs(g[0], w[0], "reset")
    for t, action in enumerate(actions_for(ref.action_space, rng, 1_500)):
        g, w = env.step(action), ref.step(action)
        assert_same_obs(g[0], w[0], f"step {t}")
        assert g[1:] == w[1:]
        if g[2] or g[3]:
            assert_same_obs(env.reset()[0], ref.reset()[0], f"reset after {t}")


def test_max_episode_steps_truncates_at_the_given_step():
    env = native.make("Pendulum-v1", max_episode_steps=7)
    env.reset(seed=0)
    flags = [env.step(np.zeros(1, np.float32))[3] for _ in range(7)]
    assert flags == [False] * 6 + [True]


def test_render_delegates_to_gymnasium_and_warns_without_a_render_mode():
    env = native.make("CartPole-v1")
    env.reset(seed=0)
    with pytest.warns(UserWarning, match="without specifying any render mode"):
        assert env.render() is None


def test_step_before_reset_raises_reset_needed():
    with pytest.raises(gym.error.ResetNeeded):
        native.make("CartPole-v1").step(0)


@pytest.mark.parametrize("action", [2, -1, 1.0, np.array([0, 1]), None])
def test_invalid_discrete_action_is_a_clear_error(action):
    env = native.make("CartPole-v1")
    env.reset(seed=0)
    with pytest.raises((ValueError, TypeError), match="action"):
        env.step(action)


@pytest.mark.parametrize(
    "action", [np.array([np.nan], np.float32), [np.inf], np.zeros(2), np.zeros((1, 1)), "a"]
)
def test_invalid_continuous_action_is_a_clear_error(action):
    env = native.make("Pendulum-v1")
    env.reset(seed=0)
    with pytest.raises((ValueError, TypeError), match="action"):
        env.step(action)


BAD_BOUNDS = [{"low": math.nan, "high": 0.1}, {"low": -1e308, "high": 1e308}, {"low": -math.inf, "high": 0.0}]
BAD_PENDULUM = [{"x_init": -1.0}, {"y_init": math.inf}, {"x_init": 1e308}, {"x_init": math.nan}]


def _outcome(make, options):
    env = make()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # NumPy's "overflow in subtract", both sides
            obs, _ = env.reset(seed=3, options=options)
    except Exception as e:  # the type and message are what is compared
        return type(e), str(e)
    return "ok", np.asarray(obs).tobytes()


@pytest.mark.parametrize(
    ("env_id", "options"),
    [(i, o) for i in IDS if i != "Pendulum-v1" for o in BAD_BOUNDS]
    + [("Pendulum-v1", o) for o in BAD_PENDULUM],
)
def test_reset_bounds_numpy_refuses_are_refused_alike(env_id, options):
    # gymnasium draws the reset state with np_random.uniform(low, high), which raises on a
    # range high - low that is not finite (OverflowError) or negative (ValueError): the
    # native envs (single and vector) raise the same, instead of NaN or inf observations.
    want = _outcome(lambda: gym.make(env_id), options)
    assert want[0] in (OverflowError, ValueError)
    assert _outcome(lambda: native.make(env_id), options) == want
    assert _outcome(lambda: native.make_vec(env_id, 2), options) == want
    env = native.make(env_id)  # a refused reset leaves the env usable: the next one is exact
    with pytest.raises(want[0]), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        env.reset(seed=3, options=options)
    assert np.array_equal(env.reset(seed=3)[0], gym.make(env_id).reset(seed=3)[0])


@pytest.mark.parametrize(
    ("env_id", "kwargs", "error", "match"),
    [
        ("CartPole-v1", {"render_mode": "bogus"}, ValueError, "render_mode must be None or one of 'human'"),
        ("Pendulum-v1", {"g": math.nan}, ValueError, "g must be finite"),
        ("Pendulum-v1", {"g": "10"}, TypeError, "g must be a number"),
        ("MountainCar-v0", {"goal_velocity": math.inf}, ValueError, "goal_velocity must be finite"),
        ("MountainCarContinuous-v0", {"goal_velocity": math.nan}, ValueError, "goal_velocity must be finite"),
    ],
)
def test_bad_constructor_arguments_are_clear_errors(env_id, kwargs, error, match):
    # gymnasium takes these silently (a NaN gravity gives NaN observations; an unknown
    # render mode only warns in gymnasium.make): pgfast names the argument.
    with pytest.raises(error, match=match):
        native.make(env_id, **kwargs)
    with pytest.raises(error, match=match), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # gymnasium.make's own render-mode warning
        gym.make(f"pgfast/{env_id}", **kwargs)


def test_unknown_id_is_a_value_error_naming_the_ids():
    with pytest.raises(ValueError, match="CartPole-v1"):
        native.make("LunarLander-v3")


def test_reset_with_the_same_seed_repeats_the_episode():
    env = native.make("Acrobot-v1")
    first = [env.reset(seed=11)[0]] + [env.step(a % 3)[0] for a in range(50)]
    second = [env.reset(seed=11)[0]] + [env.step(a % 3)[0] for a in range(50)]
    assert all(np.array_equal(a, b) for a, b in zip(first, second))


# ------------------------------------------------------------------- vector envs


def vector_actions(space, rng, n):
    if isinstance(space, gym.spaces.MultiDiscrete):
        return [rng.integers(0, space.nvec) for _ in range(n)]
    low, high = space.low, space.high
    return [rng.uniform(1.5 * low, 1.5 * high).astype(np.float32) for _ in range(n)]


def assert_same_infos(got, want, where):
    assert got.keys() == want.keys(), f"{where}: info keys {got.keys()} vs {want.keys()}"
    for key in want:
        g, w = got[key], want[key]
        if isinstance(w, dict):
            assert_same_infos(g, w, f"{where}[{key}]")
        elif w.dtype == object:
            assert len(g) == len(w)
            for i, (a, b) in enumerate(zip(g, w)):
                if b is None:
                    assert a is None
                else:
                    assert_same_obs(a, b, f"{where}[{key}][{i}]")
        else:
            assert np.array_equal(g, w) and g.dtype == w.dtype, f"{where}[{key}]"


@pytest.mark.parametrize("mode", [AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP])
@pytest.mark.parametrize("env_id", IDS)
def test_native_vector_env_equals_sync_vector_env(env_id, mode):
    n = 4
    venv = native.make_vec(env_id, n, autoreset_mode=mode)
    ref = gym.make_vec(env_id, n, vectorization_mode="sync", vector_kwargs={"autoreset_mode": mode})
    assert isinstance(venv, gym.vector.VectorEnv)
    assert venv.single_observation_space == ref.single_observation_space
    assert venv.action_space == ref.action_space
    assert venv.observation_space == ref.observation_space
    assert venv.metadata["autoreset_mode"] == mode
    g, w = venv.reset(seed=21), ref.reset(seed=21)
    assert_same_obs(g[0], w[0], "reset")
    ends = 0
    for t, actions in enumerate(vector_actions(ref.action_space, np.random.default_rng(0), 2_500)):
        g, w = venv.step(actions), ref.step(actions)
        where = f"{env_id} {mode} step {t}"
        assert_same_obs(g[0], w[0], where)
        for k in (1, 2, 3):
            assert np.array_equal(g[k], w[k]) and g[k].dtype == w[k].dtype, f"{where}: item {k}"
        assert_same_infos(g[4], w[4], where)
        ends += int(np.sum(g[2] | g[3]))
    assert ends > 0


def test_native_vector_env_disabled_mode_follows_reset_masks():
    n = 3
    mode = AutoresetMode.DISABLED
    venv = native.make_vec("CartPole-v1", n, autoreset_mode=mode)
    ref = gym.make_vec("CartPole-v1", n, vectorization_mode="sync", vector_kwargs={"autoreset_mode": mode})
    assert_same_obs(venv.reset(seed=4)[0], ref.reset(seed=4)[0], "reset")
    rng = np.random.default_rng(0)
    for t in range(3_000):
        actions = rng.integers(0, 2, n)
        g, w = venv.step(actions), ref.step(actions)
        assert_same_obs(g[0], w[0], f"step {t}")
        done = g[2] | g[3]
        assert np.array_equal(done, w[2] | w[3])
        if done.any():
            g_obs, _ = venv.reset(options={"reset_mask": done})
            w_obs, _ = ref.reset(options={"reset_mask": done})
            assert_same_obs(g_obs, w_obs, f"masked reset {t}")


def test_disabled_mode_step_of_an_ended_env_is_an_error():
    venv = native.make_vec("CartPole-v1", 2, autoreset_mode="Disabled")
    venv.reset(seed=0)
    with pytest.raises(ValueError, match="must be reset"):
        for _ in range(600):
            venv.step(np.ones(2, dtype=np.int64))


@pytest.mark.parametrize("mode", ["SameStep", "same_step", "SAME_STEP", AutoresetMode.SAME_STEP])
def test_autoreset_mode_takes_gymnasiums_values_and_the_members_names(mode):
    assert native.make_vec("CartPole-v1", 2, autoreset_mode=mode).metadata["autoreset_mode"] is (
        AutoresetMode.SAME_STEP
    )


@pytest.mark.parametrize("mode", ["same", "", 1, None])
def test_an_unknown_autoreset_mode_is_named_in_the_error(mode):
    with pytest.raises(ValueError, match="autoreset_mode must be an AutoresetMode or one of 'NextStep'"):
        native.make_vec("CartPole-v1", 2, autoreset_mode=mode)


def test_gymnasium_make_vec_uses_the_native_vector_entry_point():
    venv = gym.make_vec("pgfast/CartPole-v1", 8, vectorization_mode="vector_entry_point")
    assert isinstance(venv, native.CartPoleVectorEnv)
    assert venv.num_envs == 8


def test_vector_actions_of_the_wrong_shape_are_a_clear_error():
    venv = native.make_vec("Pendulum-v1", 3)
    venv.reset(seed=0)
    with pytest.raises(ValueError, match=r"actions must have shape \(3, 1\)"):
        venv.step(np.zeros(3, np.float32))


@pytest.mark.parametrize("env_id", native.ENV_IDS)
def test_human_rendering_draws_at_every_reset_and_step_as_gymnasiums_classes_do(env_id, monkeypatch):
    calls = []
    monkeypatch.setattr(native.NativeEnv, "render", lambda self: calls.append(self.render_mode))
    env = native.make(env_id, render_mode="human")
    env.reset(seed=0)
    env.step(env.action_space.sample())
    assert calls == ["human", "human"]
    # learn takes the Python loop, which steps the env: every reset and step is drawn
    agent = pgfast.Reinforce(env, seed=0).learn(300)
    assert len(calls) == 2 + 300 + len(agent.history["episode_return"]) + 1
    calls.clear()
    quiet = native.make(env_id, render_mode="rgb_array")  # drawn only when asked
    quiet.reset(seed=0)
    quiet.step(quiet.action_space.sample())
    assert calls == []


def test_under_numpy_1_promotion_the_two_envs_that_depend_on_it_say_so(monkeypatch):
    # NumPy 2 keeps float32 * Python float in float32 (NEP 50), as the native envs compute
    assert native.NEP50_PROMOTION == (np.lib.NumpyVersion(np.__version__) >= "2.0.0")
    monkeypatch.setattr(native, "NEP50_PROMOTION", False)  # as under NumPy 1.26
    for env_id in ("Pendulum-v1", "MountainCarContinuous-v0"):
        with pytest.warns(RuntimeWarning, match=rf"native {env_id} computes as gymnasium's does under "
                                                r"NumPy >= 2 .*install numpy>=2"):
            native.make(env_id)
    for env_id in ("CartPole-v1", "Acrobot-v1", "MountainCar-v0"):
        native.make(env_id)  # no warning (an error in the test run): they do not depend on it
