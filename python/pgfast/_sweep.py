"""Sweeps over seeds and hyper-parameters: many independent :class:`Reinforce` runs.

Policy-gradient results mean little from one seed (S&B Fig. 13.2 averages 100 runs).
:func:`sweep` runs the cartesian product of a grid of :class:`~pgfast.Reinforce`
arguments and a list of seeds, each run an independent ``Reinforce(env, seed=seed,
**config).learn(total_timesteps)`` followed by a greedy evaluation, on

- ``executor="local"`` (default for gymnasium environments): one worker process per core, started by loky (the
  process pool behind joblib), which never re-imports the caller's ``__main__``: a
  sweep works from a script without an ``if __name__ == "__main__":`` guard, from
  ``python -`` (stdin), from ``python -c`` and from a Jupyter kernel;
- ``executor="threads"``: threads of this process (default for native environments,
  ``pgfast/<id>``): a run on a native env learns in one C++ call that releases the GIL
  (the fused loop), so runs on different threads use different cores with no process
  start-up, no pickling and nothing copied;
- ``executor="ray"``: one Ray task per run on the cluster that ``ray.init(address=...)``
  connects to (``pip install "pgfast[ray]"``);
- ``executor="serial"``: in this process, one run after another (for debugging, or
  where starting processes is not allowed).

Every run is seeded by its own seed only, so its result does not depend on the executor,
the number of workers or the order of completion: parameters are bit-identical.
A run that raises, or whose worker process dies (a crash, the out-of-memory killer,
``kill -9``), is recorded with its error and the others go on. With a ``results_file``,
every finished run is appended to it as one JSON line as soon as it arrives; calling
:func:`sweep` again with the same file resumes, skipping finished runs.
"""

from __future__ import annotations

import hashlib
import inspect
import itertools
import json
import math
import os
import re
import signal
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Callable, Optional, Union

import numpy as np

from . import _validate as V

__all__ = ["COLUMNS", "SweepResults", "plot_sweep", "sweep"]

EnvSpec = Union[str, Callable[[], Any]]

#: Columns of every record, in order; the grid's keys come right after ``label``.
COLUMNS: tuple[str, ...] = (
    "run_id",              # str: hash of (env, total_timesteps, evaluation, config, seed)
    "config_id",           # int: index of the configuration in the grid's product
    "label",               # str: "lr=0.1, baseline=linear" (the grid keys with > 1 value)
    # ... one column per grid key, its value in this run ...
    "seed",                # int
    "env",                 # str: environment id (or the factory's name)
    "total_timesteps",     # int: requested
    "num_timesteps",       # int: learned (agent.num_timesteps; == total_timesteps unless the run failed)
    "n_episodes",          # int: finished training episodes
    "eval_mean",           # float: greedy mean return over eval_episodes (NaN on error)
    "eval_std",            # float: their standard deviation (NaN on error)
    "steps_to_threshold",  # int or None: see sweep(threshold=...)
    "wall_time",           # float: seconds for construction + learning + evaluation
    "error",               # None, or "ExceptionType: message"
    "curve",               # list of float: learning curve on SweepResults.curve_steps
    "params",              # list of float: final policy.params (with keep_params=True)
)

_EXECUTORS = ("local", "threads", "ray", "serial")
_ENV_BACKENDS = ("gymnasium", "native")
_NATIVE_PREFIX = "pgfast/"
_RESERVED = ("env", "seed")


