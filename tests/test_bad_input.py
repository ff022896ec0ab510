"""Bad input: a clear exception naming the argument, never a crash or a silent copy.

Every check runs against the public API, whose bindings are the one place that validates
a call into C++ (the ``api`` / ``api_optim`` fixtures: ``pgfast`` and ``pgfast.optim``). The NumPy
twin ``pgfast.reference`` is the specification of the math and checks nothing.
"""

import gc

import numpy as np
import pgfast
import pytest
from numpy.testing import assert_allclose, assert_array_equal

D, K, M = 3, 3, 2  # n_features, n_actions, action_dim of the policies below


def named(argument):
    """A `match` pattern: the error message starts with the argument's name."""
    return rf"^{argument}\b"


@pytest.fixture
def softmax(api, make_softmax):
    return make_softmax(api, D, K, True)


@pytest.fixture
def gaussian(api, make_gaussian):
    return make_gaussian(api, D, M, True)


@pytest.fixture(params=["softmax", "gaussian"])
def policy(request, softmax, gaussian):
    return softmax if request.param == "softmax" else gaussian


def _good_action(pol, n=None):
    """A valid action (or batch of n actions) for `pol`."""
    if hasattr(pol, "n_actions"):
        return 1 if n is None else np.ones(n, dtype=np.int64)
    return np.zeros(M) if n is None else np.zeros((n, M))


def _call(pol, method, x):
    """Call a policy method on states x, with valid extra arguments."""
    fn = getattr(pol, method)
    if method in ("log_prob", "grad_log_prob"):
        n = None if np.ndim(x) < 2 else np.shape(x)[0]
        return fn(x, _good_action(pol, n))
    if method == "sample":
        return fn(x, np.random.default_rng(0))
    return fn(x)


STATE_METHODS = ["log_prob", "grad_log_prob", "entropy", "grad_entropy", "sample", "mode"]


# ---------------------------------------------------------------------------------
# States x
# ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "x",
    [
        np.array(["1", "2", "3"]),
        ["a", "b", "c"],
        ["1", "2", "3"],
        "abc",
        np.array([1.0, 2.0, 3.0], dtype=object),
        np.array([1, 2, 3], dtype=complex),
        None,
    ],
    ids=["str-array", "str-list", "numeric-str-list", "str", "object", "complex", "None"],
)
def test_states_of_wrong_dtype_raise_type_error(policy, x):
    with pytest.raises(TypeError, match=named("x")):
        _call(policy, "entropy", x)


@pytest.mark.parametrize("shape", [(), (D - 1,), (D + 1,), (2, D + 1), (2, D, 1), (0, D)], ids=str)
@pytest.mark.parametrize("method", STATE_METHODS)
def test_states_of_wrong_shape_raise_value_error(policy, method, shape):
    with pytest.raises(ValueError, match=named("x")):
        _call(policy, method, np.zeros(shape))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("batch", [False, True], ids=["single", "batch"])
@pytest.mark.parametrize("method", STATE_METHODS)
def test_non_finite_states_raise_value_error(policy, method, batch, bad):
    x = np.ones((4, D)) if batch else np.ones(D)
    x[(-1, 1) if batch else 1] = bad
    with pytest.raises(ValueError, match=named("x")):
        _call(policy, method, x)


def test_probs_and_mean_reject_non_finite_states(softmax, gaussian):
    with pytest.raises(ValueError, match=named("x")):
        softmax.probs([0.0, np.nan, 0.0])
    with pytest.raises(ValueError, match=named("x")):
        gaussian.mean([0.0, np.inf, 0.0])


def test_non_contiguous_states_give_the_contiguous_result(policy):
    wide = np.random.default_rng(0).normal(size=(6, 2 * D))
    views = {
        "strided": wide[:, ::2],
        "fortran": np.asfortranarray(wide[:, :D]),
        "reversed": wide[::-1, :D],
    }
    for view in views.values():
        assert not view.flags.c_contiguous
        contiguous = np.ascontiguousarray(view)
        for method in ["grad_log_prob", "entropy", "grad_entropy", "mode", "sample"]:
            assert_array_equal(_call(policy, method, view), _call(policy, method, contiguous))
            assert_array_equal(_call(policy, method, view[2]), _call(policy, method, contiguous[2]))


