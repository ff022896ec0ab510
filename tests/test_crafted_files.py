"""Crafted model files: each is refused with a ValueError that names what is wrong.

The corpus ``tests/data/crafted/`` is written by ``tests/data/make_crafted.py``, which
also states, per file, the defect and the message the refusal must carry. Most files
have a valid SHA-256: the checksum is not a signature (anyone can recompute it), so
the loader must be safe whatever a file holds — never import a module, unpickle an
object, allocate what the file does not hold, or accept inconsistent contents.
"""

import importlib.util
import json
import os
import pathlib
import subprocess
import sys
import textwrap
import time

import numpy as np
import pgfast
import pytest
from pgfast import Reinforce

DATA = pathlib.Path(__file__).parent / "data"
CRAFTED = DATA / "crafted"


def _load_script():
    spec = importlib.util.spec_from_file_location("make_crafted", DATA / "make_crafted.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_crafted"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


make_crafted = _load_script()
CASES = make_crafted.CASES


def test_the_corpus_holds_exactly_the_cases_of_the_script():
    assert sorted(p.stem for p in CRAFTED.glob("*.pgfast")) == sorted(CASES)


def test_every_crafted_file_is_small():
    assert max(p.stat().st_size for p in CRAFTED.glob("*.pgfast")) < 1.1e6


@pytest.mark.parametrize("name", sorted(CASES))
def test_crafted_file_is_refused_with_a_value_error_naming_the_defect(name):
    start = time.perf_counter()
    with pytest.raises(ValueError, match=CASES[name].match) as info:
        Reinforce.load(CRAFTED / f"{name}.pgfast")
    assert time.perf_counter() - start < 1.0
    assert str(CRAFTED / f"{name}.pgfast") in str(info.value)  # says which file


@pytest.mark.parametrize("name", sorted(CASES))
def test_refusal_never_suggests_unpickling(name):
    path = CRAFTED / f"{name}.pgfast"
    with pytest.raises(ValueError) as info:
        Reinforce.load(path)
    message = str(info.value).replace(str(path), "")
    assert "allow_pickle" not in message
    assert "pickled" not in message


@pytest.mark.parametrize("name", ["text", "empty", "raw-pickle", "foreign-zip", "npy-array"])
def test_a_file_that_is_no_model_is_called_so(name):
    with pytest.raises(ValueError, match="not a pgfast model file"):
        Reinforce.load(CRAFTED / f"{name}.pgfast")


@pytest.mark.parametrize("name", ["raw-pickle", "pickled-object-array"])
def test_pickled_content_is_never_unpickled(name, capfd):
    with pytest.raises(ValueError):
        Reinforce.load(CRAFTED / f"{name}.pgfast")
    assert "A PICKLE WAS LOADED" not in capfd.readouterr().out


def test_the_pickle_cases_would_run_code_if_unpickled(capfd):
    """The control for the test above: the payload does print when unpickled."""
    import pickle

    pickle.loads((CRAFTED / "raw-pickle.pgfast").read_bytes())
    assert "A PICKLE WAS LOADED" in capfd.readouterr().out


@pytest.fixture
def planted_module(tmp_path, monkeypatch):
    """An importable module whose top-level code leaves a marker file."""
    marker = tmp_path / "imported"
    (tmp_path / f"{make_crafted.PLANTED_MODULE}.py").write_text(
        f"open({str(marker)!r}, 'w').close()\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield marker
    sys.modules.pop(make_crafted.PLANTED_MODULE, None)


def test_a_module_env_id_is_never_imported(planted_module):
    with pytest.raises(ValueError, match="pass env="):
        Reinforce.load(CRAFTED / "module-env-id.pgfast")
    assert not planted_module.exists()
    assert make_crafted.PLANTED_MODULE not in sys.modules


def test_the_planted_module_is_importable(planted_module):
    """The control for the test above: the module is there, and importing it leaves the marker."""
    assert importlib.util.find_spec(make_crafted.PLANTED_MODULE) is not None
    importlib.import_module(make_crafted.PLANTED_MODULE)
    assert planted_module.exists()


def test_a_module_env_id_file_loads_with_an_explicit_env():
    agent = Reinforce.load(CRAFTED / "module-env-id.pgfast", env="CartPole-v1")
    reference = Reinforce.load(DATA / "models" / "cartpole-v1-format2.pgfast")
    np.testing.assert_array_equal(agent.policy.params, reference.policy.params)


def test_an_unregistered_env_id_names_the_way_out():
    with pytest.raises(ValueError, match=r"import the package that registers it .* pass env="):
        Reinforce.load(CRAFTED / "unregistered-env-id.pgfast")


def test_the_valid_checksum_cases_do_carry_a_valid_checksum():
    """The inconsistent files are refused for what they hold, not for their checksum."""
    from pgfast.io import _checksum

    for name in ("history-unequal-lengths", "adam-state-with-sgd", "tile-coding-256x16", "module-env-id"):
        with np.load(CRAFTED / f"{name}.pgfast", allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        meta = arrays.pop("__meta__").tobytes()
        assert _checksum(meta, {k: a for k, a in arrays.items() if k != "__checksum__"}) == \
            arrays["__checksum__"].tobytes().decode()


def test_a_byte_swapped_model_loads_identically(tmp_path):
    """Big-endian arrays (a file written on another machine) are converted, not refused."""
    base = DATA / "models" / "pendulum-v1-baseline-format2.pgfast"
    meta, arrays = make_crafted.read_parts(base)
    swapped = {k: a.astype(a.dtype.newbyteorder(">")) for k, a in arrays.items()}
    path = tmp_path / "swapped.pgfast"
    path.write_bytes(make_crafted.model_bytes(meta, swapped))
    a, b = Reinforce.load(base), Reinforce.load(path)
    np.testing.assert_array_equal(a.policy.params, b.policy.params)
    np.testing.assert_array_equal(a._learner.pending()["X"], b._learner.pending()["X"])
    assert a.optimizer.state()[0] == b.optimizer.state()[0]


MEASURE = textwrap.dedent(
    """
    import json, resource, sys, time
    import pgfast
    from pgfast import Reinforce

    def peak_mb():
        # VmHWM: the peak RSS of this process image. ru_maxrss would do elsewhere, but Linux
        # carries it over fork + exec, so a child of a big pytest process starts "big".
        try:
            with open("/proc/self/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) / 1024
        except OSError:
            pass
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    before = peak_mb()
    seconds = {}
    accepted = []
    for path in sys.argv[1:]:
        start = time.perf_counter()
        try:
            Reinforce.load(path)
            accepted.append(path)
        except ValueError:
            pass
        seconds[path] = time.perf_counter() - start
    print(json.dumps({"rss_before_mb": before, "rss_peak_mb": peak_mb(), "seconds": seconds,
                      "accepted": accepted}))
    """
)


def _measure(paths):
    out = subprocess.run([sys.executable, "-c", MEASURE, *map(str, paths)], capture_output=True,
                         text=True, check=True, env=dict(os.environ, PYTHONWARNINGS="ignore"))
    return json.loads(out.stdout)


@pytest.mark.skipif(sys.platform == "win32", reason="resource.getrusage is POSIX")
def test_the_whole_corpus_is_refused_within_1_s_per_file_and_100_MB():
    """The peak RSS is the process's: under 100 MB after all files means under it for each."""
    files = sorted(CRAFTED.glob("*.pgfast"))
    result = _measure(files)
    assert result["accepted"] == []
    assert result["rss_peak_mb"] < 100, result
    assert max(result["seconds"].values()) < 1.0, result


@pytest.mark.skipif(sys.platform == "win32", reason="resource.getrusage is POSIX")
def test_a_10_MB_model_is_accepted_within_1_s_and_100_MB(tmp_path):
    """A genuine large model (tile coding, 389,378 parameters with Adam's moments)."""
    bounds = ((-2.4, -3, -0.21, -3.5), (2.4, 3, 0.21, 3.5))
    features = pgfast.features.TileCoding(8, [12, 12, 11, 11], bounds=bounds)
    model = Reinforce("CartPole-v1", seed=0, features=features, baseline=None)  # no baseline's 2 x 389,378
    path = model.learn(200).save(tmp_path / "big")
    assert 9e6 < path.stat().st_size <= 10e6
    result = _measure([path])
    assert result["accepted"] == [str(path)]
    assert result["rss_peak_mb"] < 100, result
    assert max(result["seconds"].values()) < 1.0, result


# ---------------------------------------------------------------------------------
# Random crafted files (seeded): a valid checksum over any edit gives a ValueError or
# a model, never another exception
# ---------------------------------------------------------------------------------
def _paths(node, prefix=()):
    """Every path into a JSON document (dict keys and list indices)."""
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*prefix, i))


def _random_json(rng):
    choices = [None, True, False, 0, -1, 1, 2, 10**30, -(10**30), 0.5, -1e308, float("nan"), float("inf"),
               "", "x", "adam", "linear", "PCG64", "TileCoding", "CartPole-v1", [], [1, 2], {}, {"a": 1}]
    return choices[rng.integers(len(choices))]


BASES = ["cartpole-v1-format2", "cartpole-v1-tiles-format2", "pendulum-v1-baseline-format2"]


def _load_outcome(path):
    try:
        Reinforce.load(path)
    except ValueError:
        return "refused"
    return "loaded"


@pytest.mark.parametrize("base", BASES)
def test_any_metadata_edit_with_a_valid_checksum_gives_a_value_error_or_a_model(base, tmp_path):
    rng = np.random.default_rng(0)
    meta0, arrays = make_crafted.read_parts(DATA / "models" / f"{base}.pgfast")
    paths = [p for p in _paths(meta0) if p]
    outcomes = {"refused": 0, "loaded": 0}
    for i in range(120):
        meta = json.loads(json.dumps(meta0))
        path = paths[rng.integers(len(paths))]
        node = meta
        for key in path[:-1]:
            node = node[key]
        if rng.random() < 0.1 and isinstance(node, dict):
            del node[path[-1]]
        else:
            node[path[-1]] = _random_json(rng)
        file = tmp_path / f"{i}.pgfast"
        file.write_bytes(make_crafted.model_bytes(meta, arrays))
        outcomes[_load_outcome(file)] += 1  # any other exception fails the test
    assert outcomes["refused"] > 60, outcomes


@pytest.mark.parametrize("base", BASES)
def test_any_array_edit_with_a_valid_checksum_gives_a_value_error_or_a_model(base, tmp_path):
    rng = np.random.default_rng(1)
    meta, arrays0 = make_crafted.read_parts(DATA / "models" / f"{base}.pgfast")
    names = sorted(arrays0)
    dtypes = [np.float64, np.float32, np.int64, np.int8, np.bool_, np.uint8, np.complex128, ">f8"]
    outcomes = {"refused": 0, "loaded": 0}
    for i in range(120):
        arrays = {k: a.copy() for k, a in arrays0.items()}
        name = names[rng.integers(len(names))]
        a = arrays[name]
        how = rng.integers(5)
        if how == 0:  # another dtype
            arrays[name] = a.astype(dtypes[rng.integers(len(dtypes))])
        elif how == 1:  # another length
            arrays[name] = np.resize(a, (max(0, len(a) + int(rng.integers(-3, 4))), *a.shape[1:]))
        elif how == 2:  # another number of dimensions
            arrays[name] = a.reshape(-1) if a.ndim > 1 else a.reshape(-1, 1)
        elif how == 3 and a.size and a.dtype.kind in "fi":  # one odd value
            odd = [np.nan, -1, 1e300, 10**6] if a.dtype.kind == "f" else [-1, 10**6, 2**40]
            a.reshape(-1)[rng.integers(a.size)] = odd[rng.integers(len(odd))]
        else:  # gone
            del arrays[name]
        file = tmp_path / f"{i}.pgfast"
        file.write_bytes(make_crafted.model_bytes(meta, arrays))
        outcomes[_load_outcome(file)] += 1
    assert outcomes["refused"] > 60, outcomes
