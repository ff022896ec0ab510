"""The benchmark suite runs: tiny sizes, well-formed JSON, non-empty PNGs.

The figures themselves are not asserted (they are timings of a shared machine); only
that every benchmark runs, reports its ratios, and writes what it promises.
"""

import json
import math
import os
import subprocess
import sys
import types

import pytest
from pgfast import _bench
from pgfast._bench import kernels, report
from pgfast.cli import main as cli_main

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """One tiny run of every section, shared by the tests below."""
    out = tmp_path_factory.mktemp("bench")
    assert _bench.main(["--tiny", "--full", "--quiet", "--out", str(out)]) == 0
    with open(out / "bench.json") as f:
        return out, json.load(f)


def test_json_has_machine_information(tiny_run):
    _, doc = tiny_run
    m = doc["machine"]
    assert m["cpu"] and m["cores"] >= 1
    for key in ("python", "numpy", "gymnasium", "pgfast", "platform"):
        assert isinstance(m[key], str)


def test_every_section_reports_records(tiny_run):
    _, doc = tiny_run
    kinds = {r["kind"] for r in doc["results"]}
    assert {"per_call", "features", "policy_gradient", "returns", "scaling", "learn", "solve",
            "memory", "tile_learning"} <= kinds


def test_tile_learning_reports_sparse_and_dense_costs(tiny_run):
    _, doc = tiny_run
    rec = next(r for r in doc["results"] if r["kind"] == "tile_learning")
    assert set(rec["seconds_per_step"]) == {"sparse", "dense"}
    assert all(v > 0 for d in rec["seconds_per_step"].values() for v in d.values())
    assert rec["sparse_1e5_over_smallest"] > 0 and rec["dense_over_sparse"] > 0


def test_per_call_records_ratios_against_numpy_and_the_floor(tiny_run):
    _, doc = tiny_run
    per_call = [r for r in doc["results"] if r["kind"] == "per_call"]
    assert [r["name"] for r in per_call] == ["sample d=4 k=2", "log_prob d=4 k=2", "grad_log_prob d=4 k=2"]
    for r in per_call:
        assert r["seconds"]["pgfast"] > 0 and r["seconds"]["floor"] > 0
        assert r["speedup_vs_numpy"] == pytest.approx(r["seconds"]["numpy"] / r["seconds"]["pgfast"])
        assert r["ratio_to_floor"] == pytest.approx(r["seconds"]["pgfast"] / r["seconds"]["floor"])


def test_scaling_sweeps_cover_T_d_and_k(tiny_run):
    _, doc = tiny_run
    sc = next(r for r in doc["results"] if r["kind"] == "scaling")
    assert set(sc["policy_gradient"]) == {"T", "d", "k"}
    for axis, recs in sc["policy_gradient"].items():
        values = [r[axis] for r in recs]
        assert values == sorted(values) and len(values) >= 2
        assert all(r["ns_per_element"] > 0 for r in recs)
    assert [r["T"] for r in sc["returns"]] == [r["T"] for r in sc["policy_gradient"]["T"]]


def test_learn_throughput_replays_the_same_environment_work(tiny_run):
    _, doc = tiny_run
    learn = [r for r in doc["results"] if r["kind"] == "learn"]
    assert [(r["name"], r["n_envs"]) for r in learn] == [
        ("learn CartPole-v1 Env", 1), ("learn CartPole-v1 vector env x8", 8),
        ("learn actor-critic CartPole-v1 Env", 1)]
    for r in learn:
        assert r["same_work"] is True
        assert r["throughput_ratio"] > 0


def test_actor_critic_steps_are_timed_against_the_twin_and_over_tiles(tiny_run):
    _, doc = tiny_run
    steps = [r for r in doc["results"] if r["kind"] == "ac_step"]
    assert steps and all(r["speedup_vs_numpy"] > 0 for r in steps)
    tiles = next(r for r in doc["results"] if r["kind"] == "ac_tiles")
    assert tiles["tiles_1e5_over_smallest"] > 0 and len(tiles["seconds_per_step"]) >= 2


def test_time_to_solve_runs_every_method_and_seed(tiny_run):
    _, doc = tiny_run
    solve = next(r for r in doc["results"] if r["kind"] == "solve")
    assert solve["seeds"] == [0, 1, 2, 3, 4]
    methods = {r["method"] for r in solve["runs"]}
    assert {"pgfast", "numpy"} <= methods
    assert len(solve["runs"]) == 5 * len(methods)
    for r in solve["runs"]:  # tiny budgets: unsolved runs are null, not NaN or inf
        assert r["steps"] is None or r["steps"] > 0
        assert r["train_time_s"] > 0


def test_memory_record_is_finite(tiny_run):
    _, doc = tiny_run
    mem = next(r for r in doc["results"] if r["kind"] == "memory")
    assert mem["rss_peak_bytes"] >= mem["rss_start_bytes"] > 0
    assert mem["bytes_per_step"] is None or math.isfinite(mem["bytes_per_step"])


def test_targets_list_every_figure_with_met_or_not_run(tiny_run):
    _, doc = tiny_run
    figures = [t["figure"] for t in doc["targets"]]
    # issue 6: 9 figures; issue 5: 5 feature maps and 2 tile-learning figures; issue 13: the
    # native solve (wall time, thread CPU time, same step counts as the gymnasium path)
    assert len(figures) == 19
    for t in doc["targets"]:
        assert t["met"] in (True, False, None)
        assert (t["value"] is None) == (t["met"] is None)


def test_plots_are_non_empty_pngs(tiny_run):
    pytest.importorskip("matplotlib")
    out, _ = tiny_run
    for name in ("scaling.png", "time_to_solve.png"):
        with open(out / name, "rb") as f:
            data = f.read()
        assert data.startswith(PNG_MAGIC) and len(data) > 1000