# --------------------------------------------------------------------------- results
class SweepResults(list):  # type: ignore[type-arg]
    """The records of a sweep: a ``list`` of dicts, one per (configuration, seed).

    Records are in grid order (configurations as :func:`itertools.product` of the grid,
    seeds within each), whatever order the runs finished in. Their keys are
    ``COLUMNS``, with one key per grid argument inserted after ``label``.

    Attributes
    ----------
    curve_steps : numpy.ndarray
        The common step grid of every record's ``curve``.
    grid_keys : list of str
        The grid's argument names (columns of the table).
    n_reused : int
        Runs taken from the results file instead of being run again.
    results_file : str or None
        Where the records were appended.
    """

    def __init__(
        self,
        records: Iterable[dict[str, Any]] = (),
        curve_steps: Any = (),
        grid_keys: Sequence[str] = (),
        n_reused: int = 0,
        results_file: Optional[str] = None,
    ) -> None:
        super().__init__(records)
        self.curve_steps = np.asarray(curve_steps, dtype=np.int64)
        self.grid_keys = list(grid_keys)
        self.n_reused = n_reused
        self.results_file = results_file

    @property
    def columns(self) -> list[str]:
        """Column names of the table, in order."""
        i = COLUMNS.index("label") + 1
        return [*COLUMNS[:i], *self.grid_keys, *COLUMNS[i:]]

    @property
    def errors(self) -> list[dict[str, Any]]:
        """The records of failed runs."""
        return [r for r in self if r["error"] is not None]

    def curves(self, config_id: Optional[int] = None) -> np.ndarray:
        """Learning curves as an array ``(n_runs, len(curve_steps))`` (NaN for failed runs).

        Parameters
        ----------
        config_id : int, optional
            Only the runs of this configuration.

        Returns
        -------
        numpy.ndarray
            One row per record, in record order.
        """
        rows = [r["curve"] for r in self if config_id is None or r["config_id"] == config_id]
        return np.array(rows, dtype=np.float64).reshape(len(rows), len(self.curve_steps))

    def summary(self) -> list[dict[str, Any]]:
        """Per configuration: mean and std over seeds of ``eval_mean``, and failures.

        Returns
        -------
        list of dict
            Keys ``config_id``, ``label``, the grid keys, ``n_runs``, ``n_failed``,
            ``eval_mean``, ``eval_std`` (over the successful seeds), and
            ``steps_to_threshold`` (median over the seeds that reached it, or None).
        """
        out = []
        for cid in sorted({r["config_id"] for r in self}):
            rs = [r for r in self if r["config_id"] == cid]
            ok = [r["eval_mean"] for r in rs if r["error"] is None]
            hit = [r["steps_to_threshold"] for r in rs if r["steps_to_threshold"] is not None]
            row: dict[str, Any] = {"config_id": cid, "label": rs[0]["label"]}
            row.update({k: rs[0][k] for k in self.grid_keys})
            row.update({
                "n_runs": len(rs), "n_failed": len(rs) - len(ok),
                "eval_mean": float(np.mean(ok)) if ok else math.nan,
                "eval_std": float(np.std(ok)) if ok else math.nan,
                "steps_to_threshold": float(np.median(hit)) if hit else None,
            })
            out.append(row)
        return out

    def summary_lines(self, threshold: Optional[float] = None) -> list[str]:
        """Return the :meth:`summary` as text, one line per configuration (as ``pgfast sweep`` prints it).

        Parameters
        ----------
        threshold : float, optional
            The sweep's ``threshold``: when given, each line ends with the median steps
            to reach it ("never" when no seed did).

        Returns
        -------
        list of str
        """
        rows = self.summary()
        width = max((len(r["label"]) for r in rows), default=0)
        lines = []
        for row in rows:
            ok = row["n_runs"] - row["n_failed"]
            line = f"{row['label']:<{width}}  {ok}/{row['n_runs']} runs  greedy return "
            line += f"{row['eval_mean']:.1f} +/- {row['eval_std']:.1f}" if ok else "-"
            if threshold is not None:
                hit = row["steps_to_threshold"]
                line += f"  median steps to {threshold:g}: " + ("never" if hit is None else f"{hit:.0f}")
            lines.append(line)
        return lines

    def __repr__(self) -> str:
        # A sweep holds hundreds of records with curves and parameters: its repr is the
        # summary (as pandas shows a frame), the records are list(results).
        n_configs = len({r["config_id"] for r in self})
        def count(n: int, what: str) -> str:
            return f"{n} {what}{'' if n == 1 else 's'}"

        head = f"SweepResults: {count(len(self), 'run')}, {count(n_configs, 'configuration')}, "
        head += f"{len(self.errors)} failed"
        tail = "  (the records: list(results) or results.to_dataframe())"
        return "\n".join([head, *("  " + line for line in self.summary_lines()), tail])

    def to_dataframe(self) -> Any:
        """Return the table as a ``pandas.DataFrame``: one row per record, :attr:`columns` in order.

        ``curve`` and ``params`` hold NumPy arrays; ``steps_to_threshold`` is a nullable
        integer column (``<NA>`` where the threshold was not reached).

        Returns
        -------
        pandas.DataFrame

        Raises
        ------
        ImportError
            When pandas is not installed.
        """
        try:
            import pandas as pd
        except ImportError as e:
            raise ImportError("to_dataframe() needs pandas: pip install pandas") from e
        rows = []
        for r in self:
            row = dict(r)
            row["curve"] = np.asarray(r["curve"], dtype=np.float64)
            row["params"] = np.asarray(r["params"], dtype=np.float64)
            rows.append(row)
        df = pd.DataFrame(rows, columns=self.columns)
        df["steps_to_threshold"] = df["steps_to_threshold"].astype("Int64")
        return df

    def plot(self, path: Optional[str] = None, ax: Any = None, title: Optional[str] = None) -> Any:
        """Mean ± std learning curves per configuration; see :func:`plot_sweep`."""
        return plot_sweep(self, path=path, ax=ax, title=title)


# --------------------------------------------------------------------------- one run
def _env_name(env: EnvSpec) -> str:
    if isinstance(env, str):
        return env
    func = getattr(env, "func", None)  # functools.partial
    if func is not None:
        args = ", ".join([*map(repr, getattr(env, "args", ())),
                          *(f"{k}={v!r}" for k, v in getattr(env, "keywords", {}).items())])
        return f"{_env_name(func)}({args})"
    mod, name = getattr(env, "__module__", None), getattr(env, "__qualname__", None)
    return f"{mod}.{name}" if mod and name else type(env).__name__


def _jsonable(value: Any) -> Any:
    """Return a JSON-ready stand-in for a config value (callables by their name)."""
    if isinstance(value, (np.generic,)):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if callable(value):
        return _env_name(value)
    return repr(value)


