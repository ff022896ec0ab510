"""Tuned configurations per environment (a zoo, as rl-baselines3-zoo is for Stable-Baselines3).

The entries live in ``zoo.json``, shipped with the package. Each entry is found by
``examples/tune_zoo.py`` (a :func:`pgfast.sweep` over a grid on tuning seeds, the best
configuration chosen by its worst seed) and verified on seeds 0-4, which tuning never
used. An entry holds:

- ``algo``: ``"reinforce"`` (:class:`pgfast.Reinforce`) or ``"actor-critic"``
  (:class:`pgfast.ActorCritic`);
- ``hyperparameters``: keyword arguments of that class;
- ``features`` / ``bounds``: the feature map as ``pgfast train --features`` /
  ``--bounds`` strings (``None``: the raw observation);
- ``total_timesteps``, ``env_backend`` (``"native"`` or ``"gymnasium"``) and
  ``env_kwargs`` (arguments of ``gymnasium.make``);
- ``target``: the greedy mean return the entry aims at on every seed;
- ``result``: per seed (``seeds``) the greedy mean return over ``eval_episodes``
  episodes (``agent.evaluate(eval_episodes, seed=seed)``) and the training seconds;
- ``found_by``: the command that found it and the budget it took.

Examples
--------
>>> import pgfast
>>> agent = pgfast.zoo.make("CartPole-v1", seed=0)             # doctest: +SKIP
>>> agent.learn(pgfast.zoo.config("CartPole-v1")["total_timesteps"])  # doctest: +SKIP
"""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from importlib import resources
from typing import Any, Optional

__all__ = ["ALGOS", "config", "entries", "make", "make_env"]

#: The algorithms an entry may name, and the agent class of each.
ALGOS = ("reinforce", "actor-critic")

_REQUIRED: dict[str, Any] = {
    "algo": str,
    "hyperparameters": dict,
    "features": (str, type(None)),
    "bounds": (str, type(None)),
    "total_timesteps": int,
    "env_backend": str,
    "env_kwargs": dict,
    "target": (int, float),
    "result": dict,
    "found_by": str,
}


@lru_cache(maxsize=1)
def _load() -> dict[str, dict[str, Any]]:
    text = resources.files("pgfast").joinpath("zoo.json").read_text(encoding="utf-8")
    data: dict[str, dict[str, Any]] = json.loads(text)
    return data


def entries() -> list[str]:
    """Return the environment ids that have a zoo entry, sorted.

    Returns
    -------
    list of str
    """
    return sorted(_load())


def config(env_id: str) -> dict[str, Any]:
    """Return the zoo entry of ``env_id`` (a copy: editing it changes nothing).

    Parameters
    ----------
    env_id : str
        A gymnasium id, e.g. ``"CartPole-v1"``; a native env's ``"pgfast/CartPole-v1"``
        has the entry of ``"CartPole-v1"`` (the same environment).

    Returns
    -------
    dict
        The keys described in the module docstring.

    Raises
    ------
    TypeError
        If ``env_id`` is not a string.
    KeyError
        If there is no entry for ``env_id`` (the message lists the ids that have one).
    """
    if not isinstance(env_id, str):
        raise TypeError(f"env_id must be a str (an environment id), got {type(env_id).__name__}")
    data = _load()
    key = _entry_id(env_id)
    if key not in data:
        raise KeyError(f"pgfast.zoo has no entry for {env_id!r}; entries: {', '.join(sorted(data))}")
    return copy.deepcopy(data[key])


def _entry_id(env_id: str) -> str:
    """Return the id whose entry ``env_id`` uses: a native ``pgfast/<id>`` uses ``<id>``'s."""
    from .envs import native_name

    return native_name(env_id) or env_id


def make_env(env_id: str) -> Any:
    """Return the environment the zoo entry of ``env_id`` trains on.

    Parameters
    ----------
    env_id : str
        An id with a zoo entry.

    Returns
    -------
    gymnasium.Env
        pgfast's native env when the entry's ``env_backend`` is ``"native"`` or
        ``env_id`` is a native ``pgfast/<id>``, else
        ``gymnasium.make(env_id, **entry["env_kwargs"])`` (e.g. a time limit for an env
        that has none).
    """
    import gymnasium as gym

    from . import envs as native

    entry = config(env_id)
    if entry["env_backend"] == "native" or env_id != _entry_id(env_id):  # pgfast/<id>: native
        return native.make(env_id, **entry.get("env_kwargs", {}))
    return gym.make(env_id, **entry.get("env_kwargs", {}))


def make(env_id: str, seed: Optional[int] = None, **overrides: Any) -> Any:
    """Return an untrained agent configured by the zoo entry of ``env_id``.

    Parameters
    ----------
    env_id : str
        An id with a zoo entry.
    seed : int, optional
        The agent's seed.
    **overrides
        Agent keyword arguments that replace the entry's (``env=`` replaces the
        environment, ``features=`` the feature map: a :mod:`pgfast.features` spec or, as
        the entry writes it, a ``pgfast train --features`` string such as
        ``"tiles:16:8"``; ``bounds=`` a ``--bounds`` string for the entry's or that map).

    Returns
    -------
    pgfast.Reinforce or pgfast.ActorCritic
        Ready to ``learn(config(env_id)["total_timesteps"])``.

    Raises
    ------
    KeyError
        If there is no entry for ``env_id``.
    ValueError
        If the entry names an unknown algorithm (a corrupt data file).
    """
    from .actor_critic import ActorCritic
    from .agent import Reinforce
    from .cli import parse_features

    entry = config(env_id)
    algo = entry["algo"]
    if algo not in ALGOS:
        raise ValueError(f"pgfast.zoo entry {env_id!r}: algo must be one of {ALGOS}, got {algo!r}")
    cls: Any = Reinforce if algo == "reinforce" else ActorCritic
    kwargs: dict[str, Any] = dict(entry["hyperparameters"])
    env = overrides.pop("env", None)
    if env is None:
        env = make_env(env_id)
    spec = overrides.pop("features") if isinstance(overrides.get("features"), str) else entry["features"]
    if "features" not in overrides and (spec is not None or "bounds" in overrides):
        kwargs["features"] = parse_features(spec, overrides.pop("bounds", entry["bounds"]), env)
    kwargs.update(overrides)
    return cls(env, seed=seed, **kwargs)


def _check_entry(env_id: str, entry: Any) -> None:
    """Raise ValueError naming ``env_id`` if ``entry`` does not follow the schema."""
    if not isinstance(entry, dict):
        raise ValueError(f"pgfast.zoo entry {env_id!r} must be an object")
    for key, kind in _REQUIRED.items():
        if key not in entry:
            raise ValueError(f"pgfast.zoo entry {env_id!r} lacks {key!r}")
        if not isinstance(entry[key], kind):
            raise ValueError(f"pgfast.zoo entry {env_id!r}: {key!r} has the wrong type")
    if entry["algo"] not in ALGOS:
        raise ValueError(f"pgfast.zoo entry {env_id!r}: algo must be one of {ALGOS}")
    if entry["env_backend"] not in ("native", "gymnasium"):
        raise ValueError(f"pgfast.zoo entry {env_id!r}: env_backend must be native or gymnasium")
    res = entry["result"]
    for key in ("seeds", "greedy_mean", "train_seconds", "eval_episodes"):
        if key not in res:
            raise ValueError(f"pgfast.zoo entry {env_id!r}: result lacks {key!r}")
    if not len(res["seeds"]) == len(res["greedy_mean"]) == len(res["train_seconds"]):
        raise ValueError(f"pgfast.zoo entry {env_id!r}: result lists differ in length")
