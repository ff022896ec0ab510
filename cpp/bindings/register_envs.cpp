// Native classic-control environments (pgfast/envs/*.hpp): one class per env and a
// vector class per env. The Python layer (pgfast.envs) adapts them to gymnasium.Env and
// gymnasium.vector.VectorEnv; here only arguments are validated and buffers filled.
#include "pybind11.hpp"

#include <cmath>
#include <string>

#include "env_bindings.hpp"
#include "pgfast/envs.hpp"

namespace pgfast::bind {

namespace {

using envs::Acrobot;
using envs::Autoreset;
using envs::CartPole;
using envs::Float32Trig;
using envs::MountainCar;
using envs::MountainCarContinuous;
using envs::Pendulum;
using envs::StepResult;

template <class E>
constexpr bool kDiscrete = !std::is_same_v<E, MountainCarContinuous> && !std::is_same_v<E, Pendulum>;

using farray = py::array_t<float, py::array::c_style | py::array::forcecast>;

// A continuous action (one dimension): float32 arrays keep float32 (the action space's
// dtype, which decides gymnasium's arithmetic), anything else is cast to float64.
// `rows` = 0 for one action of shape (1,), else the (rows, 1) batch of a vector env.
struct ContinuousActions {
  farray f32;
  darray f64;
  bool is_f32 = false;
};

ContinuousActions as_continuous_actions(py::handle obj, const char* name, std::size_t rows) {
  ContinuousActions out;
  auto raw = py::array::ensure(obj);
  if (!raw) throw py::type_error(std::string(name) + " must be array-like");
  const bool f32 = raw.dtype().is(py::dtype::of<float>());
  py::array a = f32 ? py::array(farray::ensure(raw)) : py::array(as_f64(obj, name));
  const bool shape_ok = rows == 0 ? (a.ndim() == 1 && a.shape(0) == 1)
                                  : (a.ndim() == 2 && static_cast<std::size_t>(a.shape(0)) == rows &&
                                     a.shape(1) == 1);
  if (!shape_ok) {
    const std::string want = rows == 0 ? "(1,)" : "(" + std::to_string(rows) + ", 1)";
    throw py::value_error(std::string(name) + " must have shape " + want + ", got " + shape_str(a));
  }
  if (f32) {
    out.f32 = py::reinterpret_borrow<farray>(a);
    for (py::ssize_t i = 0; i < out.f32.size(); ++i) {
      if (!std::isfinite(out.f32.data()[i])) throw py::value_error(std::string(name) + " contains NaN or inf");
    }
    out.is_f32 = true;
  } else {
    out.f64 = py::reinterpret_borrow<darray>(a);
    require_finite(out.f64, name);
  }
  return out;
}

template <class E>
py::tuple step_one(E& env, py::handle action) {
  py::array_t<float> obs(E::kObsDim);
  StepResult r{};
  if constexpr (kDiscrete<E>) {
    const auto a = static_cast<std::int64_t>(as_action(action, "action", E::kNumActions));
    r = env.step(a, obs.mutable_data());
  } else {
    const auto acts = as_continuous_actions(action, "action", 0);
    r = acts.is_f32 ? env.step(acts.f32.data()[0], obs.mutable_data())
                    : env.step(acts.f64.data()[0], obs.mutable_data());
  }
  return py::make_tuple(std::move(obs), r.reward, r.terminated, r.truncated);
}

template <class E>
py::array_t<float> reset_one(E& env, py::handle rng, double a, double b) {
  py::array_t<float> obs(E::kObsDim);
  GeneratorStream stream(rng);
  env.reset(stream, obs.mutable_data(), a, b);
  return obs;
}

// A snapshot argument (what E::snapshot() gave, as pickle carried it): a list of floats.
std::vector<double> as_snapshot(py::handle values) {
  try {
    return values.cast<std::vector<double>>();
  } catch (const py::cast_error&) {
    throw py::value_error("a native env's snapshot must be a list of floats");
  }
}

template <class E>
py::array_t<double> state_of(const E& env) {
  py::array_t<double> out(E::kStateDim);
  env.copy_state(out.mutable_data());
  return out;
}

Autoreset as_autoreset(int mode) {
  if (mode < 0 || mode > 2) {
    throw py::value_error("autoreset_mode must be 0 (NEXT_STEP), 1 (SAME_STEP) or 2 (DISABLED), got " +
                          std::to_string(mode));
  }
  return static_cast<Autoreset>(mode);
}

template <class E>
py::tuple vector_step(PyVectorEnv<E>& self, py::handle actions) {
  const std::size_t n = self.vec.num_envs();
  constexpr auto d = static_cast<py::ssize_t>(E::kObsDim);
  const auto rows = static_cast<py::ssize_t>(n);
  py::array_t<float> obs({rows, d});
  py::array_t<double> rewards(rows);
  py::array_t<bool> terminated(rows), truncated(rows);
  const bool same_step = self.vec.autoreset_mode() == Autoreset::kSameStep;
  py::array_t<float> final_obs = same_step ? py::array_t<float>({rows, d}) : py::array_t<float>();
  py::array_t<bool> final_mask = same_step ? py::array_t<bool>(rows) : py::array_t<bool>();
  float* fo = same_step ? final_obs.mutable_data() : nullptr;
  bool* fm = same_step ? final_mask.mutable_data() : nullptr;
  typename SubGenerators::Session session(self.rngs);
  if constexpr (kDiscrete<E>) {
    const ActionArray a = as_actions(actions, "actions", E::kNumActions, n);
    self.vec.step(a.data(), session, obs.mutable_data(), rewards.mutable_data(), terminated.mutable_data(),
                  truncated.mutable_data(), fo, fm);
  } else {
    const auto acts = as_continuous_actions(actions, "actions", n);
    if (acts.is_f32) {
      self.vec.step(acts.f32.data(), session, obs.mutable_data(), rewards.mutable_data(),
                    terminated.mutable_data(), truncated.mutable_data(), fo, fm);
    } else {
      self.vec.step(acts.f64.data(), session, obs.mutable_data(), rewards.mutable_data(),
                    terminated.mutable_data(), truncated.mutable_data(), fo, fm);
    }
  }
  if (same_step) {
    return py::make_tuple(std::move(obs), std::move(rewards), std::move(terminated), std::move(truncated),
                          std::move(final_obs), std::move(final_mask));
  }
  return py::make_tuple(std::move(obs), std::move(rewards), std::move(terminated), std::move(truncated),
                        py::none(), py::none());
}

// Binds E as `name` and VectorEnv<E> as `name`Vector, with the constructor `make(args)`.
template <class E, class... P, class... Args>
py::class_<E> bind_env(py::module_& m, const char* name, const char* doc, E (*make)(P...), Args... args) {
  py::class_<E> cls(m, name, doc);
  cls.def(py::init(make), args...)
      .def("reset", &reset_one<E>, py::arg("rng"), py::arg("a"), py::arg("b"),
           R"pbdoc(Starts an episode, drawing from `rng` (a numpy.random.Generator) as gymnasium's
reset does; `a`, `b` are the reset bounds (low, high; Pendulum: x_init, y_init).
Returns the first observation (float32).)pbdoc")
      .def("step", &step_one<E>, py::arg("action"),
           R"pbdoc(One step: returns (observation, reward, terminated, truncated); truncated is the
time limit (max_episode_steps).)pbdoc")
      .def_property_readonly("state", &state_of<E>, "The internal state (float64 copy).")
      .def("snapshot", &E::snapshot,
           "Everything the environment holds (settings, time limit, state) as floats: what pickle and "
           "copy carry (pgfast._pickling).")
      .def_static(
          "from_snapshot",
          [](py::handle values) { return E::from_snapshot(as_snapshot(values)); },
          py::arg("snapshot"), "The environment a snapshot() describes (every value checked).")
      .def_property_readonly(
          "elapsed_steps", [](const E& e) { return e.time_limit().elapsed(); }, "Steps since the last reset.")
      .def_property(
          "max_episode_steps", [](const E& e) { return e.time_limit().max_episode_steps(); },
          [](E& e, std::int64_t limit) { e.time_limit().set_max_episode_steps(limit); },
          "The time limit (0: none); settable (the steps since the reset are kept).");

  const std::string vname = std::string(name) + "Vector";
  py::class_<PyVectorEnv<E>>(m, vname.c_str(), "N copies of the native environment, stepped in C++.")
      .def(py::init([make](std::size_t num_envs, int autoreset_mode, P... a) {
             require_positive(num_envs, "num_envs");
             std::vector<E> es;
             es.reserve(num_envs);
             for (std::size_t i = 0; i < num_envs; ++i) es.push_back(make(a...));
             return new PyVectorEnv<E>(std::move(es), as_autoreset(autoreset_mode));
           }),
           py::arg("num_envs"), py::arg("autoreset_mode"), args...)
      .def_property_readonly("num_envs", [](const PyVectorEnv<E>& v) { return v.vec.num_envs(); })
      .def(
          "set_rng", [](PyVectorEnv<E>& v, std::size_t i, py::handle rng) { v.rngs.set(i, rng); },
          py::arg("index"), py::arg("rng"), "Sets the numpy.random.Generator of sub-environment `index`.")
      .def(
          "get_rng", [](const PyVectorEnv<E>& v, std::size_t i) { return v.rngs.get(i); }, py::arg("index"),
          "The numpy.random.Generator of sub-environment `index` (None before set_rng).")
      .def(
          "reset",
          [](PyVectorEnv<E>& v, std::size_t i, double a, double b) {
            if (i >= v.vec.num_envs()) throw py::index_error("sub-environment index out of range");
            py::array_t<float> obs(E::kObsDim);
            typename SubGenerators::Session session(v.rngs);
            v.vec.reset(i, session(i), obs.mutable_data(), a, b);
            return obs;
          },
          py::arg("index"), py::arg("a"), py::arg("b"),
          "Resets sub-environment `index` with its Generator; returns its first observation.")
      .def("step", &vector_step<E>, py::arg("actions"),
           R"pbdoc(Steps every sub-environment with the autoreset mode: returns (observations,
rewards, terminated, truncated, final_observations, final_mask); the last two are
arrays in SAME_STEP mode (the ended envs' last observations), else None.)pbdoc")
      .def(
          "state", [](const PyVectorEnv<E>& v, std::size_t i) { return state_of(v.vec.env(i)); },
          py::arg("index"), "The internal state of sub-environment `index`.")
      .def(
          "snapshot",
          [](const PyVectorEnv<E>& v, std::size_t i) {
            if (i >= v.vec.num_envs()) throw py::index_error("sub-environment index out of range");
            return py::make_tuple(v.vec.env(i).snapshot(), v.vec.needs_reset(i));
          },
          py::arg("index"),
          "(snapshot, needs_reset) of sub-environment `index`: what pickle and copy carry.")
      .def(
          "restore",
          [](PyVectorEnv<E>& v, std::size_t i, py::handle snapshot, bool needs_reset) {
            if (i >= v.vec.num_envs()) throw py::index_error("sub-environment index out of range");
            v.vec.restore(i, E::from_snapshot(as_snapshot(snapshot)), needs_reset);
          },
          py::arg("index"), py::arg("snapshot"), py::arg("needs_reset"),
          "Put sub-environment `index` back as snapshot(index) left it.");
  return cls;
}

std::int64_t as_limit(std::int64_t max_episode_steps) {
  if (max_episode_steps < 0) throw py::value_error("max_episode_steps must be >= 0 (0: no limit)");
  return max_episode_steps;
}

}  // namespace

void register_envs(py::module_& m) {
  bind_env<CartPole>(
      m, "CartPoleCore", "CartPole-v1 in C++, bit-exact with gymnasium's CartPoleEnv (+ TimeLimit).",
      +[](bool sutton_barto_reward, std::int64_t max_episode_steps) {
        return CartPole(sutton_barto_reward, as_limit(max_episode_steps));
      },
      py::arg("sutton_barto_reward"), py::arg("max_episode_steps"))
      .def_property_readonly("steps_beyond_terminated", &CartPole::steps_beyond_terminated,
                             "Steps taken since the episode terminated (-1 before it does).");
  bind_env<Acrobot>(
      m, "AcrobotCore", "Acrobot-v1 in C++, bit-exact with gymnasium's AcrobotEnv (+ TimeLimit).",
      +[](std::int64_t max_episode_steps, int float32_trig) {
        if (float32_trig != 0 && float32_trig != 1) throw py::value_error("float32_trig must be 0 or 1");
        return Acrobot(as_limit(max_episode_steps), static_cast<Float32Trig>(float32_trig));
      },
      py::arg("max_episode_steps"), py::arg("float32_trig"));
  bind_env<MountainCar>(
      m, "MountainCarCore", "MountainCar-v0 in C++, bit-exact with gymnasium's MountainCarEnv (+ TimeLimit).",
      +[](double goal_velocity, std::int64_t max_episode_steps) {
        return MountainCar(goal_velocity, as_limit(max_episode_steps));
      },
      py::arg("goal_velocity"), py::arg("max_episode_steps"));
  bind_env<MountainCarContinuous>(
      m, "MountainCarContinuousCore",
      "MountainCarContinuous-v0 in C++, bit-exact with gymnasium's Continuous_MountainCarEnv (+ TimeLimit).",
      +[](double goal_velocity, std::int64_t max_episode_steps) {
        return MountainCarContinuous(goal_velocity, as_limit(max_episode_steps));
      },
      py::arg("goal_velocity"), py::arg("max_episode_steps"));
  bind_env<Pendulum>(
      m, "PendulumCore", "Pendulum-v1 in C++, bit-exact with gymnasium's PendulumEnv (+ TimeLimit).",
      +[](double g, std::int64_t max_episode_steps) { return Pendulum(g, as_limit(max_episode_steps)); },
      py::arg("g"), py::arg("max_episode_steps"));

  m.def(
      "float32_trig",
      [](py::handle x, int mode) {
        if (mode != 0 && mode != 1) throw py::value_error("mode must be 0 (NumPy SIMD) or 1 (libm)");
        auto a = farray::ensure(x);
        if (!a || a.ndim() != 1) throw py::value_error("x must be a 1-D float32 array");
        py::array_t<float> c(a.size()), s(a.size());
        for (py::ssize_t i = 0; i < a.size(); ++i) {
          c.mutable_data()[i] = envs::npy_cos(a.data()[i], static_cast<Float32Trig>(mode));
          s.mutable_data()[i] = envs::npy_sin(a.data()[i], static_cast<Float32Trig>(mode));
        }
        return py::make_tuple(c, s);
      },
      py::arg("x"), py::arg("mode"),
      R"pbdoc(cos and sin of float32 `x` as NumPy computes them: mode 0 is NumPy's SIMD
algorithm (CPUs with FMA3), mode 1 libm's cosf/sinf. pgfast.envs compares both with
np.cos/np.sin at import to find the one the installed NumPy uses.)pbdoc");
}

}  // namespace pgfast::bind
