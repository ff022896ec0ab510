// Actor-critic (Sutton & Barto, 2nd ed., §13.5-13.6) as an update rule over the shared
// rollout: one update per environment step, inside the per-step call.
//
// Episodic, with eligibility traces (box p. 332; lambda = 0 is the one-step box):
//   delta = R + gamma v(S') - v(S)              (v(S') = 0 when S' is terminal)
//   z_w   = gamma lambda_w z_w + grad v(S)
//   z_th  = gamma lambda_th z_th + I grad ln pi(A|S)
//   w    += alpha_w delta z_w;   theta += alpha_th delta z_th;   I *= gamma
// Continuing, average reward (box p. 333):
//   delta = R - Rbar + v(S') - v(S);  Rbar += alpha_Rbar delta
//   z_w = lambda_w z_w + grad v(S);  z_th = lambda_th z_th + grad ln pi(A|S);  no gamma, no I
// The critic v(s) = w . [x(s), 1] is linear in the policy's features plus a bias. Its trace
// is accumulating (the boxes), replacing (z_i = x_i where x_i != 0) or dutch: true online
// TD(lambda) (box p. 300, van Seijen et al. 2016):
//   z_w = gamma lambda z_w + (1 - alpha_w gamma lambda z_w . x) x
//   w  += alpha_w (delta + V - V_old) z_w - alpha_w (V - V_old) x,   V_old = v(S')
// Entropy bonus (A2C's; entropy_coef = beta > 0): the actor's step also ascends H(pi(.|S)),
// taken at theta before the step, outside the trace and without I:
//   theta += alpha_th delta z_th + alpha_th beta grad H(pi(.|S))
// with the policy's own grad H (softmax: dH/dh_b = -pi_b (ln pi_b + H); Gaussian:
// dH/d log sigma_j = 1 inside the clamp), i.e. the gradient REINFORCE's bonus uses.
// Optimisers (optimizer="adam"; Adam for the actor and the critic, a scale-free step): the
// steps become optimiser ascent steps on the same per-step directions,
//   theta <- opt_th.step(theta, delta z_th + beta grad H(pi(.|S)))
//   w     <- opt_w.step(w, delta z_w)
// (Adam: each parameter moves by about its lr per step whatever the scale of the rewards and
// features); R-bar keeps its plain step. Not with the dutch trace, whose step is no gradient.
// Every trace entry whose magnitude falls below trace_tolerance after a decay is dropped
// (set to exactly 0), so traces stay sparse with tile coding: a step costs what the
// recently active features cost, not what all features cost.
#pragma once

#include <cmath>
#include <cstddef>
#include <array>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "../optim.hpp"
#include "../rollout.hpp"

namespace pgfast {

enum class TraceKind { Accumulating, Replacing, Dutch };

struct ActorCriticConfig {
  double gamma = 0.99;
  double lambda_actor = 0.0;    // lambda^theta
  double lambda_critic = 0.0;   // lambda^w
  double lr = 0.01;             // alpha^theta
  double critic_lr = 0.1;       // alpha^w
  double reward_lr = 0.01;      // alpha^Rbar (average reward only)
  bool average_reward = false;  // the continuing box (p. 333)
  TraceKind traces = TraceKind::Accumulating;
  double trace_tolerance = 1e-12;
  double entropy_coef = 0.0;    // beta: + alpha_th beta grad H(pi(.|S)) per step

  void check() const {
    auto bad = [](const char* what) { throw std::invalid_argument(what); };
    if (!(gamma >= 0.0 && gamma <= 1.0)) bad("gamma must be in [0, 1]");
    if (!(lambda_actor >= 0.0 && lambda_actor <= 1.0)) bad("lambda_actor must be in [0, 1]");
    if (!(lambda_critic >= 0.0 && lambda_critic <= 1.0)) bad("lambda_critic must be in [0, 1]");
    if (!(std::isfinite(lr) && lr > 0.0)) bad("lr must be finite and > 0");
    if (!(std::isfinite(critic_lr) && critic_lr > 0.0)) bad("critic_lr must be finite and > 0");
    if (!(std::isfinite(reward_lr) && reward_lr > 0.0)) bad("reward_lr must be finite and > 0");
    if (!(std::isfinite(trace_tolerance) && trace_tolerance >= 0.0)) bad("trace_tolerance must be finite and >= 0");
    if (!(std::isfinite(entropy_coef) && entropy_coef >= 0.0)) bad("entropy_coef must be finite and >= 0");
  }
};

// An eligibility trace over n entries that visits only its live (non-zero) entries.
class Trace {
 public:
  // dense: every entry is visited (dense features touch them all anyway); else only the
  // live ones.
  void reset(std::size_t n, bool dense) {
    z_.assign(n, 0.0);
    mark_.assign(n, dense ? 1 : 0);
    live_.clear();
    dense_ = dense;
    if (dense)
      for (std::size_t i = 0; i < n; ++i) live_.push_back(i);
  }
  double* data() { return z_.data(); }
  const std::vector<double>& values() const { return z_; }
  const std::vector<std::size_t>& live() const { return live_; }
  double operator[](std::size_t i) const { return z_[i]; }
  double& operator[](std::size_t i) { return z_[i]; }

