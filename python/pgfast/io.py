"""Saved models: a versioned, checksummed, pickle-free file that is only ever read as data.

Format
------
A model is a ZIP archive of uncompressed ``.npy`` members — what :func:`numpy.savez`
writes, so ``numpy.load(path, allow_pickle=False)`` opens it too. It holds exactly
``agent.state_dict()`` (see :meth:`pgfast.Reinforce.state_dict`), which loading restores
through ``agent.load_state_dict``: plain arrays (parameters, optimiser moments, history
under the keys of ``agent.history``, episodes waiting for a batch update) and
``__meta__``, a UTF-8 JSON document: format name and version, pgfast version,
environment id (with its arguments and time limit, and the names of the wrappers a file
cannot hold), spaces, hyper-parameters, feature configuration, optimiser step
counts, counters and the random generators' states. ``__checksum__`` is the SHA-256
of the metadata and of every array (name, dtype, shape, bytes). Members carry a fixed
timestamp, so saving the same agent twice writes the same bytes.

What the checksum does and does not protect against
---------------------------------------------------
The SHA-256 (with the ZIP format's CRC-32 per member) detects *accidental* damage: a
truncated download, a flipped bit, a file edited by a tool that did not know the
format. It is **not a signature**: it has no key, so anyone who edits a file can
recompute it, and a valid checksum says nothing about who wrote the file. A model file
must therefore be safe to load *whatever it contains*, and is:

* nothing in it is executed, imported or unpickled: arrays are read with
  ``allow_pickle=False`` semantics (object dtypes are refused from the ``.npy``
  header), the metadata is JSON, and the environment id it names is used only if it is
  already registered with gymnasium (after ``import pgfast``) and has no ``module:``
  prefix — :func:`gymnasium.make` would import that module. For any other environment,
  create it yourself and pass ``env=`` to :meth:`pgfast.Reinforce.load`;
* nothing is read before it is checked: member names, the ``.npy`` headers' dtypes and
  shapes and the members' sizes are checked against the metadata (the shapes the saved
  policy, baseline, optimiser and feature map must have) before any array data is read;
  compressed members are refused (pgfast never writes them), so no member holds more
  bytes than the file; the metadata is limited to :data:`META_LIMIT` bytes and
  :data:`META_VALUES_LIMIT` JSON values; the checksum is computed while streaming the
  data. A file of n bytes is accepted or refused in memory of order n;
* anything inconsistent is refused with a :class:`ValueError` that says what is wrong:
  unknown or missing members, history arrays of unequal lengths, optimiser moments
  without a step count (or the reverse), a feature map whose size does not match the
  parameters, counters that disagree, an unknown random generator.

A valid file can still hold a policy that behaves badly: load models you trust, as you
would run code you trust.

Saving
------
:func:`save_agent` adds the suffix ``.pgfast`` when the path has none (as
Stable-Baselines3 adds ``.zip``), writes a uniquely named temporary file in the target
directory, flushes it to disk (``fsync``) and renames it over the target
(:func:`os.replace`): readers see the old file or the new one, never half of one, and
concurrent saves to one path each leave a complete model. The temporary file
(``.NAME.<random>.tmp``) is removed on any error; only a process killed during a save
(``kill -9``, power loss) can leave one behind, never a damaged model. An existing
pgfast model at the path is replaced (its permissions kept; a symbolic link is written
through); any other existing file is only replaced with ``overwrite=True``.
"""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import inspect
import json
import math
import os
import pathlib
import secrets
import struct
import warnings
import zipfile
from typing import IO, Any, Optional, Union

import numpy as np

from .agent import _LEARNER_HISTORY_KEYS, HISTORY_KEYS, NarrowActionsWarning, _make_env

FORMAT = "pgfast-model"
# 2: finished episodes waiting for a batch update ("pending_*");
# 3: the history members are named by the keys of ``agent.history`` ("history_episode_total_timesteps",
#    "history_update_total_timesteps"; 1-2 used the learner's "history_episode_end_step",
#    "history_update_step"), and the file is exactly ``agent.state_dict()`` and the metadata
#    that rebuilds the agent
FORMAT_VERSION = 3
SUFFIX = ".pgfast"

#: Largest ``__meta__`` document read, in bytes (an RBF map stores its centres there).
META_LIMIT = 4 * 1024 * 1024
#: Largest number of JSON values (commas, colons, brackets) in ``__meta__``: bounds the
#: memory ``json.loads`` may use (~60 bytes per value at worst) whatever the text holds.
META_VALUES_LIMIT = 500_000

_PENDING_KEYS = ("X", "I", "A", "R", "boot", "tin", "term", "trunc")


def _history_members(version: int) -> dict[str, str]:
    """Return the member of each ``agent.history`` key in a file of format ``version``."""
    if version >= 3:
        return {k: "history_" + k for k in HISTORY_KEYS}
    return {k: "history_" + learner_key for k, learner_key in _LEARNER_HISTORY_KEYS.items()}


_MAX_MEMBERS = 64  # a model has at most 24
_MAX_CENTRAL_DIRECTORY = 64 * 1024  # bytes; a model's is ~3 KB
_MAX_NPY_HEADER = 4096  # numpy writes headers of 128 bytes (more only for huge ndim)
_CHUNK = 1 << 20
_MAX_COUNT = 2**62  # counters and sizes in the metadata fit a C++ int64 with room
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed member timestamps: saving is reproducible
_F8, _I8, _B1, _U1 = np.dtype(np.float64), np.dtype(np.int64), np.dtype(np.bool_), np.dtype(np.uint8)

PathLike = Union[str, "os.PathLike[str]"]


# =====================================================================================
# Saving
# =====================================================================================
def _checksum_header(name: str, dtype: np.dtype[Any], shape: tuple[int, ...]) -> bytes:
    return f"{name}|{dtype.str}|{shape}|".encode()


def _checksum(meta: bytes, arrays: dict[str, np.ndarray]) -> str:
    """SHA-256 of the metadata and of every array (name, dtype, shape, C-order bytes)."""
    h = hashlib.sha256()
    h.update(meta)
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(_checksum_header(name, a.dtype, a.shape))
        h.update(a.tobytes())
    return h.hexdigest()


