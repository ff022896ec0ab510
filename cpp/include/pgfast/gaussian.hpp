// Linear Gaussian policy over continuous actions (Sutton & Barto, 2nd ed., §13.7).
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include "util.hpp"

namespace pgfast {

// Per action dimension j:  mu_j = theta_mu_j . x(s) (+ b_j),  sigma_j = exp(clamp(l_j))
// (S&B eq. 13.18 with a state-independent log-std l, x_sigma = 1). The log-std is
// clamped to [log_std_min, log_std_max] so sigma never reaches 0 or infinity; outside
// that range its gradient is 0 (the exact derivative of the clamp).
//
// Parameter layout: W_mu (action_dim x n_features, row-major), then b_mu (action_dim)
// when `bias`, then the log-stds (action_dim).
class LinearGaussian {
 public:
  static constexpr double kHalfLog2Pi = 0.91893853320467274178;  // 0.5 ln(2 pi)

  LinearGaussian(std::size_t n_features, std::size_t action_dim, bool bias, double log_std_init,
                 double log_std_min, double log_std_max)
      : d_(n_features), m_(action_dim), bias_(bias), lo_(log_std_min), hi_(log_std_max) {
    require_positive(n_features, "n_features");
    require_positive(action_dim, "action_dim");
    if (!(std::isfinite(lo_) && std::isfinite(hi_) && lo_ < hi_)) {
      throw std::invalid_argument("log_std_min must be finite and < log_std_max");
    }
    if (!std::isfinite(log_std_init)) throw std::invalid_argument("log_std_init must be finite");
    const std::size_t w = checked_mul(action_dim, n_features, "action_dim * n_features");
    n_params_ = w + (bias ? m_ : 0) + m_;
    if (n_params_ > kMaxSize) throw std::invalid_argument("n_params is too large");
    params_.assign(n_params_, 0.0);
    std::fill(params_.begin() + static_cast<std::ptrdiff_t>(log_std_offset()), params_.end(),
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
  std::size_t log_std_offset() const { return m_ * d_ + (bias_ ? m_ : 0); }

  // The clamped log-std of dimension j.
  double log_std(std::size_t j) const {
    return std::clamp(params_[log_std_offset() + j], lo_, hi_);
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
    double lp = 0.0;
    for (std::size_t j = 0; j < m_; ++j) {
      const double ls = log_std(j);
      const double z = (a[j] - mu[j]) / std::exp(ls);
      lp += -0.5 * z * z - ls - kHalfLog2Pi;
    }
    return lp;
  }

  // Eligibility (S&B eqs. 13.19-13.20):
  //   d/d theta_mu_j  ln pi = (a_j - mu_j) / sigma_j^2 * x(s)
  //   d/d l_j         ln pi = (a_j - mu_j)^2 / sigma_j^2 - 1     (0 outside the clamp)
  // Adds scale * grad to g.
  template <class X>
  void add_grad_log_prob(X x, const double* a, double scale, double* g) const {
    Scratch mu(m_);
    mean(x, mu.data());
    const std::size_t off = log_std_offset();
    for (std::size_t j = 0; j < m_; ++j) {
      const double sigma = std::exp(log_std(j));
      const double diff = a[j] - mu[j];
      const double c = scale * (diff / (sigma * sigma));
      axpy(c, x, g + j * d_, d_);
      if (bias_) g[m_ * d_ + j] += c;
      if (log_std_free(j)) {
        const double z = diff / sigma;
        g[off + j] += scale * (z * z - 1.0);
      }
    }
  }

  // H = sum_j (l_j + 0.5 ln(2 pi e)); independent of the state.
  template <class X>
  double entropy(X /*x*/) const {
    double H = 0.0;
    for (std::size_t j = 0; j < m_; ++j) H += log_std(j) + kHalfLog2Pi + 0.5;
    return H;
  }

  // dH/dl_j = 1 inside the clamp. Adds scale * grad to g.
  template <class X>
  void add_grad_entropy(X /*x*/, double scale, double* g) const {
    const std::size_t off = log_std_offset();
    for (std::size_t j = 0; j < m_; ++j)
      if (log_std_free(j)) g[off + j] += scale;
  }

  // a_j = mu_j + sigma_j * N(0, 1), one standard normal per dimension in order
  // (the draws of Generator.standard_normal(action_dim)).
  template <class X>
  void sample(X x, RandomSource& rng, double* a) const {
    mean(x, a);
    for (std::size_t j = 0; j < m_; ++j) a[j] += std::exp(log_std(j)) * rng.standard_normal();
  }

  template <class X>
  void mode(X x, double* a) const { mean(x, a); }

  // Keeps the stored log-std parameters inside the clamp (a projection applied after
  // optimiser steps, so a parameter never drifts where its gradient is 0 forever).
  void project() {
    const std::size_t off = log_std_offset();
    for (std::size_t j = 0; j < m_; ++j) params_[off + j] = std::clamp(params_[off + j], lo_, hi_);
  }

 private:
  bool log_std_free(std::size_t j) const {
    const double l = params_[log_std_offset() + j];
    return l >= lo_ && l <= hi_;
  }

  std::size_t d_, m_;
  bool bias_;
  double lo_, hi_;
  std::size_t n_params_;
  std::vector<double> params_;
};

}  // namespace pgfast
