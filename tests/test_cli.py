"""The command line: ``pgfast train|eval`` and ``python -m pgfast``, in a subprocess.

Errors end the process with a non-zero status and exactly one line on stderr, never a
traceback.
"""

import csv
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
import pgfast
from pgfast import Reinforce

SCRIPT = shutil.which("pgfast", path=os.path.dirname(sys.executable)) or shutil.which("pgfast")


def run(args, cwd, console_script=False, timeout=120):
    cmd = [SCRIPT, *args] if console_script else [sys.executable, "-m", "pgfast", *args]
    env = dict(os.environ, MPLBACKEND="Agg")
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)


def test_console_script_is_installed():
    assert SCRIPT is not None and os.access(SCRIPT, os.X_OK)


@pytest.mark.parametrize("console_script", [True, False])
def test_train_then_eval(tmp_path, console_script):
    out = run(["train", "CartPole-v1", "--timesteps", "2000", "--save", "m.pgfast", "--no-zoo",
               "--log-dir", "logs", "--no-progress", "--seed", "3"], tmp_path, console_script)
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""  # no progress bar, no warning
    assert "trained 2000 steps" in out.stdout and "greedy evaluation, mean over 20 new episodes" in out.stdout
    model = tmp_path / "m.pgfast"
    assert model.exists()
    with open(tmp_path / "logs" / "progress.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows and int(rows[-1]["time/total_timesteps"]) == 2000
    for key in ("rollout/ep_rew_mean", "rollout/ep_len_mean", "train/grad_norm", "time/fps"):
        assert key in rows[-1]
    assert (tmp_path / "logs" / "learning_curve.png").stat().st_size > 0

    # the model is a normal pgfast model
    agent = Reinforce.load(model)
    assert agent.num_timesteps == 2000 and agent.hyperparameters["seed"] == 3

    out = run(["eval", "m.pgfast", "--episodes", "3", "--seed", "0"], tmp_path, console_script)
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    line = out.stdout.strip().splitlines()[-1]
    assert line.startswith("m.pgfast: mean return") and "over 3 episodes" in line
    mean = float(line.split("mean return")[1].split()[0])
    assert mean == pytest.approx(agent.evaluate(3, seed=0)[0], abs=0.01)


def test_train_with_options_and_a_vector_env(tmp_path):
    out = run(["train", "CartPole-v1", "--timesteps", "1500", "--save", "book.pgfast",
               "--log-dir", "logs", "--no-progress", "--update", "per_step", "--optimizer", "sgd",
               "--lr", "0.001", "--baseline", "linear", "--no-normalize", "--discount-gradient",
               "--num-envs", "2", "--eval-episodes", "2", "--lr-schedule", "linear"], tmp_path)
    assert out.returncode == 0, out.stderr
    assert "CartPole-v1 (pgfast native, bit-identical to gymnasium; 2 sub-environments" in out.stdout
    agent = Reinforce.load(tmp_path / "book.pgfast")
    hp = agent.hyperparameters
    assert hp["update"] == "per_step" and hp["optimizer"] == "sgd" and hp["baseline"] == "linear"
    assert hp["lr_schedule"] == "linear"
    assert hp["normalize_returns"] is False and hp["discount_gradient"] is True
    assert np.isfinite(agent.baseline_params).all()


def test_train_passes_env_kwargs_to_the_env_and_the_saved_model_keeps_them(tmp_path):
    # gymnasium's env (over the zoo entry's own max_episode_steps=200) and a native one
    out = run(["train", "CliffWalking-v1", "--env-kwargs", "is_slippery=true", "max_episode_steps=50",
               "--timesteps", "500", "--no-progress", "--eval-episodes", "1"], tmp_path)
    assert out.returncode == 0, out.stderr
    assert "environment: CliffWalking-v1 (gymnasium; max_episode_steps=50, is_slippery=True)" in out.stdout
    spec = pgfast.ActorCritic.load(tmp_path / "CliffWalking-v1.pgfast").env.spec
    assert spec.kwargs["is_slippery"] is True and spec.max_episode_steps == 50
    out = run(["train", "Pendulum-v1", "--no-zoo", "--env-kwargs", "g=9.0", "--num-envs", "2",
               "--timesteps", "400", "--no-progress", "--eval-episodes", "1"], tmp_path)
    assert out.returncode == 0, out.stderr
    assert "(pgfast native, bit-identical to gymnasium; g=9.0; 2 sub-environments, a native vector env)" in (
        out.stdout
    )
    assert Reinforce.load(tmp_path / "Pendulum-v1.pgfast").env.spec.kwargs == {"g": 9.0}
    assert_one_line_error(run(["train", "CartPole-v1", "--no-zoo", "--env-kwargs", "nope=1"], tmp_path),
                          "cannot make environment 'CartPole-v1' with nope=1:", "'nope'")
    assert_one_line_error(run(["train", "CartPole-v1", "--no-zoo", "--env-kwargs", "x"], tmp_path),
                          "--env-kwargs 'x': expected NAME=VALUE")


def assert_one_line_error(out, *fragments):
    assert out.returncode != 0
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("pgfast: error: ")
    assert "Traceback" not in out.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["train", "NoSuchEnv-v0", "--no-progress"], ["NoSuchEnv-v0", "doesn't exist"]),
        (["train", "CartPole-v1", "--timesteps", "-5", "--no-progress"],
         ["--timesteps must be >= 0"]),
        (["eval", "missing.pgfast"], ["model file not found", "missing.pgfast"]),
        (["train", "CartPole-v1", "--lr", "-1", "--no-progress"], ["lr must be finite and > 0"]),
        (["train", "CartPole-v1", "--gamma", "1.5", "--no-progress"], ["gamma must be in [0, 1]"]),
        (["train", "CartPole-v1", "--features", "wavelets:3", "--no-progress"], ["--features must be"]),
        (["train", "CartPole-v1", "--features", "fourier:x", "--no-progress"], ["whole numbers"]),
        (["train", "CartPole-v1", "--features", "fourier:3", "--no-progress"],
         ["observation dimension 1 must be finite", "pass --bounds LO:HI (every input) or LO:HI,LO:HI,..."]),
        (["train", "CartPole-v1", "--features", "rbf:3", "--no-progress"],
         ["rbf needs --bounds", "input 1 must be finite"]),
        (["train", "CartPole-v1", "--features", "tiles:8:4", "--bounds=-1:1,-1:1", "--no-progress"],
         ["TileCoding bounds are for 2 inputs but there are 4"]),
        (["train", "CartPole-v1", "--features", "fourier:3", "--bounds=-1:1,2:1", "--no-progress"],
         ["bounds of input 1 need low < high"]),
        (["train", "CartPole-v1", "--bounds=-1:1", "--no-progress"], ["--bounds needs --features"]),
        (["train", "CartPole-v1", "--features", "poly:2", "--bounds=a:b", "--no-progress"],
         ["--bounds must be"]),
    ],
)
def test_bad_arguments_give_one_clear_line(tmp_path, args, fragments):
    out = run(args, tmp_path)
    assert_one_line_error(out, *fragments)
    assert not any(tmp_path.iterdir())  # nothing written


