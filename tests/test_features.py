"""Feature maps of S&B ch. 9: C++ equals the NumPy twin; tile coding, Fourier and the
sparse learner behave as the book says; bad input is a clear error."""

import itertools
import json
import math
import pickle
import subprocess
import sys
from pathlib import Path

import gymnasium as gym
import numpy as np
import pgfast
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from pgfast import _core
from pgfast import features as F
from pgfast import reference as ref

BOUNDS = np.array([[-1.0, 1.0], [0.0, 2.0], [-3.0, 3.0]])
CARTPOLE_BOUNDS = [(-2.4, 2.4), (-3.0, 3.0), (-0.21, 0.21), (-3.5, 3.5)]

MAPS = {
    "identity": lambda: F.Identity(n_inputs=3),
    "identity_nobias": lambda: F.Identity(bias=False, n_inputs=3),
    "poly3": lambda: F.Polynomial(3, n_inputs=3),
    "poly2_nointeraction": lambda: F.Polynomial(2, interaction=False, n_inputs=3),
    "poly0": lambda: F.Polynomial(0, n_inputs=3),
    "fourier3": lambda: F.Fourier(3, bounds=BOUNDS),
    "fourier2_full_uncoupled": lambda: F.Fourier(2, bounds=BOUNDS, kind="full", coupled=False),
    "fourier4_full": lambda: F.Fourier(4, bounds=BOUNDS, kind="full"),
    "rbf_grid": lambda: F.RBF.grid(BOUNDS, [3, 4, 2]),
    "rbf_widths": lambda: F.RBF(np.arange(12.0).reshape(4, 3) / 6, [0.5, 1.0, 2.0, 0.1]),
    "tiles": lambda: F.TileCoding(8, 5, bounds=BOUNDS),
    "tiles_uniform": lambda: F.TileCoding(4, [2, 3, 4], bounds=BOUNDS, offsets="uniform"),
}


def observations(n, seed=0):
    # Mostly inside the bounds, some outside (clipped by the maps that scale inputs).
    rng = np.random.default_rng(seed)
    return rng.uniform(BOUNDS[:, 0] - 0.3, BOUNDS[:, 1] + 0.3, size=(n, 3))


@pytest.mark.parametrize("name", sorted(MAPS))
def test_cpp_map_equals_numpy_twin_single_and_batch(name):
    fmap = MAPS[name]()
    twin = fmap.reference()
    s = observations(200)
    x = fmap(s)
    assert x.shape == (200, fmap.n_features) == (200, twin.n_features)
    assert_allclose(x, twin(s), rtol=1e-12, atol=1e-12)
    for row in s[:5]:
        assert_allclose(fmap(row), twin(row), rtol=1e-12, atol=1e-12)
        assert_array_equal(fmap(row), x[np.flatnonzero((s == row).all(axis=1))[0]])


def test_identity_appends_the_bias():
    assert_array_equal(F.Identity()(np.array([1.5, -2.0])), [1.5, -2.0, 1.0])
    assert_array_equal(F.Identity(bias=False)(np.array([[1.5, -2.0]])), [[1.5, -2.0]])


def test_polynomial_basis_by_hand():
    p = F.Polynomial(2, n_inputs=2)  # c in {0,1,2}^2, last input fastest
    assert_array_equal(p.exponents, list(itertools.product(range(3), repeat=2)))
    s1, s2 = 3.0, -2.0
    want = [s1**a * s2**b for a, b in itertools.product(range(3), repeat=2)]
    assert_allclose(p(np.array([s1, s2])), want, rtol=0, atol=0)
    q = F.Polynomial(3, interaction=False, n_inputs=2)
    assert_array_equal(q(np.array([s1, s2])), [1, 3, 9, 27, -2, 4, -8])


