// Small helpers shared by the core: checked sizes, a stack-first scratch buffer
// and the random-number interface. No Python, no NumPy.
#pragma once

#include <array>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "numpy_math.hpp"

#if defined(_WIN32)
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>
#else
#include <unistd.h>
#endif

// Marks a function that runs rarely (an error path): kept out of line, so that it does
// not weigh on the inlining of the per-step code that calls it.
#if defined(__GNUC__) || defined(__clang__)
#define PGFAST_COLD __attribute__((cold, noinline))
#else
#define PGFAST_COLD
#endif

namespace pgfast {

// Thrown when a run would hold more memory than the machine has (Python: MemoryError):
// a clear error instead of the operating system killing the process.
class MemoryLimitError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Bytes of memory this process may use (0 when the platform does not say): the
// physical memory, or a Linux control group's limit (a container's) when lower.
inline double memory_limit_bytes() {
  double bytes = 0.0;
#if defined(_WIN32)
  MEMORYSTATUSEX st;
  st.dwLength = sizeof(st);
  if (GlobalMemoryStatusEx(&st)) bytes = static_cast<double>(st.ullTotalPhys);
#elif defined(_SC_PHYS_PAGES) && defined(_SC_PAGESIZE)
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page = sysconf(_SC_PAGESIZE);
  if (pages > 0 && page > 0) bytes = static_cast<double>(pages) * static_cast<double>(page);
#endif
#if defined(__linux__)
  for (const char* path : {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
    std::ifstream f(path);
    double limit = 0.0;
    if (f >> limit && limit > 0.0 && (bytes == 0.0 || limit < bytes)) bytes = limit;  // "max" reads as nothing
  }
#endif
  return bytes;
}

namespace detail {
inline std::atomic<double>& memory_budget() {
  static std::atomic<double> budget{[] {
    const double limit = memory_limit_bytes();
    return limit > 0.0 ? limit / 2.0 : std::numeric_limits<double>::infinity();
  }()};
  return budget;
}
}  // namespace detail

// What one policy or one learner's recorded episodes may hold: half the memory limit
// (unlimited when unknown). set_memory_budget changes it (pgfast._core.set_memory_budget).
inline double memory_budget_bytes() { return detail::memory_budget().load(std::memory_order_relaxed); }
inline void set_memory_budget(double bytes) {
  if (!(bytes > 0.0)) throw std::invalid_argument("bytes must be > 0");
  detail::memory_budget().store(bytes, std::memory_order_relaxed);
}

// A double for messages, in the fewest digits that read back as the same double: "16"
// for a whole number (not std::to_string's "16.000000"), "2.5", "0.1", "1e+300", "inf".
PGFAST_COLD inline std::string number_str(double v) {
  if (std::isfinite(v) && v == std::trunc(v) && std::fabs(v) < 9.0e15)
    return std::to_string(static_cast<long long>(v));
  char buf[40];
  for (int digits = 1; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, v);
    if (!std::isfinite(v) || std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

// "5.1 GiB" (or MiB below one GiB), for messages.
inline std::string format_bytes(double bytes) {
  const bool gib = bytes >= 1024.0 * 1024.0 * 1024.0;
  const double v = bytes / (gib ? 1024.0 * 1024.0 * 1024.0 : 1024.0 * 1024.0);
  const long tenths = std::lround(v * 10.0);
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + (gib ? " GiB" : " MiB");
}

// "pgfast's memory budget (12.0 GiB, ...)", for messages.
inline std::string memory_budget_text() {
  return "pgfast's memory budget (" + format_bytes(memory_budget_bytes()) +
         "; by default half of this machine's memory, set by pgfast.set_memory_budget)";
}

// Throws std::invalid_argument when `bytes` exceed the memory budget; `what` says what
// would hold them.
inline void check_memory(double bytes, const std::string& what) {
  if (bytes > memory_budget_bytes()) {
    throw std::invalid_argument(what + " would need about " + format_bytes(bytes) + ", more than " +
                                memory_budget_text());
  }
}

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
