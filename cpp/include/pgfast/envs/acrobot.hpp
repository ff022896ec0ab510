// Acrobot-v1, bit-exact with gymnasium's AcrobotEnv (classic_control/acrobot.py, the
// "book" dynamics, no torque noise) behind its TimeLimit(500). gymnasium keeps the reset
// state in float32 (its first observation takes NumPy's float32 cos/sin) and every later
// state in float64; `rk4` integrates one step of 0.2 s with its exact operation order.
#pragma once

#include <cmath>
#include <cstdint>

#include "pgfast/envs/common.hpp"
#include "pgfast/envs/numpy_math.hpp"
#include "pgfast/util.hpp"

namespace pgfast::envs {

class Acrobot {
 public:
  static constexpr int kObsDim = 6;
  static constexpr int kNumActions = 3;
  static constexpr std::int64_t kMaxEpisodeSteps = 500;
  static constexpr double kDt = 0.2;
  static constexpr double kLinkLength1 = 1.0;
  static constexpr double kLinkMass1 = 1.0;
  static constexpr double kLinkMass2 = 1.0;
  static constexpr double kLinkComPos1 = 0.5;
  static constexpr double kLinkComPos2 = 0.5;
  static constexpr double kLinkMoi = 1.0;
  static constexpr double kGravity = 9.8;
  static constexpr double kMaxVel1 = 4 * M_PI;
  static constexpr double kMaxVel2 = 9 * M_PI;
  static constexpr double kAvailTorque[kNumActions] = {-1.0, 0.0, +1.0};
  static constexpr double kResetLow = -0.1;
  static constexpr double kResetHigh = 0.1;

  explicit Acrobot(std::int64_t max_episode_steps = kMaxEpisodeSteps,
                   Float32Trig trig = Float32Trig::kNumpySimd)
      : time_limit_(max_episode_steps), trig_(trig) {}

  // Four draws of Generator.uniform(low, high), then `.astype(np.float32)`.
  void reset(RandomSource& rng, float* obs, double low = kResetLow, double high = kResetHigh) {
    float s32[4];
    for (float& s : s32) s = static_cast<float>(uniform(rng, low, high));
    for (int i = 0; i < 4; ++i) state_[i] = s32[i];
    time_limit_.reset();
    // _get_ob on the float32 state: NumPy's float32 cos/sin.
    obs[0] = npy_cos(s32[0], trig_);
    obs[1] = npy_sin(s32[0], trig_);
    obs[2] = npy_cos(s32[1], trig_);
    obs[3] = npy_sin(s32[1], trig_);
    obs[4] = s32[2];
    obs[5] = s32[3];
  }

  // action: index into kAvailTorque (validated by the caller).
  StepResult step(std::int64_t action, float* obs) {
    const double y0[5] = {state_[0], state_[1], state_[2], state_[3], kAvailTorque[action]};
    double ns[4];
    rk4(y0, ns);
    ns[0] = wrap(ns[0], -M_PI, M_PI);
    ns[1] = wrap(ns[1], -M_PI, M_PI);
    ns[2] = bound(ns[2], -kMaxVel1, kMaxVel1);
    ns[3] = bound(ns[3], -kMaxVel2, kMaxVel2);
    for (int i = 0; i < 4; ++i) state_[i] = ns[i];
    const bool terminated = -std::cos(state_[0]) - std::cos(state_[1] + state_[0]) > 1.0;
    const double reward = terminated ? 0.0 : -1.0;
    obs[0] = static_cast<float>(std::cos(state_[0]));
    obs[1] = static_cast<float>(std::sin(state_[0]));
    obs[2] = static_cast<float>(std::cos(state_[1]));
    obs[3] = static_cast<float>(std::sin(state_[1]));
    obs[4] = static_cast<float>(state_[2]);
    obs[5] = static_cast<float>(state_[3]);
    return {reward, terminated, time_limit_.tick()};
  }

