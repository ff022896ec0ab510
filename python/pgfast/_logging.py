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
    "train/learning_rate",
    "train/grad_norm",
    "train/entropy",
    "train/baseline_loss",
)
#: The CSV's and TensorBoard's ``train/`` scalars (Stable-Baselines3's logger keys): the
#: last value of each ``agent.history`` update record.
TRAIN_KEYS = {
    "train/grad_norm": "update_grad_norm",
    "train/entropy": "update_entropy",
    "train/baseline_loss": "update_baseline_loss",
}


class RunLogger:
    """Receives every finished episode of a learn() call and reports it.

    The progress bar (tqdm) shows timesteps and ``ep_rew_mean(last 100)``: the mean
    return of the last 100 training episodes (Stable-Baselines3's window; the CSV's
    ``rollout/ep_rew_mean`` is the same mean). With a ``log_dir``, every
    ``log_interval`` episodes (and at the end) one CSV row is written with
    Stable-Baselines3's keys and, when the ``tensorboard`` package is installed, the
    episodes and updates since the last write go to TensorBoard; both files are flushed
    then, so TensorBoard shows a run while it learns and a crash loses at most the last
    ``log_interval`` episodes. Each write reads only the new records
    (:meth:`pgfast.Reinforce.history_since`), whatever the length of the run. At the end
    a learning-curve PNG is drawn when matplotlib is installed.
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
        self._tb: Any = None
        if log_dir is not None:
            os.makedirs(log_dir, exist_ok=True)
            # How far the history has been written: the records before this run were
            # written by earlier runs (one copy of the history per learn() call).
            h = agent.history
            self._n_episodes = len(h["episode_return"])
            self._n_updates = len(h["update_total_timesteps"])
            self._last_train = {k: (float(h[v][-1]) if len(h[v]) else float("nan"))
                                for k, v in TRAIN_KEYS.items()}
            path = os.path.join(log_dir, "progress.csv")
            new = not os.path.exists(path) or os.path.getsize(path) == 0
            self._csv_file = open(path, "a", newline="")
            self._csv = csv.DictWriter(self._csv_file, fieldnames=CSV_KEYS)
            if new:
                self._csv.writeheader()
            self._tb = TensorBoardWriter.open(log_dir)

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
            self._write()

    def _write(self) -> None:
        """Write the records since the last write: one CSV row, TensorBoard events; flush both."""
        new = self.agent.history_since(self._n_episodes, self._n_updates)
        self._n_episodes += len(new["episode_return"])
        self._n_updates += len(new["update_total_timesteps"])
        for k, v in TRAIN_KEYS.items():
            if len(new[v]):
                self._last_train[k] = float(new[v][-1])
        elapsed = time.perf_counter() - self.t0
        steps = self.agent.num_timesteps
        row = {
            "time/total_timesteps": steps,
            "time/episodes": self._n_episodes,
            "time/fps": int((steps - self.start_steps) / elapsed) if elapsed > 0 else 0,
            "time/time_elapsed": round(elapsed, 3),
            "rollout/ep_rew_mean": float(np.mean(self.recent_returns)) if self.recent_returns else "",
            "rollout/ep_len_mean": float(np.mean(self.recent_lengths)) if self.recent_lengths else "",
            "train/n_updates": self._n_updates,
            # the policy's step size at the last update: lr times the lr schedule's factor
            "train/learning_rate": float(self.agent.config.lr) * self.agent._learner.lr_scale,
            **self._last_train,
        }
        self._csv.writerow(row)
        self._csv_file.flush()
        if self._tb is not None:
            self._tb.write(new)

    def close(self) -> None:
        """Finish the bar, write the last CSV row and events, and draw the PNG."""
        if self.bar is not None:
            self.progress()
            if self.recent_returns:
                self.bar.set_postfix({self.bar_key: f"{np.mean(self.recent_returns):.1f}"})
            self.bar.close()
        if self.log_dir is None:
            return
        try:
            if self.episodes % self.log_interval != 0:
                self._write()
        finally:
            self._csv_file.close()
            if self._tb is not None:
                self._tb.close()
        plot_learning_curve(self.agent.history, os.path.join(self.log_dir, "learning_curve.png"),
                            title=str(self.agent.spaces.env_id or "environment"))


class TensorBoardWriter:
    """History records as TensorBoard scalars, flushed at every write.

    Per episode ``rollout/ep_rew`` and ``rollout/ep_len`` at the step it ended; per
    update the ``train/`` scalars of :data:`TRAIN_KEYS` at the step it was made.
    """

    def __init__(self, log_dir: str) -> None:
        from tensorboard.summary.writer.event_file_writer import EventFileWriter

        self._writer = EventFileWriter(log_dir)

    @classmethod
    def open(cls, log_dir: str) -> Optional[TensorBoardWriter]:
        """Return a writer for ``log_dir``, or None when tensorboard is not installed."""
        try:
            return cls(log_dir)
        except ImportError:
            return None

    def write(self, records: dict[str, np.ndarray]) -> None:
        """Add the episodes and updates of ``records`` (keys of ``agent.history``) and flush."""
        from tensorboard.compat.proto.event_pb2 import Event
        from tensorboard.compat.proto.summary_pb2 import Summary

        now = time.time()

        def add(step: Any, values: dict[str, float]) -> None:
            summary = Summary(value=[Summary.Value(tag=k, simple_value=v) for k, v in values.items()])
            self._writer.add_event(Event(wall_time=now, step=int(step), summary=summary))

        for step, ret, length in zip(records["episode_total_timesteps"], records["episode_return"],
                                     records["episode_length"]):
            add(step, {"rollout/ep_rew": float(ret), "rollout/ep_len": float(length)})
        for i, step in enumerate(records["update_total_timesteps"]):
            add(step, {k: float(records[v][i]) for k, v in TRAIN_KEYS.items()})
        self._writer.flush()

    def close(self) -> None:
        """Flush and close the event file."""
        self._writer.close()


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
    ret, steps = history["episode_return"], history["episode_total_timesteps"]
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