def test_integer_and_float32_states_are_cast(policy):
    x = np.array([1, 2, 3])
    assert_allclose(_call(policy, "grad_entropy", x), _call(policy, "grad_entropy", x.astype(float)))
    assert_array_equal(
        _call(policy, "grad_log_prob", x.astype(np.float32)),
        _call(policy, "grad_log_prob", x.astype(float)),
    )


# ---------------------------------------------------------------------------------
# Actions
# ---------------------------------------------------------------------------------


@pytest.mark.parametrize("a", [K, -1, 2**70, np.uint64(2**64 - 1), np.int64(K)], ids=repr)
@pytest.mark.parametrize("method", ["log_prob", "grad_log_prob"])
def test_softmax_action_out_of_range_raises_value_error(softmax, method, a):
    with pytest.raises(ValueError, match=named("a")):
        getattr(softmax, method)(np.ones(D), a)


@pytest.mark.parametrize("a", [1.0, np.float64(1.0), True, "1", None], ids=repr)
@pytest.mark.parametrize("method", ["log_prob", "grad_log_prob"])
def test_softmax_non_integer_action_raises_type_error(softmax, method, a):
    with pytest.raises(TypeError, match=named("a")):
        getattr(softmax, method)(np.ones(D), a)


def test_softmax_numpy_integer_actions_are_accepted(softmax):
    x = np.ones(D)
    assert softmax.log_prob(x, np.int32(2)) == softmax.log_prob(x, 2)
    assert softmax.log_prob(x, np.uint8(2)) == softmax.log_prob(x, 2)


@pytest.mark.parametrize(
    "A", [[0, K], [-1, 0], np.array([0, 2**63], dtype=np.uint64)], ids=["too-big", "negative", "uint64"]
)
def test_softmax_batch_actions_out_of_range_raise_value_error(softmax, A):
    with pytest.raises(ValueError, match=named("a")):
        softmax.log_prob(np.ones((2, D)), A)


@pytest.mark.parametrize("A", [[0.0, 1.0], np.array([0, 1], dtype=object), ["0", "1"]], ids=repr)
def test_softmax_batch_non_integer_actions_raise_type_error(softmax, A):
    with pytest.raises(TypeError, match=named("a")):
        softmax.grad_log_prob(np.ones((2, D)), A)


@pytest.mark.parametrize("A", [np.zeros(3, int), np.zeros((2, 1), int), 1], ids=["long", "2-D", "scalar"])
def test_softmax_batch_actions_of_wrong_length_raise_value_error(softmax, A):
    with pytest.raises(ValueError, match=named("a")):
        softmax.log_prob(np.ones((2, D)), A)


def test_softmax_action_array_for_single_state_raises(softmax):
    with pytest.raises((TypeError, ValueError), match=named("a")):
        softmax.log_prob(np.ones(D), np.array([1, 2]))


@pytest.mark.parametrize(
    ("x", "a"),
    [
        (np.ones(D), np.zeros(M + 1)),
        (np.ones(D), 0.0),
        (np.ones(D), np.zeros((1, M))),
        (np.ones((2, D)), np.zeros((3, M))),
        (np.ones((2, D)), np.zeros((2, M + 1))),
        (np.ones((2, D)), np.zeros(M)),
    ],
    ids=["single-long", "single-scalar", "single-2d", "batch-rows", "batch-cols", "batch-1d"],
)
@pytest.mark.parametrize("method", ["log_prob", "grad_log_prob"])
def test_gaussian_actions_of_wrong_shape_raise_value_error(gaussian, method, x, a):
    with pytest.raises(ValueError, match=named("a")):
        getattr(gaussian, method)(x, a)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_gaussian_non_finite_actions_raise_value_error(gaussian, bad):
    with pytest.raises(ValueError, match=named("a")):
        gaussian.log_prob(np.ones(D), np.array([0.0, bad]))
    with pytest.raises(ValueError, match=named("a")):
        gaussian.grad_log_prob(np.ones((2, D)), np.array([[0.0, 0.0], [bad, 0.0]]))


