// Linear Gaussian policy over continuous actions (Sutton & Barto, 2nd ed., §13.7).
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include "util.hpp"

namespace pgfast {

// Per action dimension j:  mu_j = theta_mu_j . x(s) (+ b_j),  sigma_j = exp(clamp(l_j(s)))
// (S&B eq. 13.18). By default the log-std is state-independent, l_j(s) = l_j (x_sigma = 1);
// with `state_dependent_std` it is linear in the same features, l_j(s) = theta_sigma_j .
// x(s) + c_j. The log-std is clamped to [log_std_min, log_std_max] so sigma never reaches 0
// or infinity; outside that range its gradient is 0 (the exact derivative of the clamp).
//
// Every number is computed by the NumPy twin's operations in its order, with NumPy's own
// sum and exp (numpy_math.hpp), so the two agree bit for bit: mu = (W * x).sum(axis=-1) + b,
// sigma = np.exp(np.clip(l, lo, hi)), per-dimension terms summed with .sum().
//
// Parameter layout: W_mu (action_dim x n_features, row-major), then b_mu (action_dim)
// when `bias`, then the log-std part: l (action_dim), or W_sigma (action_dim x
// n_features, starting at 0) followed by c (action_dim, starting at log_std_init).
class LinearGaussian {
 public:
  static constexpr double kHalfLog2Pi = 0.91893853320467274178;  // 0.5 ln(2 pi)

  LinearGaussian(std::size_t n_features, std::size_t action_dim, bool bias, double log_std_init,
                 double log_std_min, double log_std_max, bool state_dependent_std = false)
      : d_(n_features), m_(action_dim), bias_(bias), sd_(state_dependent_std), lo_(log_std_min),
        hi_(log_std_max) {
    require_positive(n_features, "n_features");
    require_positive(action_dim, "action_dim");
    if (!(std::isfinite(lo_) && std::isfinite(hi_) && lo_ < hi_)) {
      throw std::invalid_argument("log_std_min must be finite and < log_std_max");
    }
    if (!std::isfinite(log_std_init)) throw std::invalid_argument("log_std_init must be finite");
    const std::size_t w = checked_mul(action_dim, n_features, "action_dim * n_features");
    n_params_ = w + (bias ? m_ : 0) + (sd_ ? w + m_ : m_);
    if (n_params_ > kMaxSize) throw std::invalid_argument("n_params is too large");
    // Parameters, a gradient and Adam's two moments: four vectors of n_params doubles.
    check_memory(4.0 * sizeof(double) * static_cast<double>(n_params_),
                 "a policy of " + std::to_string(n_params_) + " parameters (action_dim " +
                     std::to_string(action_dim) + " x n_features " + std::to_string(n_features) + ")");
    params_.assign(n_params_, 0.0);
    std::fill(params_.begin() + static_cast<std::ptrdiff_t>(log_std_offset() + (sd_ ? w : 0)), params_.end(),
              log_std_init);
  }

  std::size_t n_features() const { return d_; }
  std::size_t action_dim() const { return m_; }
  bool bias() const { return bias_; }
  double log_std_min() const { return lo_; }
  double log_std_max() const { return hi_; }
  std::size_t n_params() const { return n_params_; }
  double* params() { return params_.data(); }
  const double* params() const { return params_.data(); }
  bool state_dependent_std() const { return sd_; }
  std::size_t log_std_offset() const { return m_ * d_ + (bias_ ? m_ : 0); }

  // The clamped state-independent log-std of dimension j (only without state_dependent_std).
  double log_std(std::size_t j) const {
    return std::clamp(params_[log_std_offset() + j], lo_, hi_);
  }

  // l_j(s) before the clamp.
  template <class X>
  double raw_log_std(std::size_t j, X x) const {
    const std::size_t off = log_std_offset();
    if (!sd_) return params_[off + j];
    return dot(params_.data() + off + j * d_, x, d_) + params_[off + m_ * d_ + j];
  }
  // The clamped log-std of dimension j at state x.
  template <class X>
  double log_std(std::size_t j, X x) const {
    return std::clamp(raw_log_std(j, x), lo_, hi_);
  }

