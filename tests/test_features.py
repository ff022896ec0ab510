"""Feature maps of S&B ch. 9: frozen specs that features.build makes into the C++ map or
its NumPy twin (equal), bounds as gymnasium writes them, tile coding, Fourier and the
sparse learner behaving as the book says, and clear errors for bad input."""

import dataclasses
import importlib.util
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

LOW, HIGH = np.array([-1.0, 0.0, -3.0]), np.array([1.0, 2.0, 3.0])
BOUNDS = (LOW, HIGH)
CARTPOLE_BOUNDS = ((-2.4, -3.0, -0.21, -3.5), (2.4, 3.0, 0.21, 3.5))

SPECS = {
    "identity": lambda: F.Identity(),
    "identity_nobias": lambda: F.Identity(bias=False),
    "poly3": lambda: F.Polynomial(3),
    "poly2_nointeraction": lambda: F.Polynomial(2, interaction=False),
    "poly0": lambda: F.Polynomial(0),
    "fourier3": lambda: F.Fourier(3, bounds=BOUNDS),
    "fourier2_full_uncoupled": lambda: F.Fourier(2, bounds=BOUNDS, kind="full", coupled=False),
    "fourier4_full": lambda: F.Fourier(4, bounds=BOUNDS, kind="full"),
    "rbf_grid": lambda: F.RBF.grid(BOUNDS, [3, 4, 2]),
    "rbf_widths": lambda: F.RBF(np.arange(12.0).reshape(4, 3) / 6, [0.5, 1.0, 2.0, 0.1]),
    "tiles": lambda: F.TileCoding(8, 5, bounds=BOUNDS),
    "tiles_uniform": lambda: F.TileCoding(4, [2, 3, 4], bounds=BOUNDS, offsets="uniform"),
}
# The C++ maps and the twins compute the same products and comparisons; the Fourier basis
# (a matrix product and cos) and RBF (exp) may differ in the last bits.
EXACT = {"identity", "identity_nobias", "poly3", "poly2_nointeraction", "poly0", "tiles", "tiles_uniform"}


def observations(n, seed=0):
    # Mostly inside the bounds, some outside (clipped by the maps that scale inputs).
    rng = np.random.default_rng(seed)
    return rng.uniform(LOW - 0.3, HIGH + 0.3, size=(n, 3))


def x_of(spec, obs, n_inputs=None):
    """x(s) of the C++ map built from ``spec``."""
    s = np.asarray(obs, dtype=float)
    return F.build(spec, n_inputs or s.shape[-1])(s)


# ---------------------------------------------------------------------------------
# The C++ map equals its NumPy twin
# ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(SPECS))
def test_cpp_map_equals_numpy_twin_single_and_batch(name):
    spec = SPECS[name]()
    fmap, twin = F.build(spec, 3), F.build(spec, 3, backend="numpy")
    assert type(fmap).__name__ == type(twin).__name__  # one name per map in both languages
    assert isinstance(fmap, _core.FeatureMap) and type(twin).__module__ == "pgfast._reference_features"
    assert (fmap.n_inputs, fmap.n_features, fmap.sparse, fmap.n_active) == (
        twin.n_inputs, twin.n_features, twin.sparse, twin.n_active)
    s = observations(200)
    x = fmap(s)
    assert x.shape == (200, fmap.n_features)
    compare = assert_array_equal if name in EXACT else lambda a, b: assert_allclose(a, b, rtol=0, atol=1e-12)
    compare(x, twin(s))
    for i in range(5):
        compare(fmap(s[i]), twin(s[i]))
        assert_array_equal(fmap(s[i]), x[i])


@pytest.mark.parametrize("name", ["tiles", "tiles_uniform"])
def test_cpp_active_tiles_equal_the_twins(name):
    spec = SPECS[name]()
    s = observations(300)
    assert_array_equal(F.build(spec, 3).active(s), F.build(spec, 3, "numpy").active(s))
    assert_array_equal(F.build(spec, 3).active(s[7]), F.build(spec, 3, "numpy").active(s[7]))


def test_the_twins_are_the_reference_modules_classes():
    assert type(F.build(F.Fourier(1, bounds=(0, 1)), 2, "numpy")) is ref.FourierFeatures
    assert type(F.build(F.TileCoding(2, 2, bounds=(0, 1)), 2, "numpy")) is ref.TileCodingFeatures


