// The fused learning loop: a native environment and a Learner stepped together in C++,
// with no Python in between (the bindings release the GIL around it).
//
// It repeats pgfast.Reinforce's gymnasium loop (agent.py, _run_single) operation for
// operation, through the learner's public act/record interface only, so a run is
// bit-identical to the same agent on gymnasium's environment with the same seed:
//   a = act(S_0); repeat { S', R, term, trunc = env.step(a); record(R, term, trunc, S');
//                          if the episode ended: stop here or reset, a = act(S_0)
//                          else a = act(S') }.
// The action sent to the environment is the learner's, converted as agent.py does: a
// softmax action index as an integer, a Gaussian action clipped to the action space's
// bounds in float64 (np.clip of the float64 sample by the float32 bounds), then cast to
// the space's dtype, float32 (the nearest float32, which stays within the float32 bounds).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "pgfast/envs/common.hpp"
#include "pgfast/envs/vector.hpp"
#include "pgfast/rollout.hpp"
#include "pgfast/util.hpp"

namespace pgfast {

// Where a fused run stands between calls: the next action to send, or a reset to do.
struct FusedState {
  std::vector<double> action;  // the learner's pending action (action_width values)
  bool need_reset = true;      // the previous call stopped at an episode end
};

struct FusedProgress {
  long long steps = 0;     // environment steps taken by this call
  long long episodes = 0;  // episodes finished by this call
};

namespace fused_detail {

template <class Env, class = void>
struct IsDiscrete : std::false_type {};
template <class Env>
struct IsDiscrete<Env, std::void_t<decltype(Env::kNumActions)>> : std::true_type {};

// env.step with the learner's action a, converted as agent.py converts it.
template <class Env>
envs::StepResult step_with(Env& env, const double* a, float* obs) {
  if constexpr (IsDiscrete<Env>::value) {
    return env.step(static_cast<std::int64_t>(a[0]), obs);
  } else {
    return env.step(static_cast<float>(std::min(std::max(a[0], Env::kActionLow), Env::kActionHigh)), obs);
  }
}

}  // namespace fused_detail

// Runs up to max_steps environment steps, returning early after max_episodes finished
// episodes (0: no limit). The episode end that meets max_episodes is returned before the
// reset, so that the caller sees the state between episodes, as agent.py's callbacks do.
// L: any engine with the per-step API of rollout.hpp (REINFORCE's Learner, ActorCritic).
// AgentRng: a RandomSource, best its final type (the bindings' GeneratorStream), so that
// each draw is a direct call.
//
// Validation is done here, once a step, instead of in act()/record(): the loop itself
// guarantees a pending action for every record and a record between acts; the env's
// reward and observation are checked finite together (a few multiplications), with the
// error message of act()/record().
template <class Env, class L, class AgentRng>
FusedProgress run_fused(Env& env, L& learner, AgentRng& agent_rng, RandomSource& env_rng,
                        FusedState& state, long long max_steps, long long max_episodes) {
  constexpr std::size_t d = Env::kObsDim;
  float obs32[d];
  double obs[d];
  auto widen = [&]() {
    for (std::size_t i = 0; i < d; ++i) obs[i] = static_cast<double>(obs32[i]);
  };
  auto check = [&](double reward) {
    double acc = reward * 0.0;
    for (std::size_t i = 0; i < d; ++i) acc += obs[i] * 0.0;
    if (acc != 0.0) {
      if (!(reward * 0.0 == 0.0)) throw std::invalid_argument("reward contains NaN or inf");
      throw std::invalid_argument("observation contains NaN or inf");
    }
  };
  state.action.resize(learner.action_width());
  double* a = state.action.data();
  FusedProgress done;
  const std::uint8_t one = 1;
  learner.begin_native_run();  // Python may have changed the parameters since the last call
  if (state.need_reset) {
    env.reset(env_rng, obs32);
    widen();
    check(0.0);
    learner.act_unchecked(obs, agent_rng, a);
    state.need_reset = false;
  }
  while (done.steps < max_steps) {
    const envs::StepResult r = fused_detail::step_with(env, a, obs32);
    widen();
    ++done.steps;
    const std::uint8_t te = r.terminated, tr = r.truncated;
    const double reward = r.reward;
    check(reward);
    learner.record_unchecked(&reward, &te, &tr, obs, &one);
    if (te || tr) {
      ++done.episodes;
      if (max_episodes > 0 && done.episodes >= max_episodes) {
        state.need_reset = true;
        break;
      }
      env.reset(env_rng, obs32);
      widen();
      check(0.0);
    }
    learner.act_unchecked(obs, agent_rng, a);
  }
  learner.end_native_run();
  return done;
}

// A vector env with autoreset NEXT_STEP, as agent.py's _run_vector_with: after each
// step, record the steps of the envs that were not resetting (mask = not done at the
// previous step; final observation = the observation), then act for every env.
struct FusedVectorState {
  std::vector<double> obs;      // the current observations (n_envs x obs_dim)
  std::vector<double> actions;  // the pending actions (n_envs x action_width)
  std::vector<std::uint8_t> prev_done;
  bool need_act = true;  // obs holds the first observations: sample before stepping
};

// Runs until max_steps transitions are recorded (counted as agent.py counts them), or
// after the step in which the call's max_episodes-th episode ends (0: no limit; 1: the
// first step that finishes an episode).
//
// Validation: the rewards and observations of a step are checked finite together (a few
// multiplications); only when that fails are the checked record()/act() called, which
// raise their own errors (or accept, e.g. a NaN reward of a sub-environment that was
// resetting), so the run behaves exactly as with the checked calls every step.
template <class Env, class L, class AgentRng, class RngFor>
long long run_fused_vector(envs::VectorEnv<Env>& venv, L& learner, AgentRng& agent_rng,
                           RngFor&& rng_for, FusedVectorState& st, long long max_steps, long long max_episodes) {
  const std::size_t n = venv.num_envs();
  constexpr std::size_t d = Env::kObsDim;
  const std::size_t aw = learner.action_width();
  st.obs.resize(n * d);
  st.actions.resize(n * aw);
  st.prev_done.resize(n, 0);
  std::vector<float> obs32(n * d);
  std::vector<double> rewards(n);
  std::unique_ptr<bool[]> term(new bool[n]), trunc(new bool[n]);
  std::vector<std::uint8_t> te(n), tr(n), mask(n);
  using EnvAction = std::conditional_t<fused_detail::IsDiscrete<Env>::value, std::int64_t, float>;
  std::vector<EnvAction> env_actions(n);
  learner.begin_native_run();  // Python may have changed the parameters since the last call
  auto finite = [](const double* v, std::size_t len) {
    double acc = 0.0;
    for (std::size_t j = 0; j < len; ++j) acc += v[j] * 0.0;
    return acc == 0.0;
  };
  if (st.need_act) {
    if (finite(st.obs.data(), n * d)) {
      learner.act_unchecked(st.obs.data(), agent_rng, st.actions.data());
    } else {
      learner.act(st.obs.data(), agent_rng, st.actions.data());
    }
    st.need_act = false;
  }
  long long t = 0, episodes = 0;
  while (t < max_steps) {
    for (std::size_t i = 0; i < n; ++i) {
      if constexpr (fused_detail::IsDiscrete<Env>::value) {
        env_actions[i] = static_cast<std::int64_t>(st.actions[i * aw]);
      } else {
        env_actions[i] = static_cast<float>(std::min(std::max(st.actions[i * aw], Env::kActionLow), Env::kActionHigh));
      }
    }
    venv.step(env_actions.data(), rng_for, obs32.data(), rewards.data(), term.get(), trunc.get());
    for (std::size_t j = 0; j < n * d; ++j) st.obs[j] = static_cast<double>(obs32[j]);
    std::size_t resetting = 0, ended = 0;
    for (std::size_t i = 0; i < n; ++i) {
      mask[i] = st.prev_done[i] ? 0 : 1;
      resetting += st.prev_done[i];
      te[i] = term[i];
      tr[i] = trunc[i];
      ended += (term[i] || trunc[i]) && mask[i];
    }
    if (finite(rewards.data(), n) && finite(st.obs.data(), n * d)) {
      learner.record_unchecked(rewards.data(), te.data(), tr.data(), st.obs.data(), mask.data());
      learner.act_unchecked(st.obs.data(), agent_rng, st.actions.data());
    } else {
      learner.record(rewards.data(), te.data(), tr.data(), st.obs.data(), mask.data());
      learner.act(st.obs.data(), agent_rng, st.actions.data());
    }
    t += static_cast<long long>(n - resetting);
    episodes += static_cast<long long>(ended);
    for (std::size_t i = 0; i < n; ++i) st.prev_done[i] = (term[i] || trunc[i]) ? 1 : 0;
    if (max_episodes > 0 && episodes >= max_episodes) break;
  }
  learner.end_native_run();
  return t;
}

}  // namespace pgfast

// Note on bit-identity and the compiler. With GCC -O3, this loop's instantiation for
// Pendulum-v1 (learner and env inlined together) once gave parameters that differed from
// the Python path's in the last bits (per-step and batch updates; the run with -O1,
// -fno-inline or -fno-tree-slp-vectorize agreed; ASan, UBSan and valgrind found
// nothing). The binding compiles this file without the basic-block (SLP) vectoriser
// (register_fused.cpp), and tests/test_fused.py checks bit-identity for every env.
