"""Shared fixtures: the two implementations and policies with random parameters.

Every test runs against the INSTALLED package: ``pgfast`` (the C++ core) and
``pgfast.reference`` (its plain-NumPy twin).
"""

import numpy as np
import pgfast
import pgfast.optim
import pgfast.reference
import pytest

CPP_OPTIM = pgfast.optim
IMPLEMENTATIONS = {"cpp": pgfast, "reference": pgfast.reference}
OPTIMISERS = {"cpp": CPP_OPTIM, "reference": pgfast.reference}


@pytest.fixture(params=sorted(IMPLEMENTATIONS))
def impl(request):
    """Either implementation of the policies and kernels (the tests hold for both)."""
    return IMPLEMENTATIONS[request.param]


@pytest.fixture(params=sorted(OPTIMISERS))
def optim(request):
    """Either implementation of the optimisers."""
    return OPTIMISERS[request.param]


@pytest.fixture
def api():
    """The public API's policies and kernels: the C++ core behind its validating bindings.

    Bad-input, array-layout and extreme-input tests use it: the public API is the one
    boundary that checks arguments (the NumPy twin checks nothing).
    """
    return pgfast


@pytest.fixture
def api_optim():
    """The public API's optimisers."""
    return CPP_OPTIM


@pytest.fixture
def cpp_optim():
    """The C++ optimisers."""
    return CPP_OPTIM


def _random_params(policy, seed, scale):
    rng = np.random.default_rng(seed)
    policy.params = scale * rng.standard_normal(policy.n_params)
    return policy


@pytest.fixture
def make_softmax():
    """Factory: a LinearSoftmax of `module` with N(0, scale²) parameters."""

    def make(module, d, k, bias=True, seed=0, scale=0.7):
        return _random_params(module.LinearSoftmax(d, k, bias=bias), seed, scale)

    return make


@pytest.fixture
def make_gaussian():
    """Factory: a LinearGaussian of `module` with N(0, scale²) parameters.

    The log-stds are drawn inside the clamp, so that every gradient is defined.
    """

    def make(module, d, m, bias=True, seed=0, scale=0.7):
        pol = _random_params(module.LinearGaussian(d, m, bias=bias), seed, scale)
        pol.params[-m:] = np.random.default_rng(seed + 1).uniform(-1.0, 0.5, m)
        return pol

    return make