# ---------------------------------------------------------------------------------
# The maps, by hand
# ---------------------------------------------------------------------------------
def test_identity_appends_the_bias():
    assert_array_equal(x_of(F.Identity(), [1.5, -2.0]), [1.5, -2.0, 1.0])
    assert_array_equal(x_of(F.Identity(bias=False), [[1.5, -2.0]]), [[1.5, -2.0]])


def test_polynomial_basis_by_hand():
    p = F.build(F.Polynomial(2), 2)  # c in {0,1,2}^2, last input fastest
    assert_array_equal(p.exponents, list(itertools.product(range(3), repeat=2)))
    s1, s2 = 3.0, -2.0
    want = [s1**a * s2**b for a, b in itertools.product(range(3), repeat=2)]
    assert_array_equal(p(np.array([s1, s2])), want)
    assert_array_equal(x_of(F.Polynomial(3, interaction=False), [s1, s2]), [1, 3, 9, 27, -2, 4, -8])


def test_fourier_coefficients_and_step_sizes_by_hand():
    f = F.build(F.Fourier(2, bounds=(0, 1)), 2)
    assert_array_equal(f.coefficients, list(itertools.product(range(3), repeat=2)))
    norms = np.sqrt([0, 1, 4, 1, 2, 5, 4, 5, 8])
    assert_allclose(f.step_size_scale, [1.0, *(1 / norms[1:])], rtol=1e-15)
    s = np.array([0.25, 0.5])
    want = [math.cos(math.pi * (a * 0.25 + b * 0.5)) for a, b in itertools.product(range(3), repeat=2)]
    assert_allclose(f(s), want, atol=1e-15)
    u = F.build(F.Fourier(2, bounds=(0, 1), coupled=False), 2)
    assert_array_equal(u.coefficients, [[0, 0], [1, 0], [2, 0], [0, 1], [0, 2]])
    full = x_of(F.Fourier(1, bounds=(0, 1), kind="full"), [0.5])
    assert_allclose(full, [1.0, 0.0, 1.0], atol=1e-15)  # cos 0, cos π/2, sin π/2


def test_fourier_scales_inputs_by_the_bounds_and_clips_outside():
    f = F.build(F.Fourier(1, bounds=(-4.0, 4.0)), 1)
    assert_allclose(f(np.array([0.0])), [1.0, math.cos(math.pi / 2)], atol=1e-15)
    assert_array_equal(f(np.array([100.0])), f(np.array([4.0])))  # clipped to the upper bound


def test_fourier_step_size_feeds_sgd():
    f = F.build(F.Fourier(2, bounds=CARTPOLE_BOUNDS), 4)
    pol = pgfast.LinearSoftmax(f.n_features, 2)
    scale = F.param_step_size(f, pol)
    assert scale.shape == (pol.n_params,)
    assert_array_equal(scale[: f.n_features], f.step_size_scale)
    assert_array_equal(scale[f.n_features : 2 * f.n_features], f.step_size_scale)
    assert_array_equal(scale[2 * f.n_features :], 1.0)  # biases
    opt = pgfast.optim.SGD(0.1, step_size=scale)
    opt.step(pol.params, np.ones(pol.n_params))
    assert_allclose(pol.params, 0.1 * scale)


def test_rbf_by_hand():
    r = F.build(F.RBF([[0.0, 0.0], [1.0, 2.0]], [1.0, 0.5]), 2)
    assert_allclose(r(np.array([1.0, 1.0])), [math.exp(-2 / 2), math.exp(-1 / (2 * 0.25))], rtol=1e-15)


def test_rbf_grid_puts_centres_on_the_corners_and_between():
    g = F.RBF.grid(([0, 0], [1, 2]), [2, 3])
    assert g.centers == ((0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2))
    assert g.widths == (1.0,) * 6
    assert F.build(g, 2).n_features == 6
    assert F.RBF.grid((0, 1), [2, 2]) == F.RBF.grid(([0, 0], [1, 1]), 2)  # numbers: every input


