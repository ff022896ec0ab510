// What every native environment shares: the result of a step and the time limit
// (gymnasium's TimeLimit wrapper: truncated once the episode reaches max_episode_steps).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace pgfast::envs {

struct StepResult {
  double reward;
  bool terminated;
  bool truncated;
};

// gymnasium.wrappers.TimeLimit: counts steps since the last reset; 0 disables the limit.
class TimeLimit {
 public:
  explicit TimeLimit(std::int64_t max_episode_steps) : max_(max_episode_steps) {
    if (max_episode_steps < 0) {
      throw std::invalid_argument("max_episode_steps must be >= 0 (0: no limit), got " +
                                  std::to_string(max_episode_steps));
    }
  }
  void reset() { elapsed_ = 0; }
  // Counts one step; true when it reaches the limit.
  bool tick() {
    ++elapsed_;
    return max_ > 0 && elapsed_ >= max_;
  }
  std::int64_t elapsed() const { return elapsed_; }
  std::int64_t max_episode_steps() const { return max_; }

 private:
  std::int64_t max_;
  std::int64_t elapsed_ = 0;
};

}  // namespace pgfast::envs