def _features_meta(agent: Any) -> dict[str, Any]:
    spec = agent.spaces.feature_spec
    if spec is not None:  # the spec's fields, and its input size for the size checks of a load
        return {"kind": "map", "config": {**spec.config(), "n_inputs": agent.spaces.feature_map.n_inputs}}
    return {"kind": "identity"} if agent.features is None else {"kind": "callable"}


def model_path(path: PathLike) -> pathlib.Path:
    """Return the file :func:`save_agent` writes for ``path`` (``.pgfast`` added when it has no suffix)."""
    p = pathlib.Path(os.fspath(path))
    return p.with_name(p.name + SUFFIX) if p.name and not p.suffix else p


def _meta_json_limits(meta_bytes: bytes) -> Optional[str]:
    """Why this metadata is beyond what :func:`read_model` reads, or None."""
    if len(meta_bytes) > META_LIMIT:
        return f"metadata of {len(meta_bytes)} bytes (at most {META_LIMIT})"
    n = sum(meta_bytes.count(c) for c in (b",", b":", b"[", b"{"))
    if n > META_VALUES_LIMIT:
        return f"metadata of {n} JSON values (at most {META_VALUES_LIMIT})"
    return None


def _write_npz(f: IO[bytes], arrays: dict[str, np.ndarray]) -> None:
    """Write what ``numpy.savez`` writes (uncompressed ``.npy`` members), with fixed timestamps."""
    with zipfile.ZipFile(f, mode="w", compression=zipfile.ZIP_STORED) as zf:
        for name, a in arrays.items():
            info = zipfile.ZipInfo(name + ".npy", date_time=_ZIP_TIME)
            info.external_attr = 0o644 << 16
            with zf.open(info, "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.ascontiguousarray(a), allow_pickle=False)


def _is_pgfast_model(path: pathlib.Path) -> bool:
    """Whether ``path`` is a file whose metadata names the pgfast model format (any version)."""
    try:
        with open(path, "rb") as f:
            _check_central_directory(f)
            with zipfile.ZipFile(f) as zf:
                members = _scan_members(zf, os.fstat(f.fileno()).st_size)
                meta = json.loads(_read_meta_bytes(zf, members))
        return isinstance(meta, dict) and meta.get("format") == FORMAT
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, RuntimeError, NotImplementedError,
            EOFError, RecursionError, struct.error):
        return False


def _fsync_directory(directory: pathlib.Path) -> None:
    if os.name != "posix":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot sync a directory; the rename itself is atomic
    finally:
        os.close(fd)


def _open_temporary(target: pathlib.Path) -> tuple[pathlib.Path, IO[bytes]]:
    """Create a new, uniquely named file next to ``target``.

    ``tempfile.mkstemp`` would create it with mode 0600 (a model only its owner can
    read); ``O_CREAT | O_EXCL`` with mode 0666 gets the same uniqueness with the
    permissions of an ordinary new file (the umask applies).
    """
    for _ in range(100):
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(8)}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        except FileExistsError:
            continue
        return tmp, os.fdopen(fd, "wb")
    raise FileExistsError(errno.EEXIST, "no unused temporary file name", str(target.parent))


def check_save_target(path: PathLike, overwrite: bool = False) -> pathlib.Path:
    """Return the file :func:`save_agent` would write for ``path``, if it may be written.

    Parameters
    ----------
    path : str or os.PathLike
        The file; ``.pgfast`` is added when it has no suffix.
    overwrite : bool
        Whether an existing file that is not a pgfast model may be replaced.

    Returns
    -------
    pathlib.Path
        The file to write.

    Raises
    ------
    FileExistsError
        When the file exists, is not a pgfast model and ``overwrite`` is False.
    IsADirectoryError
        When the file is a directory.
    NotADirectoryError
        When a parent of the file exists but is no directory.
    PermissionError
        When its directory (or the nearest existing parent, from which :func:`save_agent`
        creates the missing ones) cannot be written.
    """
    if not isinstance(overwrite, bool):
        raise TypeError(f"overwrite must be a bool, got {type(overwrite).__name__}")
    target = model_path(path)
    if target.is_dir():
        raise IsADirectoryError(errno.EISDIR, "cannot save a model onto a directory", str(target))
    parent = target.absolute().parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "cannot save a model under a file that is no directory",
                                 str(parent))
    if not os.access(parent, os.W_OK | os.X_OK):
        raise PermissionError(errno.EACCES, "cannot save a model into a directory that is not writable",
                              str(parent))
    if target.exists() and not overwrite and not _is_pgfast_model(target):
        raise FileExistsError(
            errno.EEXIST,
            "refusing to replace a file that is not a pgfast model: pass overwrite=True "
            "(pgfast train: --force) or choose another path",
            str(target),
        )
    return target


# The agent classes a file can hold, by the name its metadata gives ("algorithm"; files
# without one are REINFORCE's, the only algorithm of format versions 1-2 before it).
def _algorithm(cls: Any) -> str:
    return "actor-critic" if cls.__name__ == "ActorCritic" else "reinforce"


def agent_class(path: PathLike) -> Any:
    """Return the agent class a model file holds (``pgfast.Reinforce`` or ``pgfast.ActorCritic``)."""
    from .actor_critic import ActorCritic
    from .agent import Reinforce

    meta, _ = read_model(path)
    return ActorCritic if meta.get("algorithm", "reinforce") == "actor-critic" else Reinforce


def _value_key(state: dict[str, Any]) -> str:
    """Return the state key of the value function's weights (member ``baseline_params`` of the file)."""
    return "critic_params" if "critic_params" in state else "baseline_params"


# The state keys of the two optimisers, by the file's names for them: the policy's, and the
# value function's (REINFORCE's baseline, actor-critic's critic: members baseline_optimizer_*).
def _optimizer_keys(state: dict[str, Any]) -> dict[str, str]:
    return {"optimizer": "optimizer",
            "baseline_optimizer": "critic_optimizer" if "critic_params" in state else "baseline_optimizer"}


