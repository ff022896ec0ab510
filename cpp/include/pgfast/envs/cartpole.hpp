// CartPole-v1, bit-exact with gymnasium's CartPoleEnv (classic_control/cartpole.py)
// behind its TimeLimit(500). The state is float64, as in gymnasium; the observation is
// its float32 cast. Every expression keeps gymnasium's operation order.
#pragma once

#include <cmath>
#include <cstdint>

#include "pgfast/envs/common.hpp"
#include "pgfast/envs/numpy_math.hpp"
#include "pgfast/util.hpp"

namespace pgfast::envs {

class CartPole {
 public:
  static constexpr int kObsDim = 4;
  static constexpr int kNumActions = 2;
  static constexpr std::int64_t kMaxEpisodeSteps = 500;
  static constexpr double kGravity = 9.8;
  static constexpr double kMassCart = 1.0;
  static constexpr double kMassPole = 0.1;
  static constexpr double kTotalMass = kMassPole + kMassCart;
  static constexpr double kLength = 0.5;  // half the pole's length
  static constexpr double kPoleMassLength = kMassPole * kLength;
  static constexpr double kForceMag = 10.0;
  static constexpr double kTau = 0.02;
  static constexpr double kThetaThresholdRadians = 12 * 2 * M_PI / 360;
  static constexpr double kXThreshold = 2.4;
  static constexpr double kResetLow = -0.05;
  static constexpr double kResetHigh = 0.05;

  explicit CartPole(bool sutton_barto_reward = false, std::int64_t max_episode_steps = kMaxEpisodeSteps)
      : sutton_barto_reward_(sutton_barto_reward), time_limit_(max_episode_steps) {}

  // reset(options={"low": low, "high": high}): four draws of Generator.uniform.
  void reset(RandomSource& rng, float* obs, double low = kResetLow, double high = kResetHigh) {
    for (double& s : state_) s = uniform(rng, low, high);
    steps_beyond_terminated_ = -1;
    time_limit_.reset();
    observe(obs);
  }

  // action: 0 pushes left, 1 pushes right (validated by the caller).
  StepResult step(std::int64_t action, float* obs) {
    double x = state_[0], x_dot = state_[1], theta = state_[2], theta_dot = state_[3];
    const double force = action == 1 ? kForceMag : -kForceMag;
    const double costheta = std::cos(theta);
    const double sintheta = std::sin(theta);
    const double temp = (force + kPoleMassLength * (theta_dot * theta_dot) * sintheta) / kTotalMass;
    const double thetaacc = (kGravity * sintheta - costheta * temp) /
                            (kLength * (4.0 / 3.0 - kMassPole * (costheta * costheta) / kTotalMass));
    const double xacc = temp - kPoleMassLength * thetaacc * costheta / kTotalMass;
    // kinematics_integrator == "euler"
    x = x + kTau * x_dot;
    x_dot = x_dot + kTau * xacc;
    theta = theta + kTau * theta_dot;
    theta_dot = theta_dot + kTau * thetaacc;
    state_[0] = x;
    state_[1] = x_dot;
    state_[2] = theta;
    state_[3] = theta_dot;
    const bool terminated = x < -kXThreshold || x > kXThreshold || theta < -kThetaThresholdRadians ||
                            theta > kThetaThresholdRadians;
    double reward;
    if (!terminated) {
      reward = sutton_barto_reward_ ? 0.0 : 1.0;
    } else if (steps_beyond_terminated_ < 0) {
      steps_beyond_terminated_ = 0;
      reward = sutton_barto_reward_ ? -1.0 : 1.0;
    } else {
      ++steps_beyond_terminated_;
      reward = sutton_barto_reward_ ? -1.0 : 0.0;
    }
    observe(obs);
    return {reward, terminated, time_limit_.tick()};
  }

  static constexpr int kStateDim = 4;
  void copy_state(double* out) const {
    for (int i = 0; i < kStateDim; ++i) out[i] = state_[i];
  }

  // Snapshot (see SnapshotReader): sutton_barto_reward, the time limit, the state, steps_beyond_terminated.
  std::vector<double> snapshot() const {
    std::vector<double> out{sutton_barto_reward_ ? 1.0 : 0.0};
    time_limit_.save(out);
    out.insert(out.end(), state_, state_ + kObsDim);
    out.push_back(static_cast<double>(steps_beyond_terminated_));
    return out;
  }
  static CartPole from_snapshot(const std::vector<double>& v) {
    SnapshotReader r(v, 3 + kObsDim + 1, "CartPole");
    const bool sb = r.flag();
    CartPole e(sb, 0);
    e.time_limit_ = TimeLimit::load(r);
    for (double& x : e.state_) x = r.real();
    e.steps_beyond_terminated_ = r.integer(-1);
    return e;
  }
  // Steps taken after the episode terminated (gymnasium warns on the first one); -1 before.
  std::int64_t steps_beyond_terminated() const { return steps_beyond_terminated_; }
  const TimeLimit& time_limit() const { return time_limit_; }
  TimeLimit& time_limit() { return time_limit_; }

 private:
  void observe(float* obs) const {
    for (int i = 0; i < kObsDim; ++i) obs[i] = static_cast<float>(state_[i]);
  }

  bool sutton_barto_reward_;
  TimeLimit time_limit_;
  double state_[kObsDim] = {0.0, 0.0, 0.0, 0.0};
  std::int64_t steps_beyond_terminated_ = -1;
};

}  // namespace pgfast::envs
