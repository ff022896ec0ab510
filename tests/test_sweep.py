"""Sweeps over seeds and hyper-parameters (:func:`pgfast.sweep`, ``pgfast sweep``).

What is shown here: every (configuration, seed) is one independent run whose record
equals a plain ``Reinforce(...).learn()`` of the same seed, bit for bit, on every
executor (serial, the local process pool, Ray); the table has one row per run with
the documented columns (and the same as a DataFrame); a failing configuration is
recorded per run while the others finish; an interrupted sweep resumes from its
results file without redoing finished runs; mistakes in the call, and configurations
that every run would fail with, raise before any run; the local executor works from a
script without a ``__main__`` guard, from stdin and from ``python -c``, and a worker
killed with SIGKILL costs only its own run; the command line and the Fig. 13.2 example
run.
"""

import functools
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import gymnasium as gym
from gymnasium.envs.classic_control import CartPoleEnv
import numpy as np
import pytest
from numpy.testing import assert_array_equal

import pgfast
from pgfast import Reinforce
from pgfast._sweep import COLUMNS

ENV = "CartPole-v1"
STEPS = 1500
GRID = {"lr": [0.05, 0.2], "baseline": [None, "linear"]}
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "fig13_2.py"


def same_runs(a, b):
    """Two records describe the same run with the same outcome (wall time aside)."""
    for key in set(COLUMNS) - {"wall_time", "curve"}:
        assert a[key] == b[key] or (key.startswith("eval") and np.isnan(a[key]) and np.isnan(b[key])), key
    assert_array_equal(a["curve"], b["curve"])  # NaN-aware


def lines(path):
    return [json.loads(x) for x in Path(path).read_text().splitlines()]


class Ladder(gym.Env):
    """Observation [t / 10] at step t, reward 1, 20 steps an episode (leaves its Box at t = 11)."""

    observation_space = gym.spaces.Box(0.0, 1.0, (1,), dtype=np.float64)
    action_space = gym.spaces.Discrete(2)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.t = 0
        return np.zeros(1), {}

    def step(self, action):
        self.t += 1
        return np.array([self.t / 10]), 1.0, self.t >= 20, False, {}


def in_bounds_only(obs):
    """Features that are fine on the space's samples but fail once learning leaves the Box."""
    if obs[0] > 1.0:
        raise ArithmeticError(f"observation {obs[0]:g} is outside [0, 1]")
    return np.array([obs[0], 1.0])


FAILS_WHILE_LEARNING = {"features": [None, in_bounds_only]}  # the second configuration fails


# ---------------------------------------------------------------------------------
# One run = one plain Reinforce run; executors agree bit for bit
# ---------------------------------------------------------------------------------
def test_a_record_is_a_plain_reinforce_run_of_its_seed():
    res = pgfast.sweep(ENV, {"lr": [0.1]}, seeds=[7], total_timesteps=STEPS, executor="serial",
                       eval_episodes=3)
    agent = Reinforce(ENV, seed=7, lr=0.1).learn(STEPS)
    mean, std = agent.evaluate(3)
    (rec,) = res
    assert rec["params"] == agent.policy.params.tolist()
    assert (rec["eval_mean"], rec["eval_std"]) == (mean, std)
    assert rec["n_episodes"] == len(agent.history["episode_return"])
    assert rec["num_timesteps"] == STEPS and rec["error"] is None and rec["wall_time"] > 0


def test_local_pool_gives_the_serial_results(tmp_path):
    serial = pgfast.sweep(ENV, GRID, seeds=[0, 1], total_timesteps=STEPS, executor="serial")
    local = pgfast.sweep(ENV, GRID, seeds=[0, 1], total_timesteps=STEPS, executor="local",
                         n_workers=2)
    for a, b in zip(serial, local):
        same_runs(a, b)


NATIVE = "pgfast/CartPole-v1"


def test_threads_give_the_serial_results_per_seed():
    serial = pgfast.sweep(NATIVE, GRID, seeds=[0, 1, 2], total_timesteps=STEPS, executor="serial")
    threads = pgfast.sweep(NATIVE, GRID, seeds=[0, 1, 2], total_timesteps=STEPS, executor="threads",
                           n_workers=2)
    assert len(threads) == 12 and all(r["error"] is None for r in threads)
    for a, b in zip(serial, threads):
        same_runs(a, b)


