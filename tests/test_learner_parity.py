"""The REINFORCE update: C++ core vs the NumPy twin's ``reference.reinforce_update``.

Two C++ learners are fed the same synthetic transition stream (random observations,
rewards that depend on the action, terminations, time-limit truncations, both kinds of
vector-env autoreset): one updates in C++, the other runs the twin's update rule on a
twin policy sharing its parameters (``backend="numpy"``). With the same seed they must
take identical actions at every step, record identical histories, consume the Generator
identically and keep their parameters equal. Bad input must raise the same exception in
both and change nothing.
"""

import math
import zlib

import numpy as np
import pgfast
import pgfast._core as core
import pgfast.reference as ref
import pytest
from numpy.testing import assert_array_equal
from pgfast import _twin

D, K, M = 4, 3, 2  # features, softmax actions, Gaussian action dims


# ---------------------------------------------------------------------------------
# Building twin learners
# ---------------------------------------------------------------------------------


def _optimizers(kind, lr, max_grad_norm=None):
    if kind == "sgd":
        return core.SGD(lr, max_grad_norm=max_grad_norm), ref.SGD(lr, max_grad_norm=max_grad_norm)
    return (
        core.Adam(lr, max_grad_norm=max_grad_norm),
        ref.Adam(lr, max_grad_norm=max_grad_norm),
    )


class Twin:
    """A C++ learner and a reference learner built from equal policies and optimisers."""

    def __init__(
        self,
        policy="softmax",
        *,
        opt="adam",
        lr=0.02,
        max_grad_norm=None,
        seed=0,
        n_envs=1,
        obs_dim=D,
        n_discrete=0,
        baseline=False,
        **config,
    ):
        d = n_discrete or obs_dim
        init = np.random.default_rng(seed + 12345)
        if policy == "softmax":
            self.cpol, rpol = pgfast.LinearSoftmax(d, K), pgfast.LinearSoftmax(d, K)
            learner = core.SoftmaxLearner
            params = 0.3 * init.standard_normal(self.cpol.n_params)
        else:
            self.cpol, rpol = pgfast.LinearGaussian(d, M), pgfast.LinearGaussian(d, M)
            learner = core.GaussianLearner
            params = 0.3 * init.standard_normal(self.cpol.n_params)
            params[-M:] = init.uniform(-1.0, 0.0, M)
        self.cpol.params = params
        rpol.params = params
        self.copt, self.ropt = _optimizers(opt, lr, max_grad_norm)
        cv, rv = _optimizers(opt, lr) if baseline else (None, None)
        kwargs = dict(n_envs=n_envs, obs_dim=obs_dim, n_discrete=n_discrete, baseline=baseline)
        kwargs.update(config)
        self.c = learner(self.cpol, self.copt, cv, **kwargs)
        self.r, rule = _twin.reinforce_engine(learner, rpol, self.ropt, rv, **kwargs)
        self.rpol = rule.policy
        self.rng_c = np.random.default_rng(seed)
        self.rng_r = np.random.default_rng(seed)
        self.policy = policy

    # --- lock-step calls: the same call on both, the results compared ---

    def call(self, method, *args, **kwargs):
        """Call `method` on both learners (each with its own rng); compare the results.

        An exception of the C++ learner must be raised by the reference too, with the
        same state afterwards; it is then re-raised.
        """
        try:
            out_c = getattr(self.c, method)(*args, rng=self.rng_c, **kwargs)
        except Exception as exc:
            with pytest.raises(type(exc)):
                getattr(self.r, method)(*args, rng=self.rng_r, **kwargs)
            self.assert_same_state()
            raise
        out_r = getattr(self.r, method)(*args, rng=self.rng_r, **kwargs)
        assert_same_actions(out_c, out_r)
        self.assert_same_state()
        return out_c

    def raises(self, exc, method, *args, **kwargs):
        """Both learners raise `exc` (the same type) and change nothing."""
        before_c, before_r = self.snapshot("c"), self.snapshot("r")
        with pytest.raises(exc) as info_c:
            getattr(self.c, method)(*args, **{"rng": self.rng_c, **kwargs})
        with pytest.raises(exc) as info_r:
            getattr(self.r, method)(*args, **{"rng": self.rng_r, **kwargs})
        assert type(info_c.value) is type(info_r.value), (info_c.value, info_r.value)
        for before, side in ((before_c, "c"), (before_r, "r")):
            after = self.snapshot(side)
            for key in before:
                assert_array_equal(after[key], before[key], err_msg=f"{side}: {key} changed")
        return info_c.value, info_r.value

    def snapshot(self, side):
        learner = self.c if side == "c" else self.r
        pol = self.cpol if side == "c" else self.rpol
        rng = self.rng_c if side == "c" else self.rng_r
        return {
            "params": pol.params.copy(),
            "baseline": learner.baseline_params.copy(),
            "total_steps": np.array(learner.total_steps),
            "pending": np.array(learner.pending_episodes),
            "n_episodes": np.array(learner.n_episodes()),
            "rng": np.array(str(rng.bit_generator.state)),
        }

    def assert_same_state(self):
        c, r = self.c, self.r
        assert c.total_steps == r.total_steps
        assert c.pending_episodes == r.pending_episodes
        assert c.n_episodes() == r.n_episodes()
        assert_array_equal(self.cpol.params, self.rpol.params)
        assert_array_equal(c.baseline_params, r.baseline_params)
        assert self.rng_c.bit_generator.state == self.rng_r.bit_generator.state

    def assert_same_history(self):
        hc, hr = self.c.history(), self.r.history()
        assert sorted(hc) == sorted(hr)
        for key in hc:
            assert_array_equal(hc[key], hr[key], err_msg=key)  # NaN == NaN here
        for key, value in hr.items():
            assert value.dtype == np.float64, key