def _default_optimizer(algorithm: str) -> str:
    """Return the optimiser of a file that names none.

    REINFORCE's is Adam; actor-critic's the book's steps (files written before
    actor-critic had an ``optimizer``).
    """
    return "adam" if algorithm == "reinforce" else "sgd"


def _no_pending(agent: Any) -> dict[str, Any]:
    """Empty pending-episode arrays (an agent that learns at every step keeps none)."""
    sp = agent.spaces
    fmap = sp.feature_map
    out: dict[str, Any] = {"n_episodes": 0, "A": np.zeros((0, 1 if sp.discrete_actions else sp.action_dim)),
                           "R": np.zeros(0), "boot": np.zeros(0), "tin": np.zeros(0),
                           "term": np.zeros(0, bool), "trunc": np.zeros(0, bool)}
    if fmap is not None and getattr(fmap, "sparse", False):
        out["I"] = np.zeros((0, fmap.n_tilings), np.int64)
    else:
        out["X"] = np.zeros((0, sp.n_features))
    return out


def save_agent(agent: Any, path: PathLike, overwrite: bool = False) -> pathlib.Path:
    """Write ``agent`` to ``path`` atomically (see the module docstring for the format).

    Parameters
    ----------
    agent : pgfast.Reinforce or pgfast.ActorCritic
        The agent.
    path : str or os.PathLike
        The file; ``.pgfast`` is added when it has no suffix.
    overwrite : bool
        Replace an existing file that is not a pgfast model. An existing pgfast model
        is always replaced.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    FileExistsError
        When ``path`` exists, is not a pgfast model and ``overwrite`` is False.
    IsADirectoryError
        When ``path`` is a directory.
    NotADirectoryError, PermissionError
        When ``path`` cannot be written (see :func:`check_save_target`).
    ValueError
        When the model's metadata is larger than :func:`read_model` reads.
    """
    from . import __version__

    target = check_save_target(path, overwrite)
    # Write through a symbolic link (as open() would) rather than replace the link itself.
    real = pathlib.Path(os.path.realpath(target)) if target.is_symlink() else target
    try:
        mode: Optional[int] = real.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = None

    sp = agent.spaces
    algorithm = _algorithm(type(agent))
    state = agent.state_dict()
    value_key = _value_key(state)
    empty: dict[str, Any] = {"t": 0, "m": np.zeros(0), "v": np.zeros(0)}
    keys = _optimizer_keys(state)
    opt = state.get(keys["optimizer"]) or empty
    bopt = state.get(keys["baseline_optimizer"]) or empty
    arrays: dict[str, np.ndarray] = {
        "params": state["params"], "baseline_params": state[value_key],
        "optimizer_m": opt["m"], "optimizer_v": opt["v"],
        "baseline_optimizer_m": bopt["m"], "baseline_optimizer_v": bopt["v"],
    }
    for k, member in _history_members(FORMAT_VERSION).items():
        arrays[member] = np.asarray(state["history"][k], dtype=np.float64)
    pending = state["pending"] if "pending" in state else _no_pending(agent)
    for k in _PENDING_KEYS:
        if k in pending:
            arrays["pending_" + k] = np.asarray(pending[k])
    meta = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "pgfast_version": __version__,
        "algorithm": algorithm,
        "env_id": sp.env_id,
        **_env_meta(sp),
        "spaces": {
            "observation": str(sp.observation_space), "action": str(sp.action_space),
            "n_features": sp.n_features, "n_actions": sp.n_actions, "action_dim": sp.action_dim,
            "discrete_actions": sp.discrete_actions,
        },
        "features": _features_meta(agent),
        "policy": repr(agent.policy),
        "hyperparameters": agent.hyperparameters,
        "optimizer_t": opt["t"],
        "baseline_optimizer_t": bopt["t"],
        "num_timesteps": state["total_steps"],
        "total_steps": state["total_steps"],
        "pending_episodes": int(pending["n_episodes"]),
        "rng_state": state["rng_state"],
        "eval_rng_state": state["eval_rng_state"],
    }
    if "average_reward" in state:
        meta["average_reward"] = state["average_reward"]
    meta_bytes = json.dumps(meta, sort_keys=True).encode("utf-8")
    too_big = _meta_json_limits(meta_bytes)
    if too_big is not None:  # never write a file that load() would refuse
        raise ValueError(f"cannot save this model: its {too_big} could not be loaded again")
    arrays["__meta__"] = np.frombuffer(meta_bytes, dtype=np.uint8)
    digest = _checksum(meta_bytes, {k: a for k, a in arrays.items() if k != "__meta__"})
    arrays["__checksum__"] = np.frombuffer(digest.encode("ascii"), dtype=np.uint8)

    real.parent.mkdir(parents=True, exist_ok=True)  # as Stable-Baselines3's save does
    tmp, f = _open_temporary(real)
    try:
        with f:
            _write_npz(f, arrays)
            f.flush()
            if mode is not None:  # replacing a model keeps its permissions
                os.chmod(tmp, mode)
            os.fsync(f.fileno())
        os.replace(tmp, real)  # atomic: readers see the old model or the new one
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_directory(real.parent)
    return target


# =====================================================================================
# Reading: everything is checked before it is used
# =====================================================================================
class _Refuse(ValueError):
    """A file refused; the message is completed with the path by :func:`read_model`."""


def _not_a_model(why: str) -> _Refuse:
    return _Refuse(f"is corrupt or not a pgfast model file ({why})")


def _corrupt(why: str) -> _Refuse:
    return _Refuse(f"is corrupt: {why}")


_EOCD = struct.Struct("<4s4H2LH")  # end of central directory record
_EOCD64_LOCATOR = struct.Struct("<4sLQL")
_EOCD64 = struct.Struct("<4sQ2H2L4Q")