def test_a_native_id_run_equals_the_gymnasium_run_of_its_seed():
    native = pgfast.sweep(NATIVE, GRID, seeds=[3], total_timesteps=STEPS, executor="serial")
    on_gym = pgfast.sweep(ENV, GRID, seeds=[3], total_timesteps=STEPS, executor="serial")
    for a, b in zip(native, on_gym):
        assert a["env"] == NATIVE and b["env"] == ENV
        same_runs({**a, "run_id": None, "env": None}, {**b, "run_id": None, "env": None})


@pytest.mark.parametrize(
    ("env", "env_backend", "expected"),
    [(NATIVE, None, "threads"), (ENV, "native", "threads"), (ENV, None, "local"),
     (NATIVE, "gymnasium", "local"), (functools.partial(pgfast.envs.make, ENV), None, "threads")],
)
def test_default_executor_is_threads_for_native_envs_else_local(monkeypatch, env, env_backend, expected):
    from pgfast import _sweep

    used = []
    for name in ("local", "threads"):
        real = getattr(_sweep, f"_run_{name}")
        monkeypatch.setattr(_sweep, f"_run_{name}",
                            lambda *a, name=name, real=real: (used.append(name), real(*a))[1])
    kw = {} if env_backend is None else {"env_backend": env_backend}
    res = pgfast.sweep(env, {}, seeds=[0, 1], total_timesteps=200, n_workers=2, **kw)
    assert used == [expected] and all(r["error"] is None for r in res)


def test_env_backend_native_runs_the_fused_loop():
    from pgfast import _sweep

    env = _sweep._make_env(ENV, "native")
    assert isinstance(env, pgfast.envs.NativeEnv)
    assert pgfast._fused.supported(Reinforce(env, seed=0), None)


@pytest.fixture
def ray_cluster():
    import ray  # in the test extra: never skipped

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield ray
    finally:
        ray.shutdown()


def test_ray_and_local_executors_give_identical_results(ray_cluster):
    grid = {"lr": [0.05, 0.2]}  # 2 configurations x 3 seeds
    on_ray = pgfast.sweep(ENV, grid, seeds=[0, 1, 2], total_timesteps=STEPS, executor="ray")
    assert ray_cluster.is_initialized()  # the sweep leaves a connection it did not open
    local = pgfast.sweep(ENV, grid, seeds=[0, 1, 2], total_timesteps=STEPS, executor="local")
    assert len(on_ray) == len(local) == 6
    for a, b in zip(on_ray, local):
        same_runs(a, b)
        assert a["params"] and a["params"] == b["params"]  # bit-identical parameters


