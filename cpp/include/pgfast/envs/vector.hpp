// N copies of one native environment stepped together, with gymnasium's autoreset
// modes (gymnasium.vector.SyncVectorEnv semantics, env by env in index order).
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "pgfast/envs/common.hpp"
#include "pgfast/util.hpp"

namespace pgfast::envs {

enum class Autoreset : int {
  kNextStep = 0,  // the step after an episode ends resets that env (reward 0, not done)
  kSameStep = 1,  // the ending step resets at once and reports the final observation apart
  kDisabled = 2,  // the caller resets ended envs (a step on one is an error)
};

template <class Env>
class VectorEnv {
 public:
  VectorEnv(std::vector<Env> envs, Autoreset mode)
      : envs_(std::move(envs)), mode_(mode), autoreset_(envs_.size(), 0) {
    require_positive(envs_.size(), "num_envs");
  }

  std::size_t num_envs() const { return envs_.size(); }
  Autoreset autoreset_mode() const { return mode_; }
  Env& env(std::size_t i) { return envs_.at(i); }
  const Env& env(std::size_t i) const { return envs_.at(i); }
  bool needs_reset(std::size_t i) const { return autoreset_.at(i) != 0; }
  // Puts env i back as a snapshot left it (unpickling a vector env).
  void restore(std::size_t i, Env env, bool needs_reset) {
    envs_.at(i) = std::move(env);
    autoreset_[i] = needs_reset ? 1 : 0;
  }

  // Resets env i (reset(seed=..., options=...) or a reset_mask entry): obs_i gets its
  // kObsDim values.
  void reset(std::size_t i, RandomSource& rng, float* obs_i, double a, double b) {
    envs_.at(i).reset(rng, obs_i, a, b);
    autoreset_[i] = 0;
  }

  // Steps every env with actions[i] (one action per env, validated by the caller).
  // rng_for(i) returns the RandomSource of env i; it is called only when env i resets.
  // In kSameStep mode, final_obs (N x kObsDim) and final_mask (N) describe the envs
  // that ended at this step (their obs row is already the next episode's first).
  template <class Action, class RngFor>
  void step(const Action* actions, RngFor&& rng_for, float* obs, double* rewards, bool* terminated,
            bool* truncated, float* final_obs = nullptr, bool* final_mask = nullptr) {
    constexpr std::size_t d = Env::kObsDim;
    const std::size_t n = envs_.size();
    if (mode_ == Autoreset::kDisabled) {
      for (std::size_t i = 0; i < n; ++i) {
        if (autoreset_[i] != 0) {
          throw std::invalid_argument("sub-environment " + std::to_string(i) +
                                      " ended at the previous step and must be reset first "
                                      "(autoreset_mode=DISABLED: reset(options={'reset_mask': ...}))");
        }
      }
    }
    for (std::size_t i = 0; i < n; ++i) {
      float* obs_i = obs + i * d;
      if (mode_ == Autoreset::kNextStep && autoreset_[i] != 0) {
        envs_[i].reset(rng_for(i), obs_i);
        rewards[i] = 0.0;
        terminated[i] = false;
        truncated[i] = false;
      } else {
        const StepResult r = envs_[i].step(actions[i], obs_i);
        rewards[i] = r.reward;
        terminated[i] = r.terminated;
        truncated[i] = r.truncated;
        if (mode_ == Autoreset::kSameStep) {
          const bool ended = r.terminated || r.truncated;
          final_mask[i] = ended;
          if (ended) {
            for (std::size_t j = 0; j < d; ++j) final_obs[i * d + j] = obs_i[j];
            envs_[i].reset(rng_for(i), obs_i);
          }
        }
      }
    }
    for (std::size_t i = 0; i < n; ++i) autoreset_[i] = (terminated[i] || truncated[i]) ? 1 : 0;
  }

 private:
  std::vector<Env> envs_;
  Autoreset mode_;
  std::vector<unsigned char> autoreset_;
};

}  // namespace pgfast::envs
