// MountainCar-v0, bit-exact with gymnasium's MountainCarEnv (classic_control/
// mountain_car.py) behind its TimeLimit(200). The state is float64 throughout.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "pgfast/envs/common.hpp"
#include "pgfast/envs/numpy_math.hpp"
#include "pgfast/util.hpp"

namespace pgfast::envs {

class MountainCar {
 public:
  static constexpr int kObsDim = 2;
  static constexpr int kNumActions = 3;
  static constexpr std::int64_t kMaxEpisodeSteps = 200;
  static constexpr double kMinPosition = -1.2;
  static constexpr double kMaxPosition = 0.6;
  static constexpr double kMaxSpeed = 0.07;
  static constexpr double kGoalPosition = 0.5;
  static constexpr double kForce = 0.001;
  static constexpr double kGravity = 0.0025;
  static constexpr double kResetLow = -0.6;
  static constexpr double kResetHigh = -0.4;

  explicit MountainCar(double goal_velocity = 0.0, std::int64_t max_episode_steps = kMaxEpisodeSteps)
      : goal_velocity_(goal_velocity), time_limit_(max_episode_steps) {}

  // state = [Generator.uniform(low, high), 0].
  void reset(RandomSource& rng, float* obs, double low = kResetLow, double high = kResetHigh) {
    position_ = uniform(rng, low, high);
    velocity_ = 0.0;
    time_limit_.reset();
    observe(obs);
  }

  // action: 0 accelerates left, 1 does nothing, 2 accelerates right (validated by the caller).
  StepResult step(std::int64_t action, float* obs) {
    double position = position_, velocity = velocity_;
    velocity += static_cast<double>(action - 1) * kForce + std::cos(3 * position) * (-kGravity);
    velocity = clip(velocity, -kMaxSpeed, kMaxSpeed);
    position += velocity;
    position = clip(position, kMinPosition, kMaxPosition);
    if (position == kMinPosition && velocity < 0) velocity = 0;
    const bool terminated = position >= kGoalPosition && velocity >= goal_velocity_;
    position_ = position;
    velocity_ = velocity;
    observe(obs);
    return {-1.0, terminated, time_limit_.tick()};
  }

  static constexpr int kStateDim = 2;
  void copy_state(double* out) const {
    out[0] = position_;
    out[1] = velocity_;
  }
  // Snapshot (see SnapshotReader): goal_velocity, the time limit, position, velocity.
  std::vector<double> snapshot() const {
    std::vector<double> out{goal_velocity_};
    time_limit_.save(out);
    out.push_back(position_);
    out.push_back(velocity_);
    return out;
  }
  static MountainCar from_snapshot(const std::vector<double>& v) {
    SnapshotReader r(v, 5, "MountainCar");
    MountainCar e(r.real(), 0);
    e.time_limit_ = TimeLimit::load(r);
    e.position_ = r.real();
    e.velocity_ = r.real();
    return e;
  }
  const TimeLimit& time_limit() const { return time_limit_; }
  TimeLimit& time_limit() { return time_limit_; }

 private:
  // np.clip on a float64 scalar: min(max(x, lo), hi).
  static double clip(double x, double lo, double hi) { return std::min(std::max(x, lo), hi); }

  void observe(float* obs) const {
    obs[0] = static_cast<float>(position_);
    obs[1] = static_cast<float>(velocity_);
  }

  double goal_velocity_;
  TimeLimit time_limit_;
  double position_ = 0.0;
  double velocity_ = 0.0;
};

}  // namespace pgfast::envs
