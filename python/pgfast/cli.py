"""The ``pgfast`` command line: ``train``, ``eval``, ``sweep`` and ``bench``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any, Optional


def _steps(text: str) -> int:
    """Parse a step count, ``100000`` or ``1e5`` (an argparse type)."""
    from . import _validate as V

    try:
        value: Any = int(text)
    except ValueError:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number of steps: {text!r}") from None
    try:
        return V.timesteps("the value", value, None)  # the range is checked with the others
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _parser() -> argparse.ArgumentParser:
    from . import __version__

    p = argparse.ArgumentParser(
        prog="pgfast", description="Policy-gradient (REINFORCE) training of linear policies."
    )
    p.add_argument("--version", action="version", version=f"pgfast {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    t = sub.add_parser(
        "train", help="train REINFORCE or actor-critic on a gymnasium environment",
        description="When the environment has a pgfast.zoo entry and no hyperparameter, --algo, "
                    "--features or --bounds is given, the zoo's tuned configuration and timesteps "
                    "are used (said on stderr; --no-zoo for the plain defaults). Otherwise options "
                    "left out take the agent's own defaults (see pgfast.Reinforce and "
                    "pgfast.ActorCritic); options of the other algorithm are an error.",
    )
    t.add_argument("env_id", help="gymnasium environment id, e.g. CartPole-v1")
    t.add_argument("--algo", choices=["reinforce", "actor-critic"], default=None,
                   help="REINFORCE (S&B 13.3-13.4, default) or actor-critic (13.5-13.6)")
    t.add_argument("--timesteps", type=_steps, default=None,
                   help="environment steps (default: the zoo entry's, else 100000)")
    t.add_argument("--no-zoo", action="store_true",
                   help="ignore the pgfast.zoo entry of ENV_ID: the agent's plain defaults")
    t.add_argument("--env-backend", choices=["native", "gymnasium"], default=None,
                   help="native: pgfast's C++ env, bit-identical to gymnasium's, with the whole "
                        "loop in C++ (default where one exists: see pgfast.envs.ENV_IDS); gymnasium")
    t.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    t.add_argument("--save", default=None, help="model file to write (default ENV_ID.pgfast)")
    t.add_argument("--force", action="store_true",
                   help="replace the --save file even if it is not a pgfast model")
    t.add_argument("--log-dir", default=None,
                   help="directory for progress.csv and learning_curve.png (default runs/ENV_ID)")
    t.add_argument("--lr", type=float, default=None, help="policy step size alpha^theta")
    t.add_argument("--gamma", type=float, default=None)
    t.add_argument("--entropy-coef", type=float, default=None, help="weight beta of the entropy bonus")
    t.add_argument("--optimizer", choices=["adam", "sgd"], default=None,
                   help="the steps: Adam, or plain SGD (actor-critic: the book's steps)")
    t.add_argument("--lr-schedule", choices=["constant", "linear"], default=None,
                   help="linear: every step size decays linearly to 0 over the run")
    r = t.add_argument_group("REINFORCE")
    r.add_argument("--baseline", choices=["none", "linear"], default=None)
    r.add_argument("--baseline-lr", type=float, default=None)
    r.add_argument("--update", choices=["per_step", "per_episode", "batch"], default=None)
    r.add_argument("--batch-episodes", type=int, default=None)
    r.add_argument("--no-normalize", action="store_const", const=False, default=None,
                   dest="normalize_returns", help="do not standardise returns")
    r.add_argument("--discount-gradient", action="store_const", const=True, default=None,
                   help="the book's gamma^t factor")
    r.add_argument("--max-grad-norm", type=float, default=None)
    r.add_argument("--truncation", choices=["bootstrap", "terminal"], default=None)
    a = t.add_argument_group("actor-critic")
    a.add_argument("--critic-lr", type=float, default=None, help="alpha^w")
    a.add_argument("--lambda-actor", type=float, default=None, help="lambda^theta")
    a.add_argument("--lambda-critic", type=float, default=None, help="lambda^w")
    a.add_argument("--average-reward", action="store_const", const=True, default=None,
                   help="the continuing setting (box p. 333)")
    a.add_argument("--reward-lr", type=float, default=None, help="alpha^Rbar")
    a.add_argument("--traces", choices=["accumulating", "replacing", "dutch"], default=None)
    t.add_argument("--backend", choices=["cpp", "numpy"], default=None)
    t.add_argument("--num-envs", type=int, default=1, help="sub-environments (a sync vector env if > 1)")
    t.add_argument("--env-kwargs", nargs="+", default=[], metavar="NAME=VALUE",
                   help="arguments of gymnasium.make (or pgfast.envs.make), e.g. is_slippery=false "
                        "max_episode_steps=200; values as --grid reads them (over the zoo entry's)")
    t.add_argument("--features", default=None, metavar="SPEC",
                   help="feature map (S&B ch. 9): identity, poly:DEGREE, fourier:ORDER, rbf:PER_DIM "
                        "or tiles:TILINGS:TILES_PER_DIM (default: the raw observation)")
    t.add_argument("--bounds", default=None, metavar="LO:HI,...",
                   help="input bounds for fourier/rbf/tiles: LO:HI for every observation dimension, "
                        "or one LO:HI per dimension (needed where the space is unbounded; write "
                        "--bounds=-2.4:2.4,...)")
    t.add_argument("--state-dependent-std", action="store_const", const=True, default=None,
                   help="Gaussian policy: log-std linear in the features")
    t.add_argument("--eval-episodes", type=int, default=20, help="greedy evaluation episodes after training")
    t.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    e = sub.add_parser("eval", help="evaluate a saved model")
    e.add_argument("model", help="a file written by `pgfast train --save` or Reinforce.save, or the "
                                 "ENV_ID given to `pgfast train` (reads ENV_ID.pgfast)")
    e.add_argument("--episodes", type=int, default=10)
    e.add_argument("--seed", type=int, default=None)
    e.add_argument("--env", default=None, help="environment id (default: the one saved)")
    e.add_argument("--stochastic", action="store_true", help="sample actions instead of greedy")

    s = sub.add_parser(
        "sweep", help="train over a grid of arguments x seeds; results file and mean ± std curves",
        description="Run Reinforce(ENV_ID, seed=s, <config>).learn(--timesteps) for every "
                    "configuration of the grid and every seed, append each run to --out as a "
                    "JSON line, and plot mean ± std learning curves per configuration. "
                    "Running the same command again resumes: finished runs are not redone.",
    )
    s.add_argument("env_id", help="gymnasium environment id, e.g. CartPole-v1")
    s.add_argument("--grid", action="append", default=[], metavar="NAME=V1,V2,...",
                   help="a Reinforce argument and its values, e.g. lr=0.01,0.1 or "
                        "baseline=none,linear (repeatable: the product is swept); "
                        "algo=reinforce,actor-critic picks the agent; features takes --features "
                        "specs, e.g. features=fourier:2,tiles:8:8 (none: the raw observation)")
    s.add_argument("--bounds", default=None, metavar="LO:HI,...",
                   help="input bounds of the features grid's fourier/rbf/tiles maps, as for "
                        "`pgfast train --bounds`")
    s.add_argument("--seeds", default="5", help="N (seeds 0..N-1), A-B (inclusive) or a list "
                                                "1,2,3 (default 5)")
    s.add_argument("--timesteps", type=_steps, default=20_000, help="steps per run (default 20000)")
    s.add_argument("--eval-episodes", type=int, default=10, help="greedy evaluation episodes per run")
    s.add_argument("--threshold", type=float, default=None,
                   help="report steps until the mean return of the last 10 episodes reaches this")
    s.add_argument("--curve-points", type=int, default=50, help="points of the learning curves")
    s.add_argument("--executor", choices=["local", "threads", "ray", "serial"], default=None,
                   help="process pool on this machine, threads of this process, Ray tasks, or one "
                        "by one (default: threads for native envs, pgfast/<id>; else local)")
    s.add_argument("--env-backend", choices=["native", "gymnasium"], default=None,
                   help="make ENV_ID with pgfast.envs (native, fused C++ loop) or gymnasium "
                        "(default: native for pgfast/<id>, else gymnasium)")
    s.add_argument("--workers", type=int, default=None, help="local processes (default: cores)")
    s.add_argument("--address", default=None, help="Ray cluster address (ray.init(address=...))")
    s.add_argument("--out", default="sweep.jsonl", help="results file, JSON lines (default sweep.jsonl)")
    s.add_argument("--plot", default=None, help="PNG of the curves (default: --out with .png)")
    s.add_argument("--no-plot", action="store_true", help="do not draw the PNG")
    s.add_argument("--fresh", action="store_true", help="start the results file afresh (no resume)")
    s.add_argument("--retry-errors", action="store_true", help="on resume, rerun runs that failed")
    s.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    b = sub.add_parser("bench", help="run the benchmarks (ratios against NumPy)")
    b.add_argument("--full", action="store_true", help="the full suite (slow)")
    b.add_argument("--out", default="bench_results", help="output directory for JSON/PNG")
    b.add_argument("--only", default=None, help="comma-separated sections (see python -m bench --help)")
    b.add_argument("--zoo", action="store_true",
                   help="only the zoo: every pgfast.zoo entry on seeds 0-4 against its target (minutes)")
    b.add_argument("--quiet", action="store_true", help="no progress lines")
    b.add_argument("--markdown", action="store_true", help="also print Markdown tables")
    return p


def parse_bounds(text: str) -> tuple[Any, Any]:
    """Return ``(low, high)`` of ``--bounds``: ``LO:HI`` for every input, or ``LO:HI,LO:HI,...``.

    One pair is two numbers (every input, as ``gymnasium.spaces.Box(low, high, shape)``);
    several pairs are one per observation dimension. Whether they are finite, ordered and
    one per input is checked where every bounds are (``pgfast._validate.bounds``).
    """
    try:
        pairs = [[float(v) for v in pair.split(":")] for pair in text.split(",")]
    except ValueError:
        raise ValueError(f"--bounds must be LO:HI or LO:HI,LO:HI,... numbers, got {text!r}") from None
    if any(len(p) != 2 for p in pairs):
        raise ValueError(f"--bounds must be LO:HI or LO:HI,LO:HI,... pairs, got {text!r}")
    if len(pairs) == 1:
        return pairs[0][0], pairs[0][1]
    return tuple(p[0] for p in pairs), tuple(p[1] for p in pairs)


def parse_features(spec: Optional[str], bounds: Optional[str], env: object) -> Any:
    """Return the feature spec of ``--features SPEC`` (and ``--bounds``), or None.

    Parameters
    ----------
    spec : str or None
        ``identity``, ``poly:DEGREE``, ``fourier:ORDER``, ``rbf:PER_DIM`` or
        ``tiles:TILINGS:TILES_PER_DIM``.
    bounds : str or None
        ``LO:HI`` (every observation dimension) or ``LO:HI,LO:HI,...`` (one pair per
        dimension); see :func:`parse_bounds`.
    env : str or gymnasium environment
        Where ``rbf`` takes its bounds (and the number of inputs) when none are given.

    Returns
    -------
    pgfast.features.Spec or None
    """
    from . import features as F

    if bounds is not None and spec is None:
        raise ValueError("--bounds needs --features")
    if spec is None:
        return None
    low_high = None if bounds is None else parse_bounds(bounds)
    name, *parts = spec.lower().split(":")
    want = {"identity": 0, "poly": 1, "fourier": 1, "rbf": 1, "tiles": 2}
    if name not in want or len(parts) != want[name]:
        raise ValueError(
            f"--features must be identity, poly:DEGREE, fourier:ORDER, rbf:PER_DIM or "
            f"tiles:TILINGS:TILES_PER_DIM, got {spec!r}"
        )
    try:
        nums = [int(p) for p in parts]
    except ValueError:
        raise ValueError(f"--features takes whole numbers after the name, got {spec!r}") from None
    if name == "identity":
        return F.Identity()
    if name == "poly":
        return F.Polynomial(nums[0])
    if name == "fourier":
        return F.Fourier(nums[0], bounds=low_high)
    if name == "tiles":
        return F.TileCoding(nums[0], nums[1], bounds=low_high)
    # rbf: centres on a grid over the bounds, which the observation space completes
    import gymnasium as gym

    made = gym.make(env) if isinstance(env, str) else env
    space = getattr(made, "single_observation_space", None) or made.observation_space  # type: ignore[attr-defined]
    k, space_bounds = F._inputs(space)
    try:
        return F.RBF.grid(space_bounds if low_high is None else low_high, [nums[0]] * k)
    except ValueError as e:
        if low_high is None:
            raise ValueError(f"--features rbf needs --bounds: {e}") from None
        raise


# Options of `pgfast train` that are agent arguments (None: not given, the agent's default).
_AGENT_OPTIONS = (
    "lr", "gamma", "optimizer", "baseline", "baseline_lr", "update", "batch_episodes",
    "normalize_returns", "discount_gradient", "entropy_coef", "max_grad_norm", "truncation",
    "critic_lr", "lambda_actor", "lambda_critic", "average_reward", "reward_lr", "traces",
    "backend", "state_dependent_std", "lr_schedule",
)


def _agent_kwargs(args: argparse.Namespace, agent_cls: Any) -> dict[str, Any]:
    """Return the options given on the command line, as arguments of ``agent_cls``.

    Options left out are not passed, so the agent's own defaults apply (one home for
    each default: the agent's signature). An option the agent does not take is an error.
    """
    import inspect

    accepted = inspect.signature(agent_cls).parameters
    kwargs: dict[str, Any] = {}
    for name in _AGENT_OPTIONS:
        value = getattr(args, name)
        if value is None:
            continue
        if name not in accepted:
            raise ValueError(f"--{name.replace('_', '-')} is not an option of --algo {args.algo}")
        kwargs[name] = None if (name == "baseline" and value == "none") else value
    return kwargs


def _zoo_entry(args: argparse.Namespace) -> Optional[dict[str, Any]]:
    """Return the pgfast.zoo entry `pgfast train` uses, or None (see the train help)."""
    from . import zoo

    if args.no_zoo or args.env_id not in zoo.entries():
        return None
    given = [name for name in _AGENT_OPTIONS if name != "backend" and getattr(args, name) is not None]
    if given or args.algo is not None or args.features is not None or args.bounds is not None:
        return None
    return zoo.config(args.env_id)


def _train(args: argparse.Namespace) -> int:
    import gymnasium as gym

    from .actor_critic import ActorCritic
    from .agent import Reinforce
    from .io import check_save_target

    if args.timesteps is not None and args.timesteps < 0:
        raise ValueError("--timesteps must be >= 0")
    if args.num_envs < 1:
        raise ValueError("--num-envs must be >= 1")
    from . import envs as native

    name = native.native_name(args.env_id)
    if name is not None and name != args.env_id:  # pgfast/<id>: <id>'s native env (and zoo entry)
        args.env_id = name
        args.env_backend = args.env_backend or "native"
    entry = _zoo_entry(args)
    env_kwargs: dict[str, Any] = {}
    given_env_kwargs = _parse_env_kwargs(args.env_kwargs)
    if entry is not None:
        args.algo, args.features, args.bounds = entry["algo"], entry["features"], entry["bounds"]
        env_kwargs = dict(entry.get("env_kwargs", {}))
        if args.timesteps is None:
            args.timesteps = entry["total_timesteps"]
        unavailable = entry["env_backend"] == "native" and args.env_id not in native.ENV_IDS
        if args.env_backend is None and not unavailable:
            args.env_backend = entry["env_backend"]
        described = ", ".join([f"algo={entry['algo']}"]
                              + ([f"features={entry['features']}"] if entry["features"] else [])
                              + [f"{k}={v}" for k, v in entry["hyperparameters"].items()]
                              + [f"{k}={v} (gymnasium.make)" for k, v in env_kwargs.items()])
        print(f"using the zoo entry for {args.env_id}: {described}; {args.timesteps} timesteps "
              "(--no-zoo for the plain defaults)", file=sys.stderr)
    args.algo = args.algo or "reinforce"
    if args.timesteps is None:
        args.timesteps = 100_000
    env_kwargs.update(given_env_kwargs)

    backend = args.env_backend or ("native" if args.env_id in native.ENV_IDS else "gymnasium")
    if backend == "native" and args.env_id not in native.ENV_IDS:
        raise ValueError(f"--env-backend native: no native {args.env_id!r}; "
                         f"there are {', '.join(native.ENV_IDS)}")
    env: object = args.env_id
    try:
        if backend == "native":
            env = (native.make(args.env_id, **env_kwargs) if args.num_envs == 1
                   else native.make_vec(args.env_id, args.num_envs, **env_kwargs))
        elif args.num_envs > 1:
            if env_kwargs:
                env = gym.vector.SyncVectorEnv(
                    [lambda: gym.make(args.env_id, **env_kwargs) for _ in range(args.num_envs)]
                )
            else:
                env = gym.make_vec(args.env_id, num_envs=args.num_envs, vectorization_mode="sync")
        elif env_kwargs:
            env = gym.make(args.env_id, **env_kwargs)
    except (gym.error.Error, TypeError) as e:  # an unknown id, an argument the env does not take
        with_kwargs = f" with {_kwargs_str(env_kwargs)}" if env_kwargs else ""
        raise ValueError(f"cannot make environment {args.env_id!r}{with_kwargs}: {e}") from e
    which = "pgfast native, bit-identical to gymnasium" if backend == "native" else "gymnasium"
    if env_kwargs:
        which += f"; {_kwargs_str(env_kwargs)}"
    if args.num_envs > 1:
        kind = "native" if backend == "native" else "sync"
        which += f"; {args.num_envs} sub-environments, a {kind} vector env"
    print(f"environment: {args.env_id} ({which})")
    features = parse_features(args.features, args.bounds, env)
    agent_cls: Any = Reinforce if args.algo == "reinforce" else ActorCritic
    kwargs = _agent_kwargs(args, agent_cls)
    if entry is not None:
        kwargs = {**entry["hyperparameters"], **kwargs}
    try:
        agent = agent_cls(env, features=features, seed=args.seed, **kwargs)
    except ValueError as e:  # the feature map's advice, in the command line's words
        message = str(e).replace("bounds=(low, high)", "--bounds LO:HI (every input) or LO:HI,LO:HI,...")
        if message == str(e):
            raise
        raise ValueError(message) from None
    save = check_save_target(args.save or f"{args.env_id}.pgfast", overwrite=args.force)  # before training
    log_dir = args.log_dir or os.path.join("runs", args.env_id)
    agent.learn(args.timesteps, progress_bar=not args.no_progress, log_dir=log_dir)
    save = agent.save(save, overwrite=args.force)
    h = agent.history
    last = h["episode_return"][-100:]  # the progress bar's and the CSV's window
    returns = (f"mean return of the last {len(last)} training episodes: {last.mean():.1f}" if len(last)
               else "no training episode ended")
    print(f"trained {agent.num_timesteps} steps, {len(h['episode_return'])} episodes; {returns}")
    if args.eval_episodes > 0:
        mean, std = agent.evaluate(args.eval_episodes, seed=args.seed)
        print(f"greedy evaluation, mean over {args.eval_episodes} new episodes: {mean:.1f} +/- {std:.1f}")
    print(f"model saved to {save}; logs and learning curve in {log_dir}/")
    return 0


def find_model(name: str) -> str:
    """Return the model file that ``pgfast eval NAME`` means.

    ``NAME`` itself when it is a file, else ``NAME.pgfast`` (what ``pgfast train NAME``
    writes by default).

    Parameters
    ----------
    name : str
        A path, or the ENV_ID that ``pgfast train`` was given.

    Returns
    -------
    str
        An existing file.

    Raises
    ------
    FileNotFoundError
        Naming every path that was looked for.
    """
    from . import envs as native

    # `pgfast train pgfast/<id>` trains <id>'s native env and writes <id>.pgfast
    default = native.native_name(name) or name
    candidates = ([name] if name.endswith(".pgfast")
                  else list(dict.fromkeys([name, f"{name}.pgfast", f"{default}.pgfast"])))
    for path in candidates:
        if os.path.isfile(path):
            return path
    looked = " or ".join(repr(os.path.abspath(c)) for c in candidates)
    hint = "" if name.endswith(".pgfast") else f" (`pgfast train {name}` writes {default}.pgfast)"
    raise FileNotFoundError(f"model file not found: no {looked}{hint}")


def _eval(args: argparse.Namespace) -> int:
    from .io import agent_class

    if args.episodes < 1:
        raise ValueError("--episodes must be >= 1")
    path = find_model(args.model)
    agent = agent_class(path).load(path, env=args.env)
    mean, std = agent.evaluate(args.episodes, deterministic=not args.stochastic, seed=args.seed)
    print(f"{path}: mean return {mean:.2f} +/- {std:.2f} over {args.episodes} episodes")
    return 0


def _grid_value(text: str) -> Any:
    """Parse a value of ``--grid``: none, true/false, an int, a float, or else a string."""
    low = text.strip().lower()
    if low in ("none", "null"):
        return None
    if low in ("true", "false"):
        return low == "true"
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text.strip()


def _parse_grid(items: Sequence[str]) -> dict[str, list[Any]]:
    grid: dict[str, list[Any]] = {}
    for item in items:
        name, eq, values = item.partition("=")
        name = name.strip().replace("-", "_")
        if not eq or not name or not values.strip():
            raise ValueError(f"--grid {item!r}: expected NAME=V1,V2,... (e.g. lr=0.01,0.1)")
        if name in grid:
            raise ValueError(f"--grid: {name!r} given twice")
        grid[name] = [_grid_value(v) for v in values.split(",")]
    return grid


def _parse_env_kwargs(items: Sequence[str]) -> dict[str, Any]:
    """Parse ``--env-kwargs NAME=VALUE ...`` (values as :func:`_grid_value` reads them)."""
    out: dict[str, Any] = {}
    for item in items:
        name, eq, value = item.partition("=")
        name = name.strip()
        if not eq or not name.isidentifier() or not value.strip():
            raise ValueError(f"--env-kwargs {item!r}: expected NAME=VALUE (e.g. is_slippery=false)")
        if name in out:
            raise ValueError(f"--env-kwargs: {name!r} given twice")
        out[name] = _grid_value(value)
    return out


def _kwargs_str(kwargs: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in kwargs.items())


def _parse_seeds(text: str) -> list[int]:
    try:
        if "," in text:
            return [int(v) for v in text.split(",") if v.strip()]
        if "-" in text.strip()[1:]:
            lo, hi = text.split("-", 1)
            if int(hi) < int(lo):
                raise ValueError
            return list(range(int(lo), int(hi) + 1))
        n = int(text)
    except ValueError:
        raise ValueError(f"--seeds {text!r}: expected N, A-B or a list 1,2,3") from None
    if n < 1:
        raise ValueError(f"--seeds {text!r}: a count must be >= 1")
    return list(range(n))


def _sweep(args: argparse.Namespace) -> int:
    from ._sweep import sweep

    grid = _parse_grid(args.grid)
    seeds = _parse_seeds(args.seeds)
    if not args.env_id.strip():
        raise ValueError("ENV_ID is empty")
    try:  # an unknown id is a mistake of the command, not of every run
        import gymnasium as gym

        gym.spec(args.env_id)
    except gym.error.Error as e:
        raise ValueError(f"cannot make environment {args.env_id!r}: {e}") from e
    if "features" in grid:  # --features specs, as `pgfast train` reads them
        grid["features"] = [None if v is None else parse_features(str(v), args.bounds, args.env_id)
                            for v in grid["features"]]
    elif args.bounds is not None:
        raise ValueError("--bounds needs a features grid (--grid features=...)")
    n_done = [0]

    def count(_: Any) -> None:
        n_done[0] += 1

    try:
        res = sweep(
            args.env_id, grid, seeds, args.timesteps, executor=args.executor, env_backend=args.env_backend,
            n_workers=args.workers, address=args.address, eval_episodes=args.eval_episodes,
            threshold=args.threshold, curve_points=args.curve_points, results_file=args.out,
            resume=not args.fresh, retry_errors=args.retry_errors,
            progress_bar=False if args.no_progress else None, callback=count,
        )
    except (ImportError, RuntimeError) as e:
        raise ValueError(str(e)) from e
    except KeyboardInterrupt:
        print(f"pgfast: interrupted after {n_done[0]} new runs; they are in {args.out}: run the "
              "same command again to resume", file=sys.stderr)
        return 130

    if res.n_reused:
        print(f"resumed: {res.n_reused} of {len(res)} runs were already in {args.out}")
    for line in res.summary_lines(args.threshold):
        print(line)
    n_configs = len(res) // len(seeds)
    print(f"{len(res)} runs ({len(seeds)} seed{'s' * (len(seeds) != 1)} x {n_configs} "
          f"configuration{'s' * (n_configs != 1)}) in {args.out}")
    if not args.no_plot:
        png = args.plot or os.path.splitext(args.out)[0] + ".png"
        try:
            res.plot(png, title=f"pgfast sweep: {args.env_id}, mean ± std over {len(seeds)} seeds")
            print(f"learning curves: {png}")
        except ImportError:
            print("learning curves not drawn: matplotlib is not installed (pip install matplotlib)")
    failed = res.errors
    if failed:
        print(f"pgfast: {len(failed)} of {len(res)} runs failed, e.g. {failed[0]['label']}, seed "
              f"{failed[0]['seed']}: {failed[0]['error']} (see the error column of {args.out})",
              file=sys.stderr)
        return 1
    return 0


def _bench(args: argparse.Namespace) -> int:
    from ._bench import main as bench_main

    argv = (["--full"] if args.full else []) + ["--out", args.out] + (["--quiet"] if args.quiet else [])
    argv += ["--markdown"] if args.markdown else []
    argv += ["--zoo"] if args.zoo else []
    return int(bench_main(argv + (["--only", args.only] if args.only else [])))


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "train":
            return _train(args)
        if args.command == "eval":
            return _eval(args)
        if args.command == "sweep":
            return _sweep(args)
        return _bench(args)
    except (ValueError, TypeError, FileNotFoundError, OSError) as e:
        print(f"pgfast: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("pgfast: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