  template <class X>
  void mean(X x, double* mu) const {
    const double* w = params_.data();
    for (std::size_t j = 0; j < m_; ++j) {
      mu[j] = dot(w + j * d_, x, d_) + (bias_ ? w[m_ * d_ + j] : 0.0);
    }
    if (!all_finite(mu, m_)) {
      throw std::invalid_argument("action mean is not finite (parameters or features too large)");
    }
  }

  // ln pi(a|s) = sum_j [ -(a_j - mu_j)^2 / (2 sigma_j^2) - ln sigma_j - 0.5 ln 2pi ]
  template <class X>
  double log_prob(X x, const double* a) const {
    Scratch mu(m_);
    mean(x, mu.data());
    // (-0.5 * (z * z) - log_std - 0.5 ln 2pi).sum() with z = (a - mu) / np.exp(log_std)
    return npy::sum_of(
        [&](std::size_t j) {
          const double ls = log_std(j, x);
          const double z = (a[j] - mu[j]) / npy::exp(ls);
          return -0.5 * (z * z) - ls - kHalfLog2Pi;
        },
        m_);
  }

  // Eligibility (S&B eqs. 13.19-13.20):
  //   d/d theta_mu_j  ln pi = (a_j - mu_j) / sigma_j^2 * x(s)
  //   d/d l_j         ln pi = (a_j - mu_j)^2 / sigma_j^2 - 1     (0 outside the clamp)
  // (times x(s) for W_sigma and 1 for c with a state-dependent log-std). Adds scale * grad to g.
  template <class X>
  void add_grad_log_prob(X x, const double* a, double scale, double* g) const {
    Scratch mu(m_);
    mean(x, mu.data());
    const std::size_t off = log_std_offset();
    for (std::size_t j = 0; j < m_; ++j) {
      const double raw = raw_log_std(j, x);
      const double sigma = npy::exp(std::clamp(raw, lo_, hi_));
      const double diff = a[j] - mu[j];
      const double c = scale * (diff / (sigma * sigma));
      axpy(c, x, g + j * d_, d_);
      if (bias_) g[m_ * d_ + j] += c;
      if (raw >= lo_ && raw <= hi_) {
        const double z = diff / sigma;
        add_log_std_grad(j, x, scale * (z * z - 1.0), g + off);
      }
    }
  }

  // H = sum_j (l_j(s) + 0.5 ln(2 pi e)); independent of the state unless the log-std is.
  template <class X>
  double entropy(X x) const {
    return npy::sum_of([&](std::size_t j) { return log_std(j, x) + kHalfLog2Pi + 0.5; }, m_);
  }

  // dH/dl_j = 1 inside the clamp. Adds scale * grad to g.
  template <class X>
  void add_grad_entropy(X x, double scale, double* g) const {
    const std::size_t off = log_std_offset();
    for (std::size_t j = 0; j < m_; ++j) {
      const double raw = raw_log_std(j, x);
      if (raw >= lo_ && raw <= hi_) add_log_std_grad(j, x, scale, g + off);
    }
  }

  // a_j = mu_j + sigma_j * N(0, 1), one standard normal per dimension in order
  // (the draws of Generator.standard_normal(action_dim)).
  template <class X, class R = RandomSource>
  void sample(X x, R& rng, double* a) const {
    mean(x, a);
    for (std::size_t j = 0; j < m_; ++j) a[j] += npy::exp(log_std(j, x)) * rng.standard_normal();
  }

  template <class X>
  void mode(X x, double* a) const { mean(x, a); }

  // Keeps the stored log-std parameters inside the clamp (a projection applied after
  // optimiser steps, so a parameter never drifts where its gradient is 0 forever).
  // A state-dependent log-std is clamped per state instead: nothing to project.
  void project() {
    if (sd_) return;
    const std::size_t off = log_std_offset();
    for (std::size_t j = 0; j < m_; ++j) params_[off + j] = std::clamp(params_[off + j], lo_, hi_);
  }

 private:
  // Adds c * d l_j(s) / d(log-std parameters) to g (which starts at the log-std part).
  template <class X>
  void add_log_std_grad(std::size_t j, X x, double c, double* g) const {
    if (!sd_) {
      g[j] += c;
      return;
    }
    axpy(c, x, g + j * d_, d_);
    g[m_ * d_ + j] += c;
  }

  std::size_t d_, m_;
  bool bias_, sd_;
  double lo_, hi_;
  std::size_t n_params_;
  std::vector<double> params_;
};

}  // namespace pgfast
