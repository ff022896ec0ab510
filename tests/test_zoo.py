"""pgfast.zoo: the tuned configurations shipped with the package, and `pgfast train`'s use of them."""

import json
import os
import subprocess
import sys
from importlib import resources

import pgfast
import pgfast.zoo as zoo
import pytest
from pgfast import ActorCritic, Reinforce

# The entries cheap enough to train end to end here (seconds each); each reaches its
# target on every seed of its recorded result, and must reach it here on seed 0.
CHEAP = ["CartPole-v1", "InvertedPendulum-v5", "CliffWalking-v1", "FrozenLake-v1", "Blackjack-v1"]


def run(args, cwd, timeout=120):
    env = dict(os.environ, MPLBACKEND="Agg")
    return subprocess.run([sys.executable, "-m", "pgfast", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, env=env)


def test_the_data_file_is_shipped_in_the_installed_package():
    path = resources.files("pgfast").joinpath("zoo.json")
    assert path.is_file()
    assert "site-packages" in str(path) or "dist-packages" in str(path)


def test_entries_are_the_data_files_ids_sorted():
    data = json.loads(resources.files("pgfast").joinpath("zoo.json").read_text(encoding="utf-8"))
    assert zoo.entries() == sorted(data)
    assert "CartPole-v1" in zoo.entries()


@pytest.mark.parametrize("module", ["zoo", "reference", "envs", "features", "optim"])
def test_public_submodules_are_reachable_after_import_pgfast(module):
    # a fresh interpreter: `import pgfast; pgfast.zoo.make(...)` as the docs write it
    code = f"import pgfast; print(pgfast.{module}.__name__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"pgfast.{module}"


@pytest.mark.parametrize("env_id", zoo.entries())
def test_every_entry_follows_the_schema(env_id):
    zoo._check_entry(env_id, zoo.config(env_id))


@pytest.mark.parametrize("env_id", zoo.entries())
def test_every_entry_records_seeds_0_to_4_with_finite_results(env_id):
    result = zoo.config(env_id)["result"]
    assert result["seeds"] == [0, 1, 2, 3, 4]
    assert all(isinstance(m, (int, float)) and m == m for m in result["greedy_mean"])
    assert all(s > 0 for s in result["train_seconds"])
    assert result["eval_episodes"] >= 20


@pytest.mark.parametrize("env_id", zoo.entries())
def test_every_entry_builds_its_agent(env_id):
    entry = zoo.config(env_id)
    agent = zoo.make(env_id, seed=0)
    assert isinstance(agent, ActorCritic if entry["algo"] == "actor-critic" else Reinforce)
    for name, value in entry["hyperparameters"].items():
        assert agent.hyperparameters[name] == value, name


def test_the_schema_check_names_the_env_and_the_missing_key():
    entry = zoo.config("CartPole-v1")
    del entry["target"]
    with pytest.raises(ValueError, match=r"'CartPole-v1' lacks 'target'"):
        zoo._check_entry("CartPole-v1", entry)


def test_the_schema_check_refuses_an_unknown_algorithm():
    entry = zoo.config("CartPole-v1")
    entry["algo"] = "ppo"
    with pytest.raises(ValueError, match=r"'CartPole-v1': algo must be one of"):
        zoo._check_entry("CartPole-v1", entry)


def test_config_returns_a_copy():
    zoo.config("CartPole-v1")["hyperparameters"]["lr"] = 123.0
    assert zoo.config("CartPole-v1")["hyperparameters"]["lr"] != 123.0


def test_config_of_an_env_without_entry_raises_keyerror_naming_it():
    with pytest.raises(KeyError, match=r"no entry for 'NoSuchEnv-v0'.*CartPole-v1"):
        zoo.config("NoSuchEnv-v0")


def test_make_of_an_env_without_entry_raises_keyerror_naming_it():
    with pytest.raises(KeyError, match="NoSuchEnv-v0"):
        zoo.make("NoSuchEnv-v0", seed=0)


def test_config_of_a_non_string_raises_typeerror():
    with pytest.raises(TypeError, match="env_id must be a str"):
        zoo.config(3)


def test_make_uses_the_entrys_feature_map_and_environment():
    agent = zoo.make("CartPole-v1", seed=1)
    assert type(agent.features).__name__ == "Fourier"
    assert type(agent.env).__module__.startswith("pgfast")  # the native env (env_backend "native")
    assert agent.hyperparameters["seed"] == 1


def test_make_passes_the_entrys_gymnasium_make_arguments():
    env_id = next(e for e in zoo.entries() if zoo.config(e)["env_kwargs"].get("max_episode_steps"))
    agent = zoo.make(env_id, seed=0)
    assert agent.env.spec.max_episode_steps == zoo.config(env_id)["env_kwargs"]["max_episode_steps"]


def test_a_native_pgfast_id_has_the_entry_of_its_gymnasium_id():
    assert zoo.config("pgfast/CartPole-v1") == zoo.config("CartPole-v1")
    env = zoo.make_env("pgfast/Pendulum-v1")
    assert pgfast.envs.is_native(env) and env.spec.id == "pgfast/Pendulum-v1"
    agent = zoo.make("pgfast/Acrobot-v1", seed=0)
    assert pgfast.envs.is_native(agent.env)
    with pytest.raises(KeyError, match="no entry for 'pgfast/LunarLander-v3'"):  # not a native env
        zoo.config("pgfast/LunarLander-v3")


def test_train_on_a_native_pgfast_id_uses_the_native_env_and_the_entry(tmp_path):
    out = run(["train", "pgfast/CartPole-v1", "--timesteps", "600", "--no-progress", "--eval-episodes", "1"],
              tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stderr.startswith("using the zoo entry for CartPole-v1: algo=actor-critic")
    assert "environment: CartPole-v1 (pgfast native, bit-identical to gymnasium)" in out.stdout
    assert (tmp_path / "CartPole-v1.pgfast").is_file()  # not a pgfast/ folder
    out = run(["eval", "pgfast/CartPole-v1", "--episodes", "1"], tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("CartPole-v1.pgfast: mean return")


def test_make_overrides_replace_the_entrys_arguments():
    agent = zoo.make("CartPole-v1", seed=0, lr=0.5, features=None)
    assert agent.hyperparameters["lr"] == 0.5
    assert agent.features is None


def test_make_takes_a_feature_map_and_bounds_written_as_the_entry_writes_them():
    # "tiles:16:8" is how zoo.config() shows the entry's map: make() takes it back
    F = pgfast.features
    order = int(zoo.config("CartPole-v1")["features"].split(":")[1])  # the entry's "fourier:N"
    for kwargs, spec in [
        (dict(features="tiles:4:4"), F.TileCoding(4, 4)),
        (dict(features="fourier:1", bounds="-1:1"), F.Fourier(1, bounds=(-1.0, 1.0))),
        (dict(bounds="-1:1"), F.Fourier(order, (-1.0, 1.0))),
    ]:
        env_id = "MountainCar-v0" if kwargs.get("features") == "tiles:4:4" else "CartPole-v1"
        assert zoo.make(env_id, seed=0, **kwargs).features == zoo.make(env_id, seed=0, features=spec).features
    assert zoo.make("CartPole-v1", seed=0, bounds="-1:1").features != zoo.make("CartPole-v1", seed=0).features
    with pytest.raises(ValueError, match="--features must be identity"):
        zoo.make("CartPole-v1", seed=0, features="fourier")


def test_make_returns_an_untrained_agent():
    assert zoo.make("CartPole-v1", seed=0).num_timesteps == 0


@pytest.mark.parametrize("env_id", CHEAP)
def test_cheap_entry_reaches_its_target_on_seed_0(env_id):
    entry = zoo.config(env_id)
    agent = zoo.make(env_id, seed=0).learn(entry["total_timesteps"])
    mean, _ = agent.evaluate(entry["result"]["eval_episodes"], seed=0)
    assert mean >= entry["target"]


def test_train_uses_the_zoo_entry_and_says_so(tmp_path):
    out = run(["train", "CartPole-v1", "--timesteps", "1000", "--save", "m.pgfast", "--no-progress",
               "--eval-episodes", "1"], tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stderr.startswith("using the zoo entry for CartPole-v1: algo=actor-critic, features=fourier:3")
    agent = ActorCritic.load(tmp_path / "m.pgfast")
    assert agent.hyperparameters["lr"] == zoo.config("CartPole-v1")["hyperparameters"]["lr"]
    assert type(agent.features).__name__ == "Fourier" and agent.num_timesteps == 1000


def test_train_takes_the_zoo_entrys_timesteps_when_none_are_given(tmp_path):
    out = run(["train", "CartPole-v1", "--save", "m.pgfast", "--no-progress", "--eval-episodes", "1"],
              tmp_path)
    assert out.returncode == 0, out.stderr
    steps = zoo.config("CartPole-v1")["total_timesteps"]
    assert f"{steps} timesteps" in out.stderr
    assert ActorCritic.load(tmp_path / "m.pgfast").num_timesteps == steps


def test_train_with_no_zoo_uses_the_plain_defaults(tmp_path):
    out = run(["train", "CartPole-v1", "--no-zoo", "--timesteps", "1000", "--save", "m.pgfast",
               "--no-progress", "--eval-episodes", "1"], tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    agent = Reinforce.load(tmp_path / "m.pgfast")
    default_lr = Reinforce("CartPole-v1").hyperparameters["lr"]
    assert agent.features is None and agent.hyperparameters["lr"] == default_lr


def test_train_with_a_hyperparameter_ignores_the_zoo(tmp_path):
    out = run(["train", "CartPole-v1", "--lr", "0.05", "--timesteps", "1000", "--save", "m.pgfast",
               "--no-progress", "--eval-episodes", "1"], tmp_path)
    assert out.returncode == 0, out.stderr
    assert "zoo" not in out.stderr
    agent = Reinforce.load(tmp_path / "m.pgfast")
    assert agent.hyperparameters["lr"] == 0.05 and agent.features is None


def test_train_with_a_feature_map_ignores_the_zoo(tmp_path):
    out = run(["train", "CartPole-v1", "--features", "fourier:1",
               "--bounds=-2.4:2.4,-3:3,-0.21:0.21,-3.5:3.5", "--timesteps", "500", "--save", "m.pgfast",
               "--no-progress", "--eval-episodes", "1"], tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    assert isinstance(Reinforce.load(tmp_path / "m.pgfast"), Reinforce)
