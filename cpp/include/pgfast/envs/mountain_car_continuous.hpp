// MountainCarContinuous-v0, bit-exact with gymnasium's Continuous_MountainCarEnv
// (classic_control/continuous_mountain_car.py) behind its TimeLimit(999).
//
// Its arithmetic mixes NumPy float32 and float64 scalars with Python floats, so each
// value carries its NumPy type and every operation follows NumPy 2's promotion rules
// (NEP 50): a Python float next to a float32 is cast to float32 first; float32 next to
// float64 is float64. gymnasium keeps the state in float32 after the first step (the
// reset state is float64), and the action's dtype (float32 from the action space, or
// float64) decides the precision of the force.
#pragma once

#include <cmath>
#include <cstdint>

#include "pgfast/envs/common.hpp"
#include "pgfast/envs/numpy_math.hpp"
#include "pgfast/util.hpp"

namespace pgfast::envs {

// A scalar as NumPy sees it: float32, float64, or a Python float ("weak", NEP 50).
class NpScalar {
 public:
  enum class Kind { kF32, kF64, kPy };
  static NpScalar f32(float v) { return {v, Kind::kF32}; }
  static NpScalar f64(double v) { return {v, Kind::kF64}; }
  static NpScalar py(double v) { return {v, Kind::kPy}; }
  double value() const { return v_; }
  Kind kind() const { return k_; }

  friend NpScalar operator+(NpScalar a, NpScalar b) { return binary(a, b, Op::kAdd); }
  friend NpScalar operator-(NpScalar a, NpScalar b) { return binary(a, b, Op::kSub); }
  friend NpScalar operator*(NpScalar a, NpScalar b) { return binary(a, b, Op::kMul); }
  // Comparisons: in float32 when neither side is float64 and one side is float32.
  friend bool operator<(NpScalar a, NpScalar b) {
    return in_f32(a, b) ? static_cast<float>(a.v_) < static_cast<float>(b.v_) : a.v_ < b.v_;
  }
  friend bool operator>(NpScalar a, NpScalar b) { return b < a; }
  friend bool operator>=(NpScalar a, NpScalar b) { return !(a < b); }
  friend bool operator==(NpScalar a, NpScalar b) {
    return in_f32(a, b) ? static_cast<float>(a.v_) == static_cast<float>(b.v_) : a.v_ == b.v_;
  }

 private:
  enum class Op { kAdd, kSub, kMul };
  NpScalar(double v, Kind k) : v_(v), k_(k) {}
  static bool in_f32(NpScalar a, NpScalar b) {
    return a.k_ != Kind::kF64 && b.k_ != Kind::kF64 && (a.k_ == Kind::kF32 || b.k_ == Kind::kF32);
  }
  template <class T>
  static T apply(T a, T b, Op op) {
    switch (op) {
      case Op::kAdd: return a + b;
      case Op::kSub: return a - b;
      case Op::kMul: break;
    }
    return a * b;
  }
  static NpScalar binary(NpScalar a, NpScalar b, Op op) {
    if (in_f32(a, b)) return f32(apply(static_cast<float>(a.v_), static_cast<float>(b.v_), op));
    const Kind k = (a.k_ == Kind::kPy && b.k_ == Kind::kPy) ? Kind::kPy : Kind::kF64;
    return {apply(a.v_, b.v_, op), k};
  }

  double v_;
  Kind k_;
};

class MountainCarContinuous {
 public:
  static constexpr int kObsDim = 2;
  static constexpr int kActionDim = 1;
  static constexpr std::int64_t kMaxEpisodeSteps = 999;
  static constexpr double kMinAction = -1.0;
  static constexpr double kMaxAction = 1.0;
  static constexpr double kMinPosition = -1.2;
  static constexpr double kMaxPosition = 0.6;
  static constexpr double kMaxSpeed = 0.07;
  static constexpr double kGoalPosition = 0.45;
  static constexpr double kPower = 0.0015;
  static constexpr double kResetLow = -0.6;
  static constexpr double kResetHigh = -0.4;
  static constexpr double kActionLow = kMinAction;  // the action space's bounds
  static constexpr double kActionHigh = kMaxAction;

  explicit MountainCarContinuous(double goal_velocity = 0.0,
                                 std::int64_t max_episode_steps = kMaxEpisodeSteps)
      : goal_velocity_(goal_velocity), time_limit_(max_episode_steps) {}

