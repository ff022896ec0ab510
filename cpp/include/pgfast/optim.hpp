// Optimisers as gradient ASCENT on the performance measure J(theta): each step
// moves the parameters along +grad.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <initializer_list>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "util.hpp"

namespace pgfast {

// ||g|| = np.sqrt(np.sum(g * g)) (NumPy's pairwise sum, bit for bit). When the sum of
// squares overflows (|g_i| beyond ~1e154) the norm itself may still be finite: it is then
// computed in the scaled form m * np.sqrt(np.sum((g / m) ** 2)), m = max|g| (as BLAS
// dnrm2 does).
inline double l2_norm(const double* g, std::size_t n) {
  const double sq = npy::dot(g, g, n);
  if (std::isfinite(sq)) return std::sqrt(sq);
  double m = 0.0;
  for (std::size_t i = 0; i < n; ++i) m = std::fabs(g[i]) > m ? std::fabs(g[i]) : m;
  const double s = npy::sum_of(
      [g, m](std::size_t i) {
        const double r = g[i] / m;
        return r * r;
      },
      n);
  return m * std::sqrt(s);
}

// The rule for extreme but finite input (shared with the bindings and the NumPy twin): a
// step whose result would not be finite is refused with std::invalid_argument
// ("step: the result overflows (...)") before anything is written -- the parameters and
// the optimiser state are unchanged after the error.
[[noreturn]] inline void step_overflows(const char* why) {
  throw std::invalid_argument(std::string("step: the result overflows (") + why + ")");
}
constexpr const char* kWhyGradNorm = "the norm of grad is too large";
constexpr const char* kWhyUpdate = "lr * grad is too large: it would give non-finite parameters, left unchanged";

// The factor that rescales a gradient of norm `norm` to at most `max_norm`
// (1 when max_norm <= 0 means "no clipping"); the rule of torch.nn.utils.clip_grad_norm_.
inline double clip_coefficient(double norm, double max_norm) {
  if (!(max_norm > 0.0)) return 1.0;
  const double c = max_norm / (norm + 1e-6);
  return c < 1.0 ? c : 1.0;
}

inline void check_step_inputs(const double* g, std::size_t n) {
  if (!all_finite(g, n)) throw std::invalid_argument("grad contains NaN or inf");
}

// The interface the learner drives: one ascent step, returning the pre-clip gradient norm.
class Optimizer {
 public:
  virtual ~Optimizer() = default;
  virtual double step(double* params, const double* g, std::size_t n) = 0;
  // A step whose gradient is 0 outside the sorted, distinct indices idx (sparse features).
  // An optimiser whose update of a zero-gradient entry is the identity (SGD) touches only
  // those entries, with a result bit-identical to step(); the default is step() itself.
  virtual double step_at(double* params, const double* g, const std::size_t* idx, std::size_t n_idx,
                         std::size_t n) {
    static_cast<void>(idx), static_cast<void>(n_idx);
    return step(params, g, n);
  }
  // Whether step_at costs O(n_idx) instead of O(n).
  virtual bool sparse_steps() const { return false; }
  // Remember the optimiser's own state (not the parameters), so that rollback() can undo
  // every step taken since: a refused update leaves the optimiser as it found it.
  virtual void checkpoint() {}
  virtual void rollback() {}
  // The factor of the step size set by a learner's lr schedule for its next steps: a step
  // moves by (lr * scale) where it would move by lr (1, the default: lr itself, bit for bit).
  void set_lr_scale(double scale) {
    if (!(scale >= 0.0 && scale <= 1.0)) throw std::invalid_argument("lr scale must be in [0, 1]");
    scale_ = scale;
  }
  double lr_scale() const { return scale_; }

