"""Progress bar, CSV/PNG/TensorBoard logs of a learn() call."""

from __future__ import annotations

import csv
import os
import time
from collections import deque
from typing import Any, Optional

import numpy as np

CSV_KEYS = (
    "time/total_timesteps",
    "time/episodes",
    "time/fps",
    "time/time_elapsed",
    "rollout/ep_rew_mean",
    "rollout/ep_len_mean",
    "train/n_updates",
    "train/grad_norm",
    "train/entropy",
    "train/baseline_loss",
)


class RunLogger:
    """Receives every finished episode of a learn() call and reports it.

    The progress bar (tqdm) shows timesteps and ``ep_rew_mean(last 100)``: the mean
    return of the last 100 training episodes (Stable-Baselines3's window; the CSV's
    ``rollout/ep_rew_mean`` is the same mean). With a ``log_dir``, one CSV row is
    written every ``log_interval`` episodes with Stable-Baselines3's keys; at the end a
    learning-curve PNG is drawn when matplotlib is installed and scalars are written to TensorBoard when the
    ``tensorboard`` package is installed.
    """

    def __init__(
        self,
        agent: Any,
        total: int,
        progress_bar: bool,
        log_dir: Optional[str],
        log_interval: int = 10,
    ) -> None:
        self.agent = agent
        self.start_steps = agent.num_timesteps
        self.t0 = time.perf_counter()
        self.recent_returns: deque[float] = deque(maxlen=100)
        self.recent_lengths: deque[int] = deque(maxlen=100)
        self.episodes = 0
        self.log_interval = log_interval
        self.bar: Any = None
        self.bar_key = f"ep_rew_mean(last {self.recent_returns.maxlen})"
        self._bar_steps = 0
        if progress_bar:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, unit="step", dynamic_ncols=True)
        self.log_dir = log_dir
        self._csv: Any = None
        self._writer: Any = None
        if log_dir is not None:
            os.makedirs(log_dir, exist_ok=True)
            path = os.path.join(log_dir, "progress.csv")
            new = not os.path.exists(path) or os.path.getsize(path) == 0
            self._csv_file = open(path, "a", newline="")
            self._csv = csv.DictWriter(self._csv_file, fieldnames=CSV_KEYS)
            if new:
                self._csv.writeheader()

    @property
    def tick_interval(self) -> int:
        """Steps between calls of :meth:`progress` by the learning loop (huge without a bar)."""
        return 1000 if self.bar is not None else 2**62

    def progress(self) -> None:
        """Move the bar to the agent's step count (also within a long episode)."""
        if self.bar is not None:
            steps = self.agent.num_timesteps - self.start_steps
            self.bar.update(steps - self._bar_steps)
            self._bar_steps = steps

    def episode(self, ret: float, length: int) -> None:
        """Record one finished episode."""
        self.recent_returns.append(ret)
        self.recent_lengths.append(length)
        self.episodes += 1
        if self.bar is not None:
            self.progress()
            if self.episodes % 5 == 0 or self.episodes < 5:
                mean = f"{np.mean(self.recent_returns):.1f}"
                self.bar.set_postfix({self.bar_key: mean}, refresh=False)
        if self._csv is not None and self.episodes % self.log_interval == 0:
            self._write_row()

    def _row(self) -> dict[str, Any]:
        elapsed = time.perf_counter() - self.t0
        h = self.agent._learner.history()

        def last(k: str) -> float:
            return float(h[k][-1]) if len(h[k]) else float("nan")

        steps = self.agent.num_timesteps
        return {
            "time/total_timesteps": steps,
            "time/episodes": len(h["episode_return"]),
            "time/fps": int((steps - self.start_steps) / elapsed) if elapsed > 0 else 0,
            "time/time_elapsed": round(elapsed, 3),
            "rollout/ep_rew_mean": float(np.mean(self.recent_returns)) if self.recent_returns else "",
            "rollout/ep_len_mean": float(np.mean(self.recent_lengths)) if self.recent_lengths else "",
            "train/n_updates": len(h["update_step"]),
            "train/grad_norm": last("update_grad_norm"),
            "train/entropy": last("update_entropy"),
            "train/baseline_loss": last("update_baseline_loss"),
        }

    def _write_row(self) -> None:
        row = self._row()
        self._csv.writerow(row)
        self._csv_file.flush()

    def close(self) -> None:
        """Finish the bar and write the final CSV row, the PNG and TensorBoard events."""
        if self.bar is not None:
            self.progress()
            if self.recent_returns:
                self.bar.set_postfix({self.bar_key: f"{np.mean(self.recent_returns):.1f}"})
            self.bar.close()
        if self.log_dir is None:
            return
        if self.episodes % self.log_interval != 0:
            self._write_row()
        self._csv_file.close()
        history = self.agent.history
        plot_learning_curve(history, os.path.join(self.log_dir, "learning_curve.png"),
                            title=str(self.agent.spaces.env_id or "environment"))
        write_tensorboard(history, self.log_dir)


def plot_learning_curve(history: dict[str, np.ndarray], path: str, title: str = "") -> bool:
    """Episode returns against timesteps (and their running mean) as a PNG.

    Returns False, writing nothing, when matplotlib is not installed.
    """
    try:
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    ret, steps = history["episode_return"], history["timesteps"]
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(steps, ret, ".", alpha=0.3, ms=3, label="episode return")
    if len(ret) >= 1:
        w = min(20, len(ret))
        running = np.convolve(ret, np.ones(w) / w, mode="valid")
        ax.plot(steps[w - 1 :], running, lw=2, label=f"mean of last {w}")
    ax.set_xlabel("timesteps")
    ax.set_ylabel("return")
    ax.set_title(f"pgfast REINFORCE: {title}")
    ax.legend(loc="lower right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


def write_tensorboard(history: dict[str, np.ndarray], log_dir: str) -> bool:
    """Episode returns/lengths as TensorBoard scalars, when tensorboard is installed."""
    try:
        from tensorboard.compat.proto.event_pb2 import Event
        from tensorboard.compat.proto.summary_pb2 import Summary
        from tensorboard.summary.writer.event_file_writer import EventFileWriter
    except ImportError:
        return False
    writer = EventFileWriter(log_dir)
    for step, ret, length in zip(
        history["timesteps"], history["episode_return"], history["episode_length"]
    ):
        summary = Summary(
            value=[
                Summary.Value(tag="rollout/ep_rew", simple_value=float(ret)),
                Summary.Value(tag="rollout/ep_len", simple_value=float(length)),
            ]
        )
        writer.add_event(Event(wall_time=time.time(), step=int(step), summary=summary))
    writer.close()
    return True
