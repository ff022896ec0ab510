"""Threads: batch kernels release the GIL; results must equal the serial ones, and a
Generator shared between threads must be consumed in whole, locked blocks."""

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pgfast
from numpy.testing import assert_array_equal

N_THREADS = 4
N, D, K, M = 4_000, 8, 5, 2
# The barriers start every thread together; their timeout only turns a failure in one
# thread into an error instead of a hang (it is never reached in a passing run).


def _softmax_work(seed, start=None):
    """Everything one thread does with its own policy and Generator."""
    data = np.random.default_rng(seed)
    pol = pgfast.LinearSoftmax(D, K)
    pol.params = data.normal(size=pol.n_params)
    X, A, w = data.normal(size=(N, D)), data.integers(0, K, N), data.normal(size=N)
    rewards, done = data.normal(size=(N // 4, 4)), data.random((N // 4, 4)) < 0.05
    rng = np.random.default_rng(1000 + seed)
    if start is not None:
        start.wait()  # all threads enter the kernels together
    out = []
    for _ in range(3):
        out += [
            pol.probs(X),
            pol.log_prob(X, A),
            pol.grad_log_prob(X, A),
            pol.entropy(X),
            pol.grad_entropy(X),
            pgfast.policy_gradient(pol, X, A, w),
            pgfast.discounted_returns(rewards, done, gamma=0.99),
            pol.sample(X, rng),
            np.array([pol.sample(x, rng) for x in X[:50]]),
        ]
    return out


def _gaussian_work(seed, start=None):
    data = np.random.default_rng(seed)
    pol = pgfast.LinearGaussian(D, M)
    pol.params = 0.5 * data.normal(size=pol.n_params)
    X, w = data.normal(size=(N, D)), data.normal(size=N)
    A = pol.mean(X) + data.normal(size=(N, M))
    rng = np.random.default_rng(2000 + seed)
    if start is not None:
        start.wait()
    out = []
    for _ in range(3):
        out += [
            pol.mean(X),
            pol.log_prob(X, A),
            pol.grad_log_prob(X, A),
            pgfast.policy_gradient(pol, X, A, w),
            pol.sample(X, rng),
            np.array([pol.sample(x, rng) for x in X[:50]]),
        ]
    return out


def _run_threaded(work):
    start = threading.Barrier(N_THREADS, timeout=120)
    with ThreadPoolExecutor(N_THREADS) as pool:
        futures = [pool.submit(work, seed, start) for seed in range(N_THREADS)]
        return [f.result() for f in futures]


def _assert_same(threaded, serial):
    assert len(threaded) == len(serial)
    for got, want in zip(threaded, serial):
        assert len(got) == len(want)
        for a, b in zip(got, want):
            assert_array_equal(a, b)


def test_softmax_threads_give_serial_results():
    serial = [_softmax_work(seed) for seed in range(N_THREADS)]
    _assert_same(_run_threaded(_softmax_work), serial)


def test_gaussian_threads_give_serial_results():
    serial = [_gaussian_work(seed) for seed in range(N_THREADS)]
    _assert_same(_run_threaded(_gaussian_work), serial)


def test_threads_sharing_a_policy_give_serial_results():
    # const methods of one policy may run concurrently.
    pol = pgfast.LinearSoftmax(D, K)
    pol.params = np.random.default_rng(0).normal(size=pol.n_params)
    batches = [np.random.default_rng(s).normal(size=(N, D)) for s in range(N_THREADS)]
    serial = [pol.grad_entropy(X) for X in batches]
    start = threading.Barrier(N_THREADS, timeout=120)

    def work(X):
        start.wait()
        return pol.grad_entropy(X)

    with ThreadPoolExecutor(N_THREADS) as pool:
        threaded = list(pool.map(work, batches))
    for got, want in zip(threaded, serial):
        assert_array_equal(got, want)


def test_shared_generator_is_consumed_in_whole_locked_blocks():
    # Each batch call holds the Generator's lock for its N uniforms, so the draws
    # of one call are one contiguous block of the stream, whatever the scheduling.
    pol = pgfast.LinearSoftmax(D, K)
    pol.params = np.random.default_rng(0).normal(size=pol.n_params)
    X = np.random.default_rng(1).normal(size=(500, D))
    calls = 20

    serial_rng = np.random.default_rng(42)
    serial = sorted(tuple(pol.sample(X, serial_rng)) for _ in range(N_THREADS * calls))

    shared = np.random.default_rng(42)
    start = threading.Barrier(N_THREADS, timeout=120)

    def work(_):
        start.wait()
        return [tuple(pol.sample(X, shared)) for _ in range(calls)]

    with ThreadPoolExecutor(N_THREADS) as pool:
        threaded = sorted(block for blocks in pool.map(work, range(N_THREADS)) for block in blocks)
    assert threaded == serial
    assert shared.bit_generator.state == serial_rng.bit_generator.state


def test_numpy_and_pgfast_share_a_generator_safely():
    # NumPy's own draws and pgfast's take the same lock: no draw is lost or repeated.
    pol = pgfast.LinearGaussian(D, M)
    X = np.ones((1_000, D))
    shared = np.random.default_rng(7)
    start = threading.Barrier(N_THREADS, timeout=120)

    def work(i):
        start.wait()
        for _ in range(10):
            if i % 2:
                pol.sample(X, shared)
            else:
                shared.standard_normal((1_000, M))

    with ThreadPoolExecutor(N_THREADS) as pool:
        list(pool.map(work, range(N_THREADS)))

    reference = np.random.default_rng(7)
    for _ in range(N_THREADS * 10):
        reference.standard_normal((1_000, M))
    assert shared.bit_generator.state == reference.bit_generator.state



def test_generators_used_in_any_order_each_give_their_own_stream():
    # The bindings cache the last two Generators they saw (a fused run alternates the
    # agent's and the env's); a third one evicts one of them, and every draw must still
    # come from the Generator passed.
    pol = pgfast.LinearSoftmax(3, 4)
    pol.params = np.random.default_rng(0).normal(size=pol.n_params)
    x = np.array([0.3, -1.0, 2.0])
    gens = [np.random.default_rng(s) for s in (1, 2, 3)]
    order = np.random.default_rng(7).integers(0, 3, 900)
    drawn = [[], [], []]
    for i in order:
        drawn[i].append(pol.sample(x, gens[i]))
    for seed, got in zip((1, 2, 3), drawn):
        alone = np.random.default_rng(seed)
        assert got == [pol.sample(x, alone) for _ in got]
