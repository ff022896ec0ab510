"""Build-time helpers of the pgfast docs (loaded by ``conf.py``).

The gallery runs ``examples/*.py`` as the scripts they are, with command-line arguments
that keep each run short (``gallery_argv``); ``PGFAST_DOCS_STEPS`` multiplies the step
counts (default 1: what CI builds).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

_OUT = Path(tempfile.mkdtemp(prefix="pgfast-docs-"))


def _steps(n: int) -> str:
    return str(int(n * float(os.environ.get("PGFAST_DOCS_STEPS", "1"))))


def gallery_argv(gallery_conf: Any, script_vars: dict[str, Any]) -> list[str]:
    """Return the command-line arguments of one gallery script (small step counts)."""
    name = Path(script_vars["src_file"]).stem
    out = str(_OUT / f"{name}.png")
    return {
        "cartpole_fourier": ["--timesteps", _steps(20_000), "--log-dir", str(_OUT / name)],
        "mountaincar_tiles": ["--timesteps", _steps(50_000), "--log-dir", str(_OUT / name)],
        "continuous_gaussian": ["--timesteps", _steps(20_000), "--log-dir", str(_OUT / name)],
        "fig13_2": ["--seeds", "5", "--timesteps", _steps(20_000), "--executor", "serial", "--out", out],
        "fig13_2_actor_critic": ["--seeds", "5", "--timesteps", _steps(20_000), "--out", out],
        "zoo_plot": ["--only", "CartPole-v1,MountainCarContinuous-v0,Pendulum-v1,Acrobot-v1", "--out", out],
    }.get(name, [])


_seen: set[Path] = set()


def png_scraper(block: Any, block_vars: dict[str, Any], gallery_conf: dict[str, Any]) -> str:
    """Show the PNGs a gallery script wrote (``--out``, ``--log-dir``) when no figure is left open.

    ``SweepResults.plot(path)`` saves and closes its figure, so sphinx-gallery's
    matplotlib scraper (run after this one) would find nothing; figures still open are
    left to it.
    """
    import shutil

    import matplotlib.pyplot as plt
    from sphinx_gallery.scrapers import figure_rst

    new = sorted(set(_OUT.glob("**/*.png")) - _seen)
    _seen.update(new)
    if not new or plt.get_fignums():
        return ""
    names = []
    for png, target in zip(new, block_vars["image_path_iterator"]):
        shutil.copyfile(png, target)
        names.append(target)
    return figure_rst(names, gallery_conf["src_dir"])