def test_gaussian_string_actions_raise_type_error(gaussian):
    with pytest.raises(TypeError, match=named("a")):
        gaussian.log_prob(np.ones(D), np.array(["0", "1"]))


# ---------------------------------------------------------------------------------
# Random generators
# ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rng",
    [None, 0, "seed", np.random.RandomState(0), np.random.PCG64(0), np.random],
    ids=["None", "int", "str", "RandomState", "BitGenerator", "module"],
)
@pytest.mark.parametrize("batch", [False, True], ids=["single", "batch"])
def test_sample_requires_a_generator(policy, rng, batch):
    x = np.ones((3, D)) if batch else np.ones(D)
    with pytest.raises(TypeError, match=named("rng")):
        policy.sample(x, rng)


def test_sample_works_after_a_rejected_rng(policy):
    with pytest.raises(TypeError, match=named("rng")):
        policy.sample(np.ones(D), np.random.RandomState(0))
    rng = np.random.default_rng(0)
    policy.sample(np.ones(D), rng)
    assert rng.bit_generator.state != np.random.default_rng(0).bit_generator.state


def test_rejected_input_consumes_no_randomness(policy):
    rng = np.random.default_rng(0)
    before = rng.bit_generator.state
    with pytest.raises(ValueError, match=named("x")):
        policy.sample(np.array([np.nan, 0.0, 0.0]), rng)
    assert rng.bit_generator.state == before


# ---------------------------------------------------------------------------------
# Sizes
# ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("d", "k", "name"),
    [(0, 2, "n_features"), (-1, 2, "n_features"), (3, 0, "n_actions"), (3, -5, "n_actions")],
)
def test_softmax_non_positive_sizes_raise_value_error(api, d, k, name):
    with pytest.raises(ValueError, match=named(name)):
        api.LinearSoftmax(d, k)


@pytest.mark.parametrize(
    ("d", "m", "name"),
    [(0, 1, "n_features"), (-3, 1, "n_features"), (3, 0, "action_dim"), (3, -1, "action_dim")],
)
def test_gaussian_non_positive_sizes_raise_value_error(api, d, m, name):
    with pytest.raises(ValueError, match=named(name)):
        api.LinearGaussian(d, m)


@pytest.mark.parametrize(
    ("d", "k", "name"),
    [(2**40, 2**40, "n_features"), (2**41, 1, "n_features"), (1, 2**41, "n_actions"), (2**39, 2, "n_params")],
    ids=["product", "n_features", "n_actions", "with-bias"],
)
def test_softmax_overflowing_sizes_raise_value_error(api, d, k, name):
    with pytest.raises(ValueError, match=name):
        api.LinearSoftmax(d, k, bias=True)


@pytest.mark.parametrize(
    ("d", "m", "name"),
    [(2**40, 2**40, "n_features"), (2**41, 1, "n_features"), (1, 2**41, "action_dim")],
    ids=["product", "n_features", "action_dim"],
)
def test_gaussian_overflowing_sizes_raise_value_error(api, d, m, name):
    with pytest.raises(ValueError, match=name):
        api.LinearGaussian(d, m)


def test_gaussian_log_std_range_is_validated(api):
    with pytest.raises(ValueError, match=named("log_std_min")):
        api.LinearGaussian(2, log_std_min=1.0, log_std_max=0.0)
    with pytest.raises(ValueError, match=named("log_std_min")):
        api.LinearGaussian(2, log_std_min=-np.inf)
    with pytest.raises(ValueError, match=named("log_std_init")):
        api.LinearGaussian(2, log_std_init=np.nan)


# ---------------------------------------------------------------------------------
# The params property
# ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [np.zeros(5), np.zeros(100), np.zeros((1, 12)), 0.0],
    ids=["short", "long", "2-D", "scalar"],
)
def test_assigning_wrong_size_params_raises_value_error(softmax, value):
    before = softmax.params.copy()
    with pytest.raises(ValueError, match=named("params")):
        softmax.params = value
    assert_array_equal(softmax.params, before)