# ---------------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------------
def test_table_has_one_row_per_configuration_and_seed_with_documented_columns():
    res = pgfast.sweep(ENV, GRID, seeds=[3, 4, 5], total_timesteps=STEPS, executor="serial",
                       curve_points=30, threshold=30.0)
    assert len(res) == 4 * 3
    assert res.columns == [*COLUMNS[:3], "lr", "baseline", *COLUMNS[3:]]
    assert all(list(r) == res.columns for r in res)
    # grid order: configurations as itertools.product, seeds within each
    assert [(r["lr"], r["baseline"], r["seed"]) for r in res] == [
        (lr, b, s) for lr in GRID["lr"] for b in GRID["baseline"] for s in (3, 4, 5)]
    assert [r["config_id"] for r in res] == [c for c in range(4) for _ in range(3)]
    assert res[0]["label"] == "lr=0.05, baseline=None" and res[-1]["label"] == "lr=0.2, baseline=linear"
    assert len({r["run_id"] for r in res}) == 12
    assert res.curve_steps.tolist() == [STEPS * j // 30 for j in range(1, 31)]
    assert res.curves().shape == (12, 30) and res.curves(config_id=1).shape == (3, 30)
    for r in res:
        assert r["env"] == ENV and r["total_timesteps"] == STEPS == r["num_timesteps"]
        assert np.isfinite(r["eval_mean"]) and r["eval_std"] >= 0 and r["error"] is None
        assert r["steps_to_threshold"] is None or 0 < r["steps_to_threshold"] <= STEPS
        assert len(r["params"]) == 2 * (4 + 1)  # softmax over 2 actions, 4 features + bias
    summary = res.summary()
    assert [s["n_runs"] for s in summary] == [3] * 4 and summary[0]["lr"] == 0.05
    # the repr is the summary, one line per configuration, not the records' curves
    text = repr(res).splitlines()
    assert text[0] == "SweepResults: 12 runs, 4 configurations, 0 failed" and len(text) == 6
    mean, std = summary[0]["eval_mean"], summary[0]["eval_std"]
    assert text[1] == f"  lr=0.05, baseline=None    3/3 runs  greedy return {mean:.1f} +/- {std:.1f}"
    assert res.summary_lines(30.0)[0].endswith(("never", f"{summary[0]['steps_to_threshold']:.0f}"))


def test_curve_and_steps_to_threshold_follow_their_definitions():
    res = pgfast.sweep(ENV, {}, seeds=[2], total_timesteps=STEPS, executor="serial",
                       curve_points=10, threshold=25.0, threshold_window=3)
    h = Reinforce(ENV, seed=2).learn(STEPS).history
    ends, rets = h["episode_total_timesteps"], h["episode_return"]
    (rec,) = res
    assert rec["label"] == "default"
    prev, expected = np.nan, []
    for lo, hi in zip([0, *res.curve_steps[:-1]], res.curve_steps):
        inside = rets[(ends > lo) & (ends <= hi)]
        prev = inside.mean() if len(inside) else prev  # carried forward over empty bins
        expected.append(prev)
    assert_array_equal(rec["curve"], expected)
    moving = np.convolve(rets, np.ones(3) / 3, mode="valid")
    assert rec["steps_to_threshold"] == ends[2 + np.flatnonzero(moving >= 25.0)[0]]
    never = pgfast.sweep(ENV, {}, seeds=[2], total_timesteps=STEPS, executor="serial", threshold=1e9)
    assert never[0]["steps_to_threshold"] is None


def test_dataframe_has_the_same_rows_and_columns():
    import pandas as pd  # in the test extra

    res = pgfast.sweep(Ladder, FAILS_WHILE_LEARNING, seeds=2, total_timesteps=200, executor="serial")
    df = res.to_dataframe()
    assert isinstance(df, pd.DataFrame) and list(df.columns) == res.columns and len(df) == 4
    assert df["steps_to_threshold"].isna().all()  # no threshold given
    assert df.loc[df["config_id"] == 1, "eval_mean"].isna().all()
    assert df.groupby("label")["eval_mean"].count().to_dict() == {
        "features=None": 2, "features=test_sweep.in_bounds_only": 0}
    assert_array_equal(df["params"][0], res[0]["params"])


def test_plot_writes_a_png_of_mean_and_std_per_configuration(tmp_path):
    res = pgfast.sweep(ENV, {"lr": [0.05, 0.2]}, seeds=2, total_timesteps=STEPS, executor="serial")
    ax = res.plot(tmp_path / "curves.png")
    assert (tmp_path / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["lr=0.05 (n=2)", "lr=0.2 (n=2)"]


# ---------------------------------------------------------------------------------
# Failures and resume
# ---------------------------------------------------------------------------------
@pytest.mark.parametrize("executor", ["serial", "local", "threads"])
def test_a_run_failing_while_learning_is_recorded_and_the_others_finish(tmp_path, executor):
    out = tmp_path / "runs.jsonl"
    res = pgfast.sweep(Ladder, FAILS_WHILE_LEARNING, seeds=[0, 1, 2], total_timesteps=200,
                       results_file=out, executor=executor, n_workers=2)
    good, bad = res[:3], res[3:]
    assert all(r["error"] is None and r["eval_mean"] == 20.0 and r["num_timesteps"] == 200 for r in good)
    assert all(r["error"] == "ArithmeticError: observation 1.1 is outside [0, 1]" for r in bad)
    # a run that failed part-way reports what it did before the error
    assert all(np.isnan(r["eval_mean"]) and r["num_timesteps"] == 10 and r["n_episodes"] == 0 for r in bad)
    assert res.errors == list(bad)
    assert len(lines(out)) == 6  # every run, failed or not, is in the file


def test_resume_skips_finished_runs(tmp_path):
    out = tmp_path / "runs.jsonl"
    first = pgfast.sweep(ENV, GRID, seeds=[0], total_timesteps=STEPS, results_file=out)
    ran = []
    res = pgfast.sweep(ENV, GRID, seeds=[0, 1], total_timesteps=STEPS, results_file=out,
                       callback=ran.append)
    assert res.n_reused == 4 and len(ran) == 4 and {r["seed"] for r in ran} == {1}
    assert len(lines(out)) == 8  # nothing was run (or written) twice
    for old, new in zip(first, [r for r in res if r["seed"] == 0]):
        assert old == new or old["wall_time"] == new["wall_time"]  # the stored record itself
        same_runs(old, new)
    again = pgfast.sweep(ENV, GRID, seeds=[0, 1], total_timesteps=STEPS, results_file=out,
                         callback=ran.append)
    assert again.n_reused == 8 and len(ran) == 4 and len(lines(out)) == 8


def test_an_interrupted_sweep_resumes_and_repairs_a_torn_last_line(tmp_path):
    out = tmp_path / "runs.jsonl"
    seen = []

    def interrupt_after_two(rec):
        seen.append(rec)
        if len(seen) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        pgfast.sweep(ENV, GRID, seeds=[0, 1], total_timesteps=STEPS, results_file=out,
                     callback=interrupt_after_two)
    assert len(lines(out)) == 2
    with open(out, "a") as f:
        f.write('{"run_id": "0123')  # killed while writing a line
    res = pgfast.sweep(ENV, GRID, seeds=[0, 1], total_timesteps=STEPS, results_file=out)
    assert res.n_reused == 2 and len(lines(out)) == 8
    reference = pgfast.sweep(ENV, GRID, seeds=[0, 1], total_timesteps=STEPS, executor="serial")
    for a, b in zip(res, reference):
        same_runs(a, b)


def test_errors_are_kept_on_resume_unless_retried(tmp_path):
    out = tmp_path / "runs.jsonl"
    fails = {"features": [in_bounds_only]}
    pgfast.sweep(Ladder, fails, seeds=[0], total_timesteps=200, results_file=out, executor="serial")
    kept = pgfast.sweep(Ladder, fails, seeds=[0], total_timesteps=200, results_file=out,
                        executor="serial")
    assert kept.n_reused == 1 and kept[0]["error"].startswith("ArithmeticError")
    retried = pgfast.sweep(Ladder, fails, seeds=[0], total_timesteps=200,
                           results_file=out, executor="serial", retry_errors=True)
    assert retried.n_reused == 0 and len(lines(out)) == 2


def test_resume_false_starts_the_file_afresh_and_other_settings_are_other_runs(tmp_path):
    out = tmp_path / "runs.jsonl"
    pgfast.sweep(ENV, {}, seeds=[0], total_timesteps=STEPS, results_file=out, executor="serial")
    longer = pgfast.sweep(ENV, {}, seeds=[0], total_timesteps=STEPS + 1, results_file=out,
                          executor="serial")
    assert longer.n_reused == 0 and len(lines(out)) == 2
    fresh = pgfast.sweep(ENV, {}, seeds=[0], total_timesteps=STEPS, results_file=out,
                         executor="serial", resume=False)
    assert fresh.n_reused == 0 and len(lines(out)) == 1


def test_a_corrupt_results_file_is_a_clear_error(tmp_path):
    out = tmp_path / "runs.jsonl"
    out.write_text("this is not json\n")
    with pytest.raises(ValueError, match=r"line 1: not a pgfast sweep record"):
        pgfast.sweep(ENV, {}, seeds=[0], total_timesteps=STEPS, results_file=out)


# ---------------------------------------------------------------------------------
# Environments and mistakes
# ---------------------------------------------------------------------------------
def test_an_environment_factory_runs_in_the_worker_processes():
    factory = functools.partial(gym.make, ENV, max_episode_steps=20)
    res = pgfast.sweep(factory, {}, seeds=[0, 1], total_timesteps=STEPS, n_workers=2)
    assert res[0]["env"] == "gymnasium.envs.registration.make('CartPole-v1', max_episode_steps=20)"
    assert all(r["error"] is None and r["eval_mean"] <= 20 for r in res)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"grid": {"lrr": [0.1]}}, ValueError, "unknown agent argument 'lrr'"),
        ({"grid": {"seed": [1]}}, ValueError, "pass seeds="),
        ({"grid": {"lr": []}}, ValueError, "'lr' has no values"),
        ({"grid": [("lr", 0.1)]}, TypeError, "grid must be a dict"),
        ({"seeds": [1, 1]}, ValueError, "duplicates"),
        ({"seeds": [-1]}, ValueError, "non-negative"),
        ({"seeds": 0}, ValueError, "count must be >= 1"),
        ({"executor": "dask"}, ValueError, "executor must be one of"),
        ({"env_backend": "jax"}, ValueError, "env_backend must be one of"),
        ({"env": "Taxi-v3", "env_backend": "native"}, ValueError, "'Taxi-v3' has no native implementation"),
        ({"env": "pgfast/Taxi-v3"}, ValueError, "'pgfast/Taxi-v3' has no native implementation"),
        ({"env": functools.partial(gym.make, ENV), "env_backend": "native"}, ValueError,
         "env_backend applies to an environment id"),
        ({"total_timesteps": 0}, ValueError, "total_timesteps must be >= 1"),
        ({"total_timesteps": 100.5}, ValueError, "total_timesteps must be a whole number"),
        ({"eval_episodes": 2.0}, TypeError, "eval_episodes must be an int"),
        ({"env": gym.make(ENV)}, TypeError, "zero-argument factory"),
        ({"n_workers": 0}, ValueError, "n_workers must be >= 1"),
        ({"progress_bar": "yes"}, TypeError, "progress_bar must be True, False or None"),
        ({"env": "Nope-v0"}, ValueError, "env: cannot make environment 'Nope-v0'"),
        ({"grid": {"lr": [0.1, -1.0]}}, ValueError,
         r"every run of configuration lr=-1.0 would fail: lr must be finite and > 0"),
        ({"grid": {"lr": [0.1, "abc"], "baseline": [None, "linear"]}}, TypeError,
         r"configuration lr='abc', baseline=None would fail: lr must be a number, got 'abc' \(str\)"),
        ({"grid": {"baseline": ["quadratic"]}}, ValueError, "configuration baseline='quadratic'"),
    ],
)
def test_mistakes_in_the_call_raise_before_any_run(tmp_path, kwargs, error, match):
    ran = []
    call = {"env": ENV, "grid": {}, "seeds": [0], "total_timesteps": STEPS,
            "results_file": tmp_path / "runs.jsonl", "callback": ran.append, **kwargs}
    with pytest.raises(error, match=match):
        pgfast.sweep(**call)
    assert not (tmp_path / "runs.jsonl").exists() and ran == []


