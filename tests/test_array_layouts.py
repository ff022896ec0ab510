"""Byte order, alignment and strides are NumPy's business: every array entry point converts.

Every public function that takes an array is called with its array arguments in every
layout of the product {native, byte-swapped} x {aligned, misaligned} x {C, F, strided} x
{float32, float64, int}; the result must equal the result on the native C-contiguous
float64 copy of the same values (bit for bit: a conversion never changes a value that
the source dtype holds exactly). Misaligned arrays live at an odd byte offset of a
buffer, as ``np.frombuffer(buf, offset=1, dtype=...)`` gives them.

These are tests of the public API's boundary (the bindings convert and validate); the
NumPy twin ``pgfast.reference`` takes whatever ``np.asarray`` makes of its arguments.
"""

import itertools
import sys

import gymnasium as gym
import numpy as np
import pytest
from numpy.testing import assert_array_equal

import pgfast

SWAPPED = ">" if sys.byteorder == "little" else "<"
BYTE_ORDERS = ["native", "swapped"]
ALIGNMENTS = ["aligned", "misaligned"]
ORDERS = ["C", "F", "strided"]
DTYPES = ["float32", "float64", "int64"]
LAYOUTS = list(itertools.product(BYTE_ORDERS, ALIGNMENTS, ORDERS, DTYPES))
LAYOUT_IDS = ["-".join(layout) for layout in LAYOUTS]
FLOAT64_LAYOUTS = [layout for layout in LAYOUTS if layout[3] == "float64"]
FLOAT64_IDS = ["-".join(layout) for layout in FLOAT64_LAYOUTS]


def make_layout(values, layout):
    """``values`` in the given (byte order, alignment, memory order, dtype), values unchanged."""
    byteorder, alignment, order, dtype = layout
    dt = np.dtype(dtype)
    if byteorder == "swapped":
        dt = dt.newbyteorder(SWAPPED)
    src = np.asarray(values)
    assert np.array_equal(src.astype(dt).astype(np.float64), src), "values must be exact in every dtype"
    shape = src.shape if order != "strided" else tuple(2 * s for s in src.shape)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dt.itemsize
    raw = np.zeros(nbytes + 2 * dt.itemsize, dtype=np.uint8)
    start = (-raw.ctypes.data) % dt.itemsize + (1 if alignment == "misaligned" else 0)
    arr = np.ndarray(shape, dtype=dt, buffer=raw, offset=start, order="F" if order == "F" else "C")
    if order == "strided":
        arr = arr[(slice(None, None, 2),) * arr.ndim]
    arr[...] = src
    assert arr.dtype.isnative == (byteorder == "native")
    assert arr.flags.aligned == (alignment == "aligned")
    if order == "strided":
        assert not arr.flags.c_contiguous
    if order == "F" and arr.ndim == 2:
        assert arr.flags.f_contiguous and not arr.flags.c_contiguous
    return arr


def native(arr):
    return np.ascontiguousarray(arr, dtype=np.float64)


@pytest.fixture(params=LAYOUTS, ids=LAYOUT_IDS)
def layout(request):
    return request.param


def test_make_layout_gives_what_it_says():
    arr = make_layout(np.arange(6.0).reshape(2, 3), ("swapped", "misaligned", "strided", "float32"))
    assert not arr.dtype.isnative and not arr.flags.aligned and not arr.flags.c_contiguous
    assert_array_equal(arr, np.arange(6.0).reshape(2, 3))


# ---------------------------------------------------------------------------------
# Policies
# ---------------------------------------------------------------------------------

STATES = np.array([[1.0, -2.0, 3.0], [0.0, 4.0, -1.0], [2.0, 2.0, -3.0], [-1.0, 0.0, 1.0]])


def softmax_policy(api):
    pol = api.LinearSoftmax(n_features=3, n_actions=3, bias=True)
    pol.params = np.linspace(-0.5, 0.7, pol.n_params)
    return pol


def gaussian_policy(api):
    pol = api.LinearGaussian(n_features=3, action_dim=2, bias=True, log_std_init=-0.3)
    pol.params = np.linspace(-0.4, 0.6, pol.n_params)
    return pol


def call(pol, method, x, a=None):
    if method in ("log_prob", "grad_log_prob"):
        return getattr(pol, method)(x, a)
    if method == "sample":
        return pol.sample(x, np.random.default_rng(7))
    return getattr(pol, method)(x)