  // z <- f z; entries below tol in magnitude become exactly 0 and are no longer visited.
  void decay(double f, double tol) {
    if (dense_) {
      for (double& v : z_) {
        v *= f;
        if (std::fabs(v) < tol) v = 0.0;
      }
      return;
    }
    std::size_t k = 0;
    for (std::size_t j = 0; j < live_.size(); ++j) {
      const std::size_t i = live_[j];
      const double v = z_[i] * f;
      if (std::fabs(v) < tol) {
        z_[i] = 0.0;
        mark_[i] = 0;
      } else {
        z_[i] = v;
        live_[k++] = i;
      }
    }
    live_.resize(k);
  }
  void touch(std::size_t i) {
    if (!mark_[i]) {
      mark_[i] = 1;
      live_.push_back(i);
    }
  }
  void touch(const SparseLayout& layout, Active x) {
    for (std::size_t r : layout.rows)
      for (std::size_t k = 0; k < x.n; ++k) touch(r + x.idx[k]);
    for (std::size_t e : layout.extras) touch(e);
  }
  void clear() {
    if (dense_) {
      std::fill(z_.begin(), z_.end(), 0.0);
      return;
    }
    for (std::size_t i : live_) {
      z_[i] = 0.0;
      mark_[i] = 0;
    }
    live_.clear();
  }

 private:
  std::vector<double> z_;
  std::vector<std::uint8_t> mark_;
  std::vector<std::size_t> live_;
  bool dense_ = false;
};

template <class P>
class ActorCritic : public Rollout<P> {
  using Base = Rollout<P>;
  using Base::pi_, Base::n_envs_, Base::feat_, Base::d_, Base::na_, Base::sparse_;

 public:
  // One transition as a step rule written elsewhere sees it (pgfast's NumPy twin, for
  // backend="numpy"): x(S) as a dense row (n = n_features) or active indices (n = n_active),
  // the action A, R, the episode end, and x(S') in the same form, or null when v(S') = 0;
  // `first` when S starts an episode (the rule restarts its traces and I).
  struct Transition {
    std::size_t env;
    bool first;
    const double* x;
    const std::uint32_t* active;
    std::size_t n;
    const double* action;
    double reward;
    bool terminated, truncated;
    const double* next_x;
    const std::uint32_t* next_active;
  };
  // Called for every transition in place of the C++ update: it keeps its own traces and I,
  // changes theta and w in place (through their views) and returns (delta, R-bar).
  // Throwing refuses the step: the episode's statistics restart and the error propagates.
  using StepRule = std::function<std::array<double, 2>(const Transition&)>;
  bool has_rule() const { return static_cast<bool>(rule_); }

