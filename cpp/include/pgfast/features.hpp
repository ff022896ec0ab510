// Linear feature maps x(s) of Sutton & Barto, 2nd ed., §9.5: identity, polynomials
// (§9.5.1), the Fourier basis (§9.5.2), radial basis functions (§9.5.5) and tile coding
// (§9.5.4). Each maps an input vector s of n_inputs values to n_features values; tile
// coding is sparse: it yields the indices of its n_tilings active (= 1) features.
//
// Enumeration orders (the NumPy twin in pgfast.reference uses the same):
// - exponent / coefficient vectors c in {0..n}^k are listed like itertools.product:
//   the LAST input varies fastest;
// - uncoupled vectors: c = 0 first, then for input j = 0..k-1, for p = 1..n: p e_j.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "feature_map.hpp"
#include "util.hpp"

namespace pgfast {

// Largest feature count a map may have: x(s) of one state is a dense row of doubles
// (and a policy holds n_actions such rows of parameters), so counts past this are a
// clear error before anything is allocated.
constexpr std::size_t kMaxFeatures = std::size_t{1} << 26;
// Largest feature count of a map that expands its inputs into a dense x(s) (Polynomial,
// Fourier, RBF): every step computes all of it and REINFORCE stores it (8 MiB a step at
// this limit), so a larger basis (e.g. a coupled Fourier basis over many inputs:
// (order + 1)^k terms) is a mistake to report, not a run to start.
constexpr std::size_t kMaxDenseFeatures = std::size_t{1} << 20;

namespace detail {

inline std::size_t checked_feature_count(double count, const char* what, std::size_t limit = kMaxFeatures) {
  if (!(count <= static_cast<double>(limit))) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f", count);
    std::string msg = std::string(what) + " would have " + buf + " features, more than the limit of " +
                      std::to_string(limit);
    if (limit == kMaxDenseFeatures) {
      msg += " for a dense basis (x(s) is computed and stored at every step): use fewer inputs, a lower "
             "order or degree, the uncoupled form (Fourier coupled=False, Polynomial interaction=False), "
             "or TileCoding, which is sparse";
    }
    throw std::invalid_argument(msg);
  }
  return static_cast<std::size_t>(count);
}

// Exponent vectors of the full product {0..n}^k (last input fastest) or of the
// uncoupled set {0} U {p e_j}.
inline std::vector<std::uint32_t> exponent_vectors(std::size_t k, std::size_t n, bool coupled,
                                                   const char* what) {
  const std::size_t m =
      coupled ? checked_feature_count(std::pow(static_cast<double>(n + 1), static_cast<double>(k)), what,
                                      kMaxDenseFeatures)
              : checked_feature_count(1.0 + static_cast<double>(k) * static_cast<double>(n), what,
                                      kMaxDenseFeatures);
  std::vector<std::uint32_t> c(m * k, 0);
  if (coupled) {
    for (std::size_t i = 0; i < m; ++i) {
      std::size_t r = i;
      for (std::size_t j = k; j-- > 0;) {
        c[i * k + j] = static_cast<std::uint32_t>(r % (n + 1));
        r /= n + 1;
      }
    }
  } else {
    std::size_t i = 1;
    for (std::size_t j = 0; j < k; ++j)
      for (std::size_t p = 1; p <= n; ++p) c[(i++) * k + j] = static_cast<std::uint32_t>(p);
  }
  return c;
}

inline void check_bounds(const std::vector<double>& low, const std::vector<double>& high, std::size_t n) {
  if (low.size() != n || high.size() != n) {
    throw std::invalid_argument("bounds must have " + std::to_string(n) + " (low, high) pairs, got " +
                                std::to_string(low.size()));
  }
  for (std::size_t j = 0; j < n; ++j) {
    if (!std::isfinite(low[j]) || !std::isfinite(high[j])) {
      throw std::invalid_argument("bounds of input " + std::to_string(j) + " must be finite, got [" +
                                  number_str(low[j]) + ", " + number_str(high[j]) + "]");
    }
    if (!(low[j] < high[j])) {
      throw std::invalid_argument("bounds of input " + std::to_string(j) + " need low < high, got [" +
                                  number_str(low[j]) + ", " + number_str(high[j]) + "]");
    }
  }
}

}  // namespace detail

// A dense map: active() is not defined.
class DenseFeatureMap : public FeatureMap {
 public:
  void active(const double* /*s*/, std::uint32_t* /*idx*/) const override {
    throw std::logic_error("active() is only defined for sparse feature maps");
  }
};