SOFTMAX_METHODS = ["probs", "log_prob", "grad_log_prob", "entropy", "grad_entropy", "sample", "mode"]
GAUSSIAN_METHODS = [
    "mean",
    "log_prob",
    "grad_log_prob",
    "entropy",
    "grad_entropy",
    "sample",
    "mode",
    "log_std_at",
]
SOFTMAX_ACTIONS = np.array([0, 2, 1, 2])
GAUSSIAN_ACTIONS = np.array([[0.5, -1.0], [2.0, 0.25], [-1.5, 1.0], [0.0, 3.0]])


@pytest.mark.parametrize("method", SOFTMAX_METHODS)
def test_softmax_states_in_any_layout_give_the_native_result(api, method, layout):
    pol = softmax_policy(api)
    X = make_layout(STATES, layout)
    assert_array_equal(call(pol, method, X, SOFTMAX_ACTIONS), call(pol, method, native(X), SOFTMAX_ACTIONS))
    x = make_layout(STATES[1], layout)
    assert_array_equal(call(pol, method, x, 2), call(pol, method, native(x), 2))


@pytest.mark.parametrize("method", GAUSSIAN_METHODS)
def test_gaussian_states_in_any_layout_give_the_native_result(api, method, layout):
    pol = gaussian_policy(api)
    X = make_layout(STATES, layout)
    assert_array_equal(call(pol, method, X, GAUSSIAN_ACTIONS), call(pol, method, native(X), GAUSSIAN_ACTIONS))
    x = make_layout(STATES[1], layout)
    a = GAUSSIAN_ACTIONS[1]
    assert_array_equal(call(pol, method, x, a), call(pol, method, native(x), a))


@pytest.mark.parametrize("method", ["log_prob", "grad_log_prob"])
def test_gaussian_actions_in_any_layout_give_the_native_result(api, method, layout):
    pol = gaussian_policy(api)
    A = make_layout(GAUSSIAN_ACTIONS * 4, layout)  # integer-valued, exact in every dtype
    assert_array_equal(getattr(pol, method)(STATES, A), getattr(pol, method)(STATES, native(A)))
    a = make_layout(GAUSSIAN_ACTIONS[2] * 2, layout)
    assert_array_equal(getattr(pol, method)(STATES[2], a), getattr(pol, method)(STATES[2], native(a)))


INT_LAYOUTS = [layout for layout in LAYOUTS if layout[3] == "int64"]


@pytest.mark.parametrize("method", ["log_prob", "grad_log_prob"])
@pytest.mark.parametrize("int_layout", INT_LAYOUTS, ids=["-".join(x) for x in INT_LAYOUTS])
def test_softmax_actions_in_any_integer_layout_give_the_native_result(api, method, int_layout):
    pol = softmax_policy(api)
    A = make_layout(SOFTMAX_ACTIONS, int_layout)
    expected = getattr(pol, method)(STATES, SOFTMAX_ACTIONS.astype(np.int64))
    assert_array_equal(getattr(pol, method)(STATES, A), expected)


@pytest.mark.parametrize("make", [softmax_policy, gaussian_policy], ids=["softmax", "gaussian"])
def test_params_setter_converts_any_layout_into_the_policy(api, make, layout):
    pol = make(api)
    view = pol.params
    values = np.arange(pol.n_params, dtype=np.float64) - 3.0
    pol.params = make_layout(values, layout)
    assert_array_equal(pol.params, values)
    assert_array_equal(view, values)  # the same memory: written in place, never replaced
    assert pol.params.dtype == np.float64 and pol.params.dtype.isnative


# ---------------------------------------------------------------------------------
# Batch kernels
# ---------------------------------------------------------------------------------


def test_softmax_policy_gradient_takes_any_layout(api, layout):
    pol = softmax_policy(api)
    w = np.array([1.0, -2.0, 3.0, 0.0])
    expected = api.policy_gradient(pol, STATES, SOFTMAX_ACTIONS, w)
    X, W = make_layout(STATES, layout), make_layout(w, layout)
    assert_array_equal(api.policy_gradient(pol, X, SOFTMAX_ACTIONS, W), expected)