def _check_central_directory(f: IO[bytes]) -> None:
    """Refuse a ZIP whose central directory is larger than a model's.

    :class:`zipfile.ZipFile` builds one object per entry while it opens an archive: a
    10 MB file can list 200,000 entries (2 s, 80 MB). The end-of-central-directory
    record gives the count and size first.
    """
    size = f.seek(0, os.SEEK_END)
    tail_len = min(size, _EOCD.size + 65535)
    f.seek(size - tail_len)
    tail = f.read(tail_len)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < _EOCD.size:
        raise _not_a_model("not a zip archive")
    _, _, _, _, entries, cd_size, cd_offset, _ = _EOCD.unpack_from(tail, at)
    if entries == 0xFFFF or cd_size == 0xFFFFFFFF or cd_offset == 0xFFFFFFFF:  # ZIP64
        loc = at - _EOCD64_LOCATOR.size
        if loc < 0:
            raise _not_a_model("broken ZIP64 directory")
        sig, _, eocd64_offset, _ = _EOCD64_LOCATOR.unpack_from(tail, loc)
        if sig != b"PK\x06\x07" or eocd64_offset > size - _EOCD64.size:
            raise _not_a_model("broken ZIP64 directory")
        f.seek(eocd64_offset)
        rec = f.read(_EOCD64.size)
        if len(rec) < _EOCD64.size or rec[:4] != b"PK\x06\x06":
            raise _not_a_model("broken ZIP64 directory")
        fields = _EOCD64.unpack(rec)
        entries, cd_size = fields[7], fields[8]
    if entries > _MAX_MEMBERS or cd_size > _MAX_CENTRAL_DIRECTORY:
        raise _not_a_model(f"a zip archive of {entries} members; a model has at most {_MAX_MEMBERS}")
    f.seek(0)


def _read_npy_header(fp: IO[bytes], name: str) -> tuple[tuple[int, ...], bool, np.dtype[Any], int]:
    """(shape, fortran_order, dtype, header length) of an .npy member; no data is read."""
    try:
        version = np.lib.format.read_magic(fp)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(fp, max_header_size=_MAX_NPY_HEADER)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(fp, max_header_size=_MAX_NPY_HEADER)
        else:
            raise _not_a_model(f"member {name!r} has .npy format version {version}")
    except _Refuse:
        raise
    except (ValueError, OSError, EOFError, SyntaxError, TypeError) as e:
        raise _not_a_model(f"member {name!r} is not a valid .npy array: {e}") from None
    if any(n < 0 for n in shape):
        raise _not_a_model(f"member {name!r} declares a negative dimension {shape}")
    header_len = fp.tell()
    return tuple(int(n) for n in shape), bool(fortran), np.dtype(dtype), header_len


class _Member:
    __slots__ = ("dtype", "header_len", "info", "shape")

    def __init__(self, info: zipfile.ZipInfo, shape: tuple[int, ...], dtype: np.dtype[Any], header_len: int):
        self.info, self.shape, self.dtype, self.header_len = info, shape, dtype, header_len


def _scan_members(zf: zipfile.ZipFile, file_size: int) -> dict[str, _Member]:
    """Names, sizes and ``.npy`` headers of every member, checked; no array data is read."""
    infos = zf.infolist()
    names = [i.filename for i in infos]
    if "__meta__.npy" not in names:
        raise _not_a_model("no pgfast metadata")
    if len(set(names)) != len(names):
        raise _not_a_model("a member name appears twice")
    total = 0
    members: dict[str, _Member] = {}
    for info in infos:
        name = info.filename
        if not name.endswith(".npy") or "/" in name or "\\" in name:
            raise _not_a_model(f"unexpected member {name!r}")
        name = name[:-4]  # the array's name, as numpy.load gives it
        if info.flag_bits & 0x1:
            raise _not_a_model(f"member {name!r} is encrypted")
        if info.compress_type != zipfile.ZIP_STORED or info.file_size != info.compress_size:
            raise _not_a_model(f"member {name!r} is compressed; pgfast writes uncompressed members")
        total += info.compress_size
        if total > file_size:
            raise _not_a_model("its members are larger than the file")
        with zf.open(info) as fp:
            shape, fortran, dtype, header_len = _read_npy_header(fp, name)
        if fortran and len(shape) > 1:
            raise _not_a_model(f"member {name!r} is stored in Fortran order; pgfast writes C order")
        if dtype.hasobject or dtype.names is not None or dtype.subdtype is not None:
            raise _not_a_model(
                f"member {name!r} holds objects or records (dtype {dtype}); pgfast stores numbers"
            )
        nbytes = math.prod(shape) * dtype.itemsize  # Python ints: no overflow
        if header_len + nbytes != info.file_size:
            raise _not_a_model(
                f"member {name!r} declares shape {shape} of {dtype} ({nbytes} bytes) but holds "
                f"{info.file_size - header_len} bytes"
            )
        members[name] = _Member(info, shape, dtype, header_len)
    return members


def _read_member(zf: zipfile.ZipFile, m: _Member, name: str, h: Optional[Any] = None) -> np.ndarray:
    """Read the member's array in chunks (into ``h``, a running hash, as well)."""
    out = np.empty(m.shape, dtype=m.dtype)
    view = memoryview(out.reshape(-1).view(np.uint8).data)
    with zf.open(m.info) as fp:
        fp.read(m.header_len)
        pos = 0
        while pos < len(view):
            chunk = fp.read(min(_CHUNK, len(view) - pos))
            if not chunk:
                raise _corrupt(f"member {name!r} ends early")
            view[pos:pos + len(chunk)] = chunk
            if h is not None:
                h.update(chunk)
            pos += len(chunk)
        if fp.read(1):  # also makes zipfile check the member's CRC-32
            raise _corrupt(f"member {name!r} is longer than it declares")
    return out


def _read_meta_bytes(zf: zipfile.ZipFile, members: dict[str, _Member]) -> bytes:
    m = members["__meta__"]
    if m.dtype != _U1 or len(m.shape) != 1:
        raise _not_a_model(f"metadata of dtype {m.dtype} and shape {m.shape}")
    if m.shape[0] > META_LIMIT:
        raise _not_a_model(f"metadata of {m.shape[0]} bytes (at most {META_LIMIT})")
    return _read_member(zf, m, "__meta__").tobytes()


