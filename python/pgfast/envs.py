"""Native classic-control environments, bit-exact with gymnasium.

CartPole-v1, Acrobot-v1, MountainCar-v0, MountainCarContinuous-v0 and Pendulum-v1 run
in C++ (``cpp/include/pgfast/envs/``). With the same seed and the same actions their
observations, rewards, ``terminated``, ``truncated`` and ``info`` equal those of
``gymnasium.make(id)`` exactly (``==``): the resets draw from the environment's
``np_random`` (a :class:`numpy.random.Generator` seeded as gymnasium seeds it) through
its BitGenerator, and the arithmetic repeats gymnasium's, float32 casts, NumPy 2
promotion rules and operation order included.

>>> import gymnasium, pgfast
>>> env = pgfast.envs.make("CartPole-v1")            # a gymnasium.Env, TimeLimit built in
>>> venv = pgfast.envs.make_vec("CartPole-v1", 64)   # a gymnasium.vector.VectorEnv
>>> env = gymnasium.make("pgfast/CartPole-v1")       # registered when pgfast is imported

``pgfast.Reinforce(pgfast.envs.make(id))`` (or ``make_vec``) learns in one C++ loop,
bit-identical to the same agent on ``gymnasium.make(id)`` (see ``pgfast._fused``).

Platform note: Acrobot's first observation takes NumPy's float32 ``cos``/``sin`` of the
float32 reset state. NumPy computes those with its own SIMD algorithm on CPUs with FMA3
and with libm otherwise; :data:`FLOAT32_TRIG` names the one the installed NumPy was
found to use at import (``"numpy-simd"``, ``"libm"``, or ``"unknown"`` when neither
matched, in which case the first Acrobot observation may differ by an ULP).

NumPy note: Pendulum-v1 and MountainCarContinuous-v0 mix float32 actions with Python
floats, which NumPy 2 keeps in float32 (NEP 50) and NumPy 1.x promotes to float64. The
native envs repeat NumPy 2's arithmetic; under NumPy 1.x (:data:`NEP50_PROMOTION` False)
gymnasium's own Pendulum and MountainCarContinuous differ from them in the last bits of
rewards and states from the first step, and making either native env says so with a
``RuntimeWarning``. The other three envs do not depend on it.
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any, Callable, ClassVar, Optional, Union

import gymnasium as gym
import numpy as np
import numpy.typing as npt
from gymnasium.envs.classic_control import (
    acrobot,
    cartpole,
    continuous_mountain_car,
    mountain_car,
    pendulum,
)
from gymnasium.envs.classic_control import utils as cc_utils
from gymnasium.utils import seeding
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from . import _core, _validate

__all__ = [
    "ENV_IDS",
    "FLOAT32_TRIG",
    "NEP50_PROMOTION",
    "AcrobotEnv",
    "AcrobotVectorEnv",
    "CartPoleEnv",
    "CartPoleVectorEnv",
    "Continuous_MountainCarEnv",
    "Continuous_MountainCarVectorEnv",
    "MountainCarEnv",
    "MountainCarVectorEnv",
    "NativeEnv",
    "NativeVectorEnv",
    "PendulumEnv",
    "PendulumVectorEnv",
    "is_native",
    "make",
    "make_vec",
]

#: The gymnasium ids with a native implementation (also registered as ``pgfast/<id>``).
ENV_IDS = ("CartPole-v1", "Acrobot-v1", "MountainCar-v0", "MountainCarContinuous-v0", "Pendulum-v1")

_Obs = npt.NDArray[np.float32]


def _detect_float32_trig() -> tuple[int, str]:
    """Find how the installed NumPy computes float32 cos/sin (see the module note)."""
    probe = np.random.default_rng(0).uniform(-4.0, 4.0, 4096).astype(np.float32)
    probe = np.concatenate([probe, np.linspace(-0.2, 0.2, 4001, dtype=np.float32)])
    for mode, name in ((0, "numpy-simd"), (1, "libm")):
        c, s = _core.float32_trig(probe, mode)
        if np.array_equal(c, np.cos(probe)) and np.array_equal(s, np.sin(probe)):
            return mode, name
    return 0, "unknown"


#: The float32 sin/cos the installed NumPy uses (the native envs use the same).
_FLOAT32_TRIG_MODE, FLOAT32_TRIG = _detect_float32_trig()


#: Whether this NumPy promotes by NEP 50 (NumPy >= 2), as the native envs compute: a float32
#: scalar times a Python float stays float32 (see the module's NumPy note).
NEP50_PROMOTION = type(np.float32(1.0) * 1.0) is np.float32


def _limit(max_episode_steps: int | None) -> int:
    if max_episode_steps is None:
        return 0
    if isinstance(max_episode_steps, bool) or not isinstance(max_episode_steps, (int, np.integer)):
        raise TypeError(f"max_episode_steps must be an int or None, got {type(max_episode_steps).__name__}")
    if max_episode_steps < 1:
        raise ValueError(f"max_episode_steps must be >= 1 or None, got {max_episode_steps}")
    return int(max_episode_steps)


class NativeEnv(gym.Env[_Obs, Any]):
    """A native environment as a :class:`gymnasium.Env`.

    Subclasses mirror one gymnasium class (``gym_class``): same constructor arguments,
    spaces, ``metadata`` and reset options. ``max_episode_steps`` builds gymnasium's
    ``TimeLimit`` into the environment (``None``: no limit, as the bare gymnasium class;
    :func:`make` passes the registered limit). Rendering delegates to ``gym_class``.
    """

    gym_class: ClassVar[type[gym.Env[Any, Any]]]
    gym_id: ClassVar[str]
    #: Whether gymnasium's env computes differently under NumPy 1.x (the module's NumPy note).
    promotion_sensitive: ClassVar[bool] = False

    def __init__(self, core: Any, render_mode: str | None, gym_kwargs: dict[str, Any]) -> None:
        modes = self.metadata["render_modes"]
        if render_mode is not None and render_mode not in modes:
            raise ValueError(f"render_mode must be None or one of {', '.join(map(repr, modes))}, "
                             f"got {render_mode!r}")
        if self.promotion_sensitive and not NEP50_PROMOTION:
            warnings.warn(
                f"pgfast's native {self.gym_id} computes as gymnasium's does under NumPy >= 2 (NEP 50 "
                f"promotion); with NumPy {np.__version__} gymnasium's {self.gym_id} computes some steps "
                "in float64 and the two differ in the last bits: install numpy>=2 for bit-identical envs",
                RuntimeWarning, stacklevel=3,
            )
        self._core = core
        self.render_mode = render_mode
        self._gym_kwargs = gym_kwargs
        self._gym_env: gym.Env[Any, Any] | None = None
        self._needs_reset = True

    @property
    def core(self) -> Any:
        """The C++ environment (``pgfast._core.<Name>Core``)."""
        return self._core

    @property
    def max_episode_steps(self) -> int | None:
        """The built-in time limit, or None."""
        return int(self._core.max_episode_steps) or None

    def _reset_bounds(self, options: dict[str, Any] | None) -> tuple[float, float]:
        raise NotImplementedError

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[_Obs, dict[str, Any]]:
        """Start an episode; ``seed`` and ``options`` as in the gymnasium class."""
        super().reset(seed=seed)
        a, b = self._reset_bounds(options)
        obs = self._core.reset(self.np_random, a, b)
        self._needs_reset = False
        if self.render_mode == "human":  # as gymnasium's classes draw every reset and step
            self.render()
        return obs, {}

    def step(self, action: Any) -> tuple[_Obs, float, bool, bool, dict[str, Any]]:
        """One step: ``(observation, reward, terminated, truncated, info)``."""
        if self._needs_reset:
            raise gym.error.ResetNeeded("Cannot call env.step() before calling env.reset()")
        obs, reward, terminated, truncated = self._core.step(action)
        if self.render_mode == "human":
            self.render()
        return obs, reward, terminated, truncated, {}

    def seed_for_fused(self, seed: int | None) -> None:
        """Seed ``np_random`` as ``reset(seed=seed)`` does, leaving the reset to C++.

        The fused learning loop (``pgfast._fused``) resets the core itself, drawing
        from ``np_random``: the same draws as ``reset(seed=seed)``.
        """
        super().reset(seed=seed)
        self._needs_reset = False

    def __getstate__(self) -> dict[str, Any]:
        """Pickle and copy everything but the rendering env (made again when rendering)."""
        state = dict(self.__dict__)
        state["_gym_env"] = None
        return state

    def _sync_render_env(self, env: gym.Env[Any, Any]) -> None:
        env.state = self._core.state  # type: ignore[attr-defined]

    def render(self) -> Any:
        """Render with the gymnasium class, from the native state."""
        if self._gym_env is None:
            self._gym_env = self.gym_class(render_mode=self.render_mode, **self._gym_kwargs)  # type: ignore[call-arg]
            self._gym_env.unwrapped.spec = self.spec
        if not self._needs_reset:
            self._sync_render_env(self._gym_env)
        return self._gym_env.render()

    def close(self) -> None:
        """Close the rendering window, if any."""
        if self._gym_env is not None:
            self._gym_env.close()
            self._gym_env = None


#: A generator that never feeds an environment: reset bounds given in ``options`` go
#: through its ``uniform`` first, so that NumPy itself refuses them as it refuses them in
#: gymnasium's ``np_random.uniform(low, high)`` (before drawing): a range ``high - low``
#: that is not finite is an ``OverflowError`` and, in NumPy 2, a negative one a
#: ``ValueError`` — the installed NumPy's type and message. The C++ cores draw without
#: checking; the default bounds need no check.
_BOUNDS_CHECK = np.random.Generator(np.random.PCG64(0))


def _low_high(options: dict[str, Any] | None, low: float, high: float) -> tuple[float, float]:
    lo, hi = cc_utils.maybe_parse_reset_bounds(options, low, high)
    if options is not None:
        _BOUNDS_CHECK.uniform(low=lo, high=hi, size=(1,))
    return float(lo), float(hi)


class CartPoleEnv(NativeEnv):
    """CartPole-v1 in C++; see :class:`gymnasium.envs.classic_control.CartPoleEnv`."""

    gym_class = cartpole.CartPoleEnv
    gym_id = "CartPole-v1"
    metadata = cartpole.CartPoleEnv.metadata

    def __init__(
        self,
        sutton_barto_reward: bool = False,
        render_mode: str | None = None,
        max_episode_steps: int | None = None,
    ) -> None:
        super().__init__(
            _core.CartPoleCore(bool(sutton_barto_reward), _limit(max_episode_steps)),
            render_mode,
            {"sutton_barto_reward": sutton_barto_reward},
        )
        template = cartpole.CartPoleEnv()
        self.observation_space = template.observation_space
        self.action_space = template.action_space

    def _reset_bounds(self, options: dict[str, Any] | None) -> tuple[float, float]:
        return _low_high(options, -0.05, 0.05)

    def step(self, action: Any) -> tuple[_Obs, float, bool, bool, dict[str, Any]]:
        """One step: ``(observation, reward, terminated, truncated, info)``."""
        obs, reward, terminated, truncated, info = super().step(action)
        if terminated and self._core.steps_beyond_terminated == 1:
            gym.logger.warn(
                "You are calling 'step()' even though this environment has already returned terminated = "
                "True. You should always call 'reset()' once you receive 'terminated = True' -- any further "
                "steps are undefined behavior."
            )
        return obs, reward, terminated, truncated, info


class AcrobotEnv(NativeEnv):
    """Acrobot-v1 in C++; see :class:`gymnasium.envs.classic_control.AcrobotEnv`."""

    gym_class = acrobot.AcrobotEnv
    gym_id = "Acrobot-v1"
    metadata = acrobot.AcrobotEnv.metadata

    def __init__(self, render_mode: str | None = None, max_episode_steps: int | None = None) -> None:
        super().__init__(_core.AcrobotCore(_limit(max_episode_steps), _FLOAT32_TRIG_MODE), render_mode, {})
        template = acrobot.AcrobotEnv()
        self.observation_space = template.observation_space
        self.action_space = template.action_space

    def _reset_bounds(self, options: dict[str, Any] | None) -> tuple[float, float]:
        return _low_high(options, -0.1, 0.1)


class MountainCarEnv(NativeEnv):
    """MountainCar-v0 in C++; see :class:`gymnasium.envs.classic_control.MountainCarEnv`."""

    gym_class = mountain_car.MountainCarEnv
    gym_id = "MountainCar-v0"
    metadata = mountain_car.MountainCarEnv.metadata

    def __init__(
        self, render_mode: str | None = None, goal_velocity: float = 0, max_episode_steps: int | None = None
    ) -> None:
        super().__init__(
            _core.MountainCarCore(_validate.real("goal_velocity", goal_velocity), _limit(max_episode_steps)),
            render_mode,
            {"goal_velocity": goal_velocity},
        )
        template = mountain_car.MountainCarEnv(goal_velocity=goal_velocity)
        self.observation_space = template.observation_space
        self.action_space = template.action_space

    def _reset_bounds(self, options: dict[str, Any] | None) -> tuple[float, float]:
        return _low_high(options, -0.6, -0.4)


class Continuous_MountainCarEnv(NativeEnv):
    """MountainCarContinuous-v0 in C++; see gymnasium's ``Continuous_MountainCarEnv``.

    The action keeps its dtype: a float32 array (the action space's dtype) is computed
    with float32 arithmetic as in gymnasium, any other array-like as float64.
    """

    gym_class = continuous_mountain_car.Continuous_MountainCarEnv
    gym_id = "MountainCarContinuous-v0"
    promotion_sensitive = True
    metadata = continuous_mountain_car.Continuous_MountainCarEnv.metadata

    def __init__(
        self, render_mode: str | None = None, goal_velocity: float = 0, max_episode_steps: int | None = None
    ) -> None:
        super().__init__(
            _core.MountainCarContinuousCore(_validate.real("goal_velocity", goal_velocity),
                                            _limit(max_episode_steps)),
            render_mode,
            {"goal_velocity": goal_velocity},
        )
        template = continuous_mountain_car.Continuous_MountainCarEnv(goal_velocity=goal_velocity)
        self.observation_space = template.observation_space
        self.action_space = template.action_space

    def _reset_bounds(self, options: dict[str, Any] | None) -> tuple[float, float]:
        return _low_high(options, -0.6, -0.4)


class PendulumEnv(NativeEnv):
    """Pendulum-v1 in C++; see :class:`gymnasium.envs.classic_control.PendulumEnv`.

    The action keeps its dtype: a float32 array (the action space's dtype) is computed
    with float32 arithmetic as in gymnasium, any other array-like as float64.
    """

    gym_class = pendulum.PendulumEnv
    gym_id = "Pendulum-v1"
    promotion_sensitive = True
    metadata = pendulum.PendulumEnv.metadata

    def __init__(
        self, render_mode: str | None = None, g: float = 10.0, max_episode_steps: int | None = None
    ) -> None:
        super().__init__(_core.PendulumCore(_validate.real("g", g), _limit(max_episode_steps)), render_mode,
                         {"g": g})
        template = pendulum.PendulumEnv(g=g)
        self.observation_space = template.observation_space
        self.action_space = template.action_space

    def _reset_bounds(self, options: dict[str, Any] | None) -> tuple[float, float]:
        if options is None:
            return pendulum.DEFAULT_X, pendulum.DEFAULT_Y
        x: Any = options.get("x_init", pendulum.DEFAULT_X)
        y: Any = options.get("y_init", pendulum.DEFAULT_Y)
        high = np.array([cc_utils.verify_number_and_cast(x), cc_utils.verify_number_and_cast(y)])
        _BOUNDS_CHECK.uniform(low=-high, high=high)
        return float(high[0]), float(high[1])

    def _sync_render_env(self, env: gym.Env[Any, Any]) -> None:
        env.state = self._core.state  # type: ignore[attr-defined]
        env.last_u = None  # type: ignore[attr-defined]


_AUTORESET_CODES = {AutoresetMode.NEXT_STEP: 0, AutoresetMode.SAME_STEP: 1, AutoresetMode.DISABLED: 2}


def _autoreset_mode(mode: AutoresetMode | str) -> AutoresetMode:
    """Return the mode named by gymnasium's value (``"NextStep"``) or the member's name (``"next_step"``)."""
    try:
        return AutoresetMode(mode)
    except ValueError:
        if isinstance(mode, str) and mode.upper() in AutoresetMode.__members__:
            return AutoresetMode[mode.upper()]
        names = ", ".join(repr(m.value) for m in AutoresetMode)
        raise ValueError(
            f"autoreset_mode must be an AutoresetMode or one of {names} (or a member's name, "
            f"'next_step'), got {mode!r}"
        ) from None


class NativeVectorEnv(VectorEnv[_Obs, Any, Any]):
    """``num_envs`` copies of a native environment stepped in one C++ call.

    Behaves as ``gymnasium.vector.SyncVectorEnv`` over ``gymnasium.make(id)`` copies,
    for every ``autoreset_mode``: ``reset(seed=s)`` seeds sub-environment i with
    ``s + i``, ``options["reset_mask"]`` resets a subset, ``SAME_STEP`` reports
    ``info["final_obs"]`` / ``info["final_info"]``. Observations are float32
    ``(num_envs, obs_dim)``, rewards float64, ``terminated``/``truncated`` bool.
    """

    single_env_class: ClassVar[Callable[..., NativeEnv]]
    gym_id: ClassVar[str]

    def __init__(
        self,
        num_envs: int = 1,
        autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
        max_episode_steps: int | None = None,
        render_mode: str | None = None,
        **kwargs: Any,
    ) -> None:
        if isinstance(num_envs, bool) or not isinstance(num_envs, (int, np.integer)) or num_envs < 1:
            raise ValueError(f"num_envs must be an int >= 1, got {num_envs!r}")
        if render_mode is not None:
            raise ValueError("native vector environments do not render: render_mode must be None")
        self.autoreset_mode = _autoreset_mode(autoreset_mode)
        template = self.single_env_class(max_episode_steps=max_episode_steps, **kwargs)
        self._template = template
        self.num_envs = int(num_envs)
        self.single_observation_space = template.observation_space
        self.single_action_space = template.action_space
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self.metadata = {"render_modes": [], "autoreset_mode": self.autoreset_mode}
        self.render_mode = None
        self._core = self._make_core(self.num_envs, _AUTORESET_CODES[self.autoreset_mode], template)
        shape = self.observation_space.shape
        assert shape is not None  # a batched Box
        self._obs = np.zeros(shape, dtype=np.float32)
        self._needs_reset = True

    def _make_core(self, num_envs: int, mode: int, template: NativeEnv) -> Any:
        raise NotImplementedError

    def __getstate__(self) -> dict[str, Any]:
        """Pickle and copy the sub-environments' states and Generators with the rest."""
        state = dict(self.__dict__)
        core = state.pop("_core")
        state["_core_state"] = [(*core.snapshot(i), core.get_rng(i)) for i in range(self.num_envs)]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Make the C++ vector env again and put each sub-environment back."""
        subs = state.pop("_core_state")
        self.__dict__.update(state)
        self._core = self._make_core(self.num_envs, _AUTORESET_CODES[self.autoreset_mode], self._template)
        for i, (snapshot, needs_reset, rng) in enumerate(subs):
            self._core.restore(i, snapshot, needs_reset)
            if rng is not None:
                self._core.set_rng(i, rng)

    @property
    def core(self) -> Any:
        """The C++ vector environment (``pgfast._core.<Name>CoreVector``)."""
        return self._core

    def reset(
        self, *, seed: int | list[int | None] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[_Obs, dict[str, Any]]:
        """Reset every sub-environment (or those of ``options["reset_mask"]``)."""
        n = self.num_envs
        if seed is None:
            seeds: list[int | None] = [None] * n
        elif isinstance(seed, int):
            seeds = [seed + i for i in range(n)]
        else:
            seeds = list(seed)
        if len(seeds) != n:
            raise ValueError(
                f"If seeds are passed as a list the length must match num_envs={n} "
                f"but got length={len(seeds)}."
            )
        options = dict(options) if options is not None else None
        mask = np.ones(n, dtype=np.bool_)
        if options is not None and "reset_mask" in options:
            mask = options.pop("reset_mask")
            if not isinstance(mask, np.ndarray):
                raise TypeError(f"`options['reset_mask']` must be a numpy array, got {type(mask)}")
            if mask.shape != (n,):
                raise ValueError(f"`options['reset_mask']` must have shape `({n},)`, got {mask.shape}")
            if mask.dtype != np.bool_:
                raise TypeError(f"`options['reset_mask']` must have `dtype=np.bool_`, got {mask.dtype}")
            if not np.any(mask):
                raise ValueError(
                    "`options['reset_mask']` must contain a boolean array with at least one True value, "
                    f"got reset_mask={mask}"
                )
        a, b = self._template._reset_bounds(options)
        obs = self._obs.copy()
        for i in np.flatnonzero(mask):
            if seeds[i] is not None or self._core.get_rng(int(i)) is None:
                rng, _ = seeding.np_random(seeds[i])
                self._core.set_rng(int(i), rng)
            obs[i] = self._core.reset(int(i), a, b)
        self._obs = obs
        self._needs_reset = False
        return obs.copy(), {}

    def step(self, actions: Any) -> tuple[_Obs, npt.NDArray[np.float64], Any, Any, dict[str, Any]]:
        """Step every sub-environment (gymnasium's autoreset semantics)."""
        if self._needs_reset:
            raise gym.error.ResetNeeded("Cannot call env.step() before calling env.reset()")
        obs, rewards, terminated, truncated, final_obs, final_mask = self._core.step(actions)
        self._obs = obs.copy()
        infos: dict[str, Any] = {}
        if final_mask is not None and final_mask.any():
            for i in np.flatnonzero(final_mask):
                infos = self._add_info(infos, {"final_obs": final_obs[i], "final_info": {}}, int(i))
        return obs, rewards, terminated, truncated, infos

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.gym_id}, num_envs={self.num_envs})"


class CartPoleVectorEnv(NativeVectorEnv):
    """CartPole-v1 x ``num_envs`` in C++."""

    single_env_class = CartPoleEnv
    gym_id = "CartPole-v1"

    def _make_core(self, num_envs: int, mode: int, template: NativeEnv) -> Any:
        return _core.CartPoleCoreVector(
            num_envs, mode, template._gym_kwargs["sutton_barto_reward"], template.core.max_episode_steps
        )


class AcrobotVectorEnv(NativeVectorEnv):
    """Acrobot-v1 x ``num_envs`` in C++."""

    single_env_class = AcrobotEnv
    gym_id = "Acrobot-v1"

    def _make_core(self, num_envs: int, mode: int, template: NativeEnv) -> Any:
        return _core.AcrobotCoreVector(num_envs, mode, template.core.max_episode_steps, _FLOAT32_TRIG_MODE)


class MountainCarVectorEnv(NativeVectorEnv):
    """MountainCar-v0 x ``num_envs`` in C++."""

    single_env_class = MountainCarEnv
    gym_id = "MountainCar-v0"

    def _make_core(self, num_envs: int, mode: int, template: NativeEnv) -> Any:
        return _core.MountainCarCoreVector(
            num_envs, mode, float(template._gym_kwargs["goal_velocity"]), template.core.max_episode_steps
        )


class Continuous_MountainCarVectorEnv(NativeVectorEnv):
    """MountainCarContinuous-v0 x ``num_envs`` in C++."""

    single_env_class = Continuous_MountainCarEnv
    gym_id = "MountainCarContinuous-v0"

    def _make_core(self, num_envs: int, mode: int, template: NativeEnv) -> Any:
        return _core.MountainCarContinuousCoreVector(
            num_envs, mode, float(template._gym_kwargs["goal_velocity"]), template.core.max_episode_steps
        )


class PendulumVectorEnv(NativeVectorEnv):
    """Pendulum-v1 x ``num_envs`` in C++."""

    single_env_class = PendulumEnv
    gym_id = "Pendulum-v1"

    def _make_core(self, num_envs: int, mode: int, template: NativeEnv) -> Any:
        return _core.PendulumCoreVector(
            num_envs, mode, float(template._gym_kwargs["g"]), template.core.max_episode_steps
        )


_ENVS: dict[str, tuple[Callable[..., NativeEnv], Callable[..., NativeVectorEnv]]] = {
    "CartPole-v1": (CartPoleEnv, CartPoleVectorEnv),
    "Acrobot-v1": (AcrobotEnv, AcrobotVectorEnv),
    "MountainCar-v0": (MountainCarEnv, MountainCarVectorEnv),
    "MountainCarContinuous-v0": (Continuous_MountainCarEnv, Continuous_MountainCarVectorEnv),
    "Pendulum-v1": (PendulumEnv, PendulumVectorEnv),
}


def native_name(env_id: str) -> Optional[str]:
    """Return the :data:`ENV_IDS` entry that ``env_id`` names, or None if it is not native.

    ``"CartPole-v1"`` and ``"pgfast/CartPole-v1"`` both name ``"CartPole-v1"``.
    """
    name = env_id.removeprefix("pgfast/")
    return name if name in _ENVS else None


def _lookup(env_id: str) -> tuple[str, Callable[..., NativeEnv], Callable[..., NativeVectorEnv]]:
    if not isinstance(env_id, str):
        raise TypeError(f"id must be a str, got {type(env_id).__name__}")
    name = native_name(env_id)
    if name is None:
        raise ValueError(f"id: no native environment {env_id!r}; available: {', '.join(ENV_IDS)}")
    return (name, *_ENVS[name])


_MaxSteps = Union[int, None]


def make(env_id: str, max_episode_steps: _MaxSteps = None, **kwargs: Any) -> NativeEnv:
    """Make a native environment, as ``gymnasium.make(id)`` would make gymnasium's.

    Parameters
    ----------
    env_id : str
        One of :data:`ENV_IDS`, with or without the ``"pgfast/"`` namespace.
    max_episode_steps : int, optional
        The time limit; default the registered one (500 for CartPole-v1).
    **kwargs
        The gymnasium class's arguments (``render_mode``, ``sutton_barto_reward``,
        ``goal_velocity``, ``g``).

    Returns
    -------
    NativeEnv
        A :class:`gymnasium.Env` with the time limit built in and ``spec`` set.
    """
    name, env_class, _ = _lookup(env_id)
    spec = gym.spec(f"pgfast/{name}")
    limit = spec.max_episode_steps if max_episode_steps is None else max_episode_steps
    env = env_class(max_episode_steps=limit, **kwargs)
    env.spec = dataclasses.replace(spec, max_episode_steps=limit, kwargs={**spec.kwargs, **kwargs})
    return env


def make_vec(
    env_id: str,
    num_envs: int = 1,
    autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
    max_episode_steps: _MaxSteps = None,
    **kwargs: Any,
) -> NativeVectorEnv:
    """Make ``num_envs`` native copies of an environment as one VectorEnv.

    Parameters
    ----------
    env_id : str
        One of :data:`ENV_IDS`, with or without the ``"pgfast/"`` namespace.
    num_envs : int
        Number of sub-environments.
    autoreset_mode : gymnasium.vector.AutoresetMode or str
        ``NEXT_STEP`` (gymnasium's default), ``SAME_STEP`` or ``DISABLED``.
    max_episode_steps : int, optional
        The time limit of each sub-environment; default the registered one.
    **kwargs
        The gymnasium class's arguments.

    Returns
    -------
    NativeVectorEnv
        A :class:`gymnasium.vector.VectorEnv`.
    """
    name, _, vec_class = _lookup(env_id)
    spec = gym.spec(f"pgfast/{name}")
    limit = spec.max_episode_steps if max_episode_steps is None else max_episode_steps
    venv = vec_class(num_envs, autoreset_mode=autoreset_mode, max_episode_steps=limit, **kwargs)
    venv.spec = dataclasses.replace(spec, max_episode_steps=limit, kwargs={**spec.kwargs, **kwargs})
    return venv


def _register() -> None:
    """Register ``pgfast/<id>`` for every native env (``gymnasium.make`` and ``make_vec``)."""
    for name, (env_class, vec_class) in _ENVS.items():
        env_id = f"pgfast/{name}"
        if env_id in gym.registry:
            continue
        base = gym.spec(name)
        gym.register(
            id=env_id,
            entry_point=f"{__name__}:{env_class.__name__}",
            vector_entry_point=f"{__name__}:{vec_class.__name__}",
            max_episode_steps=base.max_episode_steps,
            reward_threshold=base.reward_threshold,
            kwargs=dict(base.kwargs),
        )


_register()


def is_native(env: Any) -> bool:
    """Tell whether ``env`` is a native env or vector env (itself, not wrapped)."""
    return isinstance(env, (NativeEnv, NativeVectorEnv))