def assert_same_actions(a_c, a_r):
    if a_c is None or a_r is None:
        assert a_c is None and a_r is None, (a_c, a_r)
    elif isinstance(a_c, int):
        assert type(a_r) is int, type(a_r)
        assert a_c == a_r
    else:
        assert isinstance(a_r, np.ndarray)
        assert a_c.dtype == a_r.dtype and a_c.shape == a_r.shape, (a_c, a_r)
        if a_c.dtype == np.int64:
            assert_array_equal(a_c, a_r)
        else:
            assert_array_equal(a_c, a_r)


# ---------------------------------------------------------------------------------
# A synthetic environment stream
# ---------------------------------------------------------------------------------


class Stream:
    """Random observations, action-dependent rewards, terminations and time limits."""

    def __init__(self, seed, n_discrete=0, obs_dim=D, p_term=0.08, max_len=12):
        self.rng = np.random.default_rng(seed + 999)
        self.n_discrete, self.obs_dim = n_discrete, obs_dim
        self.p_term, self.max_len = p_term, max_len

    def obs(self, n=None):
        shape = (self.obs_dim,) if n is None else (n, self.obs_dim)
        if self.n_discrete:
            return self.rng.integers(0, self.n_discrete, size=shape).astype(np.float64)
        return self.rng.normal(size=shape)

    def reward(self, obs, action):
        a = np.asarray(action, dtype=float).ravel()
        o = np.asarray(obs, dtype=float).ravel()
        return float(o[0] * (a[0] - 1.0) + 0.5 * self.rng.normal())

    def ends(self, t):
        """(terminated, truncated) after step t (1-based); sometimes both."""
        terminated = bool(self.rng.random() < self.p_term)
        truncated = bool(t >= self.max_len or self.rng.random() < 0.02)
        return terminated, truncated


def run_single(twin, stream, steps):
    """n_envs = 1 through act1/step1: the gymnasium.Env loop of the agent."""
    obs = stream.obs()
    action = twin.call("act1", obs)
    t = 0
    for _ in range(steps):
        t += 1
        next_obs = stream.obs()
        reward = stream.reward(obs, action)
        terminated, truncated = stream.ends(t)
        action = twin.call("step1", next_obs, reward, terminated, truncated)
        obs = next_obs
        if action is None:
            obs, t = stream.obs(), 0
            action = twin.call("act1", obs)


