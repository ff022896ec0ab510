// Batch policy gradient: sum_t w_t grad ln pi(A_t|X_t) without materialising the
// (T, n_params) matrix of eligibility vectors.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "gaussian.hpp"
#include "softmax.hpp"

namespace pgfast {

// g = sum_t w_t grad ln pi(A_t | X_t)   (the REINFORCE direction, S&B eq. 13.8 with
// w_t = G_t, or eq. 13.11 with w_t = G_t - b(S_t)). X is (T, n_features) row-major.
// Actions must already be in range (checked by the caller).
inline void policy_gradient(const LinearSoftmax& pi, const double* X, const std::int64_t* A,
                            const double* w, std::size_t T, double* g) {
  const std::size_t d = pi.n_features();
  std::fill(g, g + pi.n_params(), 0.0);
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