def test_fourier_coefficients_and_step_sizes_by_hand():
    f = F.Fourier(2, bounds=[(0, 1), (0, 1)])
    assert_array_equal(f.coefficients, list(itertools.product(range(3), repeat=2)))
    norms = np.sqrt([0, 1, 4, 1, 2, 5, 4, 5, 8])
    assert_allclose(f.step_size_scale, [1.0, *(1 / norms[1:])], rtol=1e-15)
    s = np.array([0.25, 0.5])
    want = [math.cos(math.pi * (a * 0.25 + b * 0.5)) for a, b in itertools.product(range(3), repeat=2)]
    assert_allclose(f(s), want, atol=1e-15)
    u = F.Fourier(2, bounds=[(0, 1), (0, 1)], coupled=False)
    assert_array_equal(u.coefficients, [[0, 0], [1, 0], [2, 0], [0, 1], [0, 2]])
    full = F.Fourier(1, bounds=[(0, 1)], kind="full")
    assert_allclose(full(np.array([0.5])), [1.0, 0.0, 1.0], atol=1e-15)  # cos 0, cos π/2, sin π/2


def test_fourier_scales_inputs_by_the_bounds_and_clips_outside():
    f = F.Fourier(1, bounds=[(-4.0, 4.0)])
    assert_allclose(f(np.array([0.0])), [1.0, math.cos(math.pi / 2)], atol=1e-15)
    assert_allclose(f(np.array([100.0])), f(np.array([4.0])))  # clipped to the upper bound


def test_fourier_step_size_feeds_sgd():
    f = F.Fourier(2, bounds=CARTPOLE_BOUNDS).bind(4)
    pol = pgfast.LinearSoftmax(f.n_features, 2)
    scale = f.param_step_size(pol)
    assert scale.shape == (pol.n_params,)
    assert_array_equal(scale[: f.n_features], f.step_size_scale)
    assert_array_equal(scale[f.n_features : 2 * f.n_features], f.step_size_scale)
    assert_array_equal(scale[2 * f.n_features :], 1.0)  # biases
    opt = pgfast.optim.SGD(0.1, step_size=scale)
    g = np.ones(pol.n_params)
    opt.step(pol.params, g)
    assert_allclose(pol.params, 0.1 * scale)


def test_rbf_by_hand_and_grid():
    r = F.RBF([[0.0, 0.0], [1.0, 2.0]], [1.0, 0.5])
    s = np.array([1.0, 1.0])
    assert_allclose(r(s), [math.exp(-2 / 2), math.exp(-1 / (2 * 0.25))], rtol=1e-15)
    g = F.RBF.grid([(0, 1), (0, 2)], [2, 3])
    assert_array_equal(g.centers, [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]])
    assert_array_equal(g.widths, np.ones(6))
    assert g.n_features == 6