  // optimizer / critic_optimizer: both null (the book's steps with lr and critic_lr) or both
  // set (the steps above; lr and critic_lr are then the optimisers' own).
  ActorCritic(std::shared_ptr<P> policy, ActorCriticConfig cfg, std::size_t n_envs, ObsEncoder encoder,
              std::shared_ptr<const FeatureMap> features = nullptr, StepRule rule = {},
              std::shared_ptr<Optimizer> optimizer = nullptr, std::shared_ptr<Optimizer> critic_optimizer = nullptr)
      : Base(std::move(policy), n_envs, encoder, std::move(features)),
        cfg_(cfg),
        rule_(std::move(rule)),
        opt_(std::move(optimizer)),
        critic_opt_(std::move(critic_optimizer)) {
    cfg_.check();
    if (static_cast<bool>(opt_) != static_cast<bool>(critic_opt_))
      throw std::invalid_argument("optimizer and critic_optimizer must both be given, or neither");
    if (opt_ && cfg_.traces == TraceKind::Dutch)
      throw std::invalid_argument("traces='dutch' needs the book's steps (no optimizer): its step is no gradient");
    if (opt_ && rule_) throw std::invalid_argument("a step rule keeps its own optimisers");
    {
      // Per actor and critic parameter: the value and scratch, with optimisers a gradient,
      // two moments and scratch, and per environment an eligibility trace (a value, a mark
      // and, live, an index in a vector that may double as it grows: about 4 doubles),
      // another for the entropy bonus when it is used (measured with Adam and one
      // environment: ~9 doubles per parameter sparse, ~12 dense, allocator and Python
      // included; estimated 10).
      const double traces = static_cast<double>(n_envs_) + (cfg_.entropy_coef > 0.0 ? 1.0 : 0.0);
      const double per = 2.0 + (opt_ ? 4.0 : 0.0) + 4.0 * traces;
      const double n = static_cast<double>(pi_->n_params()) + static_cast<double>(d_) + 1.0;
      check_memory(per * sizeof(double) * n,
                   "actor-critic over " + std::to_string(pi_->n_params()) + " policy parameters and " +
                       std::to_string(d_ + 1) + " critic weights (with " + std::to_string(n_envs_) +
                       (n_envs_ == 1 ? " environment's" : " environments'") + " eligibility traces" +
                       (opt_ ? " and optimiser state)" : ")"));
    }
    if (opt_) {
      g_.assign(pi_->n_params(), 0.0);
      gw_.assign(d_ + 1, 0.0);
    }
    w_.assign(d_ + 1, 0.0);
    zt_.resize(n_envs_);
    zw_.resize(n_envs_);
    for (auto& z : zt_) z.reset(pi_->n_params(), !sparse_);
    for (auto& z : zw_) z.reset(d_ + 1, !sparse_);
    if (cfg_.entropy_coef > 0.0) bonus_.reset(pi_->n_params(), !sparse_);
    I_.assign(n_envs_, 1.0);
    v_old_.assign(n_envs_, 0.0);
    ret_.assign(n_envs_, 0.0);
    len_.assign(n_envs_, 0);
    sq_delta_.assign(n_envs_, 0.0);
    if (sparse_) {
      layout_ = PolicyOps<P>::layout(*pi_);
      next_i_.assign(na_, 0);
    } else {
      next_x_.assign(d_, 0.0);
    }
  }

  const ActorCriticConfig& config() const { return cfg_; }
  std::vector<double>& critic_params() { return w_; }
  double average_reward() const { return rbar_; }
  void set_average_reward(double r) {
    if (!std::isfinite(r)) throw std::invalid_argument("average_reward must be finite");
    rbar_ = r;
  }
  const Trace& actor_trace(std::size_t e) const { return zt_.at(e); }
  const Trace& critic_trace(std::size_t e) const { return zw_.at(e); }
  double discount_factor(std::size_t e) const { return I_.at(e); }

  // v(s, w) = w . [x(s), 1]
  template <class X>
  double value(X x) const {
    return dot(w_.data(), x, d_) + w_[d_];
  }

  // Records R_{t+1} (and the episode end) of the pending step of every environment e with
  // mask[e], with next_obs[e] = S_{t+1} (the final observation when the episode ended), and
  // runs that step's update. Validates everything before changing anything.
  void record(const double* rewards, const std::uint8_t* terminated, const std::uint8_t* truncated,
              const double* next_obs, const std::uint8_t* mask) {
    for (std::size_t e = 0; e < n_envs_; ++e) {
      if (mask && !mask[e]) continue;
      this->check_record(e, rewards, terminated, truncated, next_obs);
      feat_.check(next_obs + e * feat_.obs_dim(), "observation");
    }
    record_unchecked(rewards, terminated, truncated, next_obs, mask);
  }