def test_tile_coding_has_exactly_n_tilings_active_tiles():
    tc = F.build(F.TileCoding(8, [4, 5, 6], bounds=BOUNDS), 3)
    assert tc.n_features == 8 * 5 * 6 * 7
    s = observations(500)
    idx = tc.active(s)
    assert idx.shape == (500, 8)
    per_tiling = 5 * 6 * 7
    # one tile in each tiling's block of indices
    assert_array_equal(idx // per_tiling, np.broadcast_to(np.arange(8), (500, 8)))
    x = tc(s)
    assert_array_equal(x.sum(axis=1), 8)
    assert_array_equal(np.sort(np.flatnonzero(x[0])), np.sort(idx[0]))


def test_tile_coding_neighbours_share_tiles_and_points_a_tile_apart_do_not():
    tc = F.build(F.TileCoding(8, 10, bounds=(0.0, 1.0)), 2)
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
    tc = F.build(F.TileCoding(16, 8, bounds=(0.0, 1.0)), 1)
    s = np.array([0.31])
    shared = [len(set(tc.active(s)) & set(tc.active(s + d))) for d in (0.0, 0.02, 0.05, 0.1, 0.13)]
    assert shared[0] == 16
    assert all(a >= b for a, b in zip(shared, shared[1:]))
    assert shared[-1] == 0


def test_asymmetric_offsets_are_the_books_odd_displacements():
    tc = F.build(F.TileCoding(4, 1, bounds=(0.0, 1.0)), 2, "numpy")
    assert_allclose(tc.offsets, [[0, 0], [0.25, 0.75], [0.5, 0.5], [0.75, 0.25]])
    uni = F.build(F.TileCoding(4, 1, bounds=(0.0, 1.0), offsets="uniform"), 2, "numpy")
    assert_allclose(uni.offsets, [[0, 0], [0.25, 0.25], [0.5, 0.5], [0.75, 0.75]])


# ---------------------------------------------------------------------------------
# Specs: frozen, equal by fields, hashable, picklable, configs
# ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(SPECS))
def test_assigning_a_field_of_a_spec_raises(name):
    spec = SPECS[name]()
    field = dataclasses.fields(spec)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(spec, field, getattr(spec, field))


@pytest.mark.parametrize("name", sorted(SPECS))
def test_specs_with_equal_fields_are_equal_and_hash_alike(name):
    a, b = SPECS[name](), SPECS[name]()
    assert a == b and hash(a) == hash(b)
    assert len({a, b}) == 1


def test_specs_with_different_fields_differ():
    assert F.Fourier(3) != F.Fourier(4)
    assert F.Fourier(3, bounds=(0, 1)) != F.Fourier(3, bounds=(0, 2))
    assert F.Fourier(3) != F.Fourier(3, kind="full")
    assert F.Polynomial(2) != F.Fourier(2)
    assert F.TileCoding(4, 3) != F.TileCoding(4, [3, 3])


def test_arrays_are_stored_as_tuples_so_array_and_list_fields_are_equal():
    a = F.RBF(np.array([[0.0, 1.0]]), np.array([2.0]))
    assert a == F.RBF([[0, 1]], 2.0)
    assert a.centers == ((0.0, 1.0),) and a.widths == (2.0,)
    assert F.Fourier(1, bounds=(np.zeros(2), np.ones(2))).bounds == ((0.0, 0.0), (1.0, 1.0))
    assert F.TileCoding(2, np.array([3, 4])).tiles_per_dim == (3, 4)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_a_pickled_spec_is_equal_and_builds_the_same_map(name):
    spec = SPECS[name]()
    again = pickle.loads(pickle.dumps(spec))
    assert again == spec
    s = observations(20)
    assert_array_equal(F.build(again, 3)(s), F.build(spec, 3)(s))


@pytest.mark.parametrize("name", sorted(SPECS))
def test_config_round_trips_through_json(name):
    spec = SPECS[name]()
    cfg = json.loads(json.dumps(spec.config()))
    assert cfg["type"] == type(spec).__name__
    assert F.from_config(cfg) == spec


def test_config_is_the_fields():
    assert F.Fourier(2, bounds=(-1, [1, 2])).config() == {
        "type": "Fourier", "order": 2, "bounds": {"low": [-1.0, -1.0], "high": [1.0, 2.0]},
        "kind": "cosine", "coupled": True,
    }
    assert F.Identity(bias=False).config() == {"type": "Identity", "bias": False}


@pytest.mark.parametrize(
    ("config", "spec"),
    [  # what pgfast 0.1 (model format 2) wrote: rows of (low, high), an input size
        ({"type": "Fourier", "order": 2, "kind": "full", "coupled": True, "n_inputs": 2,
          "bounds": [[-2.4, 2.4], [-3.0, 3.0]]},
         F.Fourier(2, bounds=([-2.4, -3.0], [2.4, 3.0]), kind="full")),
        ({"type": "TileCoding", "n_tilings": 4, "tiles_per_dim": [3, 2], "offsets": "asymmetric",
          "n_inputs": 2, "bounds": [[-1.0, 1.0], [0.0, 5.0]]},
         F.TileCoding(4, (3, 2), bounds=([-1.0, 0.0], [1.0, 5.0]))),
        ({"type": "Identity", "bias": True, "n_inputs": 4}, F.Identity()),
        ({"type": "Polynomial", "degree": 2, "interaction": False, "n_inputs": None}, F.Polynomial(2, False)),
        ({"type": "RBF", "centers": [[0.0, 1.0]], "widths": [0.5], "n_inputs": 2}, F.RBF([[0.0, 1.0]], 0.5)),
    ],
    ids=["fourier", "tiles", "identity", "polynomial", "rbf"],
)
def test_configs_of_format_2_files_still_load(config, spec):
    assert F.from_config(config) == spec


def test_building_leaves_the_spec_as_it_was():
    spec = F.Fourier(2)
    box = gym.spaces.Box(low=np.array([-1.0, 0.0]), high=np.array([1.0, 5.0]), dtype=np.float64)
    F.build(spec, box)
    assert spec.bounds is None and spec == F.Fourier(2)
    ident = F.Identity()
    assert (F.build(ident, 3).n_features, F.build(ident, 5).n_features) == (4, 6)  # one spec, any size


# ---------------------------------------------------------------------------------
# Bounds as gymnasium writes them
# ---------------------------------------------------------------------------------
def test_bounds_are_lows_then_highs_like_gymnasium_box():
    """(low, high) for two inputs: input 0 in [-1, 0], input 1 in [1, 2] (pgfast 0.1 read
    the pair as two rows: input 0 in [-1, 1], input 1 in [0, 2])."""
    low, high = np.array([-1.0, 1.0]), np.array([0.0, 2.0])
    x = x_of(F.Fourier(1, bounds=(low, high), coupled=False), [-0.5, 1.25])
    # u = ((-0.5 + 1) / 1, (1.25 - 1) / 1) = (0.5, 0.25); features cos(π c·u), c = 0, e_0, e_1
    assert_allclose(x, [1.0, math.cos(math.pi * 0.5), math.cos(math.pi * 0.25)], rtol=0, atol=1e-15)


def test_number_bounds_apply_to_every_input():
    spec = F.Fourier(2, bounds=(-1, 1))
    assert spec.bounds == (-1.0, 1.0)
    s = observations(10)
    assert_array_equal(x_of(spec, s), x_of(F.Fourier(2, bounds=([-1] * 3, [1] * 3)), s))


def test_a_number_and_an_array_broadcast_like_box():
    assert F.Fourier(1, bounds=(0, [1, 2, 3])).bounds == ((0.0, 0.0, 0.0), (1.0, 2.0, 3.0))
    box = gym.spaces.Box(0, np.array([1, 2, 3.0]), dtype=np.float64)
    assert F.Fourier(1, bounds=(0, [1, 2, 3])) == F.Fourier(1, bounds=box)


def test_a_box_gives_its_bounds():
    box = gym.spaces.Box(low=np.array([-1.0, 1.0]), high=np.array([0.0, 2.0]), dtype=np.float64)
    assert F.TileCoding(4, 3, bounds=box) == F.TileCoding(4, 3, bounds=([-1.0, 1.0], [0.0, 2.0]))


def test_bounds_of_a_2d_box_are_flattened_like_its_observations():
    low = np.array([[-1.0, 1.0], [0.0, 10.0]])
    high = np.array([[0.0, 2.0], [5.0, 20.0]])
    box = gym.spaces.Box(low, high, dtype=np.float64)
    obs = box.sample()
    flat = F.Fourier(2, bounds=(low.ravel(), high.ravel()))
    assert F.Fourier(2, bounds=(low, high)) == flat == F.Fourier(2, bounds=box)
    assert_array_equal(F.build(F.Fourier(2), box)(obs.ravel()), F.build(flat, 4)(obs.ravel()))


def test_building_for_a_space_takes_its_size_and_bounds():
    box = gym.spaces.Box(low=np.array([-1.0, 0.0]), high=np.array([1.0, 5.0]), dtype=np.float64)
    f = F.build(F.Fourier(1), box)
    assert (f.n_inputs, f.n_features) == (2, 4)
    s = np.array([1.0, 0.0])
    assert_array_equal(f(s), x_of(F.Fourier(1, bounds=([-1, 0], [1, 5])), s))
    d = F.build(F.TileCoding(2, 3), gym.spaces.Discrete(5))  # one-hot inputs in [0, 1]
    assert (d.n_inputs, d.n_features) == (5, 2 * 4**5)


def test_given_bounds_win_over_the_spaces():
    box = gym.spaces.Box(-10.0, 10.0, (2,), dtype=np.float64)
    s = np.array([0.5, -0.5])
    assert_array_equal(F.build(F.Fourier(2, bounds=(-1, 1)), box)(s), x_of(F.Fourier(2, bounds=(-1, 1)), s))


def test_an_agent_keeps_the_spec_with_the_bounds_it_was_built_with():
    agent = pgfast.Reinforce("MountainCar-v0", features=F.TileCoding(4, 3), seed=0)
    space = agent.env.observation_space
    assert agent.features == F.TileCoding(4, 3, bounds=space)
    assert agent.spaces.feature_map.n_features == 4 * 4 * 4


def test_unbounded_dimension_without_bounds_is_an_error_naming_it():
    env = gym.make("CartPole-v1")
    with pytest.raises(ValueError, match=r"bounds from the observation space.*dimension 1 must be finite"):
        pgfast.Reinforce(env, features=F.Fourier(3))
    with pytest.raises(ValueError, match=r"observation dimension 1 must be finite"):
        F.build(F.TileCoding(8, 4), env.observation_space)
    with pytest.raises(ValueError, match=r"Fourier needs bounds=\(low, high\) for its 4 inputs"):
        F.build(F.Fourier(3), 4)


def test_bounds_for_another_number_of_inputs_are_refused():
    with pytest.raises(ValueError, match=r"Fourier bounds are for 3 inputs but there are 4"):
        pgfast.Reinforce("CartPole-v1", features=F.Fourier(2, bounds=BOUNDS))
    with pytest.raises(ValueError, match=r"TileCoding bounds are for 3 inputs but there are 2"):
        F.build(F.TileCoding(2, 2, bounds=BOUNDS), 2)


def test_the_rows_form_of_pgfast_0_1_is_refused_with_a_hint():
    with pytest.raises(TypeError, match=r"got list of 3 entries \(bounds are \(lows, highs\)"):
        F.Fourier(2, bounds=[(0, 1), (0, 1), (0, 1)])
    with pytest.raises(ValueError, match=r"input 0 need low < high.*not one \(low, high\) row per input"):
        F.Fourier(2, bounds=[(0, 1), (0, 1)])  # read as low = (0, 1), high = (0, 1)


@pytest.mark.parametrize(
    ("bounds", "exc", "match"),
    [
        ((1.0, 1.0), ValueError, r"bounds \(every input\) need low < high, got \[1.0, 1.0\]"),
        (([0, 3.0], [1, -1.0]), ValueError, r"bounds of input 1 need low < high, got \[3.0, -1.0\]"),
        (([0, 0, 0], [1, np.inf, 1]), ValueError, r"bounds of input 1 must be finite, got \[0.0, inf\]"),
        (([np.nan, 0], 1), ValueError, r"bounds of input 0 must be finite, got \[nan, 1.0\]"),
        (([0, 0], [1, 1, 1]), ValueError, r"low has 2 values and high has 3"),
        (([], []), ValueError, r"bounds are empty"),
        (("a", 1), TypeError, r"bounds: low must be a number or numbers"),
        ((0, 1, 2), TypeError, r"bounds must be \(low, high\)"),
        (5.0, TypeError, r"bounds must be \(low, high\)"),
    ],
)
def test_a_bad_bound_is_an_error_naming_the_input(bounds, exc, match):
    with pytest.raises(exc, match=match):
        F.Fourier(2, bounds=bounds)
    with pytest.raises(exc, match=match):
        F.TileCoding(2, 2, bounds=bounds)


@pytest.mark.parametrize(
    ("low", "high", "match"),
    [
        ([0.0, 0.5], [1.0, np.inf], r"^bounds of input 1 must be finite, got \[0\.5, inf\]$"),
        ([0.0, 0.1], [1.0, 0.05], r"^bounds of input 1 need low < high, got \[0\.1, 0\.05\]$"),
        ([3.0, 0.0], [-1e300, 1.0], r"^bounds of input 0 need low < high, got \[3, -1e\+300\]$"),
    ],
)
def test_the_core_writes_bounds_in_the_fewest_digits(low, high, match):
    # The C++ maps check their bounds too (for direct use of pgfast._core): the numbers
    # read back as the same doubles, without std::to_string's six decimals.
    with pytest.raises(ValueError, match=match):
        _core.FourierFeatures(2, 1, np.array(low), np.array(high))


# ---------------------------------------------------------------------------------
# Bad arguments
# ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("make", "exc", "match"),
    [
        (lambda: F.Polynomial(-1), ValueError, r"degree must be >= 0"),
        (lambda: F.Polynomial(2.5), TypeError, r"degree must be an int"),
        (lambda: F.Identity(bias="no"), TypeError, r"bias must be True or False"),
        (lambda: F.Fourier(-2, bounds=BOUNDS), ValueError, r"order must be >= 0"),
        (lambda: F.Fourier(2, bounds=BOUNDS, kind="sine"), ValueError, r"kind must be one of"),
        (lambda: F.TileCoding(0, 4, bounds=BOUNDS), ValueError, r"n_tilings must be >= 1"),
        (lambda: F.TileCoding(4, 0, bounds=BOUNDS), ValueError, r"tiles_per_dim must be >= 1"),
        (lambda: F.TileCoding(4, [2, 0]), ValueError, r"tiles_per_dim must be >= 1"),
        (lambda: F.build(F.TileCoding(4, [2, 2], bounds=(0, 1)), 3), ValueError, r"tiles_per_dim must have"),
        (lambda: F.TileCoding(4, 4, bounds=BOUNDS, offsets="random"), ValueError, r"offsets must be one of"),
        (lambda: F.RBF(np.zeros((3, 2)), [1.0, 0.0, 1.0]), ValueError, r"widths must be finite and > 0"),
        (lambda: F.RBF(np.zeros((3, 2)), [1.0, 1.0]), ValueError, r"widths must have shape \(3,\)"),
        (lambda: F.RBF(np.zeros(3), 1.0), ValueError, r"centers must have shape"),
        (lambda: F.RBF([[np.nan, 0.0]], 1.0), ValueError, r"centers contains NaN"),
        (lambda: F.RBF([[0.0, 1.0], [2.0]], 1.0), TypeError, r"centers and widths must be arrays of numbers"),
        (lambda: F.build(F.RBF([[0.0, 0.0]], 1.0), 3), ValueError, r"RBF expects 2 inputs but observations"),
        (lambda: F.RBF.grid((0, 1), 3), ValueError, r"RBF.grid needs the number of inputs"),
        (lambda: F.build(F.Identity(), 0), ValueError, r"n_inputs must be >= 1"),
        (lambda: F.build(F.Identity(), gym.spaces.Text(3)), ValueError, r"Box or Discrete observation space"),
        (lambda: F.build(F.Identity(), 3, backend="torch"), ValueError, r"backend must be one of"),
        (lambda: F.build(lambda o: o, 3), TypeError, r"expected a pgfast.features spec"),
        (lambda: F.from_config({"type": "Nope"}), ValueError, r"not a feature-map configuration"),
        (lambda: F.from_config({"type": "Fourier", "order": 1, "colour": 2}), ValueError, r"malformed"),
        (lambda: F.from_config({"type": "Fourier", "order": 1, "bounds": "wide"}), ValueError, r"malformed"),
    ],
)
def test_bad_parameters_are_clear_errors(make, exc, match):
    with pytest.raises(exc, match=match):
        make()