def test_tile_coding_has_exactly_n_tilings_active_tiles():
    tc = F.TileCoding(8, [4, 5, 6], bounds=BOUNDS)
    assert tc.n_features == 8 * 5 * 6 * 7
    s = observations(500)
    idx = tc.active(s)
    assert idx.shape == (500, 8)
    assert_array_equal(idx, tc.reference().active(s))
    per_tiling = 5 * 6 * 7
    # one tile in each tiling's block of indices
    assert_array_equal(idx // per_tiling, np.broadcast_to(np.arange(8), (500, 8)))
    x = tc(s)
    assert_array_equal(x.sum(axis=1), 8)
    assert_array_equal(np.sort(np.flatnonzero(x[0])), np.sort(idx[0]))


def test_tile_coding_neighbours_share_tiles_and_points_a_tile_apart_do_not():
    tc = F.TileCoding(8, 10, bounds=[(0.0, 1.0), (0.0, 1.0)])
    width = 0.1
    rng = np.random.default_rng(1)
    for s in rng.uniform(0.2, 0.7, size=(50, 2)):
        a = set(tc.active(s))
        near = set(tc.active(s + np.array([width / 100, 0])))
        far = set(tc.active(s + np.array([width * 1.0001, 0])))
        assert len(a & near) >= 7  # moving 1/100 of a tile crosses at most one tiling's edge
        assert not a & far
        diag = set(tc.active(s + np.array([0, width * 1.0001])))
        assert not a & diag


def test_tile_coding_generalises_more_the_closer_two_points_are():
    tc = F.TileCoding(16, 8, bounds=[(0.0, 1.0)])
    s = np.array([0.31])
    shared = [len(set(tc.active(s)) & set(tc.active(s + d))) for d in (0.0, 0.02, 0.05, 0.1, 0.13)]
    assert shared[0] == 16
    assert all(a >= b for a, b in zip(shared, shared[1:]))
    assert shared[-1] == 0


def test_asymmetric_offsets_are_the_books_odd_displacements():
    tc = F.TileCoding(4, 1, bounds=[(0.0, 1.0), (0.0, 1.0)]).reference()
    assert_allclose(tc.offsets, [[0, 0], [0.25, 0.75], [0.5, 0.5], [0.75, 0.25]])
    uni = F.TileCoding(4, 1, bounds=[(0.0, 1.0), (0.0, 1.0)], offsets="uniform").reference()
    assert_allclose(uni.offsets, [[0, 0], [0.25, 0.25], [0.5, 0.5], [0.75, 0.75]])


@pytest.mark.parametrize("name", sorted(MAPS))
def test_config_round_trips_through_json_and_pickle(name):
    fmap = MAPS[name]()
    cfg = json.loads(json.dumps(fmap.config()))
    again = F.from_config(cfg)
    assert again == fmap
    s = observations(20)
    assert_array_equal(again(s), fmap(s))
    assert_array_equal(pickle.loads(pickle.dumps(fmap))(s), fmap(s))


def test_binding_to_a_space_takes_its_size_and_bounds():
    box = gym.spaces.Box(low=np.array([-1.0, 0.0]), high=np.array([1.0, 5.0]), dtype=np.float64)
    f = F.Fourier(1).bind(box)
    assert_array_equal(f.bounds, [[-1, 1], [0, 5]])
    assert f.n_features == 4
    assert F.Fourier(1).bound is False  # bind returns a copy
    d = F.TileCoding(2, 3).bind(gym.spaces.Discrete(5))
    assert d.n_inputs == 5
    with pytest.raises(ValueError, match=r"Fourier expects 3 inputs but observations have 2"):
        F.Fourier(1, bounds=BOUNDS).bind(box)


def test_unbounded_dimension_without_user_bounds_is_an_error_naming_it():
    env = gym.make("CartPole-v1")
    with pytest.raises(ValueError, match=r"observation dimension 1 is unbounded"):
        pgfast.Reinforce(env, features=F.Fourier(3))
    with pytest.raises(ValueError, match=r"observation dimension 1 is unbounded"):
        F.TileCoding(8, 4).bind(env.observation_space)
    with pytest.raises(ValueError, match=r"Fourier is not bound: give bounds="):
        F.Fourier(3)(np.zeros(4))


@pytest.mark.parametrize(
    ("make", "exc", "match"),
    [
        (lambda: F.Polynomial(-1), ValueError, r"degree must be >= 0"),
        (lambda: F.Polynomial(2.5), TypeError, r"degree must be an int"),
        (lambda: F.Fourier(-2, bounds=BOUNDS), ValueError, r"order must be >= 0"),
        (lambda: F.Fourier(2, bounds=BOUNDS, kind="sine"), ValueError, r"kind must be"),
        (lambda: F.Fourier(2, bounds=[(1.0, 1.0)]), ValueError, r"input 0 need low < high"),
        (lambda: F.Fourier(2, bounds=[(0, 1), (3.0, -1.0)]), ValueError, r"input 1 need low < high"),
        (lambda: F.Fourier(2, bounds=[(0, np.inf)]), ValueError, r"input 0 must be finite"),
        (lambda: F.Fourier(2, bounds=[[0, 1, 2]]), ValueError, r"shape \(k, 2\)"),
        (lambda: F.TileCoding(0, 4, bounds=BOUNDS), ValueError, r"n_tilings must be >= 1"),
        (lambda: F.TileCoding(4, 0, bounds=BOUNDS), ValueError, r"tiles_per_dim must be >= 1"),
        (lambda: F.TileCoding(4, [2, 2], bounds=BOUNDS).n_features, ValueError, r"tiles_per_dim has 2"),
        (lambda: F.TileCoding(4, 4, bounds=BOUNDS, offsets="random"), ValueError, r"offsets must be"),
        (lambda: F.RBF(np.zeros((3, 2)), [1.0, 0.0, 1.0]), ValueError, r"widths must be finite and > 0"),
        (lambda: F.RBF(np.zeros((3, 2)), [1.0, 1.0]), ValueError, r"widths must be a number or have shape"),
        (lambda: F.RBF(np.zeros(3), 1.0), ValueError, r"centers must have shape"),
        (lambda: F.RBF([[np.nan, 0.0]], 1.0), ValueError, r"centers contains NaN"),
        (lambda: F.from_config({"type": "Nope"}), ValueError, r"not a feature-map configuration"),
    ],
)
def test_bad_parameters_are_clear_errors(make, exc, match):
    with pytest.raises(exc, match=match):
        make()


@pytest.mark.parametrize(
    "make",
    [
        lambda: F.Fourier(40, bounds=[(0, 1)] * 8),  # 41^8 features
        lambda: F.Polynomial(30, n_inputs=10).n_features,
        lambda: F.TileCoding(64, 1000, bounds=[(0, 1)] * 4),  # 64 * 1001^4 tiles
        lambda: F.RBF.grid([(0, 1)] * 10, 20),
    ],
)
def test_sizes_that_would_overflow_memory_are_refused_before_allocating(make):
    with pytest.raises(ValueError, match=r"limit|too many|more than"):
        make()


@pytest.mark.parametrize("name", ["fourier3", "tiles", "poly3"])
def test_bad_observations_are_clear_errors(name):
    fmap = MAPS[name]()
    with pytest.raises(ValueError, match=r"obs must have shape \(3,\) or \(N, 3\)"):
        fmap(np.zeros(4))
    with pytest.raises(ValueError, match=r"obs is an empty batch"):
        fmap(np.zeros((0, 3)))
    with pytest.raises(ValueError, match=r"obs contains NaN or inf"):
        fmap(np.array([0.0, np.nan, 0.0]))
    with pytest.raises(ValueError, match=r"obs contains NaN or inf"):
        fmap.reference()(np.array([0.0, np.inf, 0.0]))


def test_dense_maps_have_no_active_indices():
    with pytest.raises(TypeError, match=r"sparse"):
        _core.FourierFeatures(1, 2, [0.0], [1.0]).active(np.zeros(1))


# ---------------------------------------------------------------------------------
# The learner over features: sparse and dense paths, both backends, save/load
# ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs",
    [
        dict(optimizer="adam", lr=0.05, update="per_episode", entropy_coef=0.01),
        dict(optimizer="sgd", lr=0.05, update="per_step", discount_gradient=True, normalize_returns=False),
        dict(optimizer="sgd", lr=0.5, update="batch", batch_episodes=3, max_grad_norm=0.5, entropy_coef=0.02),
    ],
    ids=["adam-per_episode", "sgd-per_step", "sgd-batch-clipped"],
)
def test_sparse_tiles_and_their_dense_vectors_give_bit_identical_runs(kwargs):
    """TileCoding runs sparse in C++ (SGD touches only the active tiles' parameters); the
    same map as a Python callable runs dense. The runs are equal to the last bit."""
    tc = F.TileCoding(4, 3, bounds=CARTPOLE_BOUNDS)
    bound = tc.bind(4)
    kwargs = dict(seed=2, baseline="linear", **kwargs)
    sparse = pgfast.Reinforce("CartPole-v1", features=tc, **kwargs).learn(3000)
    dense = pgfast.Reinforce("CartPole-v1", features=lambda o: bound(np.asarray(o, float)), **kwargs)
    dense.learn(3000)
    assert sparse._learner.n_features == dense._learner.n_features == bound.n_features
    assert len(sparse.history["update_grad_norm"]) > 3
    for key in sparse.history:
        assert_array_equal(sparse.history[key], dense.history[key], err_msg=key)
    assert_array_equal(sparse.policy.params, dense.policy.params)
    assert_array_equal(sparse.baseline_params, dense.baseline_params)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
