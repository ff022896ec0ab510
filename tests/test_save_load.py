"""Saving and loading agents: a versioned, checksummed, pickle-free file.

A loaded agent acts exactly like the saved one and, trained further, follows the same
trajectory bit for bit (parameters, optimiser moments, history, random streams).
Corrupt, truncated, foreign and newer-format files are rejected with a ValueError that
says so; nothing in a file is ever unpickled.
"""

import json
import os
import pickle
import zipfile

import gymnasium as gym
import numpy as np
import pytest
from numpy.testing import assert_array_equal

import pgfast
from pgfast import Reinforce

CONFIGS = {
    "default": ("CartPole-v1", {}),
    "book": ("CartPole-v1", dict(update="per_step", discount_gradient=True, optimizer="sgd",
                                 baseline="linear", normalize_returns=False, lr=1e-3,
                                 baseline_lr=1e-2)),
    "adam_baseline_entropy": ("CartPole-v1", dict(update="per_episode", baseline="linear",
                                                  entropy_coef=0.01, max_grad_norm=1.0,
                                                  truncation="terminal", gamma=0.95)),
    "gaussian": ("Pendulum-v1", dict(baseline="linear", log_std_init=-0.5, lr=0.05)),
    "discrete_obs": ("FrozenLake-v1", dict(update="per_episode")),
}


