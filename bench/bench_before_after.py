"""Fused CartPole-v1 REINFORCE of two installed pgfast builds and the anchor, interleaved.

``python bench/bench_before_after.py PYTHON_BEFORE PYTHON_AFTER [--steps T] [--repeat N] [--settings S]``

Runs, ``--repeat`` times in turn: the standalone anchor (``bench/anchor``), then
``Reinforce(pgfast.envs.make("CartPole-v1"), seed=0).learn(T)`` (default settings, and the
anchor with a baseline; ``--settings plain``: ``lr=0.2, baseline=None`` and the anchor
without) under each interpreter (a venv with the build before a change, one with the build after).
Reports the medians of steps/s and of the per-round ratios to the anchor, so that a
change's gain is measured under the same load as its baseline.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from bench.bench_fused import SETTINGS, anchor_steps_per_s, build_anchor  # noqa: E402

SNIPPET = """
import time, pgfast, pgfast.envs
a = pgfast.Reinforce(pgfast.envs.make("CartPole-v1"), seed=0, **{kwargs!r})
t0 = time.perf_counter(); a.learn({steps}); print({steps} / (time.perf_counter() - t0))
"""


def fused(python: str, steps: int, kwargs: dict[str, object]) -> float:
    """One fused run under `python`: steps per second."""
    code = SNIPPET.format(steps=steps, kwargs=kwargs)
    out = subprocess.run([python, "-c", code], check=True, capture_output=True,
                         text=True, cwd=tempfile.gettempdir()).stdout
    return float(out.split()[-1])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("before")
    p.add_argument("after")
    p.add_argument("--steps", type=int, default=200_000)
    p.add_argument("--repeat", type=int, default=7)
    p.add_argument("--settings", choices=list(SETTINGS), default="defaults")
    args = p.parse_args(argv)
    kwargs, setting = SETTINGS[args.settings]
    rows: dict[str, list[float]] = {"anchor": [], "before": [], "after": []}
    with tempfile.TemporaryDirectory() as tmp:
        exe = build_anchor(tmp)
        for _ in range(args.repeat):
            rows["anchor"].append(anchor_steps_per_s(exe, args.steps, setting))
            rows["before"].append(fused(args.before, args.steps, kwargs))
            rows["after"].append(fused(args.after, args.steps, kwargs))
    med = {k: statistics.median(v) for k, v in rows.items()}
    rb = statistics.median(b / a for b, a in zip(rows["before"], rows["anchor"]))
    ra = statistics.median(b / a for b, a in zip(rows["after"], rows["anchor"]))
    gain = statistics.median(b / a for b, a in zip(rows["after"], rows["before"]))
    print(f"anchor {med['anchor'] / 1e6:.2f} M steps/s | before {med['before'] / 1e6:.2f} M/s "
          f"({rb:.2f}x anchor) | after {med['after'] / 1e6:.2f} M/s ({ra:.2f}x anchor) | "
          f"after/before {gain:.2f}x ({args.settings}: {kwargs or 'Reinforce defaults'}, anchor {setting}; "
          f"medians of {args.repeat} interleaved rounds, "
          f"load average {os.getloadavg()[0]:.1f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
