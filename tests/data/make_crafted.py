"""Write the crafted-file corpus ``tests/data/crafted/``: model files that must be refused.

Each case is a file that ``pgfast.Reinforce.load`` must refuse with a ``ValueError``
whose message matches ``CASES[name].match``, within the time and memory target
(< 1 s, < 100 MB RSS for any file of at most 10 MB) — ``tests/test_crafted_files.py``
checks every one. The cases start from the committed reference model
``tests/data/models/cartpole-v1-format2.pgfast`` (and the tile-coding and pendulum
ones), and most carry a *valid* checksum: the SHA-256 is not a signature, anyone can
recompute it, so only the checks on structure and consistency stand between a crafted
file and the loader.

The script writes members with fixed timestamps: running it again writes the same
bytes. Every file is small on disk (the largest, a 1 GiB member deflated, is ~1 MB).

    python tests/data/make_crafted.py        # rewrites tests/data/crafted/*.pgfast
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import io
import json
import pathlib
import pickle
import struct
import zipfile
import zlib
from typing import Any, Callable

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
OUT = HERE / "crafted"
MODELS = HERE / "models"
BASE = MODELS / "cartpole-v1-format2.pgfast"  # softmax, Adam, no baseline, nothing pending
TILES = MODELS / "cartpole-v1-tiles-format2.pgfast"  # TileCoding(4, 3), baseline, pending
PENDULUM = MODELS / "pendulum-v1-baseline-format2.pgfast"  # Gaussian, baseline, pending
FORMAT3 = MODELS / "cartpole-v1-baseline-format3.pgfast"  # format 3: baseline, pending
ZIP_TIME = (1980, 1, 1, 0, 0, 0)

#: The module a crafted ``module:Env`` id names; the test plants a module of that name
#: whose import would leave a marker file.
PLANTED_MODULE = "pgfast_crafted_planted_module"

NOT_A_MODEL = r"is corrupt or not a pgfast model file"


@dataclasses.dataclass
class Case:
    """A crafted file: how it is made and what the refusal must say."""

    make: Callable[[], bytes]
    match: str  # regular expression the ValueError's message must match
    what: str  # the defect, in words


# ---- building blocks -----------------------------------------------------------------
def read_parts(path: pathlib.Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """(metadata, arrays) of a model, without the checks of pgfast's loader."""
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    meta = json.loads(arrays.pop("__meta__").tobytes())
    arrays.pop("__checksum__")
    return meta, arrays


def checksum(meta_bytes: bytes, arrays: dict[str, np.ndarray]) -> str:
    """The format's SHA-256: metadata, then every array by name (name|dtype|shape|bytes)."""
    h = hashlib.sha256(meta_bytes)
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def npy_bytes(a: np.ndarray, fortran: bool = False) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.asfortranarray(a) if fortran else a, allow_pickle=True)
    return buf.getvalue()


def npy_header(descr: str, shape: tuple[int, ...], fortran: bool = False) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": descr, "fortran_order": fortran, "shape": shape})
    return buf.getvalue()