  // record() without its checks, for a caller that validated its arguments (the fused
  // loop: every environment has a pending action, rewards and observations are finite).
  void record_unchecked(const double* rewards, const std::uint8_t* terminated, const std::uint8_t* truncated,
                        const double* next_obs, const std::uint8_t* mask) {
    for (std::size_t e = 0; e < n_envs_; ++e) {
      if (mask && !mask[e]) continue;
      const bool end = terminated[e] || truncated[e];
      if (rule_) {
        step_by_rule(e, rewards[e], terminated[e] != 0, truncated[e] != 0, next_obs + e * feat_.obs_dim());
      } else if (sparse_) {
        update(e, this->pending_active(e), rewards[e], terminated[e] != 0, next_obs + e * feat_.obs_dim());
      } else {
        update(e, this->pending_dense(e), rewards[e], terminated[e] != 0, next_obs + e * feat_.obs_dim());
      }
      ret_[e] += rewards[e];
      ++len_[e];
      this->count_step(e);
      if (end) {
        end_episode(e);
      } else {  // x(S') is the next step's x(S): hand it to act()
        const double* o = next_obs + e * feat_.obs_dim();
        if (sparse_) {
          std::copy(next_i_.begin(), next_i_.end(), this->pending_active_slot(e));
        } else {
          std::copy(next_x_.begin(), next_x_.end(), this->pending_dense_slot(e));
        }
        this->features_ready(e, o);
      }
    }
  }

  // Forgets unfinished episodes: their traces, I and statistics (e.g. when the caller
  // resets the environments).
  void discard_unfinished() {
    for (std::size_t e = 0; e < n_envs_; ++e) restart(e);
    this->forget_pending();
  }

 private:
  void step_by_rule(std::size_t e, double reward, bool terminated, bool truncated, const double* obs) {
    const bool bootstrap = cfg_.average_reward || !terminated;
    Transition t{e,       len_[e] == 0, nullptr,   nullptr, 0, this->pending_action(e), reward,
                 terminated, truncated,  nullptr, nullptr};
    if (sparse_) {
      t.active = this->pending_active(e).idx;
      t.n = na_;
      if (bootstrap) {
        feat_.active(obs, next_i_.data());
        t.next_active = next_i_.data();
      }
    } else {
      t.x = this->pending_dense(e);
      t.n = d_;
      if (bootstrap) {
        feat_.dense(obs, next_x_.data());
        t.next_x = next_x_.data();
      }
    }
    this->next_lr_scale(this->total_steps() + 1);  // the rule reads lr_scale()
    std::array<double, 2> r{};
    try {
      r = rule_(t);
    } catch (...) {
      restart(e);
      throw;
    }
    if (!std::isfinite(r[1])) {
      restart(e);
      throw std::invalid_argument("the step rule returned a non-finite average reward");
    }
    rbar_ = r[1];
    sq_delta_[e] += r[0] * r[0];
  }

  void restart(std::size_t e) {
    zt_[e].clear();
    zw_[e].clear();
    I_[e] = 1.0;
    v_old_[e] = 0.0;
    ret_[e] = 0.0;
    len_[e] = 0;
    sq_delta_[e] = 0.0;
  }

  void end_episode(std::size_t e) {
    this->log_episode(ret_[e], len_[e]);
    const double n = static_cast<double>(len_[e]);
    this->log_update(std::nan(""), std::nan(""), sq_delta_[e] / n);
    restart(e);
  }

  // v(S') of an observation (its features go to a scratch row).
  template <class X>
  double next_value(const double* obs) {
    if constexpr (std::is_same_v<X, Active>) {
      feat_.active(obs, next_i_.data());
      return value(Active{next_i_.data(), na_});
    } else {
      feat_.dense(obs, next_x_.data());
      return value(static_cast<const double*>(next_x_.data()));
    }
  }