def test_gaussian_policy_gradient_takes_any_layout(api, layout):
    pol = gaussian_policy(api)
    w = np.array([1.0, -2.0, 3.0, 0.0])
    A = GAUSSIAN_ACTIONS * 4
    expected = api.policy_gradient(pol, STATES, A, w)
    X, AA, W = make_layout(STATES, layout), make_layout(A, layout), make_layout(w, layout)
    assert_array_equal(api.policy_gradient(pol, X, AA, W), expected)


@pytest.mark.parametrize("shape", [(9,), (5, 3)], ids=["flat", "vector"])
def test_discounted_returns_takes_any_layout(api, shape, layout):
    n = int(np.prod(shape))
    rewards = (np.arange(n) % 5 - 2.0).reshape(shape)
    terminated = (np.arange(n) % 4 == 3).reshape(shape)
    truncated = (np.arange(n) % 7 == 5).reshape(shape)
    bootstrap = (np.arange(n) % 3 + 1.0).reshape(shape)
    expected = api.discounted_returns(rewards, terminated, truncated, gamma=0.5, bootstrap=bootstrap)
    got = api.discounted_returns(
        make_layout(rewards, layout),
        make_layout(terminated.astype(np.int64), layout),
        make_layout(truncated.astype(np.int64), layout),
        gamma=0.5,
        bootstrap=make_layout(bootstrap, layout),
    )
    assert_array_equal(got, expected)


# ---------------------------------------------------------------------------------
# Optimisers: grad in any layout; params, updated in place, in any float64 layout
# ---------------------------------------------------------------------------------

OPTIMISERS = [
    ("SGD", {"lr": 0.5}),
    ("Adam", {"lr": 0.25}),
    ("SGD", {"lr": 0.5, "max_grad_norm": 1.0}),
]
OPT_IDS = ["sgd", "adam", "sgd-clipped"]


def two_steps(api_optim, name, kwargs, params, grad):
    opt = getattr(api_optim, name)(**kwargs)
    norms = [opt.step(params, grad), opt.step(params, grad)]
    return norms


@pytest.mark.parametrize(("name", "kwargs"), OPTIMISERS, ids=OPT_IDS)
def test_step_takes_grad_in_any_layout(api_optim, name, kwargs, layout):
    grad = np.array([1.0, -2.0, 0.0, 3.0, 4.0])
    a, b = np.linspace(-1, 1, 5), np.linspace(-1, 1, 5)
    assert two_steps(api_optim, name, kwargs, a, make_layout(grad, layout)) == two_steps(
        api_optim, name, kwargs, b, grad
    )
    assert_array_equal(a, b)


@pytest.mark.parametrize(("name", "kwargs"), OPTIMISERS, ids=OPT_IDS)
@pytest.mark.parametrize("f64_layout", FLOAT64_LAYOUTS, ids=FLOAT64_IDS)
def test_step_updates_float64_params_of_any_layout_in_place(api_optim, name, kwargs, f64_layout):
    grad = np.array([1.0, -2.0, 0.0, 3.0, 4.0])
    start = np.array([-1.0, 0.0, 0.5, 2.0, -3.0])
    params, expected = make_layout(start, f64_layout), start.copy()
    dtype = params.dtype
    got = two_steps(api_optim, name, kwargs, params, grad)
    assert got == two_steps(api_optim, name, kwargs, expected, grad)
    assert_array_equal(params, expected)
    assert params.dtype == dtype  # the caller's array, in its own byte order


@pytest.mark.parametrize("dtype", ["float32", "int64", "float16"])
def test_step_refuses_params_it_cannot_update_in_float64(api_optim, dtype):
    params = np.arange(3).astype(dtype)
    with pytest.raises(TypeError, match="params"):
        api_optim.SGD(lr=0.1).step(params, np.ones(3))
    assert_array_equal(params, np.arange(3))


def test_step_leaves_byte_swapped_params_unchanged_after_an_error(api_optim):
    params = np.arange(3.0).astype(SWAPPED + "f8")
    with pytest.raises(ValueError, match="grad"):
        api_optim.SGD(lr=0.1).step(params, np.array([1.0, np.nan, 1.0]))
    assert_array_equal(params, np.arange(3.0))


# ---------------------------------------------------------------------------------
# Feature maps
# ---------------------------------------------------------------------------------

