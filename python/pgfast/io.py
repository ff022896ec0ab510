"""Saved models: a versioned, checksummed, pickle-free file.

A model is a NumPy ``.npz`` archive read with ``allow_pickle=False``. It holds plain
float64 arrays (parameters, optimiser moments, history) and ``__meta__``, a UTF-8 JSON
document: format name and version, pgfast version, environment id, spaces,
hyper-parameters, feature configuration, optimiser step counts and the random
generators' states. ``__checksum__`` is the SHA-256 of the metadata and of every
array (name, dtype, shape, bytes). Loading a corrupt, truncated, foreign or
newer-format file raises ``ValueError``; nothing in the file is ever executed.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from typing import Any

import numpy as np

FORMAT = "pgfast-model"
FORMAT_VERSION = 2  # 2: finished episodes waiting for a batch update ("pending_*")
_PENDING_KEYS = ("X", "I", "A", "R", "boot", "tin", "term", "trunc")

_HISTORY_KEYS = (
    "episode_return", "episode_length", "episode_end_step", "update_grad_norm",
    "update_entropy", "update_baseline_loss", "update_step",
)


def _checksum(meta: bytes, arrays: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256()
    h.update(meta)
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def _optimizer_state(opt: Any) -> tuple[int, np.ndarray, np.ndarray]:
    if opt is None or not hasattr(opt, "state"):
        return 0, np.zeros(0), np.zeros(0)
    t, m, v = opt.state()
    return int(t), np.asarray(m, dtype=np.float64), np.asarray(v, dtype=np.float64)


def _features_meta(agent: Any) -> dict[str, Any]:
    fmap = agent.spaces.feature_map
    if fmap is not None:
        return {"kind": "map", "config": fmap.config()}
    return {"kind": "identity"} if agent.features is None else {"kind": "callable"}


def save_agent(agent: Any, path: str | os.PathLike[str]) -> None:
    """Write ``agent`` to ``path`` (see the module docstring for the format)."""
    from . import __version__

    sp = agent.spaces
    t, m, v = _optimizer_state(agent.optimizer)
    bt, bm, bv = _optimizer_state(agent.baseline_optimizer)
    history = agent._learner.history()
    arrays: dict[str, np.ndarray] = {
        "params": np.array(agent.policy.params, dtype=np.float64),
        "baseline_params": np.array(agent.baseline_params, dtype=np.float64),
        "optimizer_m": m, "optimizer_v": v, "baseline_optimizer_m": bm, "baseline_optimizer_v": bv,
    }
    for k in _HISTORY_KEYS:
        arrays["history_" + k] = np.asarray(history[k], dtype=np.float64)
    pending = agent._learner.pending()
    for k in _PENDING_KEYS:
        if k in pending:
            arrays["pending_" + k] = np.asarray(pending[k])
    meta = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "pgfast_version": __version__,
        "env_id": sp.env_id,
        "spaces": {
            "observation": str(sp.observation_space), "action": str(sp.action_space),
            "n_features": sp.n_features, "n_actions": sp.n_actions, "action_dim": sp.action_dim,
            "discrete_actions": sp.discrete_actions,
        },
        "features": _features_meta(agent),
        "policy": repr(agent.policy),
        "hyperparameters": agent.hyperparameters,
        "optimizer_t": t,
        "baseline_optimizer_t": bt,
        "num_timesteps": int(agent.num_timesteps),
        "total_steps": int(agent._learner.total_steps),
        "pending_episodes": int(pending["n_episodes"]),
        "rng_state": agent.rng.bit_generator.state,
        "eval_rng_state": agent._eval_rng.bit_generator.state,
    }
    meta_bytes = json.dumps(meta, sort_keys=True).encode("utf-8")
    arrays["__meta__"] = np.frombuffer(meta_bytes, dtype=np.uint8)
    digest = _checksum(meta_bytes, {k: a for k, a in arrays.items() if k != "__meta__"})
    arrays["__checksum__"] = np.frombuffer(digest.encode("ascii"), dtype=np.uint8)
    buf = io.BytesIO()
    np.savez(buf, **arrays)  # type: ignore[arg-type]
    tmp = f"{os.fspath(path)}.tmp"
    with open(tmp, "wb") as f:  # write then rename: a crash never leaves half a model
        f.write(buf.getvalue())
    os.replace(tmp, path)


def read_model(path: str | os.PathLike[str]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read and verify a model file; returns (metadata, arrays). Raises ValueError."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"model file not found: {path}")
    try:
        # Open the file here: np.load leaks its own handle when the zip is unreadable.
        with open(path, "rb") as f:
            z = np.load(f, allow_pickle=False)
            if not isinstance(z, np.lib.npyio.NpzFile):  # a bare .npy array
                raise ValueError("not an .npz archive")
            with z:
                arrays = {k: z[k] for k in z.files}
    # zipfile raises RuntimeError for a flag bit saying "encrypted", NotImplementedError for
    # an unknown compression method: a flipped bit must still be a clear ValueError.
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError, RuntimeError,
            NotImplementedError) as e:
        raise ValueError(f"{path} is corrupt or not a pgfast model file (unreadable: {e})") from e
    if "__meta__" not in arrays or "__checksum__" not in arrays:
        raise ValueError(f"{path} is not a pgfast model file (no pgfast metadata)")
    meta_bytes = arrays.pop("__meta__").tobytes()
    stored = arrays.pop("__checksum__").tobytes().decode("ascii", "replace")
    try:
        meta = json.loads(meta_bytes.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"{path} is not a pgfast model file (bad metadata)") from e
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError(f"{path} is not a pgfast model file (format {meta.get('format')!r})"
                         if isinstance(meta, dict) else f"{path} is not a pgfast model file")
    version = meta.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ValueError(
            f"{path} has model format version {version!r}; this pgfast reads versions "
            f"<= {FORMAT_VERSION}: upgrade pgfast"
        )
    if _checksum(meta_bytes, arrays) != stored:
        raise ValueError(f"{path} is corrupt: checksum mismatch")
    return meta, arrays


def load_agent(cls: Any, path: str | os.PathLike[str], env: Any, backend: str, features: Any = None) -> Any:
    """Rebuild a :class:`pgfast.Reinforce` from a file written by :func:`save_agent`."""
    from .features import from_config

    meta, arrays = read_model(path)
    if env is None:
        env = meta.get("env_id")
        if env is None:
            raise ValueError(f"{path} does not name its environment: pass env=")
    kind = meta["features"].get("kind")
    if kind == "map":
        if features is not None:
            raise ValueError(f"{path} stores its feature map; do not pass features=")
        features = from_config(meta["features"]["config"])
    elif kind == "callable":
        if features is None:
            raise ValueError(
                f"{path} was trained with a custom features callable, which is not stored in the "
                "file: pass the same callable as features="
            )
    elif kind == "identity":
        if features is not None:
            raise ValueError(f"{path} was trained without features; do not pass features=")
    else:
        raise ValueError(f"{path} has an unknown feature kind {kind!r}")
    hp = dict(meta["hyperparameters"])
    agent = cls(env, backend=backend, features=features, **hp)
    saved = meta["spaces"]
    sp = agent.spaces
    if (sp.n_features, sp.n_actions, sp.action_dim) != (
        saved["n_features"], saved["n_actions"], saved["action_dim"]
    ):
        raise ValueError(
            f"env: its spaces ({sp.observation_space}, {sp.action_space}) do not match the "
            f"saved model's ({saved['observation']}, {saved['action']})"
        )
    agent.policy.params = arrays["params"]
    if len(arrays["baseline_params"]):
        agent.baseline_params[:] = arrays["baseline_params"]
    if meta["optimizer_t"] > 0 and hasattr(agent.optimizer, "set_state"):
        agent.optimizer.set_state(meta["optimizer_t"], arrays["optimizer_m"], arrays["optimizer_v"])
    if meta["baseline_optimizer_t"] > 0 and hasattr(agent.baseline_optimizer, "set_state"):
        agent.baseline_optimizer.set_state(
            meta["baseline_optimizer_t"], arrays["baseline_optimizer_m"],
            arrays["baseline_optimizer_v"],
        )
    agent._learner.restore({k: arrays["history_" + k] for k in _HISTORY_KEYS}, meta["total_steps"])
    if meta.get("pending_episodes", 0):
        pending: dict[str, Any] = {
            k: arrays["pending_" + k] for k in _PENDING_KEYS if "pending_" + k in arrays
        }
        pending["n_episodes"] = int(meta["pending_episodes"])
        try:
            agent._learner.restore_pending(pending)
        except (ValueError, TypeError, IndexError) as e:
            raise ValueError(f"{path} is corrupt: {e}") from e
    agent.rng.bit_generator.state = meta["rng_state"]
    agent._eval_rng.bit_generator.state = meta["eval_rng_state"]
    return agent
