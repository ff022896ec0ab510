"""The benchmark suite: every figure a ratio against a baseline measured in the same run.

``pgfast bench`` (a quick subset, under a minute) or ``pgfast bench --full``; from a
source tree also ``python -m bench``. Results go to ``OUT/bench.json`` (with machine
information) and, when matplotlib is installed, ``OUT/scaling.png`` and
``OUT/time_to_solve.png``. The logic lives in the installed package so that it runs
from a wheel; the repository's ``bench/`` is a thin entry point.

Sections (``--only``): ``per_call``, ``features``, ``tiles`` (a learning step as the
number of tiles grows), ``kernels`` (the T = 1e5 target
points), ``scaling``, ``learn``, ``solve``, ``memory``, ``actor_critic`` (AC(λ) steps
against the twin, over tiles, inside learn), ``zoo`` (every :mod:`pgfast.zoo` entry
trained on seeds 0-4 against its target). The quick subset skips
``scaling`` and ``solve``, runs ``memory`` over 200,000 steps instead of 1,000,000 and
times ``tiles``' dense equivalent up to ~10,000 tiles instead of ~100,000;
``zoo`` runs only when asked for (``--zoo`` or ``--only zoo``: minutes of training).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any, Callable, Optional

from . import actor_critic, envs, kernels, report, solve, zoo
from ._timing import Progress, Settings, machine_info, settings

__all__ = ["SECTIONS", "main", "run"]


def _kernels(s: Settings, p: Progress) -> list[dict[str, Any]]:
    T = s.pick(1000, 100_000, 100_000)
    return [kernels.bench_policy_gradient(s, p, T, torch=kernels._torch()), kernels.bench_returns(s, p, T)]


SECTIONS: dict[str, Callable[[Settings, Progress], list[dict[str, Any]]]] = {
    "per_call": kernels.bench_per_call,
    "features": kernels.bench_features,
    "tiles": kernels.bench_tile_learning,
    "kernels": _kernels,
    "scaling": lambda s, p: [kernels.bench_scaling(s, p)],
    "learn": lambda s, p: [envs.bench_learn_throughput(s, p, 1), envs.bench_learn_throughput(s, p, 8)],
    "solve": lambda s, p: [solve.bench_time_to_solve(s, p)],
    "memory": lambda s, p: [envs.bench_memory(s, p)],
    "actor_critic": actor_critic.bench_actor_critic,
    "zoo": zoo.bench_zoo,
}
QUICK = ("per_call", "features", "tiles", "kernels", "learn", "memory")
ON_REQUEST = ("zoo",)  # never part of a default run (quick or full)


def run(
    mode: str = "quick", only: Optional[Sequence[str]] = None, progress: bool = True
) -> list[dict[str, Any]]:
    """Run the benchmarks and return their records.

    Parameters
    ----------
    mode : {"quick", "full", "tiny"}
        Sizes and repeats (``"tiny"``: smallest sizes, for tests).
    only : sequence of str, optional
        Sections to run; default: the quick subset for ``"quick"``, all of them but
        ``ON_REQUEST`` otherwise.
    progress : bool
        Print progress lines on stderr.

    Returns
    -------
    list of dict
        One record per benchmark.
    """
    s = settings(mode)
    names = list(only) if only else (
        list(QUICK) if s.mode == "quick" else [n for n in SECTIONS if n not in ON_REQUEST])
    unknown = [n for n in names if n not in SECTIONS]
    if unknown:
        raise ValueError(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    p = Progress(progress)
    results: list[dict[str, Any]] = []
    for name in names:
        results.extend(SECTIONS[name](s, p))
    p("done")
    return results


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the benchmarks; print the table (targets and ratios first) and write JSON and PNGs."""
    ap = argparse.ArgumentParser(prog="pgfast bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--full", action="store_true", help="the full suite (a few minutes)")
    ap.add_argument("--out", default="bench_results", help="output directory (default bench_results)")
    ap.add_argument("--only", default=None,
                    help=f"comma-separated sections: {','.join(SECTIONS)}")
    ap.add_argument("--zoo", action="store_true",
                    help="only the zoo: train every pgfast.zoo entry on seeds 0-4 (minutes)")
    ap.add_argument("--quiet", action="store_true", help="no progress lines")
    ap.add_argument("--markdown", action="store_true", help="also print the targets as a Markdown table")
    ap.add_argument("--tiny", action="store_true", help=argparse.SUPPRESS)  # for tests
    args = ap.parse_args(argv)
    mode = "tiny" if args.tiny else ("full" if args.full else "quick")
    only = [x.strip() for x in args.only.split(",") if x.strip()] if args.only else None
    if args.zoo:
        only = [n for n in (only or []) if n != "zoo"] + ["zoo"]
    machine = machine_info()
    results = run(mode, only, progress=not args.quiet)
    print(f"pgfast bench ({mode}) on {machine['cpu']}, {machine['cores']} cores; "
          f"Python {machine['python']}, NumPy {machine['numpy']}, PyTorch {machine['torch']}")
    print(report.table(results))
    if args.markdown:
        print()
        print(report.markdown_table(results))
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "bench.json")
    report.write_json(path, machine, mode, results)
    pngs = report.plots(results, args.out)
    print(f"results written to {path}" + (f"; plots: {', '.join(pngs)}" if pngs else ""))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