@pytest.mark.parametrize("sparse", [True, False], ids=["tiles", "raw"])
def test_a_diverging_update_is_refused_and_the_parameters_restored(optimizer, sparse):
    features = F.TileCoding(4, 3, bounds=CARTPOLE_BOUNDS) if sparse else None
    agent = pgfast.Reinforce("CartPole-v1", features=features, optimizer=optimizer, lr=1e308,
                             baseline="linear", baseline_lr=1e308, normalize_returns=False,
                             update="per_step", seed=0)
    with pytest.raises(ValueError, match=r"non-finite parameters|grad contains NaN or inf"):
        agent.learn(5000)
    assert np.isfinite(agent.policy.params).all() and np.isfinite(agent.baseline_params).all()
    if optimizer == "sgd":  # the first update overflows: back to the initial zeros
        assert_array_equal(agent.policy.params, 0.0)
        assert_array_equal(agent.baseline_params, 0.0)


@pytest.mark.parametrize("update", ["per_step", "batch"])
@pytest.mark.parametrize(
    "make", [lambda: F.TileCoding(4, 3, bounds=CARTPOLE_BOUNDS), lambda: F.Fourier(2, bounds=CARTPOLE_BOUNDS)]
)
def test_cpp_and_numpy_backends_agree_with_features(make, update):
    kwargs = dict(features=make(), seed=4, lr=0.02, baseline="linear", update=update, batch_episodes=2)
    a = pgfast.Reinforce("CartPole-v1", backend="cpp", **kwargs).learn(1500)
    b = pgfast.Reinforce("CartPole-v1", backend="numpy", **kwargs).learn(1500)
    assert_array_equal(a.history["episode_length"], b.history["episode_length"])
    assert_allclose(a.policy.params, b.policy.params, rtol=1e-9, atol=1e-9)
    assert_allclose(a.baseline_params, b.baseline_params, rtol=1e-9, atol=1e-9)


