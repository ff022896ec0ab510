"""The report of a benchmark run: targets, the table (ratios first), JSON and PNG plots."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator
from typing import Any, Callable, Optional


def _find(results: list[dict[str, Any]], name: str) -> Optional[dict[str, Any]]:
    for r in _flat(results):
        if r.get("name") == name:
            return r
    return None


def _flat(results: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for r in results:
        yield r
        if r.get("kind") == "scaling":
            for recs in r["policy_gradient"].values():
                yield from recs
            yield from r["returns"]


def _get(name: str, key: str) -> Callable[[list[dict[str, Any]]], Optional[float]]:
    def get(results: list[dict[str, Any]]) -> Optional[float]:
        r = _find(results, name)
        v = None if r is None else r.get(key)
        return None if v is None else float(v)

    return get


def targets(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every figure of issue 6 against its target: value, target and whether it is met.

    A figure whose benchmark did not run in this mode (or whose baseline is not
    installed) has ``value`` None and ``met`` None: not measured, not a pass.
    """
    rows = [
        ("sample per call, d=4 k=2: speedup vs NumPy twin",
         _get("sample d=4 k=2", "speedup_vs_numpy"), ">=", 25.0),
        ("sample per call, d=4 k=2: time / pybind11 call floor",
         _get("sample d=4 k=2", "ratio_to_floor"), "<=", 2.0),
        ("policy_gradient T=1e5 d=4 k=2: speedup vs NumPy twin",
         _get("policy_gradient T=100000 d=4 k=2", "speedup_vs_numpy"), ">=", 10.0),
        ("discounted_returns T=1e5: speedup vs scipy lfilter",
         _get("discounted_returns T=100000", "speedup_vs_lfilter"), ">=", 3.0),
        ("learn CartPole-v1 Env: throughput / bare step loop",
         _get("learn CartPole-v1 Env", "throughput_ratio"), ">=", 0.9),
        ("learn CartPole-v1 vector env x8: throughput / bare step loop",
         _get("learn CartPole-v1 vector env x8", "throughput_ratio"), ">=", 0.9),
        ("CartPole-v1 time to solve: pgfast / numpy backend (median seeds 0-4)",
         _get("CartPole-v1 time to solve", "time_ratio_pgfast_over_numpy"), "<=", 0.5),
        ("CartPole-v1 time to solve: PyTorch example / pgfast (median seeds 0-4)",
         _get("CartPole-v1 time to solve", "speedup_vs_torch"), ">=", 50.0),
        ("CartPole-v1 time to solve on the native env, fused (median seeds 0-4, s; issue 13)",
         _get("CartPole-v1 time to solve", "native_median_time_s"), "<=", 0.002),
        ("CartPole-v1 time to solve on the native env, fused: thread CPU time (median, s)",
         _get("CartPole-v1 time to solve", "native_median_cpu_time_s"), "<=", 0.002),
        ("CartPole-v1 solve: native env's step counts == gymnasium's (1 = all seeds)",
         _get("CartPole-v1 time to solve", "native_same_steps"), ">=", 1.0),
    ]
    for fname in ("Identity", "Polynomial", "Fourier", "RBF", "TileCoding (active tiles)"):  # issue 5
        rows.append((f"features.{fname} per call: speedup vs NumPy twin",
                     _get(f"features.{fname}", "speedup_vs_numpy"), ">=", 20.0))
    tiles = "tile-coding learning step (8 tilings, SGD per_step)"
    rows.append(("tile learning step: cost at ~1e5 tiles / at ~1e3 tiles (sparse)",
                 _get(tiles, "sparse_1e5_over_smallest"), "<=", 1.5))
    rows.append(("tile learning step at ~1e5 tiles: dense equivalent / sparse",
                 _get(tiles, "dense_over_sparse"), ">=", 10.0))
    out = []
    for figure, get, op, target in rows:
        v = get(results)
        met = None if v is None else (v >= target if op == ">=" else v <= target)
        out.append({"figure": figure, "value": v, "op": op, "target": target, "met": met})
    for r in results:  # issue 14: every seed of 0-4 reaches the entry's target
        if r.get("kind") == "zoo":
            v = r.get("worst")
            out.append({"figure": f"zoo {r['env_id']}: worst greedy mean of seeds "
                                  f"{r['seeds'][0]}-{r['seeds'][-1]}", "value": v, "op": ">=",
                        "target": r["target"], "met": r.get("met")})
    mem = next((r for r in results if r.get("kind") == "memory"), None)
    v = None if mem is None else mem["bytes_per_step"]
    steps = mem["steps"] if mem else 0
    out.append({"figure": f"memory per step over a {steps}-step learn (RSS slope, bytes)",
                "value": v, "op": "<=", "target": 1.0,
                "met": None if v is None or math.isnan(v) else v <= 1.0})
    return out