def assert_same_agent(a, b):
    assert_array_equal(a.policy.params, b.policy.params)
    assert_array_equal(a.baseline_params, b.baseline_params)
    ha, hb = a.history, b.history
    assert ha.keys() == hb.keys()
    for key in ha:
        assert_array_equal(ha[key], hb[key], err_msg=key)
        assert ha[key].dtype == hb[key].dtype, key
    assert a.num_timesteps == b.num_timesteps
    assert a.hyperparameters == b.hyperparameters


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A trained CartPole agent and the path of its saved model."""
    path = tmp_path_factory.mktemp("model") / "cartpole.pgfast"
    agent = Reinforce("CartPole-v1", seed=0, baseline="linear").learn(3000)
    agent.save(str(path))
    return agent, path


@pytest.fixture
def model_bytes(saved):
    with open(saved[1], "rb") as f:
        return f.read()


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)
    return path


# ---------------------------------------------------------------------------------
# Round trip
# ---------------------------------------------------------------------------------
@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_round_trip_then_identical_continued_training(config, tmp_path):
    env_id, kwargs = CONFIGS[config]
    a = Reinforce(env_id, seed=7, **kwargs).learn(2500)
    # see test_round_trip_with_episodes_waiting_for_a_batch_update for the other case
    assert a._learner.pending_episodes == 0
    path = tmp_path / "m.pgfast"
    a.save(path)  # a pathlib.Path works too
    b = Reinforce.load(path)
    assert b.spaces.env_id == env_id and b.backend == "cpp"
    assert_same_agent(a, b)
    # identical greedy (and sampled: the evaluation stream is restored) actions
    space = a.spaces.observation_space
    space.seed(0)
    obs = np.array([space.sample() for _ in range(32)])
    assert_array_equal(a.predict(obs, deterministic=True)[0], b.predict(obs, deterministic=True)[0])
    assert_array_equal(a.predict(obs)[0], b.predict(obs)[0])
    # identical continued training: same actions, updates, optimiser moments, history
    a.learn(2000)
    b.learn(2000)
    assert_same_agent(a, b)
    if a.hyperparameters["optimizer"] == "adam":
        ta, ma, va = a.optimizer.state()
        tb, mb, vb = b.optimizer.state()
        assert ta == tb > 0
        assert_array_equal(ma, mb)
        assert_array_equal(va, vb)
    assert a.evaluate(2, seed=3) == b.evaluate(2, seed=3)


@pytest.mark.xfail(
    strict=True,
    reason="C++ bug: the learner's pool of finished episodes waiting for a batch update "
    "(pending_episodes) is neither exposed nor restorable (register_learner.cpp: history()/"
    "restore()), so a model saved with pending_episodes > 0 loses them",
)
def test_round_trip_with_episodes_waiting_for_a_batch_update(tmp_path):
    """Default settings (update="batch", 2 episodes per update): after 2500 steps one
    finished episode waits for its partner; the loaded agent must use it too."""
    a = Reinforce("CartPole-v1", seed=0).learn(2500)
    assert a._learner.pending_episodes == 1
    a.save(tmp_path / "m.pgfast")
    b = Reinforce.load(tmp_path / "m.pgfast")
    assert b._learner.pending_episodes == 1
    a.learn(1000)
    b.learn(1000)
    assert_same_agent(a, b)


def test_saving_twice_gives_the_same_file(saved, tmp_path):
    agent, path = saved
    agent.save(tmp_path / "again.pgfast")
    with open(path, "rb") as f1, open(tmp_path / "again.pgfast", "rb") as f2:
        assert f1.read() == f2.read()


def test_load_with_an_explicit_env_and_into_the_numpy_backend(saved):
    agent, path = saved
    b = Reinforce.load(path, env=gym.make("CartPole-v1"))
    assert_same_agent(agent, b)
    c = Reinforce.load(str(path), backend="numpy")
    assert c.backend == "numpy"
    assert_array_equal(c.policy.params, agent.policy.params)
    obs = np.random.default_rng(1).normal(0, 0.2, (20, 4))
    assert_array_equal(c.predict(obs, deterministic=True)[0],
                       agent.predict(obs, deterministic=True)[0])


def test_load_onto_an_env_with_other_spaces(saved):
    with pytest.raises(ValueError, match="do not match the saved model"):
        Reinforce.load(saved[1], env="Acrobot-v1")


def test_file_holds_no_pickle(saved):
    _, path = saved
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
    assert all(n.endswith(".npy") for n in names)
    assert {"__meta__.npy", "__checksum__.npy", "params.npy"} <= set(names)
    with np.load(path, allow_pickle=False) as z:  # would raise on any object array
        for key in z.files:
            assert z[key].dtype != object, key
        meta = json.loads(z["__meta__"].tobytes().decode("utf-8"))
    assert meta["format"] == "pgfast-model" and meta["format_version"] == 1
    assert meta["env_id"] == "CartPole-v1" and meta["pgfast_version"] == pgfast.__version__


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="model file not found"):
        Reinforce.load(tmp_path / "nope.pgfast")


# ---------------------------------------------------------------------------------
# Bad files
# ---------------------------------------------------------------------------------
def member_offsets(path):
    """(name, offset of the first data byte, size) of every member of the archive."""
    out = []
    with zipfile.ZipFile(path) as z, open(path, "rb") as f:
        for info in z.infolist():
            f.seek(info.header_offset + 26)
            name_len, extra_len = np.frombuffer(f.read(4), "<u2")
            out.append((info.filename, info.header_offset + 30 + name_len + extra_len,
                        info.compress_size))
    return out


def test_corrupt_file(saved, model_bytes, tmp_path):
    """One flipped byte in the data of any array (parameters, history, metadata, ...)."""
    members = member_offsets(saved[1])
    assert len(members) >= 10
    for _name, offset, size in members:
        for where in (0, size // 2, size - 1):  # the .npy header, the data
            data = bytearray(model_bytes)
            data[offset + where] ^= 0xFF
            path = write(tmp_path / "corrupt.pgfast", bytes(data))
            with pytest.raises(ValueError, match=r"is corrupt"):
                Reinforce.load(path)


def test_corrupt_zip_structure(model_bytes, tmp_path):
    for i in (0, 1, 2, 3):  # the local header signature "PK\x03\x04"
        data = bytearray(model_bytes)
        data[i] ^= 0xFF
        path = write(tmp_path / "corrupt.pgfast", bytes(data))
        with pytest.raises(ValueError, match="is corrupt or not a pgfast model file"):
            Reinforce.load(path)


def test_every_byte_of_the_data_is_covered(saved, model_bytes, tmp_path):
    """Flip one byte every 97: every corrupted file is rejected (never a wrong model)."""
    agent = saved[0]
    for i in range(0, len(model_bytes), 97):
        data = bytearray(model_bytes)
        data[i] ^= 0x01
        path = write(tmp_path / "c.pgfast", bytes(data))
        try:
            Reinforce.load(path)
        except ValueError as e:
            assert "corrupt" in str(e) or "not a pgfast model file" in str(e), str(e)
        else:  # only bytes the zip format ignores (e.g. timestamps) may be flipped safely
            assert_same_agent(Reinforce.load(path), agent)


def test_tampered_content_fails_the_checksum(saved, tmp_path):
    """A well-formed archive whose parameters were edited: the SHA-256 catches it."""
    _, path = saved
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["params"] = arrays["params"] + 1e-12
    bad = tmp_path / "tampered.pgfast"
    with open(bad, "wb") as f:
        np.savez(f, **arrays)
    with pytest.raises(ValueError, match="is corrupt: checksum mismatch"):
        Reinforce.load(bad)


@pytest.mark.parametrize("keep", [0, 1, 30, 0.5, -22, -1])
def test_truncated_file(keep, model_bytes, tmp_path):
    n = int(keep * len(model_bytes)) if isinstance(keep, float) else keep
    path = write(tmp_path / "short.pgfast", model_bytes[:n] if n else b"")
    with pytest.raises(ValueError, match="is corrupt or not a pgfast model file"):
        Reinforce.load(path)


def test_foreign_npz(tmp_path):
    path = tmp_path / "foreign.npz"
    np.savez(path, weights=np.random.default_rng(0).normal(size=(4, 2)), bias=np.zeros(2))
    with pytest.raises(ValueError, match=r"not a pgfast model file \(no pgfast metadata\)"):
        Reinforce.load(path)


def test_foreign_npz_with_foreign_metadata(tmp_path):
    path = tmp_path / "foreign.npz"
    meta = json.dumps({"format": "something-else", "format_version": 1}).encode()
    np.savez(path, __meta__=np.frombuffer(meta, np.uint8), __checksum__=np.zeros(64, np.uint8))
    with pytest.raises(ValueError, match=r"not a pgfast model file \(format 'something-else'\)"):
        Reinforce.load(path)


def test_npy_file(tmp_path):
    path = tmp_path / "array.npy"
    np.save(path, np.arange(10.0))
    with pytest.raises(ValueError, match="is corrupt or not a pgfast model file"):
        Reinforce.load(path)


def test_text_file(tmp_path):
    path = tmp_path / "notes.txt"
    with open(path, "w") as f:
        f.write("this is not a model\n" * 20)
    with pytest.raises(ValueError, match="is corrupt or not a pgfast model file"):
        Reinforce.load(path)


class Exploit:
    """Unpickling this would create the file named by `marker`."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_pickled_content_is_never_unpickled(tmp_path):
    marker = tmp_path / "pwned"
    # a raw pickle
    raw = write(tmp_path / "raw.pgfast", pickle.dumps(Exploit(str(marker))))
    with pytest.raises(ValueError, match="is corrupt or not a pgfast model file"):
        Reinforce.load(raw)
    # an .npz holding an object array next to the expected names
    npz = tmp_path / "objects.pgfast"
    obj = np.empty(1, dtype=object)
    obj[0] = Exploit(str(marker))
    with open(npz, "wb") as f:
        np.savez(f, __meta__=np.zeros(3, np.uint8), __checksum__=np.zeros(3, np.uint8), params=obj)
    with pytest.raises(ValueError, match="is corrupt or not a pgfast model file"):
        Reinforce.load(npz)
    assert not os.path.exists(marker)