def run_vector(twin, stream, steps, autoreset="same_step", use_mask=False):
    """n_envs >= 1 through act/step: a gymnasium.vector.VectorEnv.

    ``same_step``: an env that ends returns its reset observation at once and its last
    observation in final_obs. ``next_step``: the step after an end is a reset step,
    excluded with the mask (gymnasium's default autoreset mode).
    """
    n = twin.c.n_envs
    obs = stream.obs(n)
    actions = twin.call("act", obs)
    t = np.zeros(n, dtype=int)
    resetting = np.zeros(n, dtype=bool)
    for _ in range(steps):
        next_obs = stream.obs(n)
        rewards = np.zeros(n)
        terminated = np.zeros(n, dtype=bool)
        truncated = np.zeros(n, dtype=bool)
        final_obs = next_obs.copy()
        for e in range(n):
            if resetting[e]:
                continue
            t[e] += 1
            rewards[e] = stream.reward(obs[e], actions[e])
            terminated[e], truncated[e] = stream.ends(t[e])
        done = terminated | truncated
        kwargs = {}
        if autoreset == "same_step":
            next_obs[done] = stream.obs(n)[done]
            kwargs["final_obs"] = final_obs
            if use_mask:
                kwargs["mask"] = np.ones(n, dtype=bool)
        else:
            kwargs["mask"] = ~resetting
        actions = twin.call("step", next_obs, rewards, terminated, truncated, **kwargs)
        t[done] = 0
        resetting = done if autoreset == "next_step" else np.zeros(n, dtype=bool)
        obs = next_obs


# ---------------------------------------------------------------------------------
# Parity over the switches
# ---------------------------------------------------------------------------------

SWITCHES = {
    "norm-adam": dict(normalize_returns=True, opt="adam"),
    "raw-discount-sgd": dict(normalize_returns=False, discount_gradient=True, opt="sgd", lr=0.002),
    "norm-discount-entropy-sgd": dict(
        normalize_returns=True, discount_gradient=True, entropy_coef=0.05, opt="sgd"
    ),
    "raw-entropy-adam-clip": dict(
        normalize_returns=False, entropy_coef=0.02, opt="adam", max_grad_norm=0.5
    ),
    "truncation-as-terminal": dict(bootstrap_truncated=False, gamma=0.9, opt="adam"),
}
MODES = ["per_step", "per_episode", "batch"]


@pytest.mark.parametrize("switches", sorted(SWITCHES))
@pytest.mark.parametrize("baseline", [False, True], ids=["no-baseline", "baseline"])
@pytest.mark.parametrize("update", MODES)
@pytest.mark.parametrize("policy", ["softmax", "gaussian"])
@pytest.mark.parametrize("n_envs", [1, 3])
def test_same_actions_history_and_params(policy, n_envs, update, baseline, switches):
    config = dict(SWITCHES[switches])
    seed = zlib.crc32(f"{policy}{n_envs}{update}{baseline}{switches}".encode()) % 1000
    twin = Twin(
        policy,
        seed=seed,
        n_envs=n_envs,
        update=update,
        baseline=baseline,
        batch_episodes=2 if update == "batch" else 1,
        **config,
    )
    stream = Stream(seed)
    if n_envs == 1:
        run_single(twin, stream, steps=150)
    else:
        run_vector(twin, stream, steps=80, autoreset="same_step" if baseline else "next_step")
    twin.assert_same_history()
    assert twin.c.n_episodes() > 5
    assert len(twin.r.history()["update_step"]) > 1
    if baseline:
        assert np.any(twin.r.baseline_params != 0.0)


@pytest.mark.parametrize("autoreset", ["same_step", "next_step"])
@pytest.mark.parametrize("policy", ["softmax", "gaussian"])
def test_vector_api_with_one_env(policy, autoreset):
    twin = Twin(policy, seed=3, n_envs=1, baseline=True, update="per_episode")
    run_vector(twin, Stream(3), steps=120, autoreset=autoreset, use_mask=True)
    twin.assert_same_history()
    assert twin.c.n_episodes() > 5


