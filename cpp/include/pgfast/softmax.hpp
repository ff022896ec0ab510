// Linear softmax policy over discrete actions (Sutton & Barto, 2nd ed., §13.1).
#pragma once

#include <cstddef>
#include <string>
#include <type_traits>
#include <vector>

#include "util.hpp"

namespace pgfast {

// pi(a|s) = exp(h_a) / sum_b exp(h_b),  h_b = theta_b . x(s) (+ bias_b)   (S&B eq. 13.2-13.3)
//
// Every number is computed by the operations of the NumPy twin (pgfast.reference), in
// its order, with NumPy's own sum/exp/log (numpy_math.hpp), so the two agree bit for bit:
//   h = (W * x).sum(axis=-1) + b,  e = np.exp(h - h.max()),  pi = e / e.sum(),
//   ln pi = (h - h.max()) - np.log(np.exp(h - h.max()).sum()).
//
// Parameters live in one flat vector: W (n_actions x n_features, row-major: row b
// holds theta_b), then the bias (n_actions) when `bias` is true.
class LinearSoftmax {
 public:
  LinearSoftmax(std::size_t n_features, std::size_t n_actions, bool bias)
      : d_(n_features), k_(n_actions), bias_(bias) {
    require_positive(n_features, "n_features");
    require_positive(n_actions, "n_actions");
    const std::size_t w = checked_mul(n_actions, n_features, "n_actions * n_features");
    n_params_ = w + (bias ? k_ : 0);
    if (n_params_ > kMaxSize) throw std::invalid_argument("n_params is too large");
    // Parameters, a gradient and Adam's two moments: four vectors of n_params doubles.
    check_memory(4.0 * sizeof(double) * static_cast<double>(n_params_),
                 "a policy of " + std::to_string(n_params_) + " parameters (n_actions " +
                     std::to_string(n_actions) + " x n_features " + std::to_string(n_features) + ")");
    params_.assign(n_params_, 0.0);
  }

  std::size_t n_features() const { return d_; }
  std::size_t n_actions() const { return k_; }
  bool bias() const { return bias_; }
  std::size_t n_params() const { return n_params_; }
  double* params() { return params_.data(); }
  const double* params() const { return params_.data(); }

  // Action preferences h (k values).
  template <class X>
  void preferences(X x, double* h) const {
    const double* w = params_.data();
    for (std::size_t b = 0; b < k_; ++b) {
      h[b] = dot(w + b * d_, x, d_) + (bias_ ? w[k_ * d_ + b] : 0.0);
    }
  }

  // Probabilities, computed as exp(h - max h) / sum so that huge preferences stay finite.
  template <class X>
  void probs(X x, double* p) const {
    preferences(x, p);
    softmax_inplace(p);
  }

  template <class X>
  double log_prob(X x, std::size_t a) const {
    check_action(a);
    Scratch h(k_);
    preferences(x, h.data());
    const LogPartition lz = log_partition(h.data());
    return (h[a] - lz.max) - lz.log_sum;
  }

  // Eligibility vector (S&B eq. 13.9): row b of the W part gets (1[a=b] - pi(b|s)) x(s),
  // the bias part gets (1[a=b] - pi(b|s)). Adds scale * grad to g.
  template <class X>
  void add_grad_log_prob(X x, std::size_t a, double scale, double* g) const {
    check_action(a);
    Scratch p(k_);
    probs(x, p.data());
    add_weighted_rows(x, p.data(), a, scale, g);
  }

  // Entropy H = -sum_b pi_b ln pi_b.
  template <class X>
  double entropy(X x) const {
    Scratch h(k_);
    preferences(x, h.data());
    return entropy_of_preferences(h.data());
  }

  // dH/dh_b = -pi_b (ln pi_b + H); chain rule through h = W x + b. Adds scale * grad to g.
  template <class X>
  void add_grad_entropy(X x, double scale, double* g) const {
    Scratch h(k_);
    preferences(x, h.data());
    const double H = entropy_of_preferences(h.data());
    const LogPartition lz = log_partition(h.data());
    for (std::size_t b = 0; b < k_; ++b) {
      const double lp = (h[b] - lz.max) - lz.log_sum;
      const double p = npy::exp(lp);
      // pi_b = 0 (ln pi_b may be -inf when the preferences are ~1e308 apart): the limit 0.
      const double c = p > 0.0 ? scale * (-p * (lp + H)) : 0.0;
      axpy(c, x, g + b * d_, d_);
      if (bias_) g[k_ * d_ + b] += c;
    }
  }