def test_fourier_features_solve_cartpole():
    agent = pgfast.Reinforce("CartPole-v1", features=F.Fourier(3, bounds=CARTPOLE_BOUNDS), seed=0, lr=0.05)
    agent.learn(20_000)
    mean, _ = agent.evaluate(10, seed=0)
    assert mean >= 475


def test_a_map_on_a_discrete_space_sees_the_one_hot_state():
    """Identity without bias over Discrete(16) is the default one-hot encoding: same run."""
    kwargs = dict(seed=0, lr=0.1, update="per_episode")
    a = pgfast.Reinforce(gym.make("FrozenLake-v1"), features=F.Identity(bias=False), **kwargs).learn(3000)
    b = pgfast.Reinforce(gym.make("FrozenLake-v1"), **kwargs).learn(3000)
    assert a.spaces.feature_map.n_inputs == 16
    assert_array_equal(a.history["episode_length"], b.history["episode_length"])
    assert_array_equal(a.policy.params, b.policy.params)
    tiles = pgfast.Reinforce(gym.make("FrozenLake-v1"), features=F.TileCoding(2, 1), **kwargs)
    assert tiles.spaces.feature_map.n_features == 2 * 2**16
    tiles.learn(1000)
    assert np.isfinite(tiles.policy.params).all()


@pytest.mark.parametrize("backend", ["cpp", "numpy"])
def test_feature_map_is_saved_and_restored(tmp_path, backend):
    fmap = F.Fourier(2, bounds=CARTPOLE_BOUNDS, kind="full")
    a = pgfast.Reinforce("CartPole-v1", features=fmap, seed=1, backend=backend).learn(2000)
    a.save(tmp_path / "m.pgfast")
    b = pgfast.Reinforce.load(tmp_path / "m.pgfast", backend=backend)
    assert b.features == a.features
    assert_array_equal(b.policy.params, a.policy.params)
    obs = np.array([0.1, -0.2, 0.03, 0.4])
    assert b.predict(obs, deterministic=True)[0] == a.predict(obs, deterministic=True)[0]
    a.learn(1000)
    b.learn(1000)
    assert_array_equal(a.policy.params, b.policy.params)


