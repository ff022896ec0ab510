// The fused loop (pgfast/fused.hpp): a native env and a learner stepped together in C++
// with the GIL released. pgfast.Reinforce.learn calls it when its env is native.
#include "pybind11.hpp"

// See the note at the end of pgfast/fused.hpp: with GCC's basic-block (SLP) vectoriser
// the loop's Pendulum updates came out differently from the Python path's.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-tree-slp-vectorize")
#endif

#include <optional>
#include <string>

#include "env_bindings.hpp"
#include "pgfast/envs.hpp"
#include "pgfast/fused.hpp"
#include "pgfast/algorithms/actor_critic.hpp"
#include "pgfast/algorithms/reinforce.hpp"

namespace pgfast::bind {

namespace {

// L: an engine with the per-step API of rollout.hpp (REINFORCE's Learner, ActorCritic).
template <class Env, class L>
bool try_run(py::handle env_core, py::handle learner_obj, GeneratorStream& agent, GeneratorStream& env_rng,
             FusedState& state, long long max_steps, long long max_episodes, FusedProgress& out) {
  using P = typename L::policy_type;
  if (!py::isinstance<Env>(env_core) || !py::isinstance<L>(learner_obj)) return false;
  Env& env = env_core.cast<Env&>();
  L& learner = learner_obj.cast<L&>();
  if (learner.has_rule()) throw py::value_error("the fused loop runs the C++ update rule only (backend='cpp')");
  if (learner.n_envs() != 1) throw py::value_error("learner must have n_envs == 1 for a single native env");
  if (learner.encoder().n_discrete != 0 || learner.encoder().obs_dim != static_cast<std::size_t>(Env::kObsDim)) {
    throw py::value_error("learner's observations (obs_dim " + std::to_string(learner.encoder().obs_dim) +
                          ") do not match the env's (" + std::to_string(Env::kObsDim) + ")");
  }
  if constexpr (std::is_same_v<P, LinearSoftmax>) {
    if (learner.policy().n_actions() != static_cast<std::size_t>(Env::kNumActions)) {
      throw py::value_error("policy has " + std::to_string(learner.policy().n_actions()) +
                            " actions, the env " + std::to_string(Env::kNumActions));
    }
  } else {
    if (learner.policy().action_dim() != static_cast<std::size_t>(Env::kActionDim)) {
      throw py::value_error("policy has action_dim " + std::to_string(learner.policy().action_dim()) +
                            ", the env " + std::to_string(Env::kActionDim));
    }
  }
  // Safe without the GIL: the loop touches only C++ objects (env, learner, state) that the
  // caller keeps alive, and the two Generators' locks are held (GeneratorStream).
  const py::gil_scoped_release nogil;
  out = run_fused(env, learner, agent, env_rng, state, max_steps, max_episodes);
  return true;
}

// Either engine over policy P: REINFORCE's or actor-critic's.
template <class Env, class P, class... Args>
bool try_engines(Args&&... args) {
  return try_run<Env, Learner<P>>(args...) || try_run<Env, ActorCritic<P>>(args...);
}

py::tuple run(py::handle env_core, py::handle learner, py::handle agent_rng, py::handle env_rng,
              FusedState& state, long long max_steps, long long max_episodes) {
  if (max_steps < 0) throw py::value_error("max_steps must be >= 0");
  if (max_episodes < 0) throw py::value_error("max_episodes must be >= 0 (0: no limit)");
  if (agent_rng.ptr() == env_rng.ptr()) {
    throw py::value_error("agent_rng and env_rng must be different Generators");
  }
  // Both locks are taken here, once per call, with the GIL held (GeneratorStream).
  GeneratorStream agent_stream(agent_rng);
  GeneratorStream env_stream(env_rng);
  GeneratorStream& a = agent_stream;
  GeneratorStream& e = env_stream;
  FusedProgress p;
  const bool ran =
      try_engines<envs::CartPole, LinearSoftmax>(env_core, learner, a, e, state, max_steps, max_episodes, p) ||
      try_engines<envs::Acrobot, LinearSoftmax>(env_core, learner, a, e, state, max_steps, max_episodes, p) ||
      try_engines<envs::MountainCar, LinearSoftmax>(env_core, learner, a, e, state, max_steps, max_episodes, p) ||
      try_engines<envs::MountainCarContinuous, LinearGaussian>(env_core, learner, a, e, state, max_steps,
                                                           max_episodes, p) ||
      try_engines<envs::Pendulum, LinearGaussian>(env_core, learner, a, e, state, max_steps, max_episodes, p);
  if (!ran) {
    throw py::type_error("run_fused needs a native env core (pgfast._core.*Core) with a softmax "
                         "engine (discrete actions) or a Gaussian one (continuous actions), got " +
                         py::str(py::type::of(env_core).attr("__name__")).cast<std::string>() + " and " +
                         py::str(py::type::of(learner).attr("__name__")).cast<std::string>());
  }
  return py::make_tuple(p.steps, p.episodes);
}

template <class Env, class L>
bool try_run_vector(py::handle venv_obj, py::handle learner_obj, GeneratorStream& agent, FusedVectorState& st,
                    long long max_steps, long long max_episodes, long long& out) {
  using P = typename L::policy_type;
  if (!py::isinstance<PyVectorEnv<Env>>(venv_obj) || !py::isinstance<L>(learner_obj)) return false;
  auto& v = venv_obj.cast<PyVectorEnv<Env>&>();
  auto& learner = learner_obj.cast<L&>();
  if (learner.has_rule()) throw py::value_error("the fused loop runs the C++ update rule only (backend='cpp')");
  const std::size_t n = v.vec.num_envs();
  if (v.vec.autoreset_mode() != envs::Autoreset::kNextStep) {
    throw py::value_error("run_fused_vector needs autoreset_mode NEXT_STEP");
  }
  if (learner.n_envs() != n) {
    throw py::value_error("learner has n_envs=" + std::to_string(learner.n_envs()) + ", the vector env " +
                          std::to_string(n));
  }
  if (learner.encoder().n_discrete != 0 || learner.encoder().obs_dim != static_cast<std::size_t>(Env::kObsDim)) {
    throw py::value_error("learner's observations do not match the env's");
  }
  if constexpr (std::is_same_v<P, LinearSoftmax>) {
    if (learner.policy().n_actions() != static_cast<std::size_t>(Env::kNumActions)) {
      throw py::value_error("policy and env have different numbers of actions");
    }
  } else {
    if (learner.policy().action_dim() != static_cast<std::size_t>(Env::kActionDim)) {
      throw py::value_error("policy and env have different action dimensions");
    }
  }
  if (st.obs.size() != n * static_cast<std::size_t>(Env::kObsDim)) {
    throw py::value_error("state holds " + std::to_string(st.obs.size()) + " observation values, expected " +
                          std::to_string(n * Env::kObsDim));
  }
  typename SubGenerators::Session session(v.rngs);
  session.lock_all();  // every sub-environment may reset inside the loop
  // Safe without the GIL: C++ objects only, kept alive by the caller; all locks are held.
  const py::gil_scoped_release nogil;
  out = run_fused_vector(v.vec, learner, agent, session, st, max_steps, max_episodes);
  return true;
}

template <class Env, class P, class... Args>
bool try_engines_vector(Args&&... args) {
  return try_run_vector<Env, Learner<P>>(args...) || try_run_vector<Env, ActorCritic<P>>(args...);
}

long long run_vector(py::handle venv, py::handle learner, py::handle agent_rng, FusedVectorState& state,
                     long long max_steps, long long max_episodes) {
  if (max_steps < 0) throw py::value_error("max_steps must be >= 0");
  if (max_episodes < 0) throw py::value_error("max_episodes must be >= 0 (0: no limit)");
  GeneratorStream agent(agent_rng);
  long long t = 0;
  const bool ran =
      try_engines_vector<envs::CartPole, LinearSoftmax>(venv, learner, agent, state, max_steps, max_episodes, t) ||
      try_engines_vector<envs::Acrobot, LinearSoftmax>(venv, learner, agent, state, max_steps, max_episodes, t) ||
      try_engines_vector<envs::MountainCar, LinearSoftmax>(venv, learner, agent, state, max_steps, max_episodes,
                                                       t) ||
      try_engines_vector<envs::MountainCarContinuous, LinearGaussian>(venv, learner, agent, state, max_steps,
                                                                  max_episodes, t) ||
      try_engines_vector<envs::Pendulum, LinearGaussian>(venv, learner, agent, state, max_steps, max_episodes,
                                                     t);
  if (!ran) {
    throw py::type_error("run_fused_vector needs a native vector env core (pgfast._core.*CoreVector) and a "
                         "matching SoftmaxLearner or GaussianLearner");
  }
  return t;
}

}  // namespace

void register_fused(py::module_& m) {
  py::class_<FusedState>(m, "FusedState", "Where a fused run stands between calls of run_fused.")
      .def(py::init<>())
      .def_readwrite("need_reset", &FusedState::need_reset,
                     "True when the next call starts with a reset (the previous one stopped at an episode end).")
      .def_property_readonly(
          "action", [](const FusedState& s) { return py::array_t<double>(s.action.size(), s.action.data()); },
          "The pending action: the learner's sample for the next step (a copy).");
  py::class_<FusedVectorState>(m, "FusedVectorState", "Where a fused vector run stands between calls.")
      .def(py::init([](py::handle obs) {
             auto a = as_f64(obs, "obs");
             if (a.ndim() != 2) throw py::value_error("obs must be 2-D (n_envs, obs_dim), got " + shape_str(a));
             require_finite(a, "obs");
             auto st = std::make_unique<FusedVectorState>();
             st->obs.assign(a.data(), a.data() + a.size());
             return st;
           }),
           py::arg("obs"), "Starts from the first observations of a reset (n_envs, obs_dim).")
      .def_property_readonly(
          "obs", [](const FusedVectorState& s) { return py::array_t<double>(s.obs.size(), s.obs.data()); },
          "The current observations, flattened (a copy).");
  m.def("run_fused_vector", &run_vector, py::arg("env"), py::arg("learner"), py::arg("agent_rng"),
        py::arg("state"), py::arg("max_steps"), py::arg("max_episodes") = 0,
        R"pbdoc(Learn on a native vector env (autoreset NEXT_STEP) in one C++ loop, GIL released.

Steps until `max_steps` transitions are recorded (counted as Reinforce's vector loop
counts them), or until the vector step in which the call's `max_episodes`-th episode
ends (0: no limit). Resets draw from each sub-environment's Generator; all their
locks and `agent_rng`'s are held for the call. Returns the transitions recorded.)pbdoc");
  m.def("run_fused", &run, py::arg("env"), py::arg("learner"), py::arg("agent_rng"), py::arg("env_rng"),
        py::arg("state"), py::arg("max_steps"), py::arg("max_episodes") = 0,
        R"pbdoc(Learn on a native env in one C++ loop with the GIL released (pgfast/fused.hpp).

Runs up to `max_steps` steps, stopping after `max_episodes` finished episodes (0: no
limit) before the reset that would follow. Actions are sampled from `agent_rng`; the
env resets draw from `env_rng` (the env's np_random); both locks are held for the call.
Returns (steps, episodes) taken by this call. Bit-identical to pgfast.Reinforce's
Python loop over gymnasium's env.)pbdoc");
}

}  // namespace pgfast::bind