  // One uniform u from the stream; the action is the first b with u < cumsum(pi)_b
  // (the rule of numpy.random.Generator.choice), the last action if rounding leaves
  // the cumulative sum below u. R: RandomSource or a final subclass of it (the fused
  // loop passes its concrete source, so the draw is a direct call).
  template <class X, class R = RandomSource>
  std::size_t sample(X x, R& rng) const {
    Scratch p(k_);
    probs(x, p.data());
    return draw(p.data(), rng.uniform());
  }

  // sample(), also leaving in kept[0..k+1] pi(.|x) and the two terms of its entropy,
  // pi_0..pi_{k-1}, z, sum_b pi_b s_b (H = log(z) - the last: see softmax_entropy): the
  // bits of probs() and entropy() (softmax_entropy computes pi as softmax_inplace does),
  // the same single draw. REINFORCE keeps them for its update, which takes the logs of a
  // batch of z at once (npy::log_array).
  template <class X, class R = RandomSource>
  std::size_t sample_keep(X x, R& rng, double* kept) const {
    if (k_ == 2) {  // preferences() and softmax_entropy()'s two-action case, inline
      const double* w = params_.data();
      const double h0 = dot(w, x, d_) + (bias_ ? w[2 * d_] : 0.0);
      const double h1 = dot(w + d_, x, d_) + (bias_ ? w[2 * d_ + 1] : 0.0);
      const Two r = softmax2(h0, h1);
      kept[2] = r.z;
      kept[3] = entropy_sum2(r, kept);
      return draw(kept, rng.uniform());
    }
    Scratch h(k_);
    preferences(x, h.data());
    kept[k_ + 1] = softmax_entropy_terms(h.data(), kept, kept[k_]);
    return draw(kept, rng.uniform());
  }

  // Greedy action: the first maximiser of pi(.|s).
  template <class X>
  std::size_t mode(X x) const {
    Scratch h(k_);
    preferences(x, h.data());
    check_finite_preferences(h.data());
    std::size_t best = 0;
    for (std::size_t b = 1; b < k_; ++b)
      if (h[b] > h[best]) best = b;
    return best;
  }

  // --- building blocks shared with batch kernels and the learner ---

  // In place: h -> softmax(h).
  void softmax_inplace(double* h) const {
    if (k_ == 2) {  // the same operations in registers (see softmax2)
      const Two p = softmax2(h[0], h[1]);
      h[0] = p.p0;
      h[1] = p.p1;
      return;
    }
    check_finite_preferences(h);
    std::size_t arg = 0;
    for (std::size_t b = 1; b < k_; ++b) arg = h[b] > h[arg] ? b : arg;
    const double m = h[arg];
    for (std::size_t b = 0; b < k_; ++b) {
      h[b] = b == arg ? 1.0 : npy::exp(h[b] - m);  // np.exp(0.0) == 1 exactly: one exp fewer
    }
    const double z = npy::sum(h, k_);
    for (std::size_t b = 0; b < k_; ++b) h[b] /= z;
  }

  // log sum_b exp(h_b) = max + log_sum, kept as two terms: ln pi_b = (h_b - max) - log_sum
  // stays exact when |h| is so large that max + log_sum would round to max.
  struct LogPartition {
    double max, log_sum;
  };
  LogPartition log_partition(const double* h) const {
    check_finite_preferences(h);
    double m = h[0];
    for (std::size_t b = 1; b < k_; ++b) m = h[b] > m ? h[b] : m;
    const double z = npy::sum_of([h, m](std::size_t b) { return npy::exp(h[b] - m); }, k_);
    return {m, npy::log(z)};
  }

  // H = -sum_b pi_b ln pi_b from the preferences h, computed from the softmax's own terms:
  // with m = max h, s_b = h_b - m, e_b = exp(s_b) and z = sum_b e_b, ln pi_b = s_b - ln z, so
  //   H = ln z - sum_b pi_b s_b          (pi_b = e_b / z; 0 ln 0 = 0: a term with pi_b = 0 is 0)
  // -- one log and the exps that sampling computes anyway, instead of a second pass of k
  // exps; both terms are >= 0, so nothing cancels. The twin's np.log(z) - np.where(p > 0,
  // p * s, 0.0).sum(). Leaves pi in p (k values; p may alias h).
  double softmax_entropy(const double* h, double* p) const {
    if (k_ == 2) {  // the same operations in registers
      const Two r = softmax2(h[0], h[1]);
      return npy::log(r.z) - entropy_sum2(r, p);
    }
    double z;
    const double sum = softmax_entropy_terms(h, p, z);
    return npy::log(z) - sum;
  }
  // softmax_entropy() but for its log: z into z, pi into p, sum_b pi_b s_b returned (k != 2).
  double softmax_entropy_terms(const double* h, double* p, double& z) const {
    check_finite_preferences(h);
    std::size_t arg = 0;
    for (std::size_t b = 1; b < k_; ++b) arg = h[b] > h[arg] ? b : arg;
    const double m = h[arg];
    Scratch s(k_);
    for (std::size_t b = 0; b < k_; ++b) {
      s[b] = h[b] - m;
      p[b] = b == arg ? 1.0 : npy::exp(s[b]);  // np.exp(0.0) == 1 exactly: one exp fewer
    }
    z = npy::sum(p, k_);
    for (std::size_t b = 0; b < k_; ++b) p[b] /= z;
    const double* sv = s.data();
    return npy::sum_of([p, sv](std::size_t b) { return p[b] > 0.0 ? p[b] * sv[b] : 0.0; }, k_);
  }
  double entropy_of_preferences(const double* h) const {
    Scratch p(k_);
    return softmax_entropy(h, p.data());
  }