  template <class X>
  void update(std::size_t e, X x, double reward, bool terminated, const double* next_obs) {
    const bool avg = cfg_.average_reward;
    // The step sizes of this step: the schedule's factor f times lr, critic_lr, reward_lr.
    const double f = this->next_lr_scale(this->total_steps() + 1);
    const double lr = cfg_.lr * f, critic_lr = cfg_.critic_lr * f, reward_lr = cfg_.reward_lr * f;
    const double V = value(x);
    // v(S') = 0 at a terminal state; in the continuing setting every boundary bootstraps
    // (the reset continues the same task) and only the traces restart.
    const double Vn = (avg || !terminated) ? next_value<X>(next_obs) : 0.0;
    const double g = avg ? 1.0 : cfg_.gamma;
    const double delta = avg ? reward - rbar_ + Vn - V : reward + cfg_.gamma * Vn - V;
    if (!std::isfinite(delta)) {
      restart(e);
      throw std::invalid_argument("the TD error is not finite (step size too large?); parameters kept");
    }
    Trace& zw = zw_[e];
    Trace& zt = zt_[e];
    // Critic trace: z_w <- g lambda_w z_w + grad v(S)  (grad v = [x, 1]).
    const double fw = g * cfg_.lambda_critic;
    double dutch_c = 1.0;
    if (cfg_.traces == TraceKind::Dutch) dutch_c = 1.0 - critic_lr * fw * value_of(zw, x);
    zw.decay(fw, cfg_.trace_tolerance);
    add_features(zw, x, dutch_c, cfg_.traces == TraceKind::Replacing);
    // Actor trace: z_th <- g lambda_th z_th + I grad ln pi(A|S).
    zt.decay(g * cfg_.lambda_actor, cfg_.trace_tolerance);
    PolicyOps<P>::add_grad(*pi_, x, this->pending_action(e), avg ? 1.0 : I_[e], zt.data());
    touch_policy(zt, x);
    // The entropy bonus's gradient beta grad H(pi(.|S)), at theta before the step.
    const bool bonus = cfg_.entropy_coef > 0.0;
    if (bonus) {
      bonus_.clear();
      touch_policy(bonus_, x);
      pi_->add_grad_entropy(x, cfg_.entropy_coef, bonus_.data());
    }
    if (opt_) {
      optimizer_steps(e, zt, zw, delta, bonus, f, reward_lr);
      if (!avg) I_[e] *= cfg_.gamma;
      sq_delta_[e] += delta * delta;
      return;
    }
    // The steps. First a pass that computes every value they would write, so that a
    // step that would make a parameter non-finite changes nothing (no undo log needed).
    const double new_rbar = avg ? rbar_ + reward_lr * delta : rbar_;
    const bool dutch = cfg_.traces == TraceKind::Dutch;
    const double aw = critic_lr;
    const double a = dutch ? aw * (delta + V - v_old_[e]) : aw * delta, b = dutch ? aw * (V - v_old_[e]) : 0.0;
    double* theta = pi_->params();
    const double at = lr * delta;
    double nan_probe = new_rbar * 0.0;
    for (std::size_t i : zt.live()) nan_probe += (theta[i] + at * zt[i]) * 0.0;
    if (bonus)
      for (std::size_t i : bonus_.live()) nan_probe += ((theta[i] + at * zt[i]) + lr * bonus_[i]) * 0.0;
    for (std::size_t i : zw.live()) nan_probe += (w_[i] + a * zw[i]) * 0.0;
    if (dutch) nan_probe += dutch_probe(zw, x, a, -b);
    if (nan_probe != 0.0) {
      restart(e);
      throw std::invalid_argument(
          "the update would make parameters non-finite (step size too large?); parameters kept");
    }
    rbar_ = new_rbar;
    for (std::size_t i : zw.live()) w_[i] += a * zw[i];
    if (dutch) {
      add_scaled_features(w_.data(), x, -b);
      v_old_[e] = Vn;
    }
    for (std::size_t i : zt.live()) theta[i] += at * zt[i];
    if (bonus)
      for (std::size_t i : bonus_.live()) theta[i] += lr * bonus_[i];
    PolicyOps<P>::project(*pi_);
    if (!avg) I_[e] *= cfg_.gamma;
    sq_delta_[e] += delta * delta;
  }