def rewrite(path, out, edit_meta):
    """Re-save a model after editing its metadata, with a valid checksum."""
    from pgfast.io import _checksum

    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    meta = json.loads(arrays.pop("__meta__").tobytes())
    arrays.pop("__checksum__")
    edit_meta(meta)
    meta_bytes = json.dumps(meta, sort_keys=True).encode()
    digest = _checksum(meta_bytes, arrays)
    arrays["__meta__"] = np.frombuffer(meta_bytes, np.uint8)
    arrays["__checksum__"] = np.frombuffer(digest.encode(), np.uint8)
    with open(out, "wb") as f:
        np.savez(f, **arrays)
    return out


def test_newer_format_version(saved, tmp_path):
    path = rewrite(saved[1], tmp_path / "future.pgfast",
                   lambda m: m.update(format_version=m["format_version"] + 1))
    with pytest.raises(ValueError, match=r"model format version 2; this pgfast reads versions "
                                         r"<= 1: upgrade pgfast"):
        Reinforce.load(path)


def test_rewritten_metadata_with_a_valid_checksum_loads(saved, tmp_path):
    """The control for the two tests above: the rewrite itself is sound."""
    agent, path = saved
    same = rewrite(path, tmp_path / "same.pgfast", lambda m: None)
    assert_same_agent(agent, Reinforce.load(same))


def test_model_without_an_env_id_needs_env(tmp_path):
    from gymnasium.envs.classic_control import CartPoleEnv

    env = gym.wrappers.TimeLimit(CartPoleEnv(), max_episode_steps=100)  # not registered: no id
    agent = Reinforce(env, seed=0).learn(500)
    assert agent.spaces.env_id is None
    agent.save(tmp_path / "m.pgfast")
    with pytest.raises(ValueError, match="does not name its environment: pass env="):
        Reinforce.load(tmp_path / "m.pgfast")
    b = Reinforce.load(tmp_path / "m.pgfast", env="CartPole-v1")
    assert_array_equal(b.policy.params, agent.policy.params)