 protected:
  double scale_ = 1.0;
};

// A learner's lr schedule for the steps of one update: the optimisers given (null ones
// skipped) step with their lr times `scale` while this object lives, and with their own lr
// again afterwards, however the scope is left.
class ScopedLrScale {
 public:
  ScopedLrScale(std::initializer_list<Optimizer*> opts, double scale) {
    if (opts.size() > 2) throw std::invalid_argument("ScopedLrScale takes at most two optimisers");
    for (Optimizer* o : opts) {
      if (!o) continue;
      o->set_lr_scale(scale);
      opts_[n_++] = o;
    }
  }
  ~ScopedLrScale() {
    for (std::size_t i = 0; i < n_; ++i) opts_[i]->set_lr_scale(1.0);
  }
  ScopedLrScale(const ScopedLrScale&) = delete;
  ScopedLrScale& operator=(const ScopedLrScale&) = delete;

 private:
  Optimizer* opts_[2] = {nullptr, nullptr};  // a policy's and a value function's
  std::size_t n_ = 0;
};

// Plain stochastic gradient ascent: theta += lr * s_i * c * g_i, where s is an optional
// per-parameter step-size scale (e.g. alpha/||c|| for Fourier features, S&B §9.5.2) and
// c the clipping coefficient.
class SGD final : public Optimizer {
 public:
  SGD(double lr, std::vector<double> step_size, double max_grad_norm)
      : lr_(lr), step_size_(std::move(step_size)), max_grad_norm_(max_grad_norm) {
    if (!(std::isfinite(lr) && lr > 0.0)) throw std::invalid_argument("lr must be finite and > 0");
    if (!(max_grad_norm >= 0.0) || !std::isfinite(max_grad_norm))
      throw std::invalid_argument("max_grad_norm must be finite and > 0 (or None)");
    if (!all_finite(step_size_.data(), step_size_.size()))
      throw std::invalid_argument("step_size contains NaN or inf");
    for (double s : step_size_)
      if (s < 0.0) throw std::invalid_argument("step_size must be >= 0");
  }
  double lr() const { return lr_; }
  void set_lr(double lr) {
    if (!(std::isfinite(lr) && lr > 0.0)) throw std::invalid_argument("lr must be finite and > 0");
    lr_ = lr;
  }
  double max_grad_norm() const { return max_grad_norm_; }
  const std::vector<double>& step_size() const { return step_size_; }

  // Returns the gradient norm before clipping.
  double step(double* params, const double* g, std::size_t n) override {
    if (!step_size_.empty() && step_size_.size() != n) {
      throw std::invalid_argument("step_size has " + std::to_string(step_size_.size()) +
                                  " entries but params has " + std::to_string(n));
    }
    check_step_inputs(g, n);
    const double norm = l2_norm(g, n);
    if (!std::isfinite(norm)) step_overflows(kWhyGradNorm);
    const double a = (lr_ * scale_) * clip_coefficient(norm, max_grad_norm_);
    // Two passes over the same arithmetic: check every new value, then write them.
    double finite = 0.0;
    if (step_size_.empty()) {
      for (std::size_t i = 0; i < n; ++i) finite += (params[i] + a * g[i]) * 0.0;
      if (!(finite == 0.0)) step_overflows(kWhyUpdate);
      for (std::size_t i = 0; i < n; ++i) params[i] += a * g[i];
    } else {
      for (std::size_t i = 0; i < n; ++i) finite += (params[i] + a * step_size_[i] * g[i]) * 0.0;
      if (!(finite == 0.0)) step_overflows(kWhyUpdate);
      for (std::size_t i = 0; i < n; ++i) params[i] += a * step_size_[i] * g[i];
    }
    return norm;
  }