def test_assigning_non_finite_params_raises_value_error(softmax):
    before = softmax.params.copy()
    value = np.zeros(softmax.n_params)
    value[3] = np.nan
    with pytest.raises(ValueError, match=named("params")):
        softmax.params = value
    assert_array_equal(softmax.params, before)


def test_assigning_string_params_raises_type_error(softmax):
    with pytest.raises(TypeError, match=named("params")):
        softmax.params = np.array(["0"] * softmax.n_params)


def test_assigning_params_copies_the_values(policy):
    value = np.arange(policy.n_params, dtype=float) / 10
    policy.params = value
    value[0] = 99.0
    assert policy.params[0] == 0.0


def test_params_view_writes_change_the_policy():
    pol = pgfast.LinearSoftmax(D, K)
    view = pol.params
    view[pol.n_params - 1] = 5.0  # bias of the last action
    assert pol.mode(np.zeros(D)) == K - 1


def test_params_view_outlives_the_policy():
    pol = pgfast.LinearGaussian(D, M)
    view = pol.params
    del pol
    gc.collect()
    view[:] = 0.5  # would be a use-after-free if the view did not own the policy
    assert_array_equal(view.base.params, np.full(view.size, 0.5))


# ---------------------------------------------------------------------------------
# discounted_returns
# ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("gamma", "shown"), [(-0.1, "-0.1"), (1.0 + 1e-12, "1.000000000001"), (2.0, "2"),
                                              (np.nan, "nan"), (np.inf, "inf")], ids=repr)
def test_gamma_outside_unit_interval_raises_value_error(api, gamma, shown):
    with pytest.raises(ValueError, match=named("gamma")) as info:
        api.discounted_returns([1.0, 2.0], [False, True], gamma=gamma)
    # the value as given, in the fewest digits that read back (not "%f": 1.000000)
    assert str(info.value).endswith(f"got {shown}")


def test_gamma_is_keyword_only(api):
    with pytest.raises(TypeError):
        api.discounted_returns([1.0], [True], None, 0.9)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_rewards_raise_value_error(api, bad):
    with pytest.raises(ValueError, match=named("rewards")):
        api.discounted_returns([1.0, bad], [False, True], gamma=0.9)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_bootstrap_raises_value_error(api, bad):
    with pytest.raises(ValueError, match=named("bootstrap")):
        api.discounted_returns([1.0, 2.0], [False, False], gamma=0.9, bootstrap=[0.0, bad])


@pytest.mark.parametrize("rewards", [1.0, np.zeros((2, 2, 2))], ids=["0-D", "3-D"])
def test_rewards_of_wrong_ndim_raise_value_error(api, rewards):
    with pytest.raises(ValueError, match=named("rewards")):
        api.discounted_returns(rewards, np.zeros(np.shape(rewards), bool), gamma=0.9)


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("terminated", {"terminated": [False, False, True]}),
        ("terminated", {"terminated": [[False, True]]}),
        ("truncated", {"truncated": [False]}),
        ("bootstrap", {"bootstrap": [0.0, 0.0, 0.0]}),
        ("bootstrap", {"bootstrap": [[0.0, 0.0]]}),
    ],
    ids=["terminated-long", "terminated-2d", "truncated-short", "bootstrap-long", "bootstrap-2d"],
)
def test_mismatched_lengths_raise_value_error(api, name, kwargs):
    args = {"terminated": [False, True], "truncated": None, "bootstrap": None} | kwargs
    with pytest.raises(ValueError, match=named(name)):
        api.discounted_returns(
            [1.0, 2.0], args["terminated"], args["truncated"], gamma=0.9, bootstrap=args["bootstrap"]
        )


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("rewards", {"rewards": np.array(["1", "2"])}),
        ("rewards", {"rewards": ["1", "2"]}),
        ("rewards", {"rewards": np.array([1.0, 2.0], dtype=object)}),
        ("rewards", {"rewards": None}),
        ("terminated", {"terminated": np.array(["a", ""])}),
        ("terminated", {"terminated": ["a", ""]}),
        ("terminated", {"terminated": np.array([0, 1], dtype=object)}),
        ("truncated", {"truncated": ["no", "yes"]}),
        ("bootstrap", {"bootstrap": ["1", "2"]}),
    ],
    ids=[
        "rewards-str-array",
        "rewards-str-list",
        "rewards-object",
        "rewards-None",
        "terminated-str-array",
        "terminated-str-list",
        "terminated-object",
        "truncated-str-list",
        "bootstrap-str-list",
    ],
)
def test_returns_inputs_of_wrong_dtype_raise_type_error(api, name, kwargs):
    args = {"rewards": [1.0, 2.0], "terminated": [False, True], "truncated": None, "bootstrap": None}
    args |= kwargs
    with pytest.raises(TypeError, match=named(name)):
        api.discounted_returns(
            args["rewards"], args["terminated"], args["truncated"], gamma=0.9, bootstrap=args["bootstrap"]
        )