@pytest.mark.parametrize("batch_episodes", [1, 2, 5])
def test_batch_pools_all_environments(batch_episodes):
    twin = Twin("softmax", seed=4, n_envs=3, update="batch", batch_episodes=batch_episodes,
                baseline=True)
    run_vector(twin, Stream(4, p_term=0.2), steps=100)
    twin.assert_same_history()
    n_updates = len(twin.c.history()["update_step"])
    assert 0 < n_updates <= twin.c.n_episodes() // batch_episodes


@pytest.mark.parametrize("gamma", [0.0, 1.0])
@pytest.mark.parametrize("update", MODES)
def test_extreme_discounts(gamma, update):
    twin = Twin("gaussian", seed=5, gamma=gamma, update=update, baseline=True,
                discount_gradient=True, normalize_returns=False, opt="sgd", lr=0.005)
    run_single(twin, Stream(5), steps=100)
    twin.assert_same_history()


@pytest.mark.parametrize("update", MODES)
@pytest.mark.parametrize("policy", ["softmax", "gaussian"])
def test_discrete_observations_are_one_hot(policy, update):
    twin = Twin(policy, seed=6, obs_dim=1, n_discrete=5, n_envs=2, update=update, baseline=True)
    stream = Stream(6, n_discrete=5, obs_dim=1)
    run_vector(twin, stream, steps=80)
    twin.assert_same_history()
    x = np.array([[0.0], [4.0], [2.0]])
    assert_array_equal(twin.c.encode(x), np.eye(5)[[0, 4, 2]])
    assert_array_equal(twin.r.encode(x), np.eye(5)[[0, 4, 2]])
    # A Discrete observation out of range is rejected the same way by both.
    twin.raises((ValueError, IndexError), "act", np.array([[1.0], [5.0]]))
    twin.raises((ValueError, IndexError), "act", np.array([[1.0], [0.5]]))


def test_float32_and_scalar_observations():
    twin = Twin("softmax", seed=7, obs_dim=1, n_envs=1, update="per_step")
    stream = Stream(7, obs_dim=1)
    action = twin.call("act1", np.float32(0.25))
    for t in range(1, 60):
        obs = float(stream.obs()[0])
        reward = stream.reward([obs], action)
        action = twin.call("step1", np.array([obs], dtype=np.float32), reward, t % 9 == 0, False)
        if action is None:
            action = twin.call("act1", obs)
    twin.assert_same_history()


def test_long_adam_run_stays_bit_identical():
    twin = Twin("softmax", seed=8, n_envs=3, update="per_episode", baseline=True, lr=0.05)
    run_vector(twin, Stream(8), steps=600)
    twin.assert_same_history()
    assert twin.c.n_episodes() > 100


# ---------------------------------------------------------------------------------
# API: return types, history, restore, views
# ---------------------------------------------------------------------------------


@pytest.mark.parametrize("side", ["c", "r"])
def test_return_types(side):
    for policy in ("softmax", "gaussian"):
        twin = Twin(policy, n_envs=1)
        learner = getattr(twin, side)
        rng = np.random.default_rng(0)
        a = learner.act1(np.zeros(D), rng)
        if policy == "softmax":
            assert type(a) is int
        else:
            assert isinstance(a, np.ndarray) and a.shape == (M,) and a.dtype == np.float64
        assert learner.step1(np.zeros(D), 1.0, True, False, rng) is None
        assert learner.n_episodes() == 1
        ret, length = learner.episode(-1)
        assert (ret, length) == (1.0, 1) and type(length) is int
        with pytest.raises(IndexError):
            learner.episode(1)

        twin = Twin(policy, n_envs=3)
        learner = getattr(twin, side)
        a = learner.act(np.zeros((3, D)), rng)
        if policy == "softmax":
            assert a.dtype == np.int64 and a.shape == (3,)
        else:
            assert a.dtype == np.float64 and a.shape == (3, M)
        assert (learner.n_envs, learner.n_features, learner.total_steps) == (3, D, 0)
        assert learner.pending_episodes == 0
        assert learner.baseline_params.shape == (0,)
        with pytest.raises(ValueError):
            learner.act1(np.zeros(D), rng)