@pytest.mark.parametrize(
    "make",
    [
        lambda: F.build(F.Fourier(40, bounds=(0, 1)), 8),  # 41^8 features
        lambda: F.build(F.Polynomial(30), 10),
        lambda: F.build(F.TileCoding(64, 1000, bounds=(0, 1)), 4),  # 64 * 1001^4 tiles
        lambda: F.RBF.grid((0, 1), [20] * 10),
    ],
)
def test_sizes_that_would_overflow_memory_are_refused_before_allocating(make):
    with pytest.raises(ValueError, match=r"limit|too many|more than"):
        make()


@pytest.mark.parametrize("name", ["fourier3", "tiles", "poly3"])
def test_bad_observations_are_clear_errors(name):
    fmap = F.build(SPECS[name](), 3)
    with pytest.raises(ValueError, match=r"obs must have shape \(3,\) or \(N, 3\)"):
        fmap(np.zeros(4))
    with pytest.raises(ValueError, match=r"obs is an empty batch"):
        fmap(np.zeros((0, 3)))
    with pytest.raises(ValueError, match=r"obs contains NaN or inf"):
        fmap(np.array([0.0, np.nan, 0.0]))


def test_dense_maps_have_no_active_indices():
    with pytest.raises(TypeError, match=r"sparse"):
        F.build(F.Fourier(2, bounds=(0, 1)), 1).active(np.zeros(1))