def _parse_meta(meta_bytes: bytes) -> dict[str, Any]:
    too_big = _meta_json_limits(meta_bytes)
    if too_big is not None:
        raise _not_a_model(too_big)
    try:
        meta = json.loads(meta_bytes.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise _not_a_model(f"bad metadata: {e}") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        found = meta.get("format") if isinstance(meta, dict) else None
        raise _not_a_model(f"format {found!r}")
    version = meta.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version > FORMAT_VERSION or version < 1:
        raise _Refuse(
            f"has model format version {version!r}; this pgfast reads versions "
            f"<= {FORMAT_VERSION}: upgrade pgfast"
        )
    return meta


# ---- the metadata's schema -----------------------------------------------------------
def _get(d: dict[str, Any], key: str, where: str) -> Any:
    if key not in d:
        raise _corrupt(f"metadata {where}{key!r} is missing")
    return d[key]


def _int_field(d: dict[str, Any], key: str, where: str = "", low: int = 0) -> int:
    v = _get(d, key, where)
    if isinstance(v, bool) or not isinstance(v, int) or not low <= v < _MAX_COUNT:
        raise _corrupt(f"metadata {where}{key!r} must be an int in [{low}, 2**62), got {v!r:.80}")
    return v


def _dict_field(d: dict[str, Any], key: str, where: str = "") -> dict[str, Any]:
    v = _get(d, key, where)
    if not isinstance(v, dict):
        raise _corrupt(f"metadata {where}{key!r} must be an object, got {type(v).__name__}")
    return v


def _config_n_features(cfg: dict[str, Any], limit: int) -> int:
    """n_features of a feature-map configuration, by arithmetic (nothing is built).

    Returns ``limit + 1`` as soon as the count exceeds ``limit``.
    """

    def num(key: str, low: int) -> int:
        return _int_field(cfg, key, "features.config.", low)

    def product(factors: list[int]) -> int:
        out = 1
        for f in factors:
            out *= f
            if out > limit:
                return limit + 1
        return out

    def n_inputs() -> int:
        bounds = _get(cfg, "bounds", "features.config.")
        if isinstance(bounds, dict):  # {"low": [...], "high": [...]}, with "n_inputs" beside
            return num("n_inputs", 1)
        if not isinstance(bounds, list) or not bounds:  # format 2: one [low, high] row per input
            raise _corrupt("metadata features.config.'bounds' must be {low, high} or a list of (low, high)")
        return len(bounds)

    kind = _get(cfg, "type", "features.config.")
    if kind == "Identity":
        return num("n_inputs", 1) + (1 if cfg.get("bias", True) else 0)
    if kind == "Polynomial":
        k, n = num("n_inputs", 1), num("degree", 0)
        return product([n + 1] * k) if cfg.get("interaction", True) else 1 + k * n
    if kind == "Fourier":
        k, n = n_inputs(), num("order", 0)
        cos = product([n + 1] * k) if cfg.get("coupled", True) else 1 + k * n
        return 2 * cos - 1 if cfg.get("kind") == "full" else cos
    if kind == "RBF":
        centers = _get(cfg, "centers", "features.config.")
        if not isinstance(centers, list):
            raise _corrupt("metadata features.config.'centers' must be a list")
        return len(centers)
    if kind == "TileCoding":
        k, tilings = n_inputs(), num("n_tilings", 1)
        tiles = _get(cfg, "tiles_per_dim", "features.config.")
        per_dim = [tiles] * k if not isinstance(tiles, list) else tiles
        if len(per_dim) != k or any(isinstance(t, bool) or not isinstance(t, int) or t < 1 for t in per_dim):
            raise _corrupt(f"metadata features.config.'tiles_per_dim' must be {k} ints >= 1")
        return product([tilings] + [t + 1 for t in per_dim])
    raise _corrupt(f"metadata features.config has an unknown feature map {kind!r:.80}")


_Expected = dict[str, tuple[np.dtype[Any], tuple[int, ...]]]


def _expected_members(meta: dict[str, Any], members: dict[str, _Member]) -> _Expected:
    """Return every member's dtype and shape as the metadata requires them.

    -1 stands for any length (equal across a group). A feature map whose size disagrees
    with the parameters in the file is refused here, before anything is built.
    """
    spaces = _dict_field(meta, "spaces")
    d = _int_field(spaces, "n_features", "spaces.", 1)
    discrete = _get(spaces, "discrete_actions", "spaces.")
    if not isinstance(discrete, bool):
        raise _corrupt("metadata spaces.'discrete_actions' must be true or false")
    hp = _dict_field(meta, "hyperparameters")
    if discrete:
        rows = _int_field(spaces, "n_actions", "spaces.", 1)
        n_params = rows * (d + 1)
        width = 1
    else:
        rows = _int_field(spaces, "action_dim", "spaces.", 1)
        state_dependent = hp.get("state_dependent_std", False)
        n_params = rows * (d + 1) + (rows * (d + 1) if state_dependent is True else rows)
        width = rows
    # The parameters are the largest thing a model allocates from its metadata: the file
    # must hold them, whatever size the metadata claims.
    params = members.get("params")
    if params is None:
        raise _corrupt("member 'params' is missing")
    if params.shape != (n_params,):
        raise _corrupt(
            f"the metadata describes {n_params} policy parameters ({rows} x {d} features) but "
            f"'params' has shape {params.shape}"
        )
    features = _dict_field(meta, "features")
    kind = _get(features, "kind", "features.")
    sparse_active = 0
    if kind == "map":
        cfg = _dict_field(features, "config", "features.")
        n = _config_n_features(cfg, d)
        if n != d:
            shown = f"more than {d}" if n > d else str(n)
            raise _corrupt(f"the feature map's configuration gives {shown} features, the parameters {d}")
        if cfg.get("type") == "TileCoding":
            sparse_active = _int_field(cfg, "n_tilings", "features.config.", 1)
    elif kind not in ("identity", "callable"):
        raise _corrupt(f"metadata has an unknown feature kind {kind!r:.80}")

    algorithm = meta.get("algorithm", "reinforce")
    if algorithm not in ("reinforce", "actor-critic"):
        raise _corrupt(f"metadata names an unknown algorithm {algorithm!r:.80}")
    # the value function's weights: REINFORCE's optional baseline, actor-critic's critic
    n_baseline = d + 1 if (hp.get("baseline") == "linear" or algorithm == "actor-critic") else 0

    def moments(t_key: str, n: int, optimizer: Any) -> int:
        t = _int_field(meta, t_key)
        if t > 0 and (n == 0 or optimizer != "adam"):
            raise _corrupt(f"metadata {t_key!r} is {t} but there is no Adam optimiser to restore")
        return n if t > 0 else 0

    optimizer = hp.get("optimizer", _default_optimizer(algorithm))
    n_m = moments("optimizer_t", n_params, optimizer)
    n_bm = moments("baseline_optimizer_t", n_baseline, optimizer)
    exp: _Expected = {
        "__meta__": (_U1, (-1,)), "__checksum__": (_U1, (64,)),
        "params": (_F8, (n_params,)), "baseline_params": (_F8, (n_baseline,)),
        "optimizer_m": (_F8, (n_m,)), "optimizer_v": (_F8, (n_m,)),
        "baseline_optimizer_m": (_F8, (n_bm,)), "baseline_optimizer_v": (_F8, (n_bm,)),
    }
    for member in _history_members(meta["format_version"]).values():
        exp[member] = (_F8, (-1,))
    if meta["format_version"] >= 2:
        if sparse_active:
            exp["pending_I"] = (_I8, (-1, sparse_active))
        else:
            exp["pending_X"] = (_F8, (-1, d))
        exp["pending_A"] = (_F8, (-1, width))
        for k in ("R", "boot", "tin"):
            exp["pending_" + k] = (_F8, (-1,))
        for k in ("term", "trunc"):
            exp["pending_" + k] = (_B1, (-1,))
    return exp


def _check_members(meta: dict[str, Any], members: dict[str, _Member], exp: _Expected) -> None:
    for name in members:
        if name not in exp:
            raise _corrupt(f"unexpected member {name!r}")
    for name, (dtype, shape) in exp.items():
        m = members.get(name)
        if m is None:
            raise _corrupt(f"member {name!r} is missing")
        if m.dtype.kind != dtype.kind or m.dtype.itemsize != dtype.itemsize:
            raise _corrupt(f"member {name!r} has dtype {m.dtype}, expected {dtype}")
        if len(m.shape) != len(shape) or any(e not in (-1, s) for e, s in zip(shape, m.shape)):
            want = str(tuple("n" if e == -1 else e for e in shape)).replace("'", "")
            raise _corrupt(f"member {name!r} has shape {m.shape}, expected {want}")

    def same_length(group: list[str], what: str) -> int:
        lengths = {name: members[name].shape[0] for name in group if name in members}
        if len(set(lengths.values())) > 1:
            shown = ", ".join(f"{k} {v}" for k, v in lengths.items())
            raise _corrupt(f"{what} have unequal lengths: {shown}")
        return next(iter(lengths.values()), 0)

    history = list(_history_members(meta["format_version"]).values())
    same_length(history[:3], "the episode history arrays")
    same_length(history[3:], "the update history arrays")
    if meta["format_version"] >= 2:
        n = same_length(["pending_" + k for k in _PENDING_KEYS], "the pending-episode arrays")
        episodes = _int_field(meta, "pending_episodes")
        if (n == 0) != (episodes == 0):
            raise _corrupt(f"metadata 'pending_episodes' is {episodes} but {n} pending steps are stored")


def _check_values(meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    """Values a model can hold (run after the checksum matched)."""
    for name in ("params", "baseline_params", "optimizer_m", "optimizer_v",
                 "baseline_optimizer_m", "baseline_optimizer_v", "history_episode_return"):
        if not np.all(np.isfinite(arrays[name])):
            raise _corrupt(f"{name!r} contains NaN or inf")
    for name in ("optimizer_v", "baseline_optimizer_v"):
        if np.any(arrays[name] < 0):
            raise _corrupt(f"{name!r} (Adam's second moments) contains negative values")
    total = _int_field(meta, "total_steps")
    _int_field(meta, "num_timesteps")
    members = _history_members(meta["format_version"])
    for key in ("episode_length", "episode_total_timesteps", "update_total_timesteps"):
        name = members[key]
        a = arrays[name]
        whole = np.isfinite(a) & (a == np.floor(a)) & (a >= 0) & (a <= total)
        if not np.all(whole):
            raise _corrupt(f"{name!r} must hold whole numbers of steps in [0, total_steps={total}]")
        if key != "episode_length" and np.any(np.diff(a) < 0):
            raise _corrupt(f"{name!r} must not decrease")
    for key in ("rng_state", "eval_rng_state"):
        state = _dict_field(meta, key)
        if state.get("bit_generator") != "PCG64":
            raise _corrupt(f"metadata {key!r} is not the state of a PCG64 generator")
        try:
            np.random.PCG64().state = state  # type: ignore[assignment]
        except (TypeError, ValueError, KeyError, OverflowError) as e:
            raise _corrupt(f"metadata {key!r} is not a valid PCG64 state ({e})") from None


def _resolve(path: PathLike) -> pathlib.Path:
    """``path``, or ``path + ".pgfast"`` when only that exists (what ``save(path)`` wrote)."""
    p = pathlib.Path(os.fspath(path))
    return model_path(p) if not p.exists() and model_path(p).is_file() else p


def read_model(path: PathLike) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read and verify a model file; returns (metadata, arrays).

    Member names, ``.npy`` headers and sizes are checked against the metadata before
    any array is read; the checksum is verified while streaming the data.

    Raises
    ------
    FileNotFoundError
        When there is no file at ``path`` (nor at ``path + ".pgfast"`` for a path
        without a suffix).
    ValueError
        For anything else that is not a complete, consistent pgfast model.
    """
    p = _resolve(path)
    if not p.exists():
        raise FileNotFoundError(errno.ENOENT, "model file not found", str(p))
    if p.is_dir():
        raise ValueError(f"{p} is a directory, not a pgfast model file")
    try:
        with open(p, "rb") as f:
            start = f.read(8)
            if start.startswith(b"\x93NUMPY"):
                raise _not_a_model("a single .npy array")
            if not start.startswith(b"PK"):
                raise _not_a_model("not a zip archive")
            _check_central_directory(f)
            file_size = os.fstat(f.fileno()).st_size
            with zipfile.ZipFile(f) as zf:
                members = _scan_members(zf, file_size)
                meta_bytes = _read_meta_bytes(zf, members)
                meta = _parse_meta(meta_bytes)
                _check_hyperparameter_values(meta)
                exp = _expected_members(meta, members)
                _check_members(meta, members, exp)
                stored = _read_member(zf, members["__checksum__"], "__checksum__").tobytes()
                h = hashlib.sha256(meta_bytes)
                arrays: dict[str, np.ndarray] = {}
                for name in sorted(exp):
                    if name in ("__meta__", "__checksum__"):
                        continue
                    m = members[name]
                    h.update(_checksum_header(name, m.dtype, m.shape))
                    arrays[name] = _read_member(zf, m, name, h).astype(exp[name][0], copy=False)
            if h.hexdigest().encode("ascii") != stored:
                raise _corrupt("checksum mismatch")
            _check_values(meta, arrays)
    except _Refuse as e:
        raise ValueError(f"{p} {e}") from None
    # zipfile raises RuntimeError for a flag bit saying "encrypted", NotImplementedError for
    # an unknown compression method: a flipped bit must still be a clear ValueError.
    except (OSError, EOFError, zipfile.BadZipFile, KeyError, RuntimeError, NotImplementedError,
            struct.error, ValueError) as e:
        raise ValueError(f"{p} is corrupt or not a pgfast model file (unreadable: {e})") from None
    return meta, arrays


# =====================================================================================
# Loading
# =====================================================================================
def _env_meta(sp: Any) -> dict[str, Any]:
    """Return how to make the environment again: its arguments, time limit, what is left out.

    ``env_kwargs``: the arguments of ``gymnasium.make`` (or ``pgfast.envs.make``) as JSON
    data (None when they are not; ``render_mode`` is left out: loading a model never
    opens a window); ``env_max_episode_steps``: the time limit; ``env_not_restored``:
    the wrappers that change what the policy sees or does, vector-env wrappers and
    arguments a file cannot hold, which :func:`load_agent` names in a warning.
    """
    from ._spaces import _POLICY_BLIND, _VECTOR_ONLY_KWARGS, _wrappers

    spec = getattr(sp.env, "spec", None)
    if spec is None:
        return {}
    left_out = [w.name for w in getattr(spec, "additional_wrappers", ()) if w.name not in _POLICY_BLIND]
    given = dict(spec.kwargs or {})
    if sp.is_vector:
        left_out += [f"{type(w).__name__} (vector)" for w in _wrappers(sp.env)[0]
                     if type(w).__name__ not in _POLICY_BLIND]
        if given.get("wrappers"):
            left_out.append("make_vec's wrappers")
        given = {k: v for k, v in given.items() if k not in _VECTOR_ONLY_KWARGS}
    given.pop("render_mode", None)
    kwargs: Optional[dict[str, Any]] = given
    try:
        if json.loads(json.dumps(given, allow_nan=False)) != given:
            raise ValueError("not plain JSON data")
    except (TypeError, ValueError, RecursionError):
        kwargs = None
        left_out.append("arguments that are not JSON data: " + ", ".join(sorted(map(str, given))))
    limit = spec.max_episode_steps
    return {"env_kwargs": kwargs, "env_max_episode_steps": limit if isinstance(limit, int) else None,
            "env_not_restored": left_out}


def _make_saved_env(meta: dict[str, Any], path: pathlib.Path) -> Any:
    """Make the saved environment: its id (see :func:`_env_from_meta`) with its saved arguments."""
    import gymnasium as gym

    env_id = _env_from_meta(meta, path)
    kwargs = meta.get("env_kwargs") or {}
    if not isinstance(kwargs, dict):
        raise _corrupt(f"metadata 'env_kwargs' must be an object or null, got {type(kwargs).__name__}")
    kwargs = {k: v for k, v in kwargs.items() if k != "render_mode"}  # loading never opens a window
    limit = meta.get("env_max_episode_steps")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise _corrupt(f"metadata 'env_max_episode_steps' must be an int >= 1 or null, got {limit!r:.80}")
    left_out = meta.get("env_not_restored") or []
    if not isinstance(left_out, list) or not all(isinstance(x, str) for x in left_out):
        raise _corrupt("metadata 'env_not_restored' must be a list of strings")
    try:
        env = _make_env(env_id, max_episode_steps=limit, **kwargs)
    except (gym.error.Error, TypeError, ValueError) as e:
        raise ValueError(f"{path}: cannot make {env_id!r} with its saved arguments {kwargs!r:.200} ({e}); "
                         "pass env=") from None
    if left_out:
        warnings.warn(
            f"{path} was trained on {env_id!r} with {'; '.join(left_out)}, which a model file does "
            "not hold: the loaded agent's env is made without them (pass env= to attach the same env)",
            UserWarning, stacklevel=4,
        )
    return env


def _env_from_meta(meta: dict[str, Any], path: pathlib.Path) -> str:
    """Return the saved environment id if it is safe to make: registered, no ``module:`` prefix."""
    import gymnasium as gym

    env_id = meta.get("env_id")
    if env_id is None:
        raise ValueError(f"{path} does not name its environment: pass env=")
    how = (
        "a model file never imports code: import the package that registers it and load "
        "again, or create the environment yourself and pass env= (an id or a gymnasium.Env)"
    )
    if not isinstance(env_id, str):
        raise ValueError(f"{path} is corrupt: metadata 'env_id' must be a string or null")
    if ":" in env_id:
        raise ValueError(
            f"{path} names the environment {env_id!r}, whose 'module:' prefix would make "
            f"gymnasium import that module; {how}"
        )
    if env_id not in gym.registry:
        raise ValueError(
            f"{path} names the environment {env_id!r}, which is not registered with gymnasium; {how}"
        )
    return env_id


def _check_hyperparameter_values(meta: dict[str, Any]) -> None:
    """Check the saved hyper-parameters pgfast knows with the agent's own config.

    The known keys are checked together by building the algorithm's config dataclass
    with them (the config is where ``Reinforce``/``ActorCritic`` check their arguments,
    one by one and in combination, e.g. ``traces="dutch"`` needs ``optimizer="sgd"``);
    when that fails, each key alone, to name the bad one. Unknown keys are refused by
    :func:`load_agent`.
    """
    from ._validate import ActorCriticConfig, ReinforceConfig, seed

    algorithm = meta.get("algorithm", "reinforce")
    config: Any = ActorCriticConfig if algorithm == "actor-critic" else ReinforceConfig
    fields = {f.name for f in dataclasses.fields(config)}
    saved = _dict_field(meta, "hyperparameters")
    known = {k: v for k, v in saved.items() if k in fields}
    known.setdefault("optimizer", _default_optimizer(str(algorithm)))  # as load_agent builds it
    try:
        if "seed" in saved:
            seed("seed", saved["seed"])
        config(**known)
        return
    except (TypeError, ValueError) as whole:
        problem = whole
    for key, value in saved.items():
        try:
            if key == "seed":
                seed(key, value)
            elif key in fields:
                config(**{key: value})
        except (TypeError, ValueError) as e:
            raise _corrupt(f"hyperparameter {key!r} has an invalid value {value!r:.80} ({e})") from None
    raise _corrupt(f"its hyperparameters do not go together: {problem}")


def load_agent(
    cls: Any, path: PathLike, env: Any = None, backend: str = "cpp", features: Any = None
) -> Any:
    """Rebuild an agent (``cls``: Reinforce or ActorCritic) from a file of :func:`save_agent`."""
    from .features import from_config

    meta, arrays = read_model(path)
    p = _resolve(path)
    saved_algorithm, wanted = meta.get("algorithm", "reinforce"), _algorithm(cls)
    if saved_algorithm != wanted:
        other = "ActorCritic" if saved_algorithm == "actor-critic" else "Reinforce"
        article = "an" if other == "ActorCritic" else "a"
        raise ValueError(f"{p} holds {article} {other} model: load it with pgfast.{other}.load")
    hp = dict(meta["hyperparameters"])
    if "optimizer" in inspect.signature(cls.__init__).parameters:
        hp.setdefault("optimizer", _default_optimizer(saved_algorithm))
    accepted = set(inspect.signature(cls.__init__).parameters) - {"self", "env", "features", "backend"}
    unknown = sorted(set(hp) - accepted)
    if unknown:
        raise ValueError(f"{p} is corrupt: unknown hyperparameter {unknown[0]!r:.80}")
    env_given = env is not None
    if env is None:
        env = _make_saved_env(meta, p)
    kind = meta["features"]["kind"]
    if kind == "map":
        if features is not None:
            raise ValueError(f"{p} stores its feature map; do not pass features=")
        try:
            features = from_config(meta["features"]["config"])
        except (ValueError, TypeError, KeyError) as e:
            raise ValueError(f"{p} is corrupt: its feature map cannot be rebuilt: {e}") from None
    elif kind == "callable":
        if features is None:
            raise ValueError(
                f"{p} was trained with a custom features callable, which is not stored in the "
                "file: pass the same callable as features="
            )
    elif features is not None:
        raise ValueError(f"{p} was trained without features; do not pass features=")
    try:
        with warnings.catch_warnings():  # about the initial σ, which the file's parameters replace
            warnings.simplefilter("ignore", NarrowActionsWarning)
            agent = cls(env, backend=backend, features=features, **hp)
    except TypeError as e:  # a saved hyper-parameter of the wrong type
        if env_given:
            raise
        raise ValueError(f"{p} is corrupt: {e}") from None
    saved = meta["spaces"]
    sp = agent.spaces
    if (sp.n_features, sp.n_actions, sp.action_dim, sp.discrete_actions) != (
        saved["n_features"], saved.get("n_actions"), saved.get("action_dim"), saved["discrete_actions"]
    ):
        raise ValueError(
            f"env: its spaces ({sp.observation_space}, {sp.action_space}) do not match the "
            f"saved model's ({saved.get('observation')}, {saved.get('action')})"
        )
    state = agent.state_dict()  # a new agent's: what the file does not hold (format 1: pending)
    value_key = _value_key(state)
    if (state["params"].size, state[value_key].size) != (arrays["params"].size,
                                                         arrays["baseline_params"].size):
        raise ValueError(f"{p} is corrupt: its parameters do not fit the policy it describes")
    state["params"], state[value_key] = arrays["params"], arrays["baseline_params"]
    state["total_steps"] = meta["total_steps"]
    state["history"] = {k: arrays[m] for k, m in _history_members(meta["format_version"]).items()}
    state["rng_state"], state["eval_rng_state"] = meta["rng_state"], meta["eval_rng_state"]
    for name, key in _optimizer_keys(state).items():
        if key in state and meta[name + "_t"] > 0:
            state[key] = {"t": meta[name + "_t"], "m": arrays[name + "_m"], "v": arrays[name + "_v"]}
    if "pending" in state and "pending_R" in arrays:
        state["pending"] = {k: arrays["pending_" + k] for k in _PENDING_KEYS if "pending_" + k in arrays}
        state["pending"]["n_episodes"] = meta["pending_episodes"]
    if "average_reward" in state:
        state["average_reward"] = meta.get("average_reward")
    try:
        agent.load_state_dict(state)
    except (ValueError, TypeError) as e:
        raise ValueError(f"{p} is corrupt: {e}") from None
    return agent
