"""``Reinforce.learn`` on a native env: the whole loop in C++ (``pgfast/fused.hpp``).

The C++ loop releases the GIL and holds the agent's and the env's Generator locks for
each call. It returns to Python only when something in Python must run:

- with ``on_episode_end`` callbacks or a log directory: at every episode end (a single
  env: before the reset, where the Python loop calls them; a vector env: after the
  vector step in which episodes ended, as its Python loop does);
- otherwise every ``CHUNK_STEPS`` steps (the progress bar is updated, and the episodes
  finished meanwhile are logged, then), or when ``learn``'s ``max_episodes`` budget is
  spent (the C++ loop counts the episodes and stops at that episode end itself).
  Between calls Python handles a pending Ctrl-C (``KeyboardInterrupt``), so a long run
  stops within ``CHUNK_STEPS`` steps (tens of milliseconds), as the Python loop stops
  within a step.

Per-step callbacks (``callback(agent)`` / ``on_step``) need Python at every step: those
runs take the Python loop (still on the native env, still bit-identical), as do vector
envs with the SAME_STEP or DISABLED autoreset modes.
"""

from __future__ import annotations

from typing import Any, Optional

import gymnasium as gym
from gymnasium.vector import AutoresetMode

from . import _core
from .envs import NativeEnv, NativeVectorEnv

#: Steps per C++ call at most: Python handles Ctrl-C and updates the progress bar between calls.
CHUNK_STEPS = 100_000


def native_target(env: Any) -> tuple[Any, Optional[int]]:
    """Return the native env a fused run steps for ``env`` and the time limit to run it with.

    ``(env, None)`` when ``env`` is native. ``gymnasium.make("pgfast/<id>")`` wraps the
    native env (made without a limit of its own) in wrappers that change nothing the run
    does: ``OrderEnforcing`` and ``PassiveEnvChecker`` (checks of the calling order and of
    the first outputs, which a native env passes) and ``TimeLimit``; then the native env
    and the ``TimeLimit``'s limit, which the run gives the native env while it lasts, so
    that the episodes end where the wrapper would end them. Any other wrapper, or more
    than one limit, may change observations, rewards or ends: ``(None, None)``, the Python
    loop. Stepped directly, the wrappers do not see the run's steps; ``learn`` starts
    every run with a reset, and so does a user who steps the env after it.
    """
    limits = []
    inner = env
    while isinstance(inner, gym.Wrapper):
        if type(inner) is gym.wrappers.TimeLimit:
            limits.append(int(inner._max_episode_steps))
        elif type(inner) not in (gym.wrappers.OrderEnforcing, gym.wrappers.PassiveEnvChecker):
            return None, None
        inner = inner.env
    if inner is env:
        return (env, None) if isinstance(env, (NativeEnv, NativeVectorEnv)) else (None, None)
    if not isinstance(inner, NativeEnv) or len(limits) > 1:
        return None, None
    if not limits:
        return inner, None
    own = inner.max_episode_steps
    return (inner, limits[0]) if own is None or own == limits[0] else (None, None)


def supported(agent: Any, on_step: Any) -> bool:
    """Tell whether ``agent.learn`` can run fused.

    It can with a native env that has its time limit built in (:func:`pgfast.envs.make`,
    also inside ``gymnasium.make``'s own wrappers: :func:`native_target`) or a native vector
    env with ``autoreset_mode=NEXT_STEP`` (:func:`pgfast.envs.make_vec`), the C++ learner,
    features computed in C++ (none or a :mod:`pgfast.features` map) and no per-step callback.
    """
    (env, limit), sp = native_target(agent.env), agent.spaces
    if on_step is not None or sp.obs_in is not None:
        return False
    if isinstance(env, NativeEnv):
        # "human" rendering draws every step in Python (the env's step does it)
        if (limit or env.max_episode_steps) is None or sp.is_vector or env.render_mode == "human":
            return False
    elif isinstance(env, NativeVectorEnv):
        if env.autoreset_mode != AutoresetMode.NEXT_STEP:
            return False
    else:
        return False
    if isinstance(env.single_action_space if sp.is_vector else env.action_space, gym.spaces.Discrete):
        if sp.action_out is not None:
            return False
    engines = (_core.SoftmaxLearner, _core.GaussianLearner, _core.SoftmaxActorCritic,
               _core.GaussianActorCritic)
    # backend="numpy" updates run in Python (with the GIL): the per-step loop.
    return isinstance(agent._learner, engines) and not agent._learner.has_rule


