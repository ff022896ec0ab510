// Batch policy gradient: sum_t w_t grad ln pi(A_t|X_t) without materialising the
// (T, n_params) matrix of eligibility vectors.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "gaussian.hpp"
#include "softmax.hpp"

namespace pgfast {

// g = sum_t w_t grad ln pi(A_t | X_t)   (the REINFORCE direction, S&B eq. 13.8 with
// w_t = G_t, or eq. 13.11 with w_t = G_t - b(S_t)). X is (T, n_features) row-major.
// Actions must already be in range (checked by the caller).
namespace detail {

// Two actions (CartPole, every binary choice): the generic per-step helpers spend most of
// their ~290 instructions a step (callgrind, d = 4) on loop control for k = 2. This loop
// computes every number with exactly the operations of LinearSoftmax::probs and
// add_weighted_rows, in the same order, so the result is bit-identical; only the
// finiteness check of the preferences is accumulated and tested once per block of steps
// (the call still raises the same error, and g is discarded with it).
inline void policy_gradient_two_actions(const LinearSoftmax& pi, const double* X,
                                        const std::int64_t* A, const double* w, std::size_t T,
                                        double* g) {
  const std::size_t d = pi.n_features();
  const bool bias = pi.bias();
  // g is the caller's output, never one of the inputs: __restrict lets the compiler keep
  // x and the weights in registers across the stores to g (no runtime alias checks).
  const double* __restrict W0 = pi.params();
  const double* __restrict W1 = W0 + d;
  const double b0 = bias ? W0[2 * d] : 0.0;
  const double b1 = bias ? W0[2 * d + 1] : 0.0;
  double* __restrict g0 = g;
  double* __restrict g1 = g + d;
  double gb0 = 0.0, gb1 = 0.0;  // the bias part, kept in registers
  constexpr std::size_t kBlock = 256;
  for (std::size_t t0 = 0; t0 < T; t0 += kBlock) {
    const std::size_t t1 = std::min(T, t0 + kBlock);
    double finite = 0.0;  // x * 0 summed: NaN iff some preference is inf or NaN
    for (std::size_t t = t0; t < t1; ++t) {
      const double* __restrict x = X + t * d;
      // preferences(): dot (np.sum(w * x), pairwise) + (bias ? b : 0.0)
      const double h0 = npy::dot(W0, x, d) + b0;
      const double h1 = npy::dot(W1, x, d) + b1;
      finite += h0 * 0.0 + h1 * 0.0;
      // softmax_inplace(): the arg-max gets exactly 1, the other exp(h - max);
      // z = npy::sum({e0, e1}) = 0.0 + ((-0.0 + e0) + e1) = e0 + e1 (both > 0)
      const bool second = h1 > h0;
      const double e0 = second ? npy::exp(h0 - h1) : 1.0;
      const double e1 = second ? 1.0 : npy::exp(h1 - h0);
      const double z = e0 + e1;
      const double p0 = e0 / z, p1 = e1 / z;
      // add_weighted_rows(): c_b = w_t (1[a = b] - p_b); g_b += c_b x; bias_b += c_b
      const double c0 = w[t] * ((A[t] == 0 ? 1.0 : 0.0) - p0);
      const double c1 = w[t] * ((A[t] == 1 ? 1.0 : 0.0) - p1);
      for (std::size_t i = 0; i < d; ++i) g0[i] += c0 * x[i];
      for (std::size_t i = 0; i < d; ++i) g1[i] += c1 * x[i];
      gb0 += c0;
      gb1 += c1;
    }
    if (!(finite == 0.0)) {
      throw std::invalid_argument("action preferences are not finite (parameters or features too large)");
    }
  }
  if (bias) {
    g[2 * d] = gb0;
    g[2 * d + 1] = gb1;
  }
}

}  // namespace detail

inline void policy_gradient(const LinearSoftmax& pi, const double* X, const std::int64_t* A,
                            const double* w, std::size_t T, double* g) {
  const std::size_t d = pi.n_features();
  std::fill(g, g + pi.n_params(), 0.0);
  if (pi.n_actions() == 2) return detail::policy_gradient_two_actions(pi, X, A, w, T, g);
  std::vector<double> p(pi.n_actions());
  for (std::size_t t = 0; t < T; ++t) {
    const double* x = X + t * d;
    pi.probs(x, p.data());
    pi.add_weighted_rows(x, p.data(), static_cast<std::size_t>(A[t]), w[t], g);
  }
}

// Gaussian form: A is (T, action_dim) row-major.
inline void policy_gradient(const LinearGaussian& pi, const double* X, const double* A,
                            const double* w, std::size_t T, double* g) {
  const std::size_t d = pi.n_features();
  const std::size_t m = pi.action_dim();
  std::fill(g, g + pi.n_params(), 0.0);
  for (std::size_t t = 0; t < T; ++t) pi.add_grad_log_prob(X + t * d, A + t * m, w[t], g);
}

}  // namespace pgfast
