"""``Reinforce.learn`` on a native env: the whole loop in C++ (``pgfast/fused.hpp``).

The C++ loop releases the GIL and holds the agent's and the env's Generator locks for
each call. It returns to Python only when something in Python must run:

- with ``on_episode_end`` callbacks: at every episode end (before the reset, as the
  Python loop calls them);
- with a progress bar or a log directory: every ``CHUNK_STEPS`` steps, and the episodes
  finished meanwhile are logged then;
- otherwise once, at the end.

Per-step callbacks (``callback(agent)`` / ``on_step``) need Python at every step: those
runs take the Python loop (still on the native env, still bit-identical).
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym

from . import _core
from .envs import NativeEnv

#: Steps per C++ call when only the progress bar or the logs need Python.
CHUNK_STEPS = 100_000


def supported(agent: Any, on_step: Any) -> bool:
    """Tell whether ``agent.learn`` can run fused.

    It can with a single native env that has its time limit built in
    (:func:`pgfast.envs.make`), the C++ learner, features computed in C++ (none or a
    :mod:`pgfast.features` map) and no per-step callback.
    """
    env, sp = agent.env, agent.spaces
    if on_step is not None or not isinstance(env, NativeEnv) or env.max_episode_steps is None:
        return False
    if sp.is_vector or sp.obs_in is not None:
        return False
    if isinstance(env.action_space, gym.spaces.Discrete) and sp.action_out is not None:
        return False
    return isinstance(agent._learner, (_core.SoftmaxLearner, _core.GaussianLearner))


def run_single(agent: Any, total: int, on_episode: Any, logger: Any) -> None:
    """Run ``Reinforce._run_single``'s loop in C++: same seeds, same draws, same updates."""
    env: NativeEnv = agent.env
    learner = agent._learner
    start = agent.num_timesteps
    t = 0
    state = _core.FusedState()
    # Python runs at every episode end for callbacks and CSV rows (they read the agent's
    # state then), every CHUNK_STEPS steps for the progress bar alone.
    per_episode = on_episode is not None or logger.log_dir is not None
    chunk = CHUNK_STEPS if logger.bar is not None else total
    try:
        env.seed_for_fused(agent._reset_seed())
        n_seen = learner.n_episodes()
        stop = False
        while t < total and not stop:
            steps, _ = _core.run_fused(
                env.core,
                learner,
                agent.rng,
                env.np_random,
                state,
                min(chunk, total - t),
                1 if per_episode else 0,
            )
            t += steps
            n_now = learner.n_episodes()
            if n_now != n_seen:
                agent.num_timesteps = start + t
                for i in range(n_seen, n_now):
                    ret, length = learner.episode(i)
                    logger.episode(ret, length)
                    if on_episode is not None and on_episode(agent, ret, length) is False:
                        stop = True
                n_seen = n_now
        if state.need_reset and not stop:  # the Python loop resets and acts after its last episode end
            _core.run_fused(env.core, learner, agent.rng, env.np_random, state, 0, 0)
    except ValueError as e:
        raise ValueError(f"{e} (at timestep {start + t + 1})") from e
    finally:
        agent.num_timesteps = start + t