def test_history_restore_and_discard():
    twin = Twin("softmax", seed=9, update="batch", batch_episodes=3)
    run_single(twin, Stream(9), steps=40)
    twin.assert_same_history()
    h = twin.c.history()
    for learner in (twin.c, twin.r):
        learner.restore(h, 1234)
        assert learner.total_steps == 1234
        for key, value in learner.history().items():
            assert_array_equal(value, h[key])
    # discard_unfinished: the next step needs a new act.
    for learner, rng in ((twin.c, twin.rng_c), (twin.r, twin.rng_r)):
        learner.act1(np.zeros(D), rng)
        learner.discard_unfinished()
        with pytest.raises(RuntimeError):
            learner.step1(np.zeros(D), 1.0, False, False, rng)


def test_baseline_params_is_a_writable_view():
    twin = Twin("softmax", seed=10, baseline=True, update="per_episode", gamma=0.9)
    w = np.arange(D + 1, dtype=float) / 10
    for learner in (twin.c, twin.r):
        learner.baseline_params[:] = w
        assert_array_equal(learner.baseline_params, w)
    # The bootstrapped value of a truncated episode reads w.
    obs = np.ones(D)
    twin.call("act1", obs)
    twin.call("step1", obs, 2.0, False, True)
    twin.assert_same_history()


# ---------------------------------------------------------------------------------
# Bad input: the same exception, nothing changed
# ---------------------------------------------------------------------------------


@pytest.mark.parametrize("policy", ["softmax", "gaussian"])
@pytest.mark.parametrize("update", MODES)
def test_nan_reward_or_observation_raises_and_changes_nothing(policy, update):
    twin = Twin(policy, seed=11, baseline=True, update=update)
    stream = Stream(11)
    run_single(twin, stream, steps=30)
    twin.c.discard_unfinished()
    twin.r.discard_unfinished()
    obs = stream.obs()
    twin.call("act1", obs)
    for ends in [(False, False), (True, False), (False, True)]:
        twin.raises(ValueError, "step1", obs, math.nan, *ends)
        twin.raises(ValueError, "step1", obs, math.inf, *ends)
        bad = obs.copy()
        bad[1] = math.nan
        twin.raises(ValueError, "step1", bad, 1.0, *ends)
        bad[1] = -math.inf
        twin.raises(ValueError, "step1", bad, 1.0, *ends)
    # The pending step survived: the episode goes on and ends normally.
    twin.call("step1", obs, 1.0, False, False)
    assert twin.call("step1", obs, 1.0, True, False) is None
    twin.assert_same_history()
    twin.raises(ValueError, "act1", np.full(D, math.nan))


def test_nan_in_vector_step_raises_and_changes_nothing():
    twin = Twin("gaussian", seed=12, n_envs=3, baseline=True, update="per_step")
    stream = Stream(12)
    run_vector(twin, stream, steps=30)
    obs = stream.obs(3)
    twin.call("act", obs)
    no = np.zeros(3, dtype=bool)
    end = np.array([False, True, False])
    nan_reward = np.array([0.0, math.nan, 0.0])
    twin.raises(ValueError, "step", obs, nan_reward, no, no)
    bad = obs.copy()
    bad[2, 0] = math.nan
    twin.raises(ValueError, "step", bad, np.zeros(3), no, no)
    twin.raises(ValueError, "step", obs, np.zeros(3), end, no, final_obs=bad[[0, 2, 1]])
    twin.raises(ValueError, "step", obs, np.zeros(3), no, end, final_obs=bad[[0, 2, 1]])
    # A NaN reward (or final observation) of an env that is not recorded is ignored.
    masked = np.array([True, False, True])
    twin.call("step", obs, nan_reward, no, end, final_obs=bad[[0, 2, 1]], mask=masked)
    twin.assert_same_history()