def run(agent: Any, total: int, on_episode: Any, logger: Any, max_episodes: Optional[int] = None) -> None:
    """Run ``agent.learn``'s loop in C++ (see :func:`supported`); stop after ``max_episodes`` episodes."""
    if isinstance(native_target(agent.env)[0], NativeVectorEnv):
        run_vector(agent, total, on_episode, logger, max_episodes)
    else:
        run_single(agent, total, on_episode, logger, max_episodes)


def _episodes_for_call(per_episode: bool, max_episodes: Optional[int], done: int) -> int:
    """Return the next C++ call's ``max_episodes``: 1 (back at each episode end), the budget's rest, or 0."""
    if per_episode:
        return 1
    return 0 if max_episodes is None else max_episodes - done


def run_vector(
    agent: Any, total: int, on_episode: Any, logger: Any, max_episodes: Optional[int] = None
) -> None:
    """Run ``Reinforce._run_vector``'s loop (autoreset NEXT_STEP) in C++, bit-identically."""
    env: NativeVectorEnv = agent.env
    learner = agent._learner
    n_envs = env.num_envs
    t = 0
    per_episode = on_episode is not None or logger.log_dir is not None
    seed = agent._reset_seed()
    try:
        obs, _ = env.reset(seed=seed)
        state = _core.FusedVectorState(obs.reshape(n_envs, -1))
        n_start = n_seen = learner.n_episodes()
        stop = False
        while t < total and not stop:
            t += _core.run_fused_vector(
                env.core, learner, agent.rng, state, min(CHUNK_STEPS, total - t),
                _episodes_for_call(per_episode, max_episodes, n_seen - n_start),
            )
            n_now = learner.n_episodes()
            stop = agent._report_episodes(n_seen, n_now, on_episode, logger)
            n_seen = n_now
            stop = stop or (max_episodes is not None and n_now - n_start >= max_episodes)
    except ValueError as e:
        raise ValueError(f"{e} (at timestep {agent.num_timesteps + 1})") from e


def run_single(
    agent: Any, total: int, on_episode: Any, logger: Any, max_episodes: Optional[int] = None
) -> None:
    """Run ``Reinforce._run_single``'s loop in C++: same seeds, same draws, same updates."""
    env: NativeEnv
    env, limit = native_target(agent.env)
    own_limit = env.core.max_episode_steps
    if limit is not None:  # a gymnasium.make TimeLimit's, for this run (see native_target)
        env.core.max_episode_steps = limit
    try:
        _run_single(agent, env, total, on_episode, logger, max_episodes)
    finally:
        env.core.max_episode_steps = own_limit


def _run_single(
    agent: Any, env: NativeEnv, total: int, on_episode: Any, logger: Any, max_episodes: Optional[int]
) -> None:
    learner = agent._learner
    t = 0
    state = _core.FusedState()
    # Python runs at every episode end for callbacks and CSV rows (they read the agent's
    # state then), else every CHUNK_STEPS steps.
    per_episode = on_episode is not None or logger.log_dir is not None
    try:
        env.seed_for_fused(agent._reset_seed())
        n_start = n_seen = learner.n_episodes()
        stop = False
        while t < total and not stop:
            steps, _ = _core.run_fused(
                env.core,
                learner,
                agent.rng,
                env.np_random,
                state,
                min(CHUNK_STEPS, total - t),
                _episodes_for_call(per_episode, max_episodes, n_seen - n_start),
            )
            t += steps
            n_now = learner.n_episodes()
            stop = agent._report_episodes(n_seen, n_now, on_episode, logger)
            n_seen = n_now
            # the budget's last episode: stop before the reset, as the Python loop does
            stop = stop or (max_episodes is not None and n_now - n_start >= max_episodes)
        if state.need_reset and not stop:  # the Python loop resets and acts after its last episode end
            _core.run_fused(env.core, learner, agent.rng, env.np_random, state, 0, 0)
    except ValueError as e:
        raise ValueError(f"{e} (at timestep {agent.num_timesteps + 1})") from e