def test_bad_arguments_through_the_console_script(tmp_path):
    assert_one_line_error(run(["train", "NoSuchEnv-v0"], tmp_path, console_script=True),
                          "NoSuchEnv-v0")
    assert_one_line_error(run(["eval", "nope.pgfast"], tmp_path, console_script=True),
                          "model file not found")


@pytest.mark.parametrize("console_script", [True, False])
def test_version_prints_the_installed_distribution_version(tmp_path, console_script):
    from importlib.metadata import version

    out = run(["--version"], tmp_path, console_script)
    assert out.returncode == 0 and out.stderr == ""
    assert out.stdout == f"pgfast {version('pgfast')}\n"


@pytest.mark.parametrize(("command", "steps"), [(["train", "CartPole-v1", "--no-zoo"], "1.5"),
                                              (["sweep", "CartPole-v1"], "2e3.5")])
def test_timesteps_must_be_a_whole_number(tmp_path, command, steps):
    out = run([*command, "--timesteps", steps, "--no-progress"], tmp_path)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.strip().splitlines()[-1].endswith(
        "argument --timesteps: the value must be a whole number of steps, got 1.5" if steps == "1.5"
        else "argument --timesteps: not a number of steps: '2e3.5'")
    assert not any(tmp_path.iterdir())


def test_train_with_no_finished_episode_says_so_instead_of_nan(tmp_path):
    out = run(["train", "CartPole-v1", "--timesteps", "0", "--no-progress", "--eval-episodes", "0",
               "--no-zoo"], tmp_path)
    assert out.returncode == 0, out.stderr
    assert "trained 0 steps, 0 episodes; no training episode ended" in out.stdout
    assert "nan" not in out.stdout