// x(s) = s, followed by a constant 1 when `bias`.
class IdentityFeatures final : public DenseFeatureMap {
 public:
  IdentityFeatures(std::size_t n_inputs, bool bias) : k_(n_inputs), bias_(bias) {
    require_positive(n_inputs, "n_inputs");
    detail::checked_feature_count(static_cast<double>(n_inputs) + 1.0, "Identity");
  }
  std::size_t n_inputs() const override { return k_; }
  std::size_t n_features() const override { return k_ + (bias_ ? 1 : 0); }
  bool bias() const { return bias_; }
  void dense(const double* s, double* x) const override {
    std::copy(s, s + k_, x);
    if (bias_) x[k_] = 1.0;
  }

 private:
  std::size_t k_;
  bool bias_;
};

// Polynomial basis (§9.5.1, eq. 9.17): x_i(s) = prod_j s_j^{c_ij}. With `interaction`,
// c_i runs over {0..degree}^k ((degree+1)^k features, the book's order-n basis); without,
// over 0 and the single-input powers p e_j (1 + k degree features). c = 0 is the constant 1.
class PolynomialFeatures final : public DenseFeatureMap {
 public:
  PolynomialFeatures(std::size_t n_inputs, std::size_t degree, bool interaction)
      : k_(n_inputs), n_(degree), interaction_(interaction) {
    require_positive(n_inputs, "n_inputs");
    c_ = detail::exponent_vectors(k_, n_, interaction_, "Polynomial");
    m_ = c_.size() / k_;
  }
  std::size_t n_inputs() const override { return k_; }
  std::size_t n_features() const override { return m_; }
  std::size_t degree() const { return n_; }
  bool interaction() const { return interaction_; }
  const std::vector<std::uint32_t>& exponents() const { return c_; }

  void dense(const double* s, double* x) const override {
    // Powers s_j^p by repeated multiplication, then one product per feature.
    Scratch pw(k_ * (n_ + 1));
    for (std::size_t j = 0; j < k_; ++j) {
      double* row = pw.data() + j * (n_ + 1);
      row[0] = 1.0;
      for (std::size_t p = 1; p <= n_; ++p) row[p] = row[p - 1] * s[j];
    }
    for (std::size_t i = 0; i < m_; ++i) {
      double v = 1.0;
      for (std::size_t j = 0; j < k_; ++j) v *= pw[j * (n_ + 1) + c_[i * k_ + j]];
      x[i] = v;
    }
  }

 private:
  std::size_t k_, n_, m_ = 0;
  bool interaction_;
  std::vector<std::uint32_t> c_;
};

// Fourier basis (§9.5.2, eq. 9.18): with s scaled to [0, 1]^k by the bounds (and clipped
// there), x_i(s) = cos(pi c_i . s) for c_i in {0..order}^k (`coupled`) or in the
// uncoupled set. kind "full" appends sin(pi c_i . s) for every c_i != 0.
// step_size_scale() is 1/||c_i|| (1 for c = 0): the book's alpha_i = alpha / ||c_i||.
class FourierFeatures final : public DenseFeatureMap {
 public:
  FourierFeatures(std::size_t n_inputs, std::size_t order, std::vector<double> low, std::vector<double> high,
                  bool full, bool coupled)
      : k_(n_inputs), n_(order), full_(full), coupled_(coupled), low_(std::move(low)), high_(std::move(high)) {
    require_positive(n_inputs, "n_inputs");
    detail::check_bounds(low_, high_, k_);
    c_ = detail::exponent_vectors(k_, n_, coupled_, "Fourier");
    nc_ = c_.size() / k_;
    m_ = full_ ? 2 * nc_ - 1 : nc_;
    detail::checked_feature_count(static_cast<double>(m_), "Fourier", kMaxDenseFeatures);
    scale_.resize(m_);
    for (std::size_t i = 0; i < nc_; ++i) {
      double sq = 0.0;
      for (std::size_t j = 0; j < k_; ++j) sq += static_cast<double>(c_[i * k_ + j]) * c_[i * k_ + j];
      scale_[i] = sq > 0.0 ? 1.0 / std::sqrt(sq) : 1.0;
      if (full_ && i > 0) scale_[nc_ + i - 1] = scale_[i];
    }
  }
  std::size_t n_inputs() const override { return k_; }
  std::size_t n_features() const override { return m_; }
  const std::vector<std::uint32_t>& coefficients() const { return c_; }
  const std::vector<double>& step_size_scale() const { return scale_; }