def test_non_contiguous_returns_inputs_give_the_contiguous_result(api):
    rng = np.random.default_rng(0)
    rewards = rng.normal(size=(20, 6))
    done = rng.random((20, 6)) < 0.2
    boot = rng.normal(size=(20, 6))
    strided = (rewards[:, ::2], done[:, ::2], done[:, 1::2])
    contiguous = tuple(np.ascontiguousarray(a) for a in strided)
    assert_array_equal(
        api.discounted_returns(*strided, gamma=0.9, bootstrap=boot[::1, ::2]),
        api.discounted_returns(*contiguous, gamma=0.9, bootstrap=np.ascontiguousarray(boot[:, ::2])),
    )
    assert_array_equal(
        api.discounted_returns(rewards[::2, 0], done[::2, 0], gamma=0.5),
        api.discounted_returns(rewards[::2, 0].copy(), done[::2, 0].copy(), gamma=0.5),
    )


# ---------------------------------------------------------------------------------
# policy_gradient
# ---------------------------------------------------------------------------------


def _pg_args(pol, T=4):
    X = np.ones((T, D))
    A = np.zeros(T, dtype=np.int64) if hasattr(pol, "n_actions") else np.zeros((T, M))
    return X, A, np.ones(T)


@pytest.mark.parametrize(
    "X",
    [np.ones(D), np.ones((4, D + 1)), np.ones((0, D)), np.ones((4, D, 1))],
    ids=["1-D", "wide", "empty", "3-D"],
)
def test_policy_gradient_rejects_states_of_wrong_shape(api, policy, X):
    _, A, w = _pg_args(policy, max(np.shape(X)[0], 1) if np.ndim(X) > 1 else 4)
    with pytest.raises(ValueError, match=named("X")):
        api.policy_gradient(policy, X, A, w)


def test_policy_gradient_rejects_non_finite_states(api, policy):
    X, A, w = _pg_args(policy)
    X[2, 1] = np.nan
    with pytest.raises(ValueError, match=named("X")):
        api.policy_gradient(policy, X, A, w)


@pytest.mark.parametrize("weights", [np.ones(3), np.ones(5), np.ones((4, 1))], ids=["short", "long", "2-D"])
def test_policy_gradient_rejects_weights_of_wrong_length(api, policy, weights):
    X, A, _ = _pg_args(policy)
    with pytest.raises(ValueError, match=named("weights")):
        api.policy_gradient(policy, X, A, weights)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_policy_gradient_rejects_non_finite_weights(api, policy, bad):
    X, A, w = _pg_args(policy)
    w[0] = bad
    with pytest.raises(ValueError, match=named("weights")):
        api.policy_gradient(policy, X, A, w)


@pytest.mark.parametrize("A", [[0, 1, 2, K], [0, -1, 0, 0], [0, 1]], ids=["too-big", "negative", "short"])
def test_policy_gradient_rejects_bad_discrete_actions(api, softmax, A):
    X, _, w = _pg_args(softmax)
    with pytest.raises(ValueError, match=named("A")):
        api.policy_gradient(softmax, X, A, w)