  // g += scale * (e_a - p) (x) x   (and the bias part)
  template <class X>
  void add_weighted_rows(X x, const double* p, std::size_t a, double scale,
                         double* g) const {
    if constexpr (std::is_same_v<X, const double*>) {
      if (k_ == 2) {  // the same operations, both rows in one pass over x
        const double c0 = scale * ((a == 0 ? 1.0 : 0.0) - p[0]);
        const double c1 = scale * ((a == 1 ? 1.0 : 0.0) - p[1]);
        double* g1 = g + d_;
        for (std::size_t i = 0; i < d_; ++i) {
          g[i] += c0 * x[i];
          g1[i] += c1 * x[i];
        }
        if (bias_) {
          g[2 * d_] += c0;
          g[2 * d_ + 1] += c1;
        }
        return;
      }
    }
    for (std::size_t b = 0; b < k_; ++b) {
      const double c = scale * ((b == a ? 1.0 : 0.0) - p[b]);
      axpy(c, x, g + b * d_, d_);
      if (bias_) g[k_ * d_ + b] += c;
    }
  }

  std::size_t draw(const double* p, double u) const {
    double c = 0.0;
    for (std::size_t b = 0; b < k_; ++b) {
      c += p[b];
      if (u < c) return b;
    }
    return k_ - 1;
  }

  void check_action(std::size_t a) const {
    if (a >= k_) {
      throw std::out_of_range("action " + std::to_string(a) + " is out of range for " +
                              std::to_string(k_) + " actions");
    }
  }

 private:
  // Two actions, the general code's operations one by one on values held in registers:
  // the general loops' vector loads of h and p just after their scalar stores stall on
  // store-to-load forwarding, which cost more than the arithmetic (perf). Same bits:
  // all_finite's sum, the argmax's tie rule (the first), exp(0) = 1 for the larger
  // preference, npy::sum_of's -0.0-started sum (n < 8) plus 0.0, then the divisions.
  struct Two {
    double s0, s1, z, p0, p1;
  };
  // softmax_entropy's last steps for two actions but its log: pi into p, sum_b pi_b s_b
  // returned.
  static PGFAST_ALWAYS_INLINE double entropy_sum2(const Two& r, double* p) {
    const double t0 = r.p0 > 0.0 ? r.p0 * r.s0 : 0.0, t1 = r.p1 > 0.0 ? r.p1 * r.s1 : 0.0;
    p[0] = r.p0;
    p[1] = r.p1;
    return 0.0 + ((-0.0 + t0) + t1);  // npy::sum_of of two terms
  }
  PGFAST_ALWAYS_INLINE Two softmax2(double h0, double h1) const {
    double acc = 0.0;
    acc += h0 * 0.0;
    acc += h1 * 0.0;
    if (!(acc == 0.0)) {
      throw std::invalid_argument(
          "action preferences are not finite (parameters or features too large)");
    }
    const bool one = h1 > h0;
    const double m = one ? h1 : h0;
    Two r;
    r.s0 = h0 - m;
    r.s1 = h1 - m;
    const double e0 = one ? npy::exp(r.s0) : 1.0, e1 = one ? 1.0 : npy::exp(r.s1);
    r.z = 0.0 + ((-0.0 + e0) + e1);
    r.p0 = e0 / r.z;
    r.p1 = e1 / r.z;
    return r;
  }

  void check_finite_preferences(const double* h) const {
    if (!all_finite(h, k_)) {
      throw std::invalid_argument(
          "action preferences are not finite (parameters or features too large)");
    }
  }

  std::size_t d_, k_;
  bool bias_;
  std::size_t n_params_;
  std::vector<double> params_;
};

}  // namespace pgfast