def test_feature_maps_absent_are_reported_absent_not_passed(monkeypatch):
    monkeypatch.setitem(sys.modules, "pgfast.features", None)  # import fails
    recs = kernels.bench_features(_bench.settings("tiny"), _bench.Progress(False))
    assert recs[0]["status"] == "absent"
    assert "feature maps" in report.table(recs) and "ABSENT" in report.table(recs)


def test_feature_hook_measures_maps_and_reports_broken_factories(monkeypatch):
    class Identity:
        n_features = 5

        def __call__(self, obs):
            return obs

    fake = types.ModuleType("pgfast.features")
    fake.Identity = lambda: "an Identity spec"
    fake.build = lambda spec, n, backend="cpp": Identity() if backend == "cpp" else (lambda obs: obs.copy())
    fake.Polynomial = lambda **kw: 1 / 0  # a constructor out of step with the hook
    monkeypatch.setitem(sys.modules, "pgfast.features", fake)
    recs = {r["name"]: r for r in kernels.bench_features(_bench.settings("tiny"), _bench.Progress(False))}
    assert recs["features.Identity"]["status"] == "measured"
    assert recs["features.Identity"]["ratio_to_floor"] > 0
    assert recs["features.Identity"]["speedup_vs_numpy"] > 0
    assert recs["features.Polynomial"]["status"] == "error"
    assert recs["features.Fourier"]["status"] == "absent"


def test_unknown_section_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown section"):
        _bench.run("tiny", only=["nope"], progress=False)


def test_cli_bench_writes_json(tmp_path, capsys):
    assert cli_main(["bench", "--only", "kernels", "--quiet", "--out", str(tmp_path)]) == 0
    assert "policy_gradient T=1e5" in capsys.readouterr().out
    with open(tmp_path / "bench.json") as f:
        doc = json.load(f)
    assert doc["mode"] == "quick"
    assert {r["kind"] for r in doc["results"]} == {"policy_gradient", "returns"}


@pytest.mark.skipif(not os.path.isdir(os.path.join(REPO, "bench")), reason="needs the source tree")
def test_python_m_bench_is_the_same_entry_point(tmp_path):
    r = subprocess.run([sys.executable, "-m", "bench", "--tiny", "--only", "per_call", "--quiet",
                        "--out", str(tmp_path)], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "sample d=4 k=2" in r.stdout
    assert os.path.getsize(tmp_path / "bench.json") > 0


# The two-action policy_gradient fast path (added for the benchmark's target) checks the
# preferences once per block of steps: a bad step late in a long batch must still raise.
@pytest.mark.parametrize("bad_step", [0, 255, 256, 999])
def test_two_action_policy_gradient_rejects_non_finite_preferences_anywhere(bad_step):
    import numpy as np
    import pgfast

    p = pgfast.LinearSoftmax(3, 2)
    p.params = np.full(p.n_params, 1e300)
    X = np.zeros((1000, 3))
    X[bad_step] = 1e10
    with pytest.raises(ValueError, match="not finite"):
        pgfast.policy_gradient(p, X, np.zeros(1000, dtype=np.int64), np.ones(1000))


def test_two_action_policy_gradient_matches_the_reference():
    import numpy as np
    import pgfast
    from pgfast import reference

    rng = np.random.default_rng(0)
    for bias in (True, False):
        cpp, ref = pgfast.LinearSoftmax(5, 2, bias=bias), reference.LinearSoftmax(5, 2, bias=bias)
        cpp.params = ref.params = rng.standard_normal(cpp.n_params)
        X, A, w = rng.standard_normal((700, 5)), rng.integers(0, 2, 700), rng.standard_normal(700)
        np.testing.assert_allclose(pgfast.policy_gradient(cpp, X, A, w),
                                   reference.policy_gradient(ref, X, A, w), rtol=1e-10, atol=1e-10)


def test_a_full_run_leaves_the_zoo_out(tiny_run):
    _, doc = tiny_run
    assert "zoo" not in {r["kind"] for r in doc["results"]}


def test_bench_zoo_trains_an_entry_and_judges_its_worst_seed(tmp_path):
    out = tmp_path / "zoo"
    assert _bench.main(["--tiny", "--zoo", "--quiet", "--out", str(out)]) == 0
    with open(out / "bench.json") as f:
        doc = json.load(f)
    (rec,) = doc["results"]  # --zoo runs the zoo section alone (tiny: one entry, one seed)
    assert rec["kind"] == "zoo" and rec["status"] == "measured" and rec["seeds"] == [0]
    assert rec["total_timesteps"] == 1000 and len(rec["greedy_mean"]) == len(rec["train_seconds"]) == 1
    assert rec["worst"] == min(rec["greedy_mean"]) and rec["met"] == (rec["worst"] >= rec["target"])
    (target,) = [t for t in doc["targets"] if t["figure"].startswith("zoo ")]
    assert target["value"] == rec["worst"] and target["met"] == rec["met"]


def test_bench_zoo_reports_an_env_that_cannot_be_made_as_skipped(monkeypatch):
    from pgfast import zoo
    from pgfast._bench import zoo as bench_zoo
    from pgfast._bench._timing import Progress, settings

    def no_env(env_id):
        raise ImportError("Box2D is not installed")

    monkeypatch.setattr(zoo, "make_env", no_env)
    rec = bench_zoo.bench_entry(settings("tiny"), Progress(False), "CartPole-v1")
    assert rec["status"] == "skipped" and "Box2D" in rec["note"] and "met" not in rec
    assert "SKIPPED: ImportError: Box2D" in report.table([rec])