BOUNDS = ((-4.0, -5.0, -3.0), (4.0, 5.0, 3.0))
FEATURE_MAPS = {
    "identity": lambda: pgfast.features.Identity(),
    "polynomial": lambda: pgfast.features.Polynomial(degree=2),
    "fourier": lambda: pgfast.features.Fourier(order=2, bounds=BOUNDS),
    "rbf": lambda: pgfast.features.RBF(centers=[[0.0, 0.0, 0.0], [1.0, -1.0, 2.0]], widths=[1.0, 2.0]),
    "tiles": lambda: pgfast.features.TileCoding(n_tilings=4, tiles_per_dim=3, bounds=BOUNDS),
}


def feature_map(kind, backend):
    return pgfast.features.build(FEATURE_MAPS[kind](), 3, backend=backend)


@pytest.mark.parametrize("backend", ["cpp", "numpy"])
@pytest.mark.parametrize("kind", sorted(FEATURE_MAPS))
def test_feature_map_takes_any_layout(kind, backend, layout):
    fmap = feature_map(kind, backend)
    X = make_layout(STATES, layout)
    assert_array_equal(fmap(X), fmap(native(X)))
    x = make_layout(STATES[2], layout)
    assert_array_equal(fmap(x), fmap(native(x)))


@pytest.mark.parametrize("backend", ["cpp", "numpy"])
def test_tile_coding_active_takes_any_layout(backend, layout):
    fmap = feature_map("tiles", backend)
    X = make_layout(STATES, layout)
    assert_array_equal(fmap.active(X), fmap.active(native(X)))
    x = make_layout(STATES[0], layout)
    assert_array_equal(fmap.active(x), fmap.active(native(x)))


def test_identity_of_big_endian_float64_is_the_observation():
    """The issue's reproducer: a byte-swapped state was read as raw bits (2.8e-319)."""
    x = np.array([1.0, 2.0, 3.0])
    identity = pgfast.features.build(pgfast.features.Identity(), 3)
    assert_array_equal(identity(x.astype(SWAPPED + "f8")), [1.0, 2.0, 3.0, 1.0])


# ---------------------------------------------------------------------------------
# The agent: observations in any layout from the environment, and in predict
# ---------------------------------------------------------------------------------


class LayoutObservations(gym.ObservationWrapper):
    """Hands out every observation in the given layout (its values unchanged)."""

    def __init__(self, env, layout):
        super().__init__(env)
        self._layout = layout

    def observation(self, observation):
        return make_layout(np.asarray(observation, dtype=np.float64), self._layout)


ENV_LAYOUTS = [
    ("swapped", "aligned", "C", "float64"),
    ("swapped", "aligned", "C", "float32"),
    ("native", "misaligned", "C", "float64"),
    ("native", "misaligned", "C", "float32"),
    ("swapped", "misaligned", "strided", "float64"),
    ("native", "aligned", "strided", "float32"),
]


def cartpole(layout=None):
    from gymnasium.envs.classic_control import CartPoleEnv
    from gymnasium.wrappers import TimeLimit

    env = TimeLimit(CartPoleEnv(), max_episode_steps=500)
    # CartPole's float32 observations are exact in float32 and float64 alike.
    return env if layout is None else LayoutObservations(env, layout)


def trained(env, update):
    agent = pgfast.Reinforce(env, lr=0.05, update=update, seed=3)
    agent.learn(total_timesteps=600, progress_bar=False)
    return agent


@pytest.mark.parametrize("update", ["per_step", "per_episode"])
@pytest.mark.parametrize("env_layout", ENV_LAYOUTS, ids=["-".join(x) for x in ENV_LAYOUTS])
def test_learn_on_observations_in_any_layout_equals_native(env_layout, update):
    got = trained(cartpole(env_layout), update)
    expected = trained(cartpole(), update)
    assert_array_equal(got.policy.params, expected.policy.params)
    assert_array_equal(got.history["episode_return"], expected.history["episode_return"])


def test_predict_takes_observations_in_any_layout(layout):
    agent = trained(cartpole(), "per_episode")
    obs = np.array([[0.5, -1.0, 0.25, 2.0], [-0.5, 1.0, -0.25, -2.0]])
    batch = make_layout(obs * 4, layout)  # integer-valued: exact in every dtype
    assert_array_equal(
        agent.predict(batch, deterministic=True)[0], agent.predict(native(batch), deterministic=True)[0]
    )
    one = make_layout(obs[1] * 4, layout)
    assert agent.predict(one, deterministic=True)[0] == agent.predict(native(one), deterministic=True)[0]