def test_bad_arguments_raise_the_same_errors():
    twin = Twin("softmax", seed=13, n_envs=3)
    obs = np.zeros((3, D))
    twin.raises(RuntimeError, "step", obs, np.zeros(3), [0, 0, 0], [0, 0, 0])  # act first
    twin.raises(ValueError, "act", np.zeros((2, D)))
    twin.raises(ValueError, "act", np.zeros((3, D + 1)))
    twin.raises(TypeError, "act", np.array([["a"] * D] * 3))
    twin.raises(TypeError, "act", obs, rng=np.random.RandomState(0))
    twin.call("act", obs)
    twin.raises(ValueError, "step", obs, np.zeros(2), [0, 0, 0], [0, 0, 0])
    twin.raises(ValueError, "step", obs, np.zeros(3), [0, 0], [0, 0, 0])
    twin.raises(ValueError, "step", obs, np.zeros(3), [0, 0, 0], [0, 0, 0], mask=[1, 1])
    twin.raises(ValueError, "step", obs, np.zeros(3), [0, 0, 0], [0, 0, 0], final_obs=obs[:2])
    twin.raises(TypeError, "step", obs, np.zeros(3), [0, 0, 0], [0, 0, 0], rng=None)
    twin.call("step", obs, np.ones(3), [0, 1, 0], [0, 0, 1])
    twin.assert_same_history()

    single = Twin("gaussian", seed=13)
    single.raises(RuntimeError, "step1", np.zeros(D), 1.0, False, False)
    single.call("act1", np.zeros(D))
    single.raises(TypeError, "step1", np.zeros(D), 1.0, False, False, rng=42)
    single.raises(ValueError, "step1", np.zeros(D + 1), 1.0, False, False)
    single.raises(ValueError, "act", np.zeros((2, D)))


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(gamma=1.5),
        dict(gamma=math.nan),
        dict(update="sometimes"),
        dict(batch_episodes=0),
        dict(entropy_coef=-0.1),
        dict(entropy_coef=math.inf),
        dict(n_envs=0),
        dict(obs_dim=0),
        dict(n_discrete=-1),
        dict(obs_dim=D + 1),
        dict(baseline=True),  # without a baseline optimiser
    ],
    ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()),
)
def test_bad_configuration_raises_value_error(kwargs):
    args = dict(obs_dim=D)
    args.update(kwargs)
    with pytest.raises(ValueError):
        core.SoftmaxLearner(pgfast.LinearSoftmax(D, K), core.Adam(), None, **args)


def test_wrong_policy_type_is_a_type_error():
    with pytest.raises(TypeError):
        core.SoftmaxLearner(pgfast.LinearGaussian(D, M), core.Adam(), obs_dim=D)
    with pytest.raises(TypeError):
        core.GaussianLearner(pgfast.LinearSoftmax(D, K), core.Adam(), obs_dim=D)


def test_update_rule_must_be_callable():
    with pytest.raises(TypeError, match="update_rule"):
        core.SoftmaxLearner(pgfast.LinearSoftmax(D, K), None, obs_dim=D, update_rule=42)
    with pytest.raises(ValueError, match="optimizer"):
        core.SoftmaxLearner(pgfast.LinearSoftmax(D, K), None, obs_dim=D)


@pytest.mark.parametrize("update", MODES)
def test_diverging_update_is_rolled_back_in_both(update):
    twin = Twin("gaussian", seed=14, opt="sgd", lr=1e308, normalize_returns=False,
                update=update, baseline=True)
    stream = Stream(14)
    obs = stream.obs()
    twin.call("act1", obs)
    for _ in range(3):
        twin.call("step1", stream.obs(), 1e5, False, False)
    before = twin.cpol.params.copy(), twin.c.baseline_params.copy()
    final = stream.obs()
    with pytest.raises(ValueError):
        twin.c.step1(final, 1e5, True, False, twin.rng_c)
    with pytest.raises(ValueError):
        twin.r.step1(final, 1e5, True, False, twin.rng_r)
    for pol, learner in ((twin.cpol, twin.c), (twin.rpol, twin.r)):
        assert_array_equal(pol.params, before[0])
        assert_array_equal(learner.baseline_params, before[1])
        assert learner.pending_episodes == 0  # the failed batch is dropped
    twin.assert_same_history()  # the episode itself is recorded
    twin.call("act1", obs)  # and the learner goes on