def _fmt_s(t: float) -> str:
    for unit, f in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9)):
        if t >= f:
            return f"{t / f:.3g} {unit}"
    return f"{t / 1e-9:.3g} ns"


def _ratio_cells(r: dict[str, Any]) -> str:
    keys = [k for k in r if k.startswith(("speedup", "ratio", "throughput", "time_ratio"))
            or k.endswith(("_over_smallest", "_over_sparse"))]
    return ", ".join(f"{k.replace('speedup_vs_', 'x vs ')}={r[k]:.3g}" for k in keys)


def _abs_cells(r: dict[str, Any]) -> str:
    sec = r.get("seconds")
    if isinstance(sec, dict):
        return ", ".join(f"{k} {_fmt_s(v)}" for k, v in sec.items())
    if r.get("kind") == "tile_learning":
        return ", ".join(f"{kind} {n} tiles {_fmt_s(v)}/step" for kind, d in r["seconds_per_step"].items()
                         for n, v in d.items())
    if r.get("kind") == "solve":
        return ", ".join(f"{m} {v:.3g} s / {r['median_steps'][m]:.0f} steps"
                         for m, v in r["median_time_s"].items())
    return ""


def _zoo_cells(r: dict[str, Any]) -> str:
    if r["status"] != "measured":
        return f"{r['status'].upper()}: {r.get('note', '')}"
    means = " / ".join(f"{m:.4g}" for m in r["greedy_mean"])
    secs = " / ".join(f"{t:.3g}" for t in r["train_seconds"])
    return f"greedy mean {means} (target {r['target']:g}); train s {secs}; {r['total_timesteps']} steps"


def table(results: list[dict[str, Any]]) -> str:
    """Plain-text table: the targets first, then every benchmark's ratios and times."""
    lines = ["figure".ljust(72) + "value".rjust(10) + "  target    met"]
    for t in targets(results):
        v = "n/a" if t["value"] is None else f"{t['value']:.3g}"
        met = {True: "yes", False: "NO", None: "not run"}[t["met"]]
        lines.append(f"{t['figure']:<72}{v:>10}  {t['op']} {t['target']:<6g} {met}")
    lines.append("")
    lines.append(f"{'benchmark':<44} ratios (speedup: baseline time / pgfast time)   |   medians")
    for r in _flat(results):
        if r.get("kind") == "scaling":
            continue
        if r.get("kind") == "features" and r.get("status") != "measured":
            lines.append(f"{r['name']:<44} {r['status'].upper()}: {r.get('note') or r.get('error', '')}")
            continue
        if r.get("kind") == "zoo":
            lines.append(f"{r['name']:<44} {_zoo_cells(r)}")
            continue
        if r.get("kind") == "memory":
            lines.append(f"{r['name']:<44} bytes/step={r['bytes_per_step']:.3g}   |   "
                         f"RSS start {r['rss_start_bytes'] / 2**20:.1f} MiB, peak "
                         f"{r['rss_peak_bytes'] / 2**20:.1f} MiB, end {r['rss_end_bytes'] / 2**20:.1f} MiB")
            continue
        lines.append(f"{r['name']:<44} {_ratio_cells(r)}   |   {_abs_cells(r)}")
    return "\n".join(lines)


def markdown_table(results: list[dict[str, Any]]) -> str:
    """Return the targets, then every benchmark's ratios and medians, as Markdown tables."""
    lines = ["| figure | measured | target | met |", "|---|---:|---|---|"]
    for t in targets(results):
        v = "n/a" if t["value"] is None else f"{t['value']:.3g}"
        met = {True: "yes", False: "**no**", None: "not run"}[t["met"]]
        lines.append(f"| {t['figure']} | {v} | {t['op']} {t['target']:g} | {met} |")
    lines += ["", "| benchmark | ratios | medians |", "|---|---|---|"]
    for r in results:
        if r.get("kind") in ("scaling", "memory") or r.get("status") in ("absent", "error"):
            continue
        if r.get("kind") == "zoo":
            lines.append(f"| {r['name']} | | {_zoo_cells(r)} |")
            continue
        lines.append(f"| {r['name']} | {_ratio_cells(r)} | {_abs_cells(r)} |")
    return "\n".join(lines)