  // state = np.array([Generator.uniform(low, high), 0]): float64 until the first step.
  void reset(RandomSource& rng, float* obs, double low = kResetLow, double high = kResetHigh) {
    position_ = uniform(rng, low, high);
    velocity_ = 0.0;
    float32_state_ = false;
    time_limit_.reset();
    obs[0] = static_cast<float>(position_);
    obs[1] = static_cast<float>(velocity_);
  }

  // action[0] as float32 (the action space's dtype) or float64; finite (checked by the caller).
  StepResult step(float action, float* obs) { return step_impl(NpScalar::f32(action), obs); }
  StepResult step(double action, float* obs) { return step_impl(NpScalar::f64(action), obs); }

  static constexpr int kStateDim = 2;
  void copy_state(double* out) const {
    out[0] = position_;
    out[1] = velocity_;
  }
  // Snapshot (see SnapshotReader): goal_velocity, the time limit, position, velocity and
  // whether they are float32 yet (after the first step).
  std::vector<double> snapshot() const {
    std::vector<double> out{goal_velocity_};
    time_limit_.save(out);
    out.push_back(position_);
    out.push_back(velocity_);
    out.push_back(float32_state_ ? 1.0 : 0.0);
    return out;
  }
  static MountainCarContinuous from_snapshot(const std::vector<double>& v) {
    SnapshotReader r(v, 6, "MountainCarContinuous");
    MountainCarContinuous e(r.real(), 0);
    e.time_limit_ = TimeLimit::load(r);
    e.position_ = r.real();
    e.velocity_ = r.real();
    e.float32_state_ = r.flag();
    if (e.float32_state_ && (static_cast<double>(static_cast<float>(e.position_)) != e.position_ ||
                             static_cast<double>(static_cast<float>(e.velocity_)) != e.velocity_)) {
      throw std::invalid_argument("MountainCarContinuous state: a float32 state holds a value float32 cannot");
    }
    return e;
  }
  const TimeLimit& time_limit() const { return time_limit_; }
  TimeLimit& time_limit() { return time_limit_; }

 private:
  StepResult step_impl(NpScalar action, float* obs) {
    using S = NpScalar;
    S position = float32_state_ ? S::f32(static_cast<float>(position_)) : S::f64(position_);
    S velocity = float32_state_ ? S::f32(static_cast<float>(velocity_)) : S::f64(velocity_);
    // force = min(max(action[0], min_action), max_action): Python's builtins keep the
    // first argument unless the other compares strictly beyond it.
    S force = action;
    if (S::py(kMinAction) > force) force = S::py(kMinAction);
    if (S::py(kMaxAction) < force) force = S::py(kMaxAction);
    // velocity += force * power - 0.0025 * math.cos(3 * position)
    const S three_pos = S::py(3.0) * position;
    const S push = S::py(0.0025 * std::cos(three_pos.value()));
    velocity = velocity + (force * S::py(kPower) - push);
    if (velocity > S::py(kMaxSpeed)) velocity = S::py(kMaxSpeed);
    if (velocity < S::py(-kMaxSpeed)) velocity = S::py(-kMaxSpeed);
    position = position + velocity;
    if (position > S::py(kMaxPosition)) position = S::py(kMaxPosition);
    if (position < S::py(kMinPosition)) position = S::py(kMinPosition);
    if (position == S::py(kMinPosition) && velocity < S::py(0.0)) velocity = S::py(0.0);
    const bool terminated = position >= S::py(kGoalPosition) && velocity >= S::py(goal_velocity_);
    double reward = terminated ? 100.0 : 0.0;
    reward -= npy_pow2(action.value()) * 0.1;  // math.pow(action[0], 2) * 0.1
    // self.state = np.array([position, velocity], dtype=np.float32)
    obs[0] = static_cast<float>(position.value());
    obs[1] = static_cast<float>(velocity.value());
    position_ = obs[0];
    velocity_ = obs[1];
    float32_state_ = true;
    return {reward, terminated, time_limit_.tick()};
  }

  double goal_velocity_;
  TimeLimit time_limit_;
  double position_ = 0.0;
  double velocity_ = 0.0;
  bool float32_state_ = false;
};

}  // namespace pgfast::envs