def _label(config: Mapping[str, Any], varying: Sequence[str]) -> str:
    """Name a configuration by the grid keys that vary (all of them if none does)."""
    if not config:
        return "default"
    parts = []
    for k, v in config.items():
        if varying and k not in varying:
            continue
        shown = v if isinstance(v, (str, int, float, bool, type(None))) else _jsonable(v)
        parts.append(f"{k}={shown}")
    return ", ".join(parts)


def _curve(ends: np.ndarray, returns: np.ndarray, steps: np.ndarray) -> list[float]:
    """Mean return of the episodes ending in each bin (prev step, step], carried forward.

    A bin in which no episode ended keeps the previous value (long episodes span several
    bins); NaN before the first finished episode.
    """
    out = np.full(len(steps), np.nan)
    lo = np.searchsorted(ends, np.concatenate(([0], steps[:-1])), side="right")
    hi = np.searchsorted(ends, steps, side="right")
    last = math.nan
    for j in range(len(steps)):
        if hi[j] > lo[j]:
            last = float(np.mean(returns[lo[j]:hi[j]]))
        out[j] = last
    return out.tolist()


def _steps_to_threshold(ends: np.ndarray, returns: np.ndarray, threshold: Optional[float],
                        window: int) -> Optional[int]:
    """First step at which the mean return of the last ``window`` episodes >= threshold."""
    if threshold is None or len(returns) < window:
        return None
    means = np.convolve(returns, np.ones(window) / window, mode="valid")
    hit = np.flatnonzero(means >= threshold)
    return int(ends[window - 1 + hit[0]]) if len(hit) else None


def _native_id(env: EnvSpec, env_backend: Optional[str]) -> Optional[str]:
    """Return the :mod:`pgfast.envs` id a run makes natively, or None (gymnasium or a factory).

    ``pgfast/<id>`` is native unless ``env_backend="gymnasium"``; a plain id is native
    with ``env_backend="native"`` (an error when it has no native implementation).
    """
    from .envs import ENV_IDS, native_name

    if not isinstance(env, str) or env_backend == "gymnasium":
        return None
    name = native_name(env)
    if env_backend == "native" or env.startswith(_NATIVE_PREFIX):
        if name is None:
            raise ValueError(f"env_backend: {env!r} has no native implementation; native ids: "
                             f"{', '.join(ENV_IDS)}")
        return name
    return None


def _make_env(env: EnvSpec, env_backend: Optional[str]) -> Any:
    """Make a run's environment.

    Native ids through :func:`pgfast.envs.make` (the fused, GIL-free loop; the same
    environment as ``gymnasium.make("pgfast/<id>")`` without gymnasium's wrappers), other
    ids through ``gymnasium.make``; factories are called.
    """
    import gymnasium as gym

    from . import envs as native

    name = _native_id(env, env_backend)
    if name is not None:
        return native.make(name)
    return gym.make(env) if isinstance(env, str) else env()


def _run_one(spec: dict[str, Any]) -> dict[str, Any]:
    """Run one (config, seed): learn, evaluate greedily, summarise. Never raises."""
    steps = np.asarray(spec["curve_steps"], dtype=np.int64)
    rec: dict[str, Any] = {
        "num_timesteps": 0, "n_episodes": 0, "eval_mean": math.nan, "eval_std": math.nan,
        "steps_to_threshold": None, "wall_time": 0.0, "error": None,
        "curve": [math.nan] * len(steps), "params": [],
    }
    t0 = time.perf_counter()
    agent = None
    try:
        env = _make_env(spec["env"], spec.get("env_backend"))
        cls, kwargs = _agent_for(spec["config"])
        agent = cls(env, seed=spec["seed"], **kwargs)
        agent.learn(spec["total_timesteps"])
        rec["eval_mean"], rec["eval_std"] = agent.evaluate(spec["eval_episodes"])
    except Exception as e:  # the sweep records it; the other runs go on
        rec["error"] = f"{type(e).__name__}: {e}"
    if agent is not None:  # a run that failed part-way still reports what it learned
        h = agent.history
        ends, rets = h["episode_total_timesteps"], h["episode_return"]
        rec["num_timesteps"] = int(agent.num_timesteps)
        rec["n_episodes"] = len(rets)
        rec["curve"] = _curve(ends, rets, steps)
        rec["steps_to_threshold"] = _steps_to_threshold(
            ends, rets, spec["threshold"], spec["threshold_window"])
        if spec["keep_params"]:
            rec["params"] = [float(p) for p in np.asarray(agent.policy.params)]
        agent.env.close()
    rec["wall_time"] = time.perf_counter() - t0
    return rec


# --------------------------------------------------------------------------- the file
def _encode(record: Mapping[str, Any]) -> str:
    def clean(v: Any) -> Any:
        if isinstance(v, float) and not math.isfinite(v):
            return None  # NaN -> null: standard JSON
        if isinstance(v, list):
            return [clean(x) for x in v]
        return v

    return json.dumps({k: clean(v) for k, v in record.items()}, default=_jsonable,
                      allow_nan=False)


