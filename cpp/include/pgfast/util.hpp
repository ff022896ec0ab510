// Small helpers shared by the core: checked sizes, a stack-first scratch buffer
// and the random-number interface. No Python, no NumPy.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "numpy_math.hpp"

namespace pgfast {

// Largest parameter/feature count accepted: far beyond any linear policy that
// fits in memory, small enough that every product below stays exact.
constexpr std::size_t kMaxSize = std::size_t{1} << 40;

// a * b, or std::invalid_argument naming `what` when the product is too large.
inline std::size_t checked_mul(std::size_t a, std::size_t b, const char* what) {
  if (a != 0 && b > kMaxSize / a) {
    throw std::invalid_argument(std::string(what) + " is too large (" + std::to_string(a) +
                                " x " + std::to_string(b) + " would overflow)");
  }
  return a * b;
}

inline void require_positive(std::size_t n, const char* what) {
  if (n == 0) throw std::invalid_argument(std::string(what) + " must be >= 1, got 0");
  if (n > kMaxSize) throw std::invalid_argument(std::string(what) + " is too large");
}

// Scratch space of n doubles: on the stack when small (the per-step case),
// on the heap otherwise. Keeps const methods thread-safe without per-call
// allocation for ordinary sizes.
class Scratch {
 public:
  explicit Scratch(std::size_t n) {
    if (n > kStack) {
      heap_ = std::make_unique<double[]>(n);
      data_ = heap_.get();
    } else {
      data_ = stack_.data();
    }
  }
  double* data() { return data_; }
  double& operator[](std::size_t i) { return data_[i]; }

 private:
  static constexpr std::size_t kStack = 64;
  std::array<double, kStack> stack_;  // not zeroed: every user writes before it reads
  std::unique_ptr<double[]> heap_;
  double* data_;
};

// The source of every random draw. The Python bindings implement it over a
// numpy.random.Generator's BitGenerator, so the C++ core and the NumPy
// reference consume the same stream.
class RandomSource {
 public:
  virtual ~RandomSource() = default;
  // Uniform on [0, 1): the draw of Generator.random().
  virtual double uniform() = 0;
  // Standard normal: the draw of Generator.standard_normal().
  virtual double standard_normal() = 0;
};

inline bool all_finite(const double* x, std::size_t n) {
  // Sum of x*0 is NaN iff some element is inf or NaN; branch-free and vectorisable.
  double acc = 0.0;
  for (std::size_t i = 0; i < n; ++i) acc += x[i] * 0.0;
  return acc == 0.0;
}

// a . b as the NumPy twin writes it, np.sum(a * b): products, then NumPy's pairwise sum
// (bit-identical; see numpy_math.hpp).
PGFAST_ALWAYS_INLINE double dot(const double* a, const double* b, std::size_t n) { return npy::dot(a, b, n); }

// v.insert(v.end(), src, src + n) for the few values of a step (a feature row, an
// action): one capacity check and store a value, instead of the range insert's memmove.
template <class T>
inline void append(std::vector<T>& v, const T* src, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) v.push_back(src[i]);
}

// y += alpha * x
inline void axpy(double alpha, const double* x, double* y, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) y[i] += alpha * x[i];
}

// A sparse binary feature vector: the indices of its entries equal to 1 (tile coding,
// S&B §9.5.4), sorted ascending and distinct (tiling t's tile lies in the t-th block). Kernels templated on the feature type take it wherever they take a dense
// `const double*`, and touch only the active entries.
struct Active {
  const std::uint32_t* idx;
  std::size_t n;
};

// w . x for binary x of length n: bit-identical to dot() of the dense 0/1 vector, i.e. to
// np.sum(w * x) (the dense pairwise tree, visiting only the active entries).
inline double dot(const double* w, Active x, std::size_t n) {
  const std::uint32_t* idx = x.idx;
  return npy::sparse_sum_of(idx, x.n, [w, idx](std::size_t q) { return w[idx[q]]; }, n);
}

inline void axpy(double alpha, Active x, double* y, std::size_t /*n*/) {
  for (std::size_t i = 0; i < x.n; ++i) y[x.idx[i]] += alpha;
}

}  // namespace pgfast