  bool sparse_steps() const override { return true; }
  double step_at(double* params, const double* g, const std::size_t* idx, std::size_t n_idx,
                 std::size_t n) override {
    if (!step_size_.empty() && step_size_.size() != n) {
      throw std::invalid_argument("step_size has " + std::to_string(step_size_.size()) +
                                  " entries but params has " + std::to_string(n));
    }
    // The same sums as step(), with the same pairwise tree over all n entries (idx is
    // sorted; the skipped terms are +0 and leave every partial sum unchanged).
    double acc = 0.0;
    for (std::size_t k = 0; k < n_idx; ++k) acc += g[idx[k]] * 0.0;
    if (acc != 0.0) throw std::invalid_argument("grad contains NaN or inf");
    const double sq = npy::sparse_sum_of(
        idx, n_idx, [g, idx](std::size_t q) { return g[idx[q]] * g[idx[q]]; }, n);
    double norm = std::sqrt(sq);
    if (!std::isfinite(norm)) {
      // As in l2_norm: the scaled form over the touched entries (the others are 0).
      double m = 0.0;
      for (std::size_t k = 0; k < n_idx; ++k) m = std::fabs(g[idx[k]]) > m ? std::fabs(g[idx[k]]) : m;
      const double s = npy::sparse_sum_of(
          idx, n_idx,
          [g, idx, m](std::size_t q) {
            const double r = g[idx[q]] / m;
            return r * r;
          },
          n);
      norm = m * std::sqrt(s);
      if (!std::isfinite(norm)) step_overflows(kWhyGradNorm);
    }
    const double a = (lr_ * scale_) * clip_coefficient(norm, max_grad_norm_);
    double finite = 0.0;
    for (std::size_t k = 0; k < n_idx; ++k) {
      const std::size_t i = idx[k];
      finite += (params[i] + a * (step_size_.empty() ? 1.0 : step_size_[i]) * g[i]) * 0.0;
    }
    if (!(finite == 0.0)) step_overflows(kWhyUpdate);
    if (step_size_.empty()) {
      for (std::size_t k = 0; k < n_idx; ++k) params[idx[k]] += a * g[idx[k]];
    } else {
      for (std::size_t k = 0; k < n_idx; ++k) params[idx[k]] += a * step_size_[idx[k]] * g[idx[k]];
    }
    return norm;
  }

 private:
  double lr_;
  std::vector<double> step_size_;
  double max_grad_norm_;
};

// Adam (Kingma & Ba 2015, Algorithm 1), ascent form:
//   m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;
//   theta += lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)
// The moment vectors are sized on the first step.
class Adam final : public Optimizer {
 public:
  Adam(double lr, double beta1, double beta2, double eps, double max_grad_norm)
      : lr_(lr), b1_(beta1), b2_(beta2), eps_(eps), max_grad_norm_(max_grad_norm) {
    if (!(std::isfinite(lr) && lr > 0.0)) throw std::invalid_argument("lr must be finite and > 0");
    if (!(beta1 >= 0.0 && beta1 < 1.0)) throw std::invalid_argument("beta1 must be in [0, 1)");
    if (!(beta2 >= 0.0 && beta2 < 1.0)) throw std::invalid_argument("beta2 must be in [0, 1)");
    if (!(std::isfinite(eps) && eps > 0.0)) throw std::invalid_argument("eps must be finite and > 0");
    if (!(max_grad_norm >= 0.0) || !std::isfinite(max_grad_norm))
      throw std::invalid_argument("max_grad_norm must be finite and > 0 (or None)");
  }
  double lr() const { return lr_; }
  void set_lr(double lr) {
    if (!(std::isfinite(lr) && lr > 0.0)) throw std::invalid_argument("lr must be finite and > 0");
    lr_ = lr;
  }
  double beta1() const { return b1_; }
  double beta2() const { return b2_; }
  double eps() const { return eps_; }
  double max_grad_norm() const { return max_grad_norm_; }
  long long t() const { return t_; }
  std::vector<double>& m() { return m_; }
  std::vector<double>& v() { return v_; }

  void set_state(long long t, std::vector<double> m, std::vector<double> v) {
    if (t < 0 || m.size() != v.size() || (t > 0 && m.empty()))
      throw std::invalid_argument("inconsistent Adam state (t, m, v)");
    if (!all_finite(m.data(), m.size()) || !all_finite(v.data(), v.size()))
      throw std::invalid_argument("Adam state contains NaN or inf");
    for (double x : v)
      if (x < 0.0) throw std::invalid_argument("Adam state v must be >= 0");
    t_ = t;
    m_ = std::move(m);
    v_ = std::move(v);
  }