def test_policy_gradient_rejects_float_discrete_actions(api, softmax):
    X, _, w = _pg_args(softmax)
    with pytest.raises(TypeError, match=named("A")):
        api.policy_gradient(softmax, X, [0.0, 1.0, 0.0, 1.0], w)


@pytest.mark.parametrize(
    "A",
    [np.zeros(4), np.zeros((4, M + 1)), np.zeros((3, M)), np.full((4, M), np.nan)],
    ids=["1-D", "wide", "short", "nan"],
)
def test_policy_gradient_rejects_bad_continuous_actions(api, gaussian, A):
    X, _, w = _pg_args(gaussian)
    with pytest.raises(ValueError, match=named("A")):
        api.policy_gradient(gaussian, X, A, w)


@pytest.mark.parametrize("policy_arg", [None, object(), "LinearSoftmax"], ids=["None", "object", "str"])
def test_policy_gradient_rejects_non_policies(api, policy_arg):
    X, A, w = np.ones((2, D)), np.zeros(2, dtype=np.int64), np.ones(2)
    with pytest.raises(TypeError, match=named("policy")):
        api.policy_gradient(policy_arg, X, A, w)


def test_policy_gradient_accepts_non_contiguous_inputs(api, softmax):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(10, 2 * D))[:, ::2]
    A = rng.integers(0, K, 20)[::2]
    w = rng.normal(size=20)[::2]
    assert_array_equal(
        api.policy_gradient(softmax, X, A, w),
        api.policy_gradient(softmax, X.copy(), A.copy(), w.copy()),
    )


# ---------------------------------------------------------------------------------
# Optimisers
# ---------------------------------------------------------------------------------


@pytest.fixture(params=["SGD", "Adam"])
def optimiser(request, api_optim):
    return getattr(api_optim, request.param)(lr=0.1)


def test_step_rejects_read_only_params(optimiser):
    params = np.array([1.0, 2.0, 3.0])
    params.flags.writeable = False
    with pytest.raises(ValueError, match=named("params")):
        optimiser.step(params, np.ones(3))
    assert_array_equal(params, [1.0, 2.0, 3.0])


def test_rejected_step_does_not_advance_adam(api_optim):
    opt = api_optim.Adam()
    params = np.zeros(3)
    params.flags.writeable = False
    with pytest.raises(ValueError, match=named("params")):
        opt.step(params, np.ones(3))
    assert opt.t == 0


@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.float16, np.complex128])
def test_step_rejects_params_of_another_dtype_without_copying(optimiser, dtype):
    params = np.array([1, 2, 3], dtype=dtype)
    with pytest.raises(TypeError, match=named("params")):
        optimiser.step(params, np.ones(3))
    assert_array_equal(params, np.array([1, 2, 3], dtype=dtype))


@pytest.mark.parametrize("params", [[1.0, 2.0, 3.0], (1.0, 2.0, 3.0), None], ids=["list", "tuple", "None"])
def test_step_rejects_params_that_are_not_arrays(optimiser, params):
    with pytest.raises(TypeError, match=named("params")):
        optimiser.step(params, np.ones(3))


def test_step_updates_strided_params_in_place(optimiser):
    """As NumPy's `params += ...` would: the caller's strided view is written, nothing else."""
    storage, expected = np.zeros(6), np.zeros(3)
    type(optimiser)(lr=0.1).step(expected, np.ones(3))
    optimiser.step(storage[::2], np.ones(3))
    assert_array_equal(storage[::2], expected)
    assert_array_equal(storage[1::2], np.zeros(3))


def test_step_rejects_2d_params(optimiser):
    with pytest.raises(ValueError, match=named("params")):
        optimiser.step(np.zeros((2, 3)), np.ones(6))


@pytest.mark.parametrize("grad", [np.ones(2), np.ones(4), np.ones((3, 1))], ids=["short", "long", "2-D"])
def test_step_rejects_grad_of_wrong_shape(optimiser, grad):
    params = np.zeros(3)
    with pytest.raises(ValueError, match=named("grad")):
        optimiser.step(params, grad)
    assert_array_equal(params, np.zeros(3))


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_step_rejects_non_finite_grad(optimiser, bad):
    params = np.zeros(3)
    with pytest.raises(ValueError, match=named("grad")):
        optimiser.step(params, np.array([0.0, bad, 1.0]))
    assert_array_equal(params, np.zeros(3))