def write_json(path: str, machine: dict[str, Any], mode: str, results: list[dict[str, Any]]) -> None:
    """Write the machine information, the targets and every result as JSON."""
    doc = _finite({"schema": 1, "mode": mode, "machine": machine, "targets": targets(results),
                   "results": results})
    with open(path, "w") as f:
        json.dump(doc, f, indent=1, allow_nan=False, default=_json_default)


def _json_default(o: Any) -> Any:
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def _finite(x: Any) -> Any:
    """Replace non-finite floats (an unsolved run's inf steps) by None, recursively."""
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_finite(v) for v in x]
    return x


def _ticks(ax: Any, xs: list[int]) -> None:
    """Label the measured sizes only (log axes otherwise label crowded minor ticks)."""
    from matplotlib.ticker import NullFormatter

    ax.set_xticks(xs, [f"{x:g}" if x < 10_000 else f"1e{len(str(x)) - 1}" for x in xs])
    ax.xaxis.set_minor_formatter(NullFormatter())


def plots(results: list[dict[str, Any]], out_dir: str) -> list[str]:
    """PNG plots (scaling curves, time-to-solve bars) when matplotlib is installed.

    Returns
    -------
    list of str
        The files written (empty without matplotlib or without those benchmarks).
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    written = []
    scaling = next((r for r in results if r.get("kind") == "scaling"), None)
    if scaling is not None:
        fig, axes = plt.subplots(1, 4, figsize=(18, 4.2))
        for ax, axis in zip(axes, ("T", "d", "k")):
            recs = scaling["policy_gradient"][axis]
            xs = [rec[axis] for rec in recs]
            for who, style in (("pgfast", "o-"), ("numpy", "s--"), ("torch", "^:")):
                ys = [rec["seconds"].get(who) for rec in recs]
                if all(y is not None for y in ys):
                    ax.loglog(xs, ys, style, label=who)
            fixed = {"T": "d=4, k=2", "d": f"T={recs[0]['T']}, k=2", "k": f"T={recs[0]['T']}, d=4"}[axis]
            _ticks(ax, xs)
            ax.set(title=f"policy_gradient vs {axis} ({fixed})", xlabel=axis, ylabel="seconds per call")
            ax.grid(True, which="both", alpha=0.3)
            ax.legend()
        ax = axes[3]
        recs = scaling["returns"]
        xs = [rec["T"] for rec in recs]
        for who, style in (("pgfast", "o-"), ("numpy", "s--"), ("lfilter", "^:")):  # scipy.signal
            pts = [(x, rec["seconds"][who]) for x, rec in zip(xs, recs) if who in rec["seconds"]]
            if pts:
                ax.loglog(*zip(*pts), style, label=who)
        _ticks(ax, xs)
        ax.set(title="discounted_returns vs T", xlabel="T (an episode end every ~100 steps)",
               ylabel="seconds per call")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
        fig.tight_layout()
        path = os.path.join(out_dir, "scaling.png")
        fig.savefig(path, dpi=90)
        plt.close(fig)
        written.append(path)
    solve = next((r for r in results if r.get("kind") == "solve"), None)
    if solve is not None:
        fig, axes = plt.subplots(1, 2, figsize=(10, 4))
        ms = list(solve["median_time_s"])
        for ax, key, label in ((axes[0], "train_time_s", "training time to solve (s)"),
                               (axes[1], "steps", "environment steps to solve")):
            src = solve["median_time_s"] if key == "train_time_s" else solve["median_steps"]
            med = [src[m] for m in ms]
            med = [m if math.isfinite(m) else float("nan") for m in med]
            pos = list(range(len(ms)))
            ax.bar(pos, med, color=["C0", "C1", "C2"][: len(ms)], alpha=0.6, label="median")
            ax.set_xticks(pos, [f"{m}\n({solve['solved'][m]}/{len(solve['seeds'])} solved)" for m in ms])
            for i, m in enumerate(ms):
                ys = [r[key] for r in solve["runs"] if r["method"] == m and r[key] is not None]
                ax.plot([i] * len(ys), ys, "k.", alpha=0.7)
            ax.set(ylabel=label, title=f"CartPole-v1, seeds {solve['seeds'][0]}-{solve['seeds'][-1]}")
            if key == "train_time_s":
                ax.set_yscale("log")
        fig.tight_layout()
        path = os.path.join(out_dir, "time_to_solve.png")
        fig.savefig(path, dpi=90)
        plt.close(fig)
        written.append(path)
    return written
