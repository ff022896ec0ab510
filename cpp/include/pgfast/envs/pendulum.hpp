// Pendulum-v1, bit-exact with gymnasium's PendulumEnv (classic_control/pendulum.py)
// behind its TimeLimit(200). The state is float64; the torque keeps the action's dtype
// (float32 from the action space, or float64), so `3.0 * u` and `0.001 * u ** 2` are
// float32 products for a float32 action, as in NumPy. angle_normalize is NumPy's
// floored modulo.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "pgfast/envs/common.hpp"
#include "pgfast/envs/numpy_math.hpp"
#include "pgfast/util.hpp"

namespace pgfast::envs {

class Pendulum {
 public:
  static constexpr int kObsDim = 3;
  static constexpr int kActionDim = 1;
  static constexpr std::int64_t kMaxEpisodeSteps = 200;
  static constexpr double kMaxSpeed = 8;
  static constexpr double kMaxTorque = 2.0;
  static constexpr double kDt = 0.05;
  static constexpr double kMass = 1.0;
  static constexpr double kLength = 1.0;
  static constexpr double kDefaultX = M_PI;
  static constexpr double kDefaultY = 1.0;
  static constexpr double kActionLow = -kMaxTorque;  // the action space's bounds
  static constexpr double kActionHigh = kMaxTorque;

  explicit Pendulum(double g = 10.0, std::int64_t max_episode_steps = kMaxEpisodeSteps)
      : g_(g), time_limit_(max_episode_steps) {}

  // reset(options={"x_init": x, "y_init": y}): Generator.uniform(-[x, y], [x, y]).
  void reset(RandomSource& rng, float* obs, double x_init = kDefaultX, double y_init = kDefaultY) {
    const double high[2] = {x_init, y_init};
    th_ = uniform(rng, -high[0], high[0]);
    thdot_ = uniform(rng, -high[1], high[1]);
    time_limit_.reset();
    observe(obs);
  }

  // action[0] as float32 (the action space's dtype) or float64; finite (checked by the caller).
  StepResult step(float u, float* obs) { return step_impl(u, obs); }
  StepResult step(double u, float* obs) { return step_impl(u, obs); }

  static constexpr int kStateDim = 2;
  void copy_state(double* out) const {
    out[0] = th_;
    out[1] = thdot_;
  }
  // Snapshot (see SnapshotReader): g, the time limit, th, thdot.
  std::vector<double> snapshot() const {
    std::vector<double> out{g_};
    time_limit_.save(out);
    out.push_back(th_);
    out.push_back(thdot_);
    return out;
  }
  static Pendulum from_snapshot(const std::vector<double>& v) {
    SnapshotReader r(v, 5, "Pendulum");
    Pendulum e(r.real(), 0);
    e.time_limit_ = TimeLimit::load(r);
    e.th_ = r.real();
    e.thdot_ = r.real();
    return e;
  }
  const TimeLimit& time_limit() const { return time_limit_; }
  TimeLimit& time_limit() { return time_limit_; }

  // ((x + pi) % (2 pi)) - pi, with NumPy's floored modulo.
  static double angle_normalize(double x) { return floored_mod(x + M_PI, 2 * M_PI) - M_PI; }

 private:
  template <class U>
  StepResult step_impl(U action, float* obs) {
    const double th = th_, thdot = thdot_;
    const double g = g_, m = kMass, l = kLength, dt = kDt;
    // np.clip(u, -max_torque, max_torque)[0], in the action's dtype.
    const U lo = static_cast<U>(-kMaxTorque), hi = static_cast<U>(kMaxTorque);
    const U u = std::min(std::max(action, lo), hi);
    // costs = angle_normalize(th) ** 2 + 0.1 * thdot**2 + 0.001 * (u**2)
    const U u_cost = static_cast<U>(0.001) * npy_pow2(u);
    const double costs = npy_pow2(angle_normalize(th)) + 0.1 * npy_pow2(thdot) + static_cast<double>(u_cost);
    // newthdot = thdot + (3 * g / (2 * l) * np.sin(th) + 3.0 / (m * l**2) * u) * dt
    const U u_torque = static_cast<U>(3.0 / (m * (l * l))) * u;
    double newthdot = thdot + (3 * g / (2 * l) * std::sin(th) + static_cast<double>(u_torque)) * dt;
    newthdot = std::min(std::max(newthdot, -kMaxSpeed), kMaxSpeed);
    const double newth = th + newthdot * dt;
    th_ = newth;
    thdot_ = newthdot;
    observe(obs);
    return {-costs, false, time_limit_.tick()};
  }

  void observe(float* obs) const {
    obs[0] = static_cast<float>(std::cos(th_));
    obs[1] = static_cast<float>(std::sin(th_));
    obs[2] = static_cast<float>(thdot_);
  }

  double g_;
  TimeLimit time_limit_;
  double th_ = 0.0;
  double thdot_ = 0.0;
};

}  // namespace pgfast::envs