def test_step_rejects_string_grad(optimiser):
    with pytest.raises(TypeError, match=named("grad")):
        optimiser.step(np.zeros(2), np.array(["1", "2"]))


def test_step_accepts_non_contiguous_grad(optimiser, api_optim):
    twin = type(optimiser)(lr=0.1)
    grad = np.arange(6, dtype=float)
    a, b = np.zeros(3), np.zeros(3)
    optimiser.step(a, grad[::2])
    twin.step(b, grad[::2].copy())
    assert_array_equal(a, b)


def test_adam_rejects_params_of_another_size(api_optim):
    opt = api_optim.Adam()
    opt.step(np.zeros(3), np.ones(3))
    with pytest.raises(ValueError, match=named("params")):
        opt.step(np.zeros(4), np.ones(4))


def test_sgd_rejects_step_size_of_another_size(api_optim):
    opt = api_optim.SGD(lr=0.1, step_size=np.ones(2))
    with pytest.raises(ValueError, match=named("step_size")):
        opt.step(np.zeros(3), np.ones(3))


@pytest.mark.parametrize("lr", [0.0, -1.0, np.nan, np.inf], ids=repr)
def test_optimisers_reject_bad_lr(api_optim, lr):
    with pytest.raises(ValueError, match=named("lr")):
        api_optim.SGD(lr=lr)
    with pytest.raises(ValueError, match=named("lr")):
        api_optim.Adam(lr=lr)


@pytest.mark.parametrize("max_grad_norm", [0.0, -1.0, np.nan, np.inf], ids=repr)
def test_optimisers_reject_bad_max_grad_norm(api_optim, max_grad_norm):
    with pytest.raises(ValueError, match=named("max_grad_norm")):
        api_optim.SGD(lr=0.1, max_grad_norm=max_grad_norm)
    with pytest.raises(ValueError, match=named("max_grad_norm")):
        api_optim.Adam(max_grad_norm=max_grad_norm)


@pytest.mark.parametrize(
    "step_size", [[1.0, -0.5], [1.0, np.nan], [[1.0, 1.0]]], ids=["negative", "nan", "2-D"]
)
def test_sgd_rejects_bad_step_size(api_optim, step_size):
    with pytest.raises(ValueError, match=named("step_size")):
        api_optim.SGD(lr=0.1, step_size=step_size)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"betas": (1.0, 0.999)}, "beta1"),
        ({"betas": (-0.1, 0.999)}, "beta1"),
        ({"betas": (0.9, 1.0)}, "beta2"),
        ({"eps": 0.0}, "eps"),
        ({"eps": np.nan}, "eps"),
    ],
    ids=["beta1-one", "beta1-negative", "beta2-one", "eps-zero", "eps-nan"],
)
def test_adam_rejects_bad_hyperparameters(api_optim, kwargs, name):
    with pytest.raises(ValueError, match=named(name)):
        api_optim.Adam(**kwargs)


@pytest.mark.parametrize(
    ("t", "m", "v", "match"),
    [
        (-1, [0.0], [0.0], r"\(t, m, v\)"),
        (1, [], [], r"\(t, m, v\)"),
        (1, [0.0], [0.0, 0.0], r"^v\b"),
        (1, [0.0], [-1.0], r"\bv must be >= 0"),
        (1, [np.nan], [0.0], r"^m\b"),
        (1, [0.0], [np.inf], r"^v\b"),
        (1, [[0.0]], [[0.0]], r"^m\b"),
    ],
    ids=["negative-t", "empty", "mismatch", "negative-v", "nan-m", "inf-v", "2-D"],
)
def test_adam_set_state_rejects_inconsistent_state(api_optim, t, m, v, match):
    opt = api_optim.Adam()
    with pytest.raises(ValueError, match=match):
        opt.set_state(t, m, v)
    assert opt.t == 0