  static constexpr int kStateDim = 4;
  void copy_state(double* out) const {
    for (int i = 0; i < kStateDim; ++i) out[i] = state_[i];
  }
  // Snapshot (see SnapshotReader): the float32 trig mode, the time limit, the state.
  std::vector<double> snapshot() const {
    std::vector<double> out{static_cast<double>(static_cast<int>(trig_))};
    time_limit_.save(out);
    out.insert(out.end(), state_, state_ + 4);
    return out;
  }
  static Acrobot from_snapshot(const std::vector<double>& v) {
    SnapshotReader r(v, 3 + 4, "Acrobot");
    const bool libm = r.flag();
    Acrobot e(0, libm ? Float32Trig::kLibm : Float32Trig::kNumpySimd);
    e.time_limit_ = TimeLimit::load(r);
    for (double& x : e.state_) x = r.real();
    return e;
  }
  const TimeLimit& time_limit() const { return time_limit_; }
  TimeLimit& time_limit() { return time_limit_; }

 private:
  // _dsdt: the time derivative of (theta1, theta2, dtheta1, dtheta2, torque).
  static void dsdt(const double* s, double* out) {
    const double m1 = kLinkMass1, m2 = kLinkMass2, l1 = kLinkLength1, lc1 = kLinkComPos1,
                 lc2 = kLinkComPos2, i1 = kLinkMoi, i2 = kLinkMoi, g = kGravity;
    const double a = s[4];
    const double theta1 = s[0], theta2 = s[1], dtheta1 = s[2], dtheta2 = s[3];
    const double cos_t2 = std::cos(theta2);
    const double sin_t2 = std::sin(theta2);
    const double d1 = m1 * (lc1 * lc1) + m2 * ((l1 * l1 + lc2 * lc2) + 2 * l1 * lc2 * cos_t2) + i1 + i2;
    const double d2 = m2 * (lc2 * lc2 + l1 * lc2 * cos_t2) + i2;
    const double phi2 = m2 * lc2 * g * std::cos(theta1 + theta2 - M_PI / 2.0);
    const double phi1 = -m2 * l1 * lc2 * npy_pow2(dtheta2) * sin_t2 -
                        2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * sin_t2 +
                        (m1 * lc1 + m2 * l1) * g * std::cos(theta1 - M_PI / 2) + phi2;
    const double ddtheta2 = (a + d2 / d1 * phi1 - m2 * l1 * lc2 * npy_pow2(dtheta1) * sin_t2 - phi2) /
                            (m2 * (lc2 * lc2) + i2 - npy_pow2(d2) / d1);
    const double ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
    out[0] = dtheta1;
    out[1] = dtheta2;
    out[2] = ddtheta1;
    out[3] = ddtheta2;
    out[4] = 0.0;
  }

  // gymnasium's rk4(derivs, y0, [0, dt]): one classical Runge-Kutta step.
  static void rk4(const double* y0, double* out) {
    const double dt = kDt - 0;
    const double dt2 = dt / 2.0;
    double k1[5], k2[5], k3[5], k4[5], y[5];
    dsdt(y0, k1);
    for (int i = 0; i < 5; ++i) y[i] = y0[i] + dt2 * k1[i];
    dsdt(y, k2);
    for (int i = 0; i < 5; ++i) y[i] = y0[i] + dt2 * k2[i];
    dsdt(y, k3);
    for (int i = 0; i < 5; ++i) y[i] = y0[i] + dt * k3[i];
    dsdt(y, k4);
    for (int i = 0; i < 4; ++i) out[i] = y0[i] + dt / 6.0 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
  }

  static double wrap(double x, double m, double big_m) {
    const double diff = big_m - m;
    while (x > big_m) x = x - diff;
    while (x < m) x = x + diff;
    return x;
  }

  // Python's min(max(x, m), M).
  static double bound(double x, double m, double big_m) {
    const double lo = m > x ? m : x;
    return big_m < lo ? big_m : lo;
  }

  TimeLimit time_limit_;
  Float32Trig trig_;
  double state_[4] = {0.0, 0.0, 0.0, 0.0};
};

}  // namespace pgfast::envs