def _decode(line: str) -> dict[str, Any]:
    rec: dict[str, Any] = json.loads(line)
    for k in ("eval_mean", "eval_std"):
        if rec.get(k) is None:
            rec[k] = math.nan
    rec["curve"] = [math.nan if v is None else float(v) for v in rec.get("curve", [])]
    return rec


def _read_results(path: str) -> dict[str, dict[str, Any]]:
    """Read a results file's records by run_id (the last wins), repairing a torn last line."""
    found: dict[str, dict[str, Any]] = {}
    if not os.path.exists(path):
        return found
    with open(path, "rb") as f:
        data = f.read()
    keep = len(data)
    if data and not data.endswith(b"\n"):  # interrupted mid-write: drop the torn line
        keep = data.rfind(b"\n") + 1
        with open(path, "r+b") as f:
            f.truncate(keep)
    for n, line in enumerate(data[:keep].decode("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = _decode(line)
            found[rec["run_id"]] = rec
        except (ValueError, KeyError, TypeError) as e:
            raise ValueError(f"results file {path!r}, line {n}: not a pgfast sweep record ({e})") from e
    return found


# --------------------------------------------------------------------------- executors
def _ignore_sigint() -> None:
    # Ctrl-C is handled by the parent, which cancels the pool; workers would otherwise
    # each print a KeyboardInterrupt traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def _worker_died(error: BaseException) -> str:
    """Describe the death of the worker that was running a run (with loky's exit codes)."""
    found = re.search(r"exit codes of the workers are (\{[^}]*\})", str(error))
    return ("WorkerDied: the process running this run died (a crash in native code, the "
            "out-of-memory killer or a kill signal)" + (f", exit code {found[1]}" if found else ""))


def _run_local(specs: list[dict[str, Any]], n_workers: Optional[int]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Run ``specs`` on worker processes of this machine, yielding (index, record) as they finish.

    Why loky: its workers are started afresh (``fork`` + ``exec``, never a bare ``fork``
    of this possibly threaded process) and, unlike ``multiprocessing``'s ``spawn`` and
    ``forkserver``, without re-running the caller's ``__main__``. The worker function
    :func:`_run_one` lives in pgfast, so the workers never need the main module; callables
    in a spec (an environment factory, a features callable) travel by cloudpickle.

    Each worker is its own one-process executor, so the parent always knows which run a
    worker is doing: when a worker dies, that run is recorded with its error, a new
    worker takes its place, and no other run is touched.
    """
    from concurrent.futures import FIRST_COMPLETED, Future, wait

    import loky

    n = min(n_workers or _cpu_count(), len(specs))
    queue = list(range(len(specs)))[::-1]  # popped from the end: grid order
    slots: list[Any] = [None] * n
    running: dict[Future[dict[str, Any]], tuple[int, int]] = {}

    def submit(slot: int) -> None:
        if not queue:
            return
        if slots[slot] is None:
            slots[slot] = loky.ProcessPoolExecutor(max_workers=1, initializer=_ignore_sigint)
        i = queue.pop()
        running[slots[slot].submit(_run_one, specs[i])] = (slot, i)

    finished = False
    try:
        for slot in range(n):
            submit(slot)
        while running:
            done, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for fut in done:
                slot, i = running.pop(fut)
                try:
                    result = fut.result()  # _run_one catches the run's own exceptions
                except loky.BrokenProcessPool as e:  # the worker died mid-run
                    result = _failed(_worker_died(e), specs[i])
                    slots[slot].shutdown(wait=False, kill_workers=True)
                    slots[slot] = None
                except Exception as e:  # e.g. a spec or a result that cannot be pickled
                    result = _failed(f"{type(e).__name__}: {e}", specs[i])
                yield i, result
                submit(slot)
        finished = True
    finally:
        # Interrupted: drop the queued runs and stop the running ones at once (the
        # results file already holds every finished run).
        for ex in slots:
            if ex is not None:
                ex.shutdown(wait=finished, kill_workers=not finished)


def _run_ray(specs: list[dict[str, Any]], address: Optional[str],
             ray_init_kwargs: Optional[Mapping[str, Any]]) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        import ray
    except ImportError as e:
        raise ImportError('executor="ray" needs Ray: pip install "pgfast[ray]"') from e
    owns = not ray.is_initialized()
    if owns:
        ray.init(address=address, **dict(ray_init_kwargs or {}))
    try:
        task = ray.remote(num_cpus=1)(_run_one)
        pending = {task.remote(s): i for i, s in enumerate(specs)}
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                i = pending.pop(ref)
                try:
                    yield i, ray.get(ref)
                except Exception as e:  # a worker or node died
                    yield i, _failed(f"{type(e).__name__}: {e}", specs[i])
    finally:
        if owns:
            ray.shutdown()


def _run_threads(specs: list[dict[str, Any]],
                 n_workers: Optional[int]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Run ``specs`` on a pool of threads of this process, yielding (index, record) as they finish.

    A run on a native environment spends its learning in one C++ call that releases the
    GIL (``pgfast/fused.hpp``), so threads run in parallel on the cores; every run has its
    own agent, environment and Generators (nothing is shared between runs). Closing the
    generator (an interrupt) cancels the queued runs; the running ones finish first (a
    C++ learning call cannot be interrupted).
    """
    from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

    n = min(n_workers or _cpu_count(), len(specs))
    pool = ThreadPoolExecutor(max_workers=n, thread_name_prefix="pgfast-sweep")
    try:
        running: dict[Future[dict[str, Any]], int] = {
            pool.submit(_run_one, s): i for i, s in enumerate(specs)}
        while running:
            done, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for fut in sorted(done, key=lambda f: running[f]):
                yield running.pop(fut), fut.result()  # _run_one never raises
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _run_serial(specs: list[dict[str, Any]]) -> Iterator[tuple[int, dict[str, Any]]]:
    for i, s in enumerate(specs):
        yield i, _run_one(s)


def _failed(message: str, spec: Mapping[str, Any]) -> dict[str, Any]:
    return {"num_timesteps": 0, "n_episodes": 0, "eval_mean": math.nan, "eval_std": math.nan,
            "steps_to_threshold": None, "wall_time": 0.0, "error": message,
            "curve": [math.nan] * len(spec["curve_steps"]), "params": []}


# --------------------------------------------------------------------------- sweep()
#: The grid key that picks the agent class (the other keys are its arguments).
ALGOS = ("reinforce", "actor-critic")


def _agent_for(config: Mapping[str, Any]) -> tuple[Any, dict[str, Any]]:
    """Return the agent class a configuration names (``algo``, default REINFORCE) and its arguments."""
    from .actor_critic import ActorCritic
    from .agent import Reinforce

    kwargs = dict(config)
    algo = kwargs.pop("algo", "reinforce")
    if algo not in ALGOS:
        raise ValueError(f"algo must be one of {', '.join(map(repr, ALGOS))}; got {algo!r}")
    return (Reinforce if algo == "reinforce" else ActorCritic), kwargs


def _check_grid(grid: Mapping[str, Any]) -> dict[str, list[Any]]:
    from .actor_critic import ActorCritic
    from .agent import Reinforce

    if not isinstance(grid, Mapping):
        raise TypeError(f"grid must be a dict of agent arguments to lists of values, "
                        f"got {type(grid).__name__}")
    params = [p for cls in (Reinforce, ActorCritic) for p in inspect.signature(cls.__init__).parameters]
    allowed = list(dict.fromkeys(["algo"] + [p for p in params if p not in ("self", *_RESERVED)]))
    out: dict[str, list[Any]] = {}
    for k, values in grid.items():
        if k in _RESERVED:
            raise ValueError(f"grid: {k!r} cannot be swept in the grid; pass "
                             f"{'seeds=' if k == 'seed' else 'env='} instead")
        if k not in allowed:
            raise ValueError(f"grid: unknown agent argument {k!r}; expected one of "
                             f"{', '.join(allowed)}")
        if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
            values = [values]  # a single value is a one-value axis
        values = list(values)
        if not values:
            raise ValueError(f"grid: {k!r} has no values")
        out[k] = values
    return out


def _check_configs(env: EnvSpec, configs: Sequence[Mapping[str, Any]], seed: int,
                   env_backend: Optional[str] = None) -> bool:
    """Build ``Reinforce(env, seed=seed, **config)`` once per configuration; raise on the first failure.

    What fails here would fail in every run of the configuration (construction does not
    depend on the seed beyond its type), so it is an error of the call, raised before
    any worker starts. The environment is made once and shared: nothing is stepped.
    Returns whether it is a native environment (:mod:`pgfast.envs`).
    """
    from .envs import NativeEnv, NativeVectorEnv

    try:
        made = _make_env(env, env_backend)
    except Exception as e:
        raise ValueError(f"env: cannot make environment {_env_name(env)!r}: {type(e).__name__}: {e}") from e
    try:
        for config in configs:
            try:
                cls, kwargs = _agent_for(config)
                cls(made, seed=seed, **kwargs)
            except Exception as e:
                shown = ", ".join(f"{k}={v!r}" for k, v in config.items()) or "the defaults"
                msg = f"grid: every run of configuration {shown} would fail: {e}"
                if isinstance(e, TypeError):
                    raise TypeError(msg) from e
                raise ValueError(msg) from e
    finally:
        close = getattr(made, "close", None)
        if close is not None:
            close()
    return isinstance(made, (NativeEnv, NativeVectorEnv))


def _check_seeds(seeds: Any) -> list[int]:
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool):
        if seeds < 1:
            raise ValueError(f"seeds: a count must be >= 1, got {seeds}")
        return list(range(int(seeds)))
    try:
        out = list(seeds)
    except TypeError:
        raise TypeError("seeds must be a count or a list of non-negative ints") from None
    if not out:
        raise ValueError("seeds: empty")
    for s in out:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 0:
            raise ValueError(f"seeds must be non-negative ints, got {s!r}")
    if len(set(out)) != len(out):
        raise ValueError("seeds: duplicates (each run must have its own seed)")
    return [int(s) for s in out]


def sweep(
    env: EnvSpec,
    grid: Mapping[str, Any],
    seeds: Union[int, Iterable[int]],
    total_timesteps: int,
    *,
    executor: Optional[str] = None,
    env_backend: Optional[str] = None,
    n_workers: Optional[int] = None,
    address: Optional[str] = None,
    ray_init_kwargs: Optional[Mapping[str, Any]] = None,
    eval_episodes: int = 10,
    threshold: Optional[float] = None,
    threshold_window: int = 10,
    curve_points: int = 50,
    keep_params: bool = True,
    results_file: Optional[Union[str, os.PathLike[str]]] = None,
    resume: bool = True,
    retry_errors: bool = False,
    progress_bar: Optional[bool] = None,
    callback: Optional[Callable[[dict[str, Any]], None]] = None,
) -> SweepResults:
    """Train REINFORCE over a grid of arguments × seeds and tabulate the runs.

    Each run is ``Reinforce(env, seed=seed, **config).learn(total_timesteps)`` followed
    by ``evaluate(eval_episodes)`` (greedy actions), independent of every other run.

    Parameters
    ----------
    env : str or callable
        A gymnasium id, or a picklable zero-argument factory returning a fresh
        environment (a module-level function or ``functools.partial(gymnasium.make,
        ...)``); each run makes its own environment. A ``pgfast/<id>`` id is made by
        :func:`pgfast.envs.make` (the native environment without gymnasium's wrappers,
        so that ``learn`` runs fused in C++).
    grid : dict
        Agent argument -> list of values, e.g. ``{"lr": [0.01, 0.1], "baseline": [None,
        "linear"]}``; the configurations are the cartesian product in
        :func:`itertools.product` order. A non-list value is a one-value axis. ``{}`` is
        the defaults. ``seed`` and ``env`` are not grid keys. The key ``algo`` picks the
        agent: ``"reinforce"`` (:class:`~pgfast.Reinforce`, the default) or
        ``"actor-critic"`` (:class:`~pgfast.ActorCritic`); the other keys are arguments
        of that class (a configuration giving an argument its class lacks is an error
        before any run).
    seeds : int or iterable of int
        The seeds of every configuration (distinct, >= 0); an int n means ``range(n)``.
    total_timesteps : int
        Environment steps of each run (a float with a whole value, ``1e5``, is taken as that int).
    executor : {"local", "threads", "ray", "serial"}, optional
        Where the runs execute (default: ``"threads"`` when the environment is native --
        a ``pgfast/<id>`` id, ``env_backend="native"`` or a factory returning a
        :mod:`pgfast.envs` environment -- else ``"local"``):

        - ``"local"``: worker processes on this machine (loky, the pool behind joblib).
          It needs no ``if __name__ == "__main__":`` guard and works from a script, from
          stdin, from ``python -c`` and in Jupyter; see Notes.
        - ``"threads"``: a pool of ``n_workers`` threads in this process. A run on a
          native environment learns in one C++ call with the GIL released, so the
          threads use the cores in parallel, with no process start-up and no pickling.
          Runs on gymnasium environments hold the GIL and gain little.
        - ``"ray"``: one Ray task per run (``pip install "pgfast[ray]"``).
        - ``"serial"``: one run after another in this process: no worker processes, the
          same results; for debugging (a breakpoint or a profiler sees the run) or where
          starting processes is not allowed.
    env_backend : {"gymnasium", "native"}, optional
        How an id is made: ``"native"`` makes it with :func:`pgfast.envs.make` (an id
        with a native implementation, with or without the ``pgfast/`` prefix);
        ``"gymnasium"`` with ``gymnasium.make``. Default: native for ``pgfast/<id>``,
        gymnasium otherwise. Results do not depend on it (the native environments and
        the fused loop are bit-identical to gymnasium's); speed does.
    n_workers : int, optional
        Processes of the local pool, or threads of the thread pool (default: the
        usable cores).
    address : str, optional
        Ray cluster to connect to (``ray.init(address=...)``, e.g. ``"auto"`` or
        ``"ray://head:10001"``); default a local Ray. Ignored when Ray is already
        initialised: the sweep then uses that connection and leaves it open.
    ray_init_kwargs : dict, optional
        Further ``ray.init`` arguments (e.g. ``num_cpus``, ``runtime_env``).
    eval_episodes : int
        Greedy evaluation episodes after learning (the evaluation's random stream comes
        from the run's seed).
    threshold : float, optional
        Report ``steps_to_threshold``: the step at which the mean return of the last
        ``threshold_window`` training episodes first reaches ``threshold`` (None if
        never).
    threshold_window : int
        Episodes in that moving mean.
    curve_points : int
        Points of the common step grid ``curve_steps = total_timesteps * (1..n) / n``.
        ``curve[j]`` is the mean return of the training episodes that ended in
        ``(curve_steps[j-1], curve_steps[j]]``, or the previous value when none did
        (NaN before the first episode ends).
    keep_params : bool
        Store each run's final ``policy.params`` in the ``params`` column.
    results_file : str or path, optional
        JSON-lines file to which each finished run is appended as it arrives.
    resume : bool
        Reuse the runs already in ``results_file`` (matched by ``run_id``: environment,
        steps, evaluation settings, configuration and seed) instead of running them
        again. ``False`` starts the file afresh.
    retry_errors : bool
        With ``resume``, run again the runs recorded with an error.
    progress_bar : bool, optional
        A tqdm bar over runs. ``None`` (default): shown when run interactively (tqdm's
        own detection: a terminal on stderr, or a Jupyter notebook), hidden when the
        output goes to a file or a pipe.
    callback : callable, optional
        ``callback(record)`` for each run as it finishes (not for reused ones).

    Returns
    -------
    SweepResults
        A list of records, one per (configuration, seed) in grid order, with the
        columns ``COLUMNS``; ``.to_dataframe()`` gives a pandas DataFrame,
        ``.plot()`` the mean ± std learning curves.

    Raises
    ------
    ValueError, TypeError
        Before any run starts (and before ``results_file`` is touched): for a malformed
        grid, seeds or settings, and for a configuration that every run would fail with.
        Each configuration is checked once by building ``Reinforce(env, **config)`` in
        this process (which also makes the environment once), so a bad value such as
        ``lr="abc"`` or ``lr=-1`` names the configuration at once instead of yielding a
        table of failed runs. What only fails while learning (e.g. diverging) is
        recorded per run in its ``error``.

    Notes
    -----
    ``executor="local"`` runs each run in a worker process started by loky (the
    executor of joblib), one worker per core, each one run at a time. The start method
    matters: ``multiprocessing``'s ``spawn`` and ``forkserver`` re-run the caller's main
    module in every worker (a script without an ``if __name__ == "__main__":`` guard then
    starts sweeps recursively, and ``python -`` fails because stdin cannot be read
    again), and a bare ``fork`` copies the parent's threads' locks mid-flight. loky
    starts a fresh interpreter (``fork`` + ``exec``) and does not import ``__main__``:
    the worker function is in pgfast, and an environment factory or a features
    callable defined in ``__main__`` (even a lambda) is sent by value (cloudpickle).
    Each worker is its own one-process executor, so when a worker dies (``kill -9``, the
    out-of-memory killer, a crash in native code) exactly the run it was doing is
    recorded with a ``WorkerDied`` error; a new worker takes its place and the other
    runs go on. Ctrl-C stops every worker at once; the finished runs are in
    ``results_file``. NumPy's BLAS is not used by the linear policies, so there is no
    thread oversubscription.

    Examples
    --------
    >>> res = pgfast.sweep("CartPole-v1", {"baseline": [None, "linear"]}, seeds=10,
    ...                    total_timesteps=20_000, results_file="sweep.jsonl")  # doctest: +SKIP
    >>> res.to_dataframe().groupby("label")["eval_mean"].agg(["mean", "std"])  # doctest: +SKIP
    >>> res.plot("sweep.png")  # doctest: +SKIP
    """
    if executor is not None and executor not in _EXECUTORS:
        raise ValueError(f"executor must be one of {', '.join(map(repr, _EXECUTORS))}; got {executor!r}")
    if env_backend is not None and env_backend not in _ENV_BACKENDS:
        raise ValueError(f"env_backend must be one of {', '.join(map(repr, _ENV_BACKENDS))} or None; "
                         f"got {env_backend!r}")
    if env_backend is not None and not isinstance(env, str):
        raise ValueError("env_backend applies to an environment id; a factory's environment is used as made")
    if not isinstance(env, str) and not callable(env):
        raise TypeError("env must be an environment id or a zero-argument factory returning an "
                        f"environment (each run makes its own), got {type(env).__name__}")
    axes = _check_grid(grid)
    seed_list = _check_seeds(seeds)
    total_timesteps = V.timesteps("total_timesteps", total_timesteps, 1)
    eval_episodes = V.integer("eval_episodes", eval_episodes, 1)
    threshold_window = V.integer("threshold_window", threshold_window, 1)
    curve_points = min(V.integer("curve_points", curve_points, 1), total_timesteps)
    if n_workers is not None:
        n_workers = V.integer("n_workers", n_workers, 1)
    if threshold is not None:
        threshold = float(threshold)
        if not math.isfinite(threshold):
            raise ValueError(f"threshold must be finite, got {threshold}")

    if not isinstance(progress_bar, (bool, type(None))):
        raise TypeError(f"progress_bar must be True, False or None, got {type(progress_bar).__name__}")

    steps = (np.arange(1, curve_points + 1, dtype=np.int64) * total_timesteps) // curve_points
    env_name = _env_name(env)
    keys = list(axes)
    configs = [dict(zip(keys, vals)) for vals in itertools.product(*axes.values())]
    varying = [k for k in keys if len(axes[k]) > 1]
    is_native = _check_configs(env, configs, seed_list[0], env_backend)
    if executor is None:
        executor = "threads" if is_native else "local"

    records: list[dict[str, Any]] = []
    specs: list[dict[str, Any]] = []
    for cid, config in enumerate(configs):
        for seed in seed_list:
            ident = {"env": env_name, "total_timesteps": total_timesteps,
                     "eval_episodes": eval_episodes, "threshold": threshold,
                     "threshold_window": threshold_window, "curve_points": curve_points,
                     "config": config, "seed": seed}
            run_id = hashlib.sha256(
                json.dumps(ident, sort_keys=True, default=_jsonable).encode()).hexdigest()[:16]
            head = {"run_id": run_id, "config_id": cid, "label": _label(config, varying), **config,
                    "seed": seed, "env": env_name, "total_timesteps": total_timesteps}
            records.append(head)
            specs.append({"env": env, "config": config, "seed": seed,
                          "total_timesteps": total_timesteps, "eval_episodes": eval_episodes,
                          "threshold": threshold, "threshold_window": threshold_window,
                          "curve_steps": steps, "keep_params": keep_params,
                          "env_backend": env_backend})

    path = None if results_file is None else os.fspath(results_file)
    done: dict[int, dict[str, Any]] = {}
    if path is not None:
        if os.path.dirname(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
        if resume:
            previous = _read_results(path)
            for i, head in enumerate(records):
                old = previous.get(head["run_id"])
                if old is not None and not (retry_errors and old.get("error") is not None):
                    old.setdefault("num_timesteps", old.get("timesteps"))  # written before 0.2
                    done[i] = {**head, **{c: old.get(c) for c in COLUMNS if c not in head}}
        else:
            open(path, "w").close()
    n_reused = len(done)
    todo = [i for i in range(len(specs)) if i not in done]

    bar: Any = None
    if progress_bar is not False:
        from tqdm.auto import tqdm

        # disable=None: tqdm decides (hidden when stderr is not a terminal)
        bar = tqdm(total=len(specs), initial=n_reused, unit="run", dynamic_ncols=True,
                   disable=None if progress_bar is None else False)
    out = open(path, "a", encoding="utf-8") if path is not None else None
    stream: Iterator[tuple[int, dict[str, Any]]] = iter(())
    try:
        sub = [specs[i] for i in todo]
        if sub and executor == "local":
            stream = _run_local(sub, n_workers)
        elif sub and executor == "threads":
            stream = _run_threads(sub, n_workers)
        elif sub and executor == "ray":
            stream = _run_ray(sub, address, ray_init_kwargs)
        elif sub:
            stream = _run_serial(sub)
        n_failed = 0
        for j, result in stream:
            i = todo[j]
            rec = {**records[i], **result}
            done[i] = rec
            if out is not None:
                out.write(_encode(rec) + "\n")
                out.flush()
            if rec["error"] is not None:
                n_failed += 1
            if bar is not None:
                bar.update(1)
                if n_failed:
                    bar.set_postfix(failed=n_failed, refresh=False)
            if callback is not None:
                callback(rec)
    finally:
        if hasattr(stream, "close"):
            stream.close()  # stops the executor's workers at once on an interrupt
        if out is not None:
            out.close()
        if bar is not None:
            bar.close()
    return SweepResults((done[i] for i in range(len(specs))), curve_steps=steps, grid_keys=keys,
                        n_reused=n_reused, results_file=path)


# --------------------------------------------------------------------------- plotting
def plot_sweep(
    results: SweepResults,
    path: Optional[Union[str, os.PathLike[str]]] = None,
    ax: Any = None,
    title: Optional[str] = None,
) -> Any:
    """Mean ± std over seeds of the learning curves, one line per configuration.

    The shape of S&B Fig. 13.1/13.2: return against training steps, averaged over runs.
    Failed runs are left out of the mean.

    Parameters
    ----------
    results : SweepResults
        What :func:`sweep` returned.
    path : str or path, optional
        Write a PNG there.
    ax : matplotlib.axes.Axes, optional
        Draw into these axes (default a new figure).
    title : str, optional
        Axes title (default the environment and the number of seeds).

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ImportError
        When matplotlib is not installed.
    """
    try:
        import matplotlib

        if ax is None and path is not None:
            matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError as e:
        raise ImportError("plotting needs matplotlib: pip install matplotlib") from e
    fig = None
    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 4.5))
    x = results.curve_steps
    n_seeds = 0
    for cid in sorted({r["config_id"] for r in results}):
        rs = [r for r in results if r["config_id"] == cid and r["error"] is None]
        if not rs:
            continue
        c = np.array([r["curve"] for r in rs], dtype=np.float64)
        n_seeds = max(n_seeds, len(rs))
        with np.errstate(invalid="ignore"):
            valid = np.isfinite(c).any(axis=0)
            mean = np.full(c.shape[1], np.nan)
            std = np.full(c.shape[1], np.nan)
            mean[valid] = np.nanmean(c[:, valid], axis=0)
            std[valid] = np.nanstd(c[:, valid], axis=0)
        (line,) = ax.plot(x, mean, lw=2, label=f"{rs[0]['label']} (n={len(rs)})")
        ax.fill_between(x, mean - std, mean + std, color=line.get_color(), alpha=0.2, lw=0)
    env = results[0]["env"] if len(results) else ""
    ax.set_title(title if title is not None else f"pgfast sweep: {env}, mean ± std over ≤{n_seeds} seeds")
    ax.set_xlabel("training steps")
    ax.set_ylabel("episode return")
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="best", fontsize="small")
    if path is not None:
        target = fig if fig is not None else ax.figure
        target.tight_layout()
        target.savefig(os.fspath(path), dpi=100)
        if fig is not None:
            plt.close(fig)
    return ax