# ---------------------------------------------------------------------------------
# The local executor in ordinary use
# ---------------------------------------------------------------------------------
# No `if __name__ == "__main__":` guard, and an environment factory defined in __main__.
SCRIPT = f"""
import json
import gymnasium as gym
import pgfast

res = pgfast.sweep(lambda: gym.make("{ENV}", max_episode_steps=50), {{"lr": [0.05, 0.2]}},
                   seeds=2, total_timesteps={STEPS}, executor="local", n_workers=2)
print(json.dumps([[r["error"], r["params"]] for r in res]))
"""


@pytest.mark.parametrize("how", ["script", "stdin", "dash-c"])
def test_local_executor_runs_from_a_script_without_guard_from_stdin_and_from_dash_c(tmp_path, how):
    (tmp_path / "sweep_script.py").write_text(SCRIPT)
    cmd = {"script": [sys.executable, "sweep_script.py"], "stdin": [sys.executable, "-"],
           "dash-c": [sys.executable, "-c", SCRIPT]}[how]
    out = subprocess.run(cmd, input=SCRIPT if how == "stdin" else None, cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""  # no traceback, no warning (and no progress bar: not a terminal)
    factory = functools.partial(gym.make, ENV, max_episode_steps=50)
    serial = pgfast.sweep(factory, {"lr": [0.05, 0.2]}, seeds=2, total_timesteps=STEPS,
                          executor="serial")
    assert json.loads(out.stdout) == [[None, r["params"]] for r in serial]


class KilledOnFirstReset(CartPoleEnv):
    """CartPole (100-step episodes) whose first reset in any process waits to be killed.

    The first process to reset claims the file ``claim``, writes its pid next to it and
    sleeps; every other reset, in any process, is CartPole's.
    """

    def __init__(self, claim):
        super().__init__()
        self.claim = Path(claim)

    def step(self, action):
        self.t += 1
        obs, reward, terminated, _, info = super().step(action)
        return obs, reward, terminated, self.t >= 100, info

    def reset(self, **kwargs):
        self.t = 0
        try:
            os.close(os.open(self.claim, os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            return super().reset(**kwargs)
        tmp = self.claim.with_suffix(".tmp")
        tmp.write_text(str(os.getpid()))
        os.replace(tmp, self.claim.with_suffix(".pid"))
        time.sleep(60)  # killed long before
        raise AssertionError("the victim was not killed")


def test_a_worker_killed_with_sigkill_costs_only_the_run_it_was_doing(tmp_path):
    claim = tmp_path / "victim.claim"
    pid_file = claim.with_suffix(".pid")
    killed = []

    def kill_the_victim():
        deadline = time.monotonic() + 60
        while not pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        pid = int(pid_file.read_text())
        os.kill(pid, signal.SIGKILL)
        killed.append(pid)

    killer = threading.Thread(target=kill_the_victim, daemon=True)
    killer.start()
    factory = functools.partial(KilledOnFirstReset, str(claim))
    out = tmp_path / "runs.jsonl"
    res = pgfast.sweep(factory, {}, seeds=[0, 1, 2, 3], total_timesteps=STEPS, executor="local",
                       n_workers=2, results_file=out)
    killer.join(timeout=5)
    assert killed and killed[0] != os.getpid()
    (victim,) = res.errors
    assert victim["error"].startswith("WorkerDied: the process running this run died")
    assert victim["error"].endswith("exit code {SIGKILL(-9)}")
    assert np.isnan(victim["eval_mean"]) and victim["params"] == [] and victim["num_timesteps"] == 0
    assert len(lines(out)) == 4  # the victim too is recorded
    # the three other runs finished, exactly as they do without any kill
    serial = pgfast.sweep(factory, {}, seeds=[0, 1, 2, 3], total_timesteps=STEPS, executor="serial")
    assert not serial.errors  # the claim is taken: nobody waits
    for a, b in zip(res, serial):
        if a is not victim:
            same_runs(a, b)


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize(("stream", "shown"), [(FakeTerminal, True), (io.StringIO, False)])
def test_progress_bar_is_shown_by_default_only_on_a_terminal(monkeypatch, stream, shown):
    err = stream()
    monkeypatch.setattr(sys, "stderr", err)
    pgfast.sweep(ENV, {}, seeds=[0, 1], total_timesteps=200, executor="serial")
    assert ("2/2" in err.getvalue() and "run" in err.getvalue()) is shown


def test_progress_bar_false_hides_it_and_true_forces_it(monkeypatch):
    err = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", err)
    pgfast.sweep(ENV, {}, seeds=[0], total_timesteps=200, executor="serial", progress_bar=False)
    assert err.getvalue() == ""
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    pgfast.sweep(ENV, {}, seeds=[0], total_timesteps=200, executor="serial", progress_bar=True)
    assert "1/1" in err.getvalue()


# ---------------------------------------------------------------------------------
# Command line and example
# ---------------------------------------------------------------------------------
def cli(args, cwd):
    env = dict(os.environ, MPLBACKEND="Agg")
    return subprocess.run([sys.executable, "-m", "pgfast", "sweep", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120, env=env)


def test_cli_sweep_writes_results_and_plot_and_resumes(tmp_path):
    args = [ENV, "--grid", "lr=0.05,0.2", "--grid", "baseline=none,linear", "--seeds", "0-1",
            "--timesteps", str(STEPS), "--threshold", "30", "--no-progress", "--out", "r.jsonl"]
    out = cli(args, tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    assert "8 runs (2 seeds x 4 configurations) in r.jsonl" in out.stdout
    assert "lr=0.2, baseline=linear" in out.stdout and "median steps to 30" in out.stdout
    recs = lines(tmp_path / "r.jsonl")
    assert len(recs) == 8 and {r["baseline"] for r in recs} == {None, "linear"}
    assert (tmp_path / "r.png").read_bytes()[:4] == b"\x89PNG"
    again = cli(args, tmp_path)
    assert again.returncode == 0 and "resumed: 8 of 8 runs were already in r.jsonl" in again.stdout
    assert len(lines(tmp_path / "r.jsonl")) == 8


def test_cli_failed_runs_exit_1_with_one_line(tmp_path):
    # lr = 1e300 with plain SGD and a baseline diverges while learning: every run of that
    # configuration fails part-way, the others finish
    out = cli([ENV, "--grid", "lr=0.05,1e300", "--grid", "optimizer=sgd", "--grid", "baseline=linear",
               "--grid", "normalize_returns=false", "--seeds", "2", "--timesteps", "500",
               "--no-progress", "--no-plot"], tmp_path)
    assert out.returncode == 1
    (line,) = out.stderr.strip().splitlines()
    assert line.startswith("pgfast: 2 of 4 runs failed, e.g. lr=1e+300, seed 0: ValueError: ")
    assert line.endswith("(see the error column of sweep.jsonl)")
    assert len(lines(tmp_path / "sweep.jsonl")) == 4


def test_cli_a_grid_value_every_run_would_fail_with_is_an_error_before_any_run(tmp_path):
    out = cli([ENV, "--grid", "lr=abc", "--seeds", "2", "--timesteps", "500"], tmp_path)
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [
        "pgfast: error: grid: every run of configuration lr='abc' would fail: lr must be a number, "
        "got 'abc' (str)"]
    assert not any(tmp_path.iterdir())  # no results file, no empty PNG


def test_cli_sweep_grids_feature_maps_written_as_train_writes_them(tmp_path):
    bounds = "-2.4:2.4,-3:3,-0.21:0.21,-3.5:3.5"
    out = cli([ENV, "--grid", "features=fourier:2,none", "--grid", "algo=actor-critic", "--bounds=" + bounds,
               "--seeds", "1", "--timesteps", str(STEPS), "--no-progress", "--no-plot"], tmp_path)
    assert out.returncode == 0, out.stderr
    assert "2 runs (1 seed x 2 configurations)" in out.stdout
    raw, fourier = sorted(lines(tmp_path / "sweep.jsonl"), key=lambda r: r["features"] is not None)
    spec = pgfast.features.Fourier(2, bounds=((-2.4, -3, -0.21, -3.5), (2.4, 3, 0.21, 3.5)))
    by_hand = pgfast.ActorCritic(ENV, features=spec, seed=0).learn(STEPS)
    np.testing.assert_array_equal(fourier["params"], by_hand.policy.params)
    assert raw["features"] is None and len(raw["params"]) == 2 * 4 + 2
    out = cli([ENV, "--bounds=0:1", "--no-progress"], tmp_path)
    assert out.returncode == 2 and "--bounds needs a features grid" in out.stderr


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["Nope-v0"], "cannot make environment 'Nope-v0'"),
        ([ENV, "--grid", "lr"], "expected NAME=V1,V2"),
        ([ENV, "--grid", "lrr=1"], "unknown agent argument 'lrr'"),
        ([ENV, "--seeds", "x"], "--seeds 'x'"),
        ([ENV, "--timesteps", "0"], "total_timesteps must be >= 1"),
    ],
)
def test_cli_mistakes_are_one_line_and_exit_2(tmp_path, args, match):
    out = cli([*args, "--no-progress"], tmp_path)
    assert out.returncode == 2
    assert len(out.stderr.strip().splitlines()) == 1 and match in out.stderr
    assert "Traceback" not in out.stderr


def test_fig13_2_example_smoke_runs(tmp_path):
    out = subprocess.run([sys.executable, str(EXAMPLE), "--tiny", "--out", "fig.png"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, MPLBACKEND="Agg"))
    assert out.returncode == 0, out.stderr
    assert "baseline=linear" in out.stdout and "over 2 seeds" in out.stdout
    assert (tmp_path / "fig.png").read_bytes()[:4] == b"\x89PNG"


def test_a_sweep_compares_reinforce_and_actor_critic():
    res = pgfast.sweep(
        "CartPole-v1", {"algo": ["reinforce", "actor-critic"], "lr": 0.01},
        seeds=2, total_timesteps=2000, executor="serial", eval_episodes=2,
    )
    rows = res.summary()
    assert [r["label"] for r in rows] == ["algo=reinforce", "algo=actor-critic"]
    assert all(r["n_failed"] == 0 for r in rows)
    ac = pgfast.ActorCritic("CartPole-v1", lr=0.01, seed=1).learn(2000)
    rec = next(r for r in res if r["algo"] == "actor-critic" and r["seed"] == 1)
    np.testing.assert_array_equal(rec["params"], ac.policy.params)


def test_an_argument_of_the_other_algorithm_is_an_error_before_any_run():
    with pytest.raises(TypeError, match=r"every run of configuration algo='reinforce', critic_lr=0\.1"):
        pgfast.sweep("CartPole-v1", {"algo": ["reinforce"], "critic_lr": 0.1}, seeds=1,
                     total_timesteps=100, executor="serial")