def test_eval_of_an_env_id_reads_the_model_that_train_wrote(tmp_path):
    # --timesteps takes 1e3 as SB3's learn(1e3) does
    out = run(["train", "CartPole-v1", "--timesteps", "1e3", "--no-progress", "--eval-episodes", "0",
               "--no-zoo"], tmp_path)
    assert out.returncode == 0, out.stderr
    assert "trained 1000 steps" in out.stdout
    assert (tmp_path / "CartPole-v1.pgfast").is_file()
    out = run(["eval", "CartPole-v1", "--episodes", "2", "--seed", "0"], tmp_path)
    assert out.returncode == 0, out.stderr
    line = out.stdout.strip().splitlines()[-1]
    assert line.startswith("CartPole-v1.pgfast: mean return") and "over 2 episodes" in line
    mean = float(line.split("mean return")[1].split()[0])
    agent = Reinforce.load(tmp_path / "CartPole-v1.pgfast")
    assert mean == pytest.approx(agent.evaluate(2, seed=0)[0], abs=0.01)


def test_eval_of_an_env_id_without_a_model_says_what_it_looked_for(tmp_path):
    out = run(["eval", "CartPole-v1"], tmp_path)
    assert_one_line_error(out, "model file not found", repr(str(tmp_path / "CartPole-v1")),
                          repr(str(tmp_path / "CartPole-v1.pgfast")),
                          "`pgfast train CartPole-v1` writes CartPole-v1.pgfast")


def test_eval_of_a_corrupt_or_foreign_file(tmp_path):
    with open(tmp_path / "bad.pgfast", "w") as f:
        f.write("not a model\n")
    assert_one_line_error(run(["eval", "bad.pgfast"], tmp_path),
                          "bad.pgfast is corrupt or not a pgfast model file")


@pytest.mark.parametrize("spec", ["fourier:2", "tiles:4:3", "rbf:2", "poly:1"])
def test_train_with_features_then_eval(tmp_path, spec):
    bounds = "--bounds=-2.4:2.4,-3:3,-0.21:0.21,-3.5:3.5"
    out = run(["train", "CartPole-v1", "--timesteps", "1000", "--features", spec, bounds,
               "--save", "m.pgfast", "--no-progress", "--eval-episodes", "2"], tmp_path)
    assert out.returncode == 0, out.stderr
    agent = Reinforce.load(tmp_path / "m.pgfast")
    assert type(agent.features).__name__.lower().startswith(spec.split(":")[0][:4])
    out = run(["eval", "m.pgfast", "--episodes", "2"], tmp_path)
    assert out.returncode == 0, out.stderr


def test_rbf_takes_a_bounded_space_bounds(tmp_path):
    out = run(["train", "Pendulum-v1", "--timesteps", "400", "--features", "rbf:3", "--save", "p.pgfast",
               "--no-progress", "--eval-episodes", "1", "--state-dependent-std"], tmp_path)
    assert out.returncode == 0, out.stderr
    agent = Reinforce.load(tmp_path / "p.pgfast")
    assert agent.spaces.feature_map.n_features == 27 and agent.policy.state_dependent_std