  // The optimisers' steps: w along delta z_w, theta along delta z_th + beta grad H (every
  // entry, as NumPy's delta * z + bonus computes it), then R-bar. A step that an optimiser
  // refuses (a non-finite result) leaves theta, w, R-bar and both optimisers unchanged.
  // f: the schedule's factor of both optimisers' step sizes; reward_lr: R-bar's, scaled.
  void optimizer_steps(std::size_t e, const Trace& zt, const Trace& zw, double delta, bool bonus, double f,
                       double reward_lr) {
    const std::size_t n = g_.size();
    const std::vector<double>& z = zt.values();
    if (bonus) {
      const std::vector<double>& h = bonus_.values();
      for (std::size_t i = 0; i < n; ++i) g_[i] = delta * z[i] + h[i];
    } else {
      for (std::size_t i = 0; i < n; ++i) g_[i] = delta * z[i];
    }
    const std::vector<double>& zv = zw.values();
    for (std::size_t i = 0; i <= d_; ++i) gw_[i] = delta * zv[i];
    const double new_rbar = cfg_.average_reward ? rbar_ + reward_lr * delta : rbar_;
    if (!std::isfinite(new_rbar)) {  // refused before either optimiser writes anything
      restart(e);
      throw std::invalid_argument(
          "the update would make parameters non-finite (step size too large?); parameters kept");
    }
    w_saved_ = w_;
    critic_opt_->checkpoint();
    const ScopedLrScale scaled({opt_.get(), critic_opt_.get()}, f);
    try {
      critic_opt_->step(w_.data(), gw_.data(), d_ + 1);
      opt_->step(pi_->params(), g_.data(), n);  // refuses before writing anything
    } catch (const std::invalid_argument&) {
      w_ = w_saved_;
      critic_opt_->rollback();
      restart(e);
      throw std::invalid_argument(
          "the update would make parameters non-finite (step size too large?); parameters kept");
    }
    rbar_ = new_rbar;
    PolicyOps<P>::project(*pi_);
  }

  // Sum of ((w_i + a z_i) + c x_i) * 0 over the nonzero x_i of [x, 1]: NaN iff the dutch
  // step's second term would make one of those weights non-finite.
  double dutch_probe(const Trace& z, const double* x, double a, double c) const {
    double p = 0.0;
    for (std::size_t i = 0; i < d_; ++i)
      if (x[i] != 0.0) p += ((w_[i] + a * z[i]) + c * x[i]) * 0.0;
    return p + ((w_[d_] + a * z[d_]) + c) * 0.0;
  }
  double dutch_probe(const Trace& z, Active x, double a, double c) const {
    double p = 0.0;
    for (std::size_t k = 0; k < x.n; ++k) p += ((w_[x.idx[k]] + a * z[x.idx[k]]) + c) * 0.0;
    return p + ((w_[d_] + a * z[d_]) + c) * 0.0;
  }

  // z . [x, 1], summed as v(s) is
  template <class X>
  double value_of(const Trace& z, X x) const {
    return dot(z.values().data(), x, d_) + z[d_];
  }

  // z += c [x, 1] (accumulating, dutch), or z_i = c x_i where x_i != 0 (replacing).
  void add_features(Trace& z, const double* x, double c, bool replace) {
    for (std::size_t i = 0; i < d_; ++i) {
      if (x[i] != 0.0) {
        z[i] = replace ? c * x[i] : z[i] + c * x[i];
        z.touch(i);
      }
    }
    z[d_] = replace ? c : z[d_] + c;
    z.touch(d_);
  }
  void add_features(Trace& z, Active x, double c, bool replace) {
    for (std::size_t k = 0; k < x.n; ++k) {
      const std::size_t i = x.idx[k];
      z[i] = replace ? c : z[i] + c;
      z.touch(i);
    }
    z[d_] = replace ? c : z[d_] + c;
    z.touch(d_);
  }
  // w += c [x, 1]
  void add_scaled_features(double* w, const double* x, double c) const {
    for (std::size_t i = 0; i < d_; ++i) w[i] += c * x[i];
    w[d_] += c;
  }
  void add_scaled_features(double* w, Active x, double c) const {
    for (std::size_t k = 0; k < x.n; ++k) w[x.idx[k]] += c;
    w[d_] += c;
  }

  void touch_policy(Trace&, const double*) {}  // a dense trace visits every entry
  void touch_policy(Trace& z, Active x) { z.touch(layout_, x); }

  ActorCriticConfig cfg_;
  StepRule rule_;
  std::shared_ptr<Optimizer> opt_, critic_opt_;  // null: the book's steps
  std::vector<double> g_, gw_, w_saved_;           // the optimisers' directions; w before a step
  std::vector<double> w_;
  double rbar_ = 0.0;
  std::vector<Trace> zt_, zw_;
  Trace bonus_;  // beta grad H(pi(.|S)) of the current step (entropy_coef > 0)
  std::vector<double> I_, v_old_, ret_, sq_delta_;
  std::vector<std::size_t> len_;
  SparseLayout layout_;
  std::vector<std::uint32_t> next_i_;
  std::vector<double> next_x_;
};

}  // namespace pgfast