def zip_bytes(members: list[tuple[str, bytes]], compress: int = zipfile.ZIP_STORED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = compress
            zf.writestr(info, data)
    return buf.getvalue()


def model_bytes(meta: dict[str, Any], arrays: dict[str, np.ndarray], *, valid_checksum: bool = True,
                raw: dict[str, bytes] | None = None) -> bytes:
    """A model archive; its checksum is recomputed (valid) unless told otherwise."""
    meta_bytes = json.dumps(meta, sort_keys=True).encode()
    digest = checksum(meta_bytes, arrays) if valid_checksum else "0" * 64
    members = [(k + ".npy", npy_bytes(a)) for k, a in arrays.items()]
    members += [("__meta__.npy", npy_bytes(np.frombuffer(meta_bytes, np.uint8))),
                ("__checksum__.npy", npy_bytes(np.frombuffer(digest.encode(), np.uint8)))]
    if raw:
        members = [(n, raw.get(n, d)) for n, d in members]
    return zip_bytes(members)


def edited(edit: Callable[[dict[str, Any], dict[str, np.ndarray]], None], base: pathlib.Path = BASE,
           **kw: Any) -> Callable[[], bytes]:
    """A case: the base model after ``edit(meta, arrays)``, with a valid checksum."""

    def make() -> bytes:
        meta, arrays = read_parts(base)
        meta, arrays = copy.deepcopy(meta), {k: a.copy() for k, a in arrays.items()}
        edit(meta, arrays)
        return model_bytes(meta, arrays, **kw)

    return make


def base_bytes(base: pathlib.Path = BASE) -> bytes:
    return base.read_bytes()


def flip(data: bytes, at: int) -> bytes:
    out = bytearray(data)
    out[at] ^= 0x10
    return bytes(out)


def member_data_offset(data: bytes, name: str) -> int:
    """Offset of a member's first data byte (after its local header)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo(name)
    n, m = struct.unpack_from("<HH", data, info.header_offset + 26)
    return info.header_offset + 30 + n + m


class Loud:
    """Unpickling this prints a line: proof that something was unpickled."""

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (print, ("PGFAST-CRAFTED: A PICKLE WAS LOADED",))


# ---- the cases -----------------------------------------------------------------------
def _truncated(frac: float) -> Callable[[], bytes]:
    return lambda: base_bytes()[: int(len(base_bytes()) * frac)]


def _bit_flipped(member: str, where: float, fix_crc: bool = False) -> Callable[[], bytes]:
    def make() -> bytes:
        data = base_bytes()
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            size = zf.getinfo(member).file_size
        out = flip(data, member_data_offset(data, member) + int(size * where))
        if not fix_crc:
            return out
        # rewrite the archive with the flipped member (so its CRC-32 is right again)
        with zipfile.ZipFile(io.BytesIO(out)) as zf:
            members = [(i.filename, zf.open(i).read(i.file_size)) if i.filename != member
                       else (i.filename, out[member_data_offset(out, member):][:i.file_size])
                       for i in zf.infolist()]
        return zip_bytes(members)

    return make


def _declared(member: str, descr: str, shape: tuple[int, ...]) -> Callable[[], bytes]:
    """The base model whose member declares a huge shape but holds a few bytes."""

    def make() -> bytes:
        meta, arrays = read_parts(BASE)
        return model_bytes(meta, arrays, raw={member + ".npy": npy_header(descr, shape) + b"\0" * 64})

    return make


def _deflate_bomb() -> bytes:
    """The base model whose 'params' member is 1 GiB of zeros, deflated to ~1 MB."""
    meta, arrays = read_parts(BASE)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, a in arrays.items():
            if name == "params":
                info = zipfile.ZipInfo("params.npy", date_time=ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                with zf.open(info, "w", force_zip64=True) as f:
                    f.write(npy_header("<f8", (2**27,)))
                    zeros = bytes(1 << 20)
                    for _ in range(1024):
                        f.write(zeros)
            else:
                zf.writestr(zipfile.ZipInfo(name + ".npy", date_time=ZIP_TIME), npy_bytes(a))
        meta_bytes = json.dumps(meta, sort_keys=True).encode()
        for name, raw in (("__meta__", meta_bytes), ("__checksum__", b"0" * 64)):
            info = zipfile.ZipInfo(name + ".npy", date_time=ZIP_TIME)
            zf.writestr(info, npy_bytes(np.frombuffer(raw, np.uint8)))
    return buf.getvalue()


def _many_members() -> bytes:
    members = [("__meta__.npy", npy_bytes(np.frombuffer(b"{}", np.uint8)))]
    members += [(f"m{i}.npy", b"") for i in range(1000)]
    return zip_bytes(members)


def _duplicate_member() -> bytes:
    meta, arrays = read_parts(BASE)
    data = model_bytes(meta, arrays)
    buf = io.BytesIO(data)
    with zipfile.ZipFile(buf, "a") as zf:
        info = zipfile.ZipInfo("params.npy", date_time=ZIP_TIME)
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Duplicate name": the point of the case
            zf.writestr(info, npy_bytes(np.full(10, 1e3)))
    return buf.getvalue()


def _encrypted_flag() -> bytes:
    data = bytearray(base_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        infos = zf.infolist()
        cd = zf.start_dir
    # set "encrypted" (bit 0) in every local header and central-directory entry
    for info in infos:
        data[info.header_offset + 6] |= 1
    at = cd
    while data[at:at + 4] == b"PK\x01\x02":
        data[at + 8] |= 1
        n, m, k = struct.unpack_from("<HHH", data, at + 28)
        at += 46 + n + m + k
    return bytes(data)


def _object_array() -> bytes:
    meta, arrays = read_parts(BASE)
    obj = np.empty(10, dtype=object)
    obj[:] = [Loud()] * 10
    return model_bytes(meta, arrays, raw={"params.npy": npy_bytes(obj)})


def _fortran(meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> bytes:
    return model_bytes(meta, arrays, raw={"pending_X.npy": npy_bytes(arrays["pending_X"], fortran=True)})


def _set(path: str, value: Any) -> Callable[[dict[str, Any], dict[str, np.ndarray]], None]:
    """An edit setting ``meta[a][b] = value`` for ``path`` "a.b"."""

    def edit(meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        *parents, key = path.split(".")
        d = meta
        for p in parents:
            d = d[p]
        d[key] = value

    return edit


def _delete(path: str) -> Callable[[dict[str, Any], dict[str, np.ndarray]], None]:
    def edit(meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        *parents, key = path.split(".")
        d = meta
        for p in parents:
            d = d[p]
        del d[key]

    return edit


Edit = Callable[[dict[str, Any], dict[str, np.ndarray]], None]


def _arrays(fn: Callable[[dict[str, np.ndarray]], None]) -> Edit:
    return lambda meta, arrays: fn(arrays)


def _both(*edits: Callable[[dict[str, Any], dict[str, np.ndarray]], None]) -> Callable[..., None]:
    def edit(meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        for e in edits:
            e(meta, arrays)

    return edit


def _huge_tiles(consistent: bool) -> Callable[[dict[str, Any], dict[str, np.ndarray]], None]:
    """TileCoding(256, 16) on CartPole: 256 * 17**4 = 21,381,376 features."""

    def edit(meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        meta["features"]["config"].update(n_tilings=256, tiles_per_dim=16)
        if consistent:  # the spaces agree with the config; only the arrays are small
            meta["spaces"]["n_features"] = 256 * 17**4

    return edit


def _pop(name: str) -> Callable[[dict[str, np.ndarray]], None]:
    return lambda arrays: arrays.pop(name)


def _meta_member(raw: bytes) -> Callable[[], bytes]:
    def make() -> bytes:
        meta, arrays = read_parts(BASE)
        return model_bytes(meta, arrays, valid_checksum=False,
                           raw={"__meta__.npy": npy_bytes(np.frombuffer(raw, np.uint8))})

    return make


CASES: dict[str, Case] = {
    # -- not a model at all ---------------------------------------------------------
    "empty": Case(lambda: b"", NOT_A_MODEL + r" \(not a zip archive\)", "an empty file"),
    "text": Case(lambda: b"this is not a model\n" * 20, NOT_A_MODEL + r" \(not a zip archive\)",
                 "a text file"),
    "raw-pickle": Case(lambda: pickle.dumps(Loud()), NOT_A_MODEL + r" \(not a zip archive\)",
                       "a raw pickle whose loading would print"),
    "npy-array": Case(lambda: npy_bytes(np.arange(10.0)), NOT_A_MODEL + r" \(a single \.npy array\)",
                      "a bare .npy array"),
    "foreign-zip": Case(lambda: zip_bytes([("hello.txt", b"hello")]), r"\(no pgfast metadata\)",
                        "a zip archive of something else"),
    "foreign-npz": Case(lambda: zip_bytes([("weights.npy", npy_bytes(np.ones((4, 2)))),
                                           ("bias.npy", npy_bytes(np.zeros(2)))]),
                        r"\(no pgfast metadata\)", "an .npz of other arrays"),
    "foreign-npz-compressed": Case(
        lambda: zip_bytes([("weights.npy", npy_bytes(np.ones((4, 2))))], zipfile.ZIP_DEFLATED),
        r"\(no pgfast metadata\)", "a compressed .npz of other arrays"),
    "foreign-format": Case(edited(_set("format", "something-else")), r"\(format 'something-else'\)",
                           "metadata of another format"),
    "newer-format-version": Case(edited(_set("format_version", 4)),
                                 r"model format version 4; this pgfast reads versions <= 3: upgrade pgfast",
                                 "a newer format version"),
    # -- damaged ---------------------------------------------------------------------
    "truncated-half": Case(_truncated(0.5), NOT_A_MODEL, "the first half of a model"),
    "truncated-directory": Case(_truncated(0.99), NOT_A_MODEL, "a model without its last 1%"),
    "bit-flipped-params": Case(_bit_flipped("params.npy", 0.9), r"is corrupt",
                               "one flipped bit in the parameters"),
    "bit-flipped-metadata": Case(_bit_flipped("__meta__.npy", 0.5), r"is corrupt",
                                 "one flipped bit in the metadata"),
    "bit-flipped-params-crc-fixed": Case(_bit_flipped("params.npy", 0.9, fix_crc=True),
                                         r"is corrupt: checksum mismatch",
                                         "a flipped bit behind a recomputed CRC-32: the SHA-256 catches it"),
    "edited-params": Case(edited(_arrays(lambda a: a.__setitem__("params", a["params"] + 1e-12)),
                                 valid_checksum=False),
                          r"is corrupt: checksum mismatch", "parameters edited, checksum left as it was"),
    "checksum-empty": Case(edited(lambda m, a: None, raw={"__checksum__.npy": b""}), NOT_A_MODEL,
                           "an empty __checksum__ member"),
    "checksum-missing": Case(lambda: zip_bytes([(n, d) for n, d in _zip_members(base_bytes())
                                                if n != "__checksum__.npy"]),
                             r"member '__checksum__' is missing", "no __checksum__ member"),
    # -- larger than a model can be: refused before anything is read ---------------------
    "declared-shape-1e11": Case(_declared("params", "<f8", (10**11,)),
                                r"member 'params' declares shape \(100000000000,\)",
                                "a member declaring 10^11 float64 (800 GB) in 64 bytes"),
    "declared-negative-shape": Case(_declared("params", "<f8", (-1, -8)), r"declares a negative dimension",
                                    "a member declaring shape (-1, -8), whose product is 8"),
    "declared-metadata-1e9": Case(_declared("__meta__", "|u1", (10**9,)), r"member '__meta__' declares shape",
                                  "metadata declaring 1 GB"),
    "deflate-bomb-1GiB": Case(_deflate_bomb, r"member 'params' is compressed",
                              "1 GiB of zeros deflated to 1 MB"),
    "zip-with-1001-members": Case(_many_members, r"a zip archive of 1001 members",
                                  "1001 members (zipfile would build an object for each)"),
    "metadata-600k-values": Case(_meta_member(b"," * 600_000), r"metadata of 600000 JSON values",
                                 "600,000 JSON values (json.loads would build them all)"),
    "metadata-deeply-nested": Case(_meta_member(b"[" * 200_000), r"bad metadata",
                                   "200,000 nested lists"),
    "tile-coding-256x16": Case(edited(_huge_tiles(consistent=False), base=TILES),
                               r"feature map's configuration gives more than 1024 features",
                               "TileCoding(256, 16) config over the parameters of TileCoding(4, 3)"),
    "tile-coding-256x16-consistent-spaces": Case(
        edited(_huge_tiles(consistent=True), base=TILES),
        r"the metadata describes 42762754 policy parameters .* but 'params' has shape \(2050,\)",
        "TileCoding(256, 16) config and spaces, with the small parameter array"),
    # -- strange members ---------------------------------------------------------------
    "extra-member": Case(edited(_arrays(lambda a: a.__setitem__("extra", np.zeros(3)))),
                         r"unexpected member 'extra'", "an extra array (in the checksum)"),
    "extra-python-file": Case(lambda: zip_bytes(
        [(n, d) for n, d in _zip_members(base_bytes())] + [("payload.py", b"print('hi')\n")]),
        r"unexpected member 'payload.py'", "a .py file next to the arrays"),
    "path-in-member-name": Case(lambda: zip_bytes(
        [(n, d) for n, d in _zip_members(base_bytes())] + [("../evil.npy", npy_bytes(np.zeros(1)))]),
        r"unexpected member '\.\./evil\.npy'", "a member named ../evil.npy"),
    "duplicate-member": Case(_duplicate_member, r"a member name appears twice", "two params.npy"),
    "encrypted-flag": Case(_encrypted_flag, r"is encrypted", "the 'encrypted' flag set"),
    "pickled-object-array": Case(_object_array, r"member 'params' holds objects",
                                 "params as a pickled object array whose loading would print"),
    "missing-member": Case(edited(_arrays(_pop("history_update_step"))),
                           r"member 'history_update_step' is missing", "a history array removed"),
    "fortran-order": Case(lambda: _fortran(*read_parts(PENDULUM)), r"stored in Fortran order",
                          "a 2-D member in Fortran order"),
    "wrong-dtype": Case(edited(_arrays(lambda a: a.__setitem__("params", a["params"].astype(np.float32)))),
                        r"member 'params' has dtype float32, expected float64", "float32 parameters"),
    "metadata-not-bytes": Case(edited(lambda m, a: None, raw={"__meta__.npy": npy_bytes(np.zeros(3))}),
                               r"metadata of dtype float64", "metadata stored as float64"),
    # -- a valid checksum over inconsistent contents ----------------------------------------
    "module-env-id": Case(edited(_set("env_id", PLANTED_MODULE + ":Planted-v0")),
                          r"'module:' prefix would make gymnasium import that module",
                          "env id naming a module to import"),
    "unregistered-env-id": Case(edited(_set("env_id", "NoSuchEnvironment-v0")),
                                r"'NoSuchEnvironment-v0', which is not registered", "an unknown env id"),
    "env-id-not-a-string": Case(edited(_set("env_id", 7)), r"'env_id' must be a string", "env id 7"),
    "history-unequal-lengths": Case(
        edited(_arrays(lambda a: a.__setitem__("history_episode_return", a["history_episode_return"][:-1]))),
        r"the episode history arrays have unequal lengths", "one episode return missing"),
    "history-decreasing-steps": Case(
        edited(_arrays(lambda a: a["history_episode_end_step"].__setitem__(slice(0, 2), [100.0, 50.0]))),
        r"'history_episode_end_step' must not decrease", "episode end steps going back"),
    "history-beyond-total-steps": Case(edited(_set("total_steps", 10)), r"in \[0, total_steps=10\]",
                                       "episodes ending after the last step"),
    "adam-moments-without-step-count": Case(edited(_set("optimizer_t", 0)),
                                            r"member 'optimizer_m' has shape \(10,\), expected \(0,\)",
                                            "Adam moments with t = 0 (would be dropped)"),
    "adam-step-count-without-moments": Case(
        edited(_arrays(lambda a: a.update(optimizer_m=np.zeros(0), optimizer_v=np.zeros(0)))),
        r"member 'optimizer_m' has shape \(0,\), expected \(10,\)", "t > 0 and no moments"),
    "adam-state-with-sgd": Case(edited(_set("hyperparameters.optimizer", "sgd")),
                                r"'optimizer_t' is \d+ but there is no Adam optimiser to restore",
                                "Adam moments for an SGD agent (would be dropped)"),
    "adam-negative-second-moment": Case(edited(_arrays(lambda a: a["optimizer_v"].__setitem__(0, -1.0))),
                                        r"'optimizer_v' .* contains negative values", "v < 0"),
    "params-nan": Case(edited(_arrays(lambda a: a["params"].__setitem__(3, np.nan))),
                       r"'params' contains NaN or inf", "a NaN parameter"),
    "baseline-without-baseline-params": Case(edited(_set("hyperparameters.baseline", "linear")),
                                             r"member 'baseline_params' has shape \(0,\), expected \(5,\)",
                                             "a baseline switched on without its weights"),
    "spaces-missing": Case(edited(_delete("spaces")), r"metadata 'spaces' is missing", "no spaces"),
    "n-features-a-string": Case(edited(_set("spaces.n_features", "4")),
                                r"metadata spaces\.'n_features' must be an int", "n_features '4'"),
    "hyperparameter-bad-value": Case(edited(_set("hyperparameters.lr", "abc")),
                                     r"hyperparameter 'lr' has an invalid value 'abc'", "lr 'abc'"),
    "hyperparameter-bool-as-string": Case(edited(_set("hyperparameters.normalize_returns", "no")),
                                          r"hyperparameter 'normalize_returns' has an invalid value 'no'",
                                          "normalize_returns 'no'"),
    "hyperparameter-unknown": Case(edited(_set("hyperparameters.env", "x")), r"unknown hyperparameter 'env'",
                                   "a hyperparameter that would clash with an argument of the class"),
    "feature-kind-unknown": Case(edited(_set("features.kind", "pickle")), r"unknown feature kind 'pickle'",
                                 "an unknown feature kind"),
    "feature-map-unknown": Case(edited(_set("features.config.type", "Evil"), base=TILES),
                                r"unknown feature map 'Evil'", "an unknown feature map type"),
    "rng-not-pcg64": Case(edited(_set("rng_state.bit_generator", "MT19937")),
                          r"'rng_state' is not the state of a PCG64 generator", "another bit generator"),
    "rng-state-malformed": Case(edited(_set("eval_rng_state.state", {"state": "x", "inc": 1})),
                                r"'eval_rng_state' is not a valid PCG64 state",
                                "a string as generator state"),
    "pending-episodes-dropped": Case(edited(_set("pending_episodes", 0), base=PENDULUM),
                                     r"'pending_episodes' is 0 but 200 pending steps are stored",
                                     "pending steps that would be dropped"),
    "pending-unequal-lengths": Case(
        edited(_arrays(lambda a: a.__setitem__("pending_R", a["pending_R"][:-1])), base=PENDULUM),
        r"the pending-episode arrays have unequal lengths", "one pending reward missing"),
    "pending-not-ending-an-episode": Case(
        edited(_arrays(lambda a: a.update(pending_term=np.zeros_like(a["pending_term"]),
                                          pending_trunc=np.zeros_like(a["pending_trunc"]))), base=PENDULUM),
        r"pending episodes: the last step does not end an episode", "pending steps without an episode end"),
    "pending-index-out-of-range": Case(
        edited(_arrays(lambda a: a["pending_I"].__setitem__((0, 0), 10**6)), base=TILES),
        r"pending episodes: a feature index is out of range", "a tile index beyond the map"),
    # -- format 3: the history members are named by agent.history's keys --------------------
    "format3-old-history-member": Case(
        edited(_arrays(lambda a: a.__setitem__("history_update_step",
                                               a.pop("history_update_total_timesteps"))), base=FORMAT3),
        r"unexpected member 'history_update_step'", "a format-2 history member in a format-3 file"),
    "format3-history-decreasing-steps": Case(
        edited(_arrays(lambda a: a["history_episode_total_timesteps"].__setitem__(
            slice(0, 2), [100.0, 50.0])), base=FORMAT3),
        r"'history_episode_total_timesteps' must not decrease", "episode end steps going back (format 3)"),
    "format3-update-history-unequal-lengths": Case(
        edited(_arrays(lambda a: a.__setitem__("history_update_grad_norm",
                                               a["history_update_grad_norm"][:-1])), base=FORMAT3),
        r"the update history arrays have unequal lengths", "one update record missing (format 3)"),
    "format3-pending-not-ending-an-episode": Case(
        edited(_arrays(lambda a: a.update(pending_term=np.zeros_like(a["pending_term"]),
                                          pending_trunc=np.zeros_like(a["pending_trunc"]))), base=FORMAT3),
        r"pending episodes: the last step does not end an episode", "no episode end (format 3)"),
}


def _zip_members(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [(i.filename, zf.read(i)) for i in zf.infolist()]


def main() -> None:
    OUT.mkdir(exist_ok=True)
    names = set()
    for name, case in CASES.items():
        data = case.make()
        (OUT / f"{name}.pgfast").write_bytes(data)
        names.add(f"{name}.pgfast")
        print(f"{name:45s} {len(data):>9d} bytes  {zlib.crc32(data):08x}")
    for stale in OUT.glob("*.pgfast"):
        if stale.name not in names:
            stale.unlink()


if __name__ == "__main__":
    main()