def test_callable_features_must_be_passed_again_to_load(tmp_path):
    def feats(o):
        return np.concatenate([o, o**2])

    a = pgfast.Reinforce("CartPole-v1", features=feats, seed=1).learn(500)
    a.save(tmp_path / "m.pgfast")
    with pytest.raises(ValueError, match=r"custom features callable.*pass the same callable"):
        pgfast.Reinforce.load(tmp_path / "m.pgfast")
    b = pgfast.Reinforce.load(tmp_path / "m.pgfast", features=feats)
    assert_array_equal(b.policy.params, a.policy.params)


def test_features_of_the_wrong_input_size_are_refused():
    with pytest.raises(ValueError, match=r"expects 3 inputs but observations have 4"):
        pgfast.Reinforce("CartPole-v1", features=F.Fourier(2, bounds=BOUNDS))
    with pytest.raises(ValueError, match=r"features expect 3 inputs but observations have 4"):
        _core.SoftmaxLearner(pgfast.LinearSoftmax(8, 2), _core.Adam(), obs_dim=4,
                             features=_core.FourierFeatures(3, 1, [0.0] * 3, [1.0] * 3))
    with pytest.raises(ValueError, match=r"features expect 3 inputs but observations have 4"):
        from pgfast import _reference_learner

        _reference_learner.SoftmaxLearner(ref.LinearSoftmax(8, 2), ref.Adam(), obs_dim=4,
                                          features=ref.FourierFeatures(3, 1, [0.0] * 3, [1.0] * 3))


def test_nan_observation_with_features_changes_nothing():
    agent = pgfast.Reinforce("CartPole-v1", features=F.TileCoding(4, 3, bounds=CARTPOLE_BOUNDS), seed=0)
    agent.learn(300)
    before = agent.policy.params.copy()
    with pytest.raises(ValueError, match=r"NaN or inf"):
        agent._learner.act1(np.array([0.0, np.nan, 0.0, 0.0]), agent.rng)
    assert_array_equal(agent.policy.params, before)


# ---------------------------------------------------------------------------------
# Continuous control end to end, and the examples
# ---------------------------------------------------------------------------------
def test_gaussian_policy_solves_inverted_pendulum_within_100k_steps():
    """InvertedPendulum-v5 (MuJoCo, the test extra installs it), raw observations,
    linear Gaussian policy: greedy mean >= 950 over 10 episodes within 100,000 steps."""
    agent = pgfast.Reinforce("InvertedPendulum-v5", lr=0.01, update="per_episode", seed=0)
    solved_at = None
    while agent.num_timesteps < 100_000:
        agent.learn(5_000)
        mean, _ = agent.evaluate(10, seed=0)
        if mean >= 950:
            solved_at = agent.num_timesteps
            break
    assert solved_at is not None, f"greedy mean {mean} after {agent.num_timesteps} steps"
    # sampled unclipped, clipped only when sent to the env: the policy's mean stays in range
    assert np.isfinite(agent.policy.params).all()


EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.mark.parametrize("script", ["cartpole_fourier", "continuous_gaussian", "mountaincar_tiles"])
def test_example_runs_with_a_tiny_step_count(script):
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / f"{script}.py"), "--timesteps", "300", "--seed", "1"],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "greedy return" in proc.stdout


def test_state_dependent_std_agent_backends_agree_and_round_trip(tmp_path):
    kwargs = dict(features=F.Fourier(1), state_dependent_std=True, seed=3, lr=0.02, update="per_episode")
    a = pgfast.Reinforce("Pendulum-v1", backend="cpp", **kwargs).learn(1000)
    b = pgfast.Reinforce("Pendulum-v1", backend="numpy", **kwargs).learn(1000)
    d = a.spaces.n_features
    assert a.policy.state_dependent_std and a.policy.n_params == 2 * d + 2
    assert_allclose(a.policy.params, b.policy.params, rtol=1e-9, atol=1e-9)
    assert np.ptp(a.policy.log_std_at(np.eye(d))) > 0  # the std now depends on the state
    a.save(tmp_path / "sd.pgfast")
    c = pgfast.Reinforce.load(tmp_path / "sd.pgfast")
    assert c.policy.state_dependent_std
    assert_array_equal(c.policy.params, a.policy.params)