  // cos(pi c.u) and sin(pi c.u) are the real and imaginary parts of prod_j z_j^{c_j} with
  // z_j = exp(i pi u_j): one cos and one sin per input, then complex products (an
  // odometer over c in the order of the coefficients, each feature one product on
  // average), instead of a cos per feature. Agrees with the direct formula to ~1e-15.
  void dense(const double* s, double* x) const override {
    const std::size_t w = n_ + 1;
    Scratch re(k_ * w), im(k_ * w);  // z_j^c for c = 0..n
    for (std::size_t j = 0; j < k_; ++j) {
      const double u = std::clamp((s[j] - low_[j]) / (high_[j] - low_[j]), 0.0, 1.0);
      const double c1 = std::cos(kPi * u), s1 = std::sin(kPi * u);
      double* r = re.data() + j * w;
      double* q = im.data() + j * w;
      r[0] = 1.0, q[0] = 0.0;
      for (std::size_t c = 1; c <= n_; ++c) {
        r[c] = r[c - 1] * c1 - q[c - 1] * s1;
        q[c] = r[c - 1] * s1 + q[c - 1] * c1;
      }
    }
    auto put = [&](std::size_t i, double cr, double ci) {
      x[i] = cr;
      if (full_ && i > 0) x[nc_ + i - 1] = ci;
    };
    if (!coupled_) {
      put(0, 1.0, 0.0);
      std::size_t i = 1;
      for (std::size_t j = 0; j < k_; ++j)
        for (std::size_t c = 1; c <= n_; ++c, ++i) put(i, re[j * w + c], im[j * w + c]);
      return;
    }
    // Odometer over (c_0..c_{k-2}), last input fastest; pr/pim[j] = prod_{m<j} z_m^{c_m}.
    // For each prefix the n+1 values of the last input are independent products.
    const std::size_t last = k_ - 1;
    Scratch digit_(k_), pr(k_), pim(k_);  // digits as exact small doubles: no heap
    double* digit = digit_.data();
    std::fill(digit, digit + k_, 0.0);
    pr[0] = 1.0, pim[0] = 0.0;
    for (std::size_t j = 0; j < last; ++j) pr[j + 1] = pr[j], pim[j + 1] = pim[j];
    const double* zr = re.data() + last * w;
    const double* zi = im.data() + last * w;
    for (std::size_t base = 0;;) {
      const double a = pr[last], b = pim[last];
      for (std::size_t c = 0; c <= n_; ++c) put(base + c, a * zr[c] - b * zi[c], a * zi[c] + b * zr[c]);
      base += w;
      if (base == nc_) break;
      std::size_t j = last - 1;
      while (digit[j] == static_cast<double>(n_)) digit[j--] = 0.0;
      digit[j] += 1.0;
      for (std::size_t m = j; m < last; ++m) {
        const auto c = static_cast<std::size_t>(digit[m]);
        const double yr = re[m * w + c], yi = im[m * w + c];
        pr[m + 1] = pr[m] * yr - pim[m] * yi;
        pim[m + 1] = pr[m] * yi + pim[m] * yr;
      }
    }
  }

 private:
  static constexpr double kPi = 3.14159265358979323846;
  std::size_t k_, n_, nc_ = 0, m_ = 0;
  bool full_, coupled_;
  std::vector<double> low_, high_;
  std::vector<std::uint32_t> c_;
  std::vector<double> scale_;
};

// Radial basis functions (§9.5.5, eq. 9.19): x_i(s) = exp(-||s - c_i||^2 / (2 sigma_i^2)).
class RBFFeatures final : public DenseFeatureMap {
 public:
  // centers: n_centers x n_inputs, row-major; widths: n_centers values sigma_i > 0.
  RBFFeatures(std::size_t n_inputs, std::vector<double> centers, std::vector<double> widths)
      : k_(n_inputs), centers_(std::move(centers)), widths_(std::move(widths)) {
    require_positive(n_inputs, "n_inputs");
    if (widths_.empty()) throw std::invalid_argument("RBF needs at least one center");
    detail::checked_feature_count(static_cast<double>(widths_.size()), "RBF", kMaxDenseFeatures);
    if (centers_.size() != widths_.size() * k_) {
      throw std::invalid_argument("centers must have shape (" + std::to_string(widths_.size()) + ", " +
                                  std::to_string(k_) + ")");
    }
    if (!all_finite(centers_.data(), centers_.size())) throw std::invalid_argument("centers contain NaN or inf");
    for (double w : widths_) {
      if (!(std::isfinite(w) && w > 0.0)) throw std::invalid_argument("widths must be finite and > 0");
    }
    inv2s2_.resize(widths_.size());
    for (std::size_t i = 0; i < widths_.size(); ++i) inv2s2_[i] = 1.0 / (2.0 * widths_[i] * widths_[i]);
  }
  std::size_t n_inputs() const override { return k_; }
  std::size_t n_features() const override { return widths_.size(); }
  const std::vector<double>& centers() const { return centers_; }
  const std::vector<double>& widths() const { return widths_; }

  void dense(const double* s, double* x) const override {
    const std::size_t m = widths_.size();
    for (std::size_t i = 0; i < m; ++i) {
      const double* c = centers_.data() + i * k_;
      double sq = 0.0;
      for (std::size_t j = 0; j < k_; ++j) {
        const double diff = s[j] - c[j];
        sq += diff * diff;
      }
      x[i] = std::exp(-sq * inv2s2_[i]);
    }
  }

