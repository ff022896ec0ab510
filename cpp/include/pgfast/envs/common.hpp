// What every native environment shares: the result of a step and the time limit
// (gymnasium's TimeLimit wrapper: truncated once the episode reaches max_episode_steps).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace pgfast::envs {

struct StepResult {
  double reward;
  bool terminated;
  bool truncated;
};

// Reads an environment's snapshot (everything it holds, settings then state, as doubles:
// what pickling and copying a native env carry), checking each value as it is read; an
// environment restores from it only after every read succeeded.
class SnapshotReader {
 public:
  SnapshotReader(const std::vector<double>& values, std::size_t n, const char* env) : v_(values), env_(env) {
    if (v_.size() != n) {
      throw std::invalid_argument(env_ + " state must hold " + std::to_string(n) + " values, got " +
                                  std::to_string(v_.size()));
    }
  }
  double real() {
    const double x = v_[i_++];
    if (!std::isfinite(x)) fail("is not finite");
    return x;
  }
  std::int64_t integer(std::int64_t min) {
    const double x = v_[i_++];
    if (!(x == std::floor(x) && x >= static_cast<double>(min) && x <= 9007199254740992.0)) {
      fail("is not an integer >= " + std::to_string(min));
    }
    return static_cast<std::int64_t>(x);
  }
  bool flag() {
    const double x = v_[i_++];
    if (x != 0.0 && x != 1.0) fail("is not 0 or 1");
    return x == 1.0;
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    throw std::invalid_argument(env_ + " state value " + std::to_string(i_ - 1) + " " + why);
  }
  const std::vector<double>& v_;
  std::string env_;
  std::size_t i_ = 0;
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
  TimeLimit(std::int64_t max_episode_steps, std::int64_t elapsed) : TimeLimit(max_episode_steps) {
    elapsed_ = elapsed;
  }
  void reset() { elapsed_ = 0; }
  // Counts one step; true when it reaches the limit.
  bool tick() {
    ++elapsed_;
    return max_ > 0 && elapsed_ >= max_;
  }
  std::int64_t elapsed() const { return elapsed_; }
  std::int64_t max_episode_steps() const { return max_; }
  // A new limit for the steps to come (the count since the reset is kept).
  void set_max_episode_steps(std::int64_t max_episode_steps) { *this = TimeLimit(max_episode_steps, elapsed_); }
  // Snapshot: max_episode_steps, elapsed.
  void save(std::vector<double>& out) const {
    out.push_back(static_cast<double>(max_));
    out.push_back(static_cast<double>(elapsed_));
  }
  static TimeLimit load(SnapshotReader& r) {
    TimeLimit t(r.integer(0));
    t.elapsed_ = r.integer(0);
    return t;
  }

 private:
  std::int64_t max_;
  std::int64_t elapsed_ = 0;
};

}  // namespace pgfast::envs