# ---------------------------------------------------------------------------------
# The learner over features: sparse and dense paths, both backends, save/load
# ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs",
    [
        dict(optimizer="adam", lr=0.05, update="per_episode", entropy_coef=0.01),
        dict(optimizer="sgd", lr=0.05, baseline_lr=0.1, update="per_step", discount_gradient=True,
             normalize_returns=False),
        dict(optimizer="sgd", lr=0.5, baseline_lr=0.1, update="batch", batch_episodes=3, max_grad_norm=0.5,
             entropy_coef=0.02),
    ],
    ids=["adam-per_episode", "sgd-per_step", "sgd-batch-clipped"],
)
def test_sparse_tiles_and_their_dense_vectors_give_bit_identical_runs(kwargs):
    """TileCoding runs sparse in C++ (SGD touches only the active tiles' parameters); the
    same map as a Python callable runs dense. The runs are equal to the last bit."""
    tc = F.TileCoding(4, 3, bounds=CARTPOLE_BOUNDS)
    bound = F.build(tc, 4)
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
    kwargs = dict(features=features, optimizer=optimizer, lr=1e308, baseline="linear",
                  normalize_returns=False, update="per_step", seed=0)
    baseline_lr = 1e308
    if sparse and optimizer == "sgd":  # tiles have a known norm: such an SGD baseline is refused at once
        with pytest.raises(ValueError, match=r"^baseline_lr=1e\+308 is too large for optimizer='sgd'"):
            pgfast.Reinforce("CartPole-v1", baseline_lr=baseline_lr, **kwargs)
        baseline_lr = 0.1  # the policy's step alone overflows
    agent = pgfast.Reinforce("CartPole-v1", baseline_lr=baseline_lr, **kwargs)
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


def test_a_learner_refuses_a_map_built_for_another_input_size():
    with pytest.raises(ValueError, match=r"features expect 3 inputs but observations have 4"):
        _core.SoftmaxLearner(pgfast.LinearSoftmax(8, 2), _core.Adam(), obs_dim=4,
                             features=F.build(F.Fourier(1, bounds=(0, 1)), 3))


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
def test_example_runs_with_a_tiny_step_count_and_writes_its_learning_curve(script, tmp_path):
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / f"{script}.py"), "--timesteps", "300", "--seed", "1",
         "--log-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "greedy return" in proc.stdout
    assert (tmp_path / "progress.csv").stat().st_size > 0
    # the curve is drawn when matplotlib is installed (the [plot] and [test] extras)
    has_matplotlib = importlib.util.find_spec("matplotlib") is not None
    assert (tmp_path / "learning_curve.png").exists() == has_matplotlib


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