  void checkpoint() override {
    saved_t_ = t_;
    saved_m_ = m_;
    saved_v_ = v_;
  }
  void rollback() override {
    t_ = saved_t_;
    m_ = saved_m_;
    v_ = saved_v_;
  }

  double step(double* params, const double* g, std::size_t n) override {
    const bool fresh = m_.empty();  // the moments are sized (zero) by the first step
    if (!fresh && m_.size() != n) {
      throw std::invalid_argument("params has " + std::to_string(n) +
                                  " entries but this Adam optimiser was used with " +
                                  std::to_string(m_.size()));
    }
    check_step_inputs(g, n);
    const double norm = l2_norm(g, n);
    if (!std::isfinite(norm)) step_overflows(kWhyGradNorm);
    const double c = clip_coefficient(norm, max_grad_norm_);
    const double lr = lr_ * scale_;
    const long long t = t_ + 1;
    const double bc1 = 1.0 - std::pow(b1_, static_cast<double>(t));
    const double bc2 = 1.0 - std::pow(b2_, static_cast<double>(t));
    // One pass computes the new (m_i, v_i, theta_i) into scratch rows, which replace the
    // state only if every value is finite. One pass, not a checking pass and a writing
    // pass: moments that decay towards 0 (entries whose gradient is 0 step after step,
    // e.g. one-hot states) become subnormal, and arithmetic on subnormals is slow on many
    // CPUs; the check is std::isfinite, which does no arithmetic.
    //
    // Where g_i = 0 and m_i is subnormal (|m_i| < DBL_MIN), the step's term
    // lr (m / bc1) / (sqrt(v / bc2) + eps) is at most B = lr DBL_MIN / bc1 / eps, plus the
    // rounding of its three operations (relative 2^-52 each, or absolute 2^-1074 where a
    // result is subnormal, then divided by at least eps): below
    // S = DBL_MIN / eps (2 lr / bc1 + 4). When |theta_i| > S 2^55 the term is below a
    // quarter of theta_i's spacing to either neighbour, so theta_i + term rounds to theta_i
    // exactly: theta_i is kept without the term's subnormal operations (the same bits).
    const double skip = std::numeric_limits<double>::min() / eps_ * (2.0 * lr / bc1 + 4.0) * 0x1p55;
    new_m_.resize(n);
    new_v_.resize(n);
    new_p_.resize(n);
    bool finite = true;
    for (std::size_t i = 0; i < n; ++i) {
      const double gi = c * g[i];
      const double mo = fresh ? 0.0 : m_[i];
      // (b1 m + (1 - b1) gi with gi = +-0 is b1 m itself unless that is a zero: IEEE's
      // x + 0 = x, without another operation on a subnormal)
      const double bm = b1_ * mo;
      const double m = (gi == 0.0 && bm != 0.0) ? bm : bm + (1.0 - b1_) * gi;
      const double v = b2_ * (fresh ? 0.0 : v_[i]) + (1.0 - b2_) * (gi * gi);
      const bool kept = g[i] == 0.0 && std::fabs(mo) < std::numeric_limits<double>::min() &&
                        std::fabs(params[i]) > skip;
      const double p = kept ? params[i] : params[i] + lr * (m / bc1) / (std::sqrt(v / bc2) + eps_);
      new_m_[i] = m;
      new_v_[i] = v;
      new_p_[i] = p;
      finite = finite && std::isfinite(m) && std::isfinite(v) && std::isfinite(p);
    }
    if (!finite) step_overflows(kWhyUpdate);
    m_.swap(new_m_);
    v_.swap(new_v_);
    std::copy(new_p_.begin(), new_p_.end(), params);
    t_ = t;
    return norm;
  }

 private:
  double lr_, b1_, b2_, eps_, max_grad_norm_;
  long long t_ = 0, saved_t_ = 0;
  std::vector<double> m_, v_, saved_m_, saved_v_;
  std::vector<double> new_m_, new_v_, new_p_;  // scratch rows of step()
};

}  // namespace pgfast