 private:
  std::size_t k_;
  std::vector<double> centers_, widths_, inv2s2_;
};

// Tile coding (§9.5.4): n_tilings grids over the box [low, high], each with
// tiles_per_dim[j] tiles of width w_j = (high_j - low_j) / tiles_per_dim[j] along input j
// (plus one tile per input, so that the offset grids still cover the box). Tiling t is
// displaced by ((t * d_j) mod n_tilings) / n_tilings of a tile width along input j, with
// d = (1, 3, 5, ...) ("asymmetric", the book's recommendation) or d = (1, 1, ...)
// ("uniform"). Inputs outside the box are clipped onto it. Every input has exactly one
// active tile per tiling; index = t * tiles_per_tiling + (row-major tile coordinates).
class TileCodingFeatures final : public FeatureMap {
 public:
  TileCodingFeatures(std::size_t n_inputs, std::size_t n_tilings, std::vector<std::size_t> tiles_per_dim,
                     std::vector<double> low, std::vector<double> high, bool asymmetric)
      : k_(n_inputs), nt_(n_tilings), tiles_(std::move(tiles_per_dim)), low_(std::move(low)),
        high_(std::move(high)), asymmetric_(asymmetric) {
    require_positive(n_inputs, "n_inputs");
    require_positive(n_tilings, "n_tilings");
    detail::check_bounds(low_, high_, k_);
    if (tiles_.size() != k_) {
      throw std::invalid_argument("tiles_per_dim must have " + std::to_string(k_) + " entries");
    }
    double per = 1.0;
    for (std::size_t j = 0; j < k_; ++j) {
      if (tiles_[j] < 1) throw std::invalid_argument("tiles_per_dim must be >= 1");
      per *= static_cast<double>(tiles_[j]) + 1.0;
    }
    const double total = per * static_cast<double>(nt_);
    // Indices are uint32; the policy's parameters (n_actions rows of n_features) are the
    // real memory bound, checked when the policy is made.
    if (!(total <= static_cast<double>(std::numeric_limits<std::uint32_t>::max()))) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.0f", total);
      throw std::invalid_argument(std::string("TileCoding would have ") + buf +
                                  " tiles, more than the limit of 2^32 - 1");
    }
    per_tiling_ = static_cast<std::size_t>(per);
    m_ = static_cast<std::size_t>(total);
    scale_.resize(k_);
    for (std::size_t j = 0; j < k_; ++j) scale_[j] = static_cast<double>(tiles_[j]) / (high_[j] - low_[j]);
    stride_.assign(k_, 1);
    for (std::size_t j = k_ - 1; j-- > 0;) stride_[j] = stride_[j + 1] * (tiles_[j + 1] + 1);
    offset_.resize(nt_ * k_);
    for (std::size_t t = 0; t < nt_; ++t) {
      for (std::size_t j = 0; j < k_; ++j) {
        const std::size_t d = asymmetric_ ? 2 * j + 1 : 1;
        offset_[t * k_ + j] = static_cast<double>((t * d) % nt_) / static_cast<double>(nt_);
      }
    }
  }
  std::size_t n_inputs() const override { return k_; }
  std::size_t n_features() const override { return m_; }
  bool sparse() const override { return true; }
  std::size_t n_active() const override { return nt_; }
  std::size_t n_tilings() const { return nt_; }
  const std::vector<std::size_t>& tiles_per_dim() const { return tiles_; }
  bool asymmetric() const { return asymmetric_; }

  void active(const double* s, std::uint32_t* idx) const override {
    Scratch u(k_);
    for (std::size_t j = 0; j < k_; ++j) {
      u[j] = std::clamp((s[j] - low_[j]) * scale_[j], 0.0, static_cast<double>(tiles_[j]));
    }
    for (std::size_t t = 0; t < nt_; ++t) {
      std::size_t i = t * per_tiling_;
      for (std::size_t j = 0; j < k_; ++j) {
        const auto q = static_cast<std::size_t>(std::floor(u[j] + offset_[t * k_ + j]));
        i += std::min(q, tiles_[j]) * stride_[j];
      }
      idx[t] = static_cast<std::uint32_t>(i);
    }
  }
  void dense(const double* s, double* x) const override {
    std::fill(x, x + m_, 0.0);
    std::vector<std::uint32_t> idx(nt_);
    active(s, idx.data());
    for (std::uint32_t i : idx) x[i] = 1.0;
  }

 private:
  std::size_t k_, nt_;
  std::vector<std::size_t> tiles_;
  std::vector<double> low_, high_;
  bool asymmetric_;
  std::size_t per_tiling_ = 0, m_ = 0;
  std::vector<double> scale_, offset_;
  std::vector<std::size_t> stride_;
};

}  // namespace pgfast
