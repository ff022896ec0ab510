// NumPy's float64 arithmetic reproduced bit for bit, so that the C++ core and the NumPy
// twin (pgfast.reference) compute identical numbers:
//
//   npy::sum(a, n)      == np.add.reduce(a) of a contiguous float64 array: NumPy's pairwise
//                          summation (numpy/_core/src/umath/loops_utils.h.src, pairwise_sum)
//                          added to the reduction's initial 0.0.
//   npy::dot(w, x, n)   == np.sum(w * x)  (elementwise products, then npy::sum); for
//                          sparse binary features (sparse_sum_of) the same value, from
//                          the active entries only.
//   npy::exp(x), log(x) == np.exp(x), np.log(x) elementwise on float64 arrays.
//
// np.exp/np.log of float64 are not libm's on every machine. NumPy's x86-64 Linux builds
// link Intel's SVML and, on CPUs with AVX512_SKX, run __svml_exp8_ha / __svml_log8_ha
// (numpy/_core/src/umath/loops_exponent_log.dispatch.c.src); elsewhere they call libm.
// kSvmlAvx512 below is a scalar port of those two SVML kernels: the same constants and
// tables, the same operations in the same order (each vfmadd is a std::fma, which is exact;
// -ffp-contract=off keeps every other product and sum separately rounded). Every lane
// of the SVML kernels is computed independently, so the value does not depend on the
// length of the array or the position in it. The Python layer (pgfast.reference) decides
// at import which variant matches the installed NumPy and sets it with set_mode().
//
// NumPy's AVX512F-only float64 exp/log (Tang's table methods, used by builds without SVML)
// are not ported: no NumPy here runs them; on such a platform the probe finds neither
// variant, the core uses libm and pgfast warns. NumPy's float32 sin/cos (the classic-control
// environments) live in envs/numpy_math.hpp.
//
// No Python, no NumPy headers.
#pragma once

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>

#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define PGFAST_NPY_HAVE_AVX512_RCP14 1
// The SVML port runs only on CPUs with AVX-512F and FMA (svml_available()): compiled for
// them, each std::fma is one vfmadd instruction instead of a call to libm's fma(). The
// value is the same either way (fma is exact); -ffp-contract=off still forbids fusing
// any other product and sum.
#define PGFAST_NPY_SVML_TARGET __attribute__((target("avx512f,fma")))
#else
#define PGFAST_NPY_HAVE_AVX512_RCP14 0
#define PGFAST_NPY_SVML_TARGET
#endif

// Inlined even inside the fused loop's large bodies, where GCC's size limits otherwise
// leave per-step helpers (a dot product of 4, a two-action softmax) as calls.
#if defined(__GNUC__) || defined(__clang__)
#define PGFAST_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define PGFAST_ALWAYS_INLINE inline
#endif

namespace pgfast::npy {

// ---------------------------------------------------------------- summation

namespace detail {

// NumPy's DOUBLE_pairwise_sum over a[0..n) (a contiguous): fewer than 8 values are added
// in order to -0.0; up to 128 values go to 8 accumulators combined as
// ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7)), then the rest in order; longer
// blocks are split at n2 = n / 2 rounded down to a multiple of 8 and the halves added.
// `at(i)` returns the i-th value (a plain load, a product, a gathered weight).
template <class At>
inline double pairwise_sum(At at, std::size_t lo, std::size_t n) {
  if (n < 8) {
    double res = -0.0;
    for (std::size_t i = 0; i < n; ++i) res += at(lo + i);
    return res;
  }
  if (n <= 128) {
    double r[8];
    for (std::size_t j = 0; j < 8; ++j) r[j] = at(lo + j);
    std::size_t i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (std::size_t j = 0; j < 8; ++j) r[j] += at(lo + i + j);
    }
    double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) res += at(lo + i);
    return res;
  }
  std::size_t n2 = n / 2;
  n2 -= n2 % 8;
  return pairwise_sum(at, lo, n2) + pairwise_sum(at, lo + n2, n - n2);
}

}  // namespace detail

// np.add.reduce of the n values at(0), ..., at(n - 1) (each called once, in order of
// the pairwise tree): the reduction starts from the identity 0.0 and adds the pairwise
// sum (so a sum of -0.0 values is +0.0, as NumPy's).
template <class At>
PGFAST_ALWAYS_INLINE double sum_of(At at, std::size_t n) {
  if (n < 8) {  // pairwise_sum's first case, here so that short sums (per-step) inline
    double res = -0.0;
    for (std::size_t i = 0; i < n; ++i) res += at(i);
    return 0.0 + res;
  }
  return 0.0 + detail::pairwise_sum(at, 0, n);
}

// np.add.reduce(a) (== a.sum(), np.sum(a)) for a contiguous float64 array of n values.
inline double sum(const double* a, std::size_t n) {
  return sum_of([a](std::size_t i) { return a[i]; }, n);
}

// np.sum(w * x): the products rounded one by one, then summed as sum() does.
PGFAST_ALWAYS_INLINE double dot(const double* w, const double* x, std::size_t n) {
  return sum_of([w, x](std::size_t i) { return w[i] * x[i]; }, n);
}

namespace detail {
// pairwise_sum of a length-n vector that is zero (+0.0 or -0.0) except at the sorted,
// distinct positions idx[0..k) (all in [lo, lo + n)), where it is val(q) for the q-th of
// them. Adding a zero leaves a partial sum unchanged except possibly the sign of a zero
// partial sum, and a zero of either sign added to (or by) a nonzero value gives that value;
// so skipping the zero terms changes at most the sign of a zero result, which sum_of's
// final 0.0 + res erases. Each block visits only its nonzero entries: O(k log n) instead of
// O(n), with the bits of the dense sum (when every val(q) and the result are finite).
template <class Index, class Val>
inline double sparse_pairwise_sum(const Index* idx, Val val, std::size_t q0, std::size_t k,
                                  std::size_t lo, std::size_t n) {
  if (k == 0) return n == 0 ? -0.0 : 0.0;
  // One nonzero entry: every partial sum of the dense block is it or a zero, so the block
  // sums to it (a zero entry's sign aside, which sum_of's leading 0.0 + makes +0.0). This
  // stops the descent once the entries are apart: O(k log k) instead of O(k log n).
  if (k == 1) return val(q0);
  // One nonzero term among zeros: every partial sum is a zero or that term.
  if (k == 1) return val(q0);
  if (n < 8) {
    double res = -0.0;
    for (std::size_t q = q0; q < q0 + k; ++q) res += val(q);
    return n > k ? res + 0.0 : res;
  }
  if (n <= 128) {
    double r[8] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
    const std::size_t main_end = lo + (n - n % 8);
    std::size_t q = q0;
    for (; q < q0 + k && static_cast<std::size_t>(idx[q]) < main_end; ++q) {
      r[(static_cast<std::size_t>(idx[q]) - lo) % 8] += val(q);
    }
    double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; q < q0 + k; ++q) res += val(q);
    return res;
  }
  std::size_t n2 = n / 2;
  n2 -= n2 % 8;
  const Index* first = idx + q0;  // entries in the first half: those below lo + n2
  const auto k1 = static_cast<std::size_t>(
      std::partition_point(first, first + k, [lo, n2](Index i) { return static_cast<std::size_t>(i) < lo + n2; }) -
      first);
  return sparse_pairwise_sum(idx, val, q0, k1, lo, n2) +
         sparse_pairwise_sum(idx, val, q0 + k1, k - k1, lo + n2, n - n2);
}
}  // namespace detail

// np.add.reduce of a length-n vector that is zero outside the sorted, distinct indices
// idx: the dense pairwise sum's bits, visiting only the n_idx entries. `val(q)` is the
// vector's value at idx[q] (e.g. g[idx[q]] * g[idx[q]], or w[idx[q]] * 1.0 for the dot
// product with a binary feature vector).
template <class Index, class Val>
inline double sparse_sum_of(const Index* idx, std::size_t n_idx, Val val, std::size_t n) {
  return 0.0 + detail::sparse_pairwise_sum(idx, val, 0, n_idx, 0, n);
}

// ---------------------------------------------------------------- exp / log

enum class Mode : int { kLibm = 0, kSvmlAvx512 = 1 };

namespace detail {
inline std::atomic<int>& mode_flag() {
  static std::atomic<int> flag{static_cast<int>(Mode::kLibm)};
  return flag;
}

inline double from_bits(std::uint64_t u) {
  double d;
  std::memcpy(&d, &u, sizeof d);
  return d;
}
inline std::uint64_t to_bits(double d) {
  std::uint64_t u;
  std::memcpy(&u, &d, sizeof u);
  return u;
}
}  // namespace detail

inline Mode mode() { return static_cast<Mode>(detail::mode_flag().load(std::memory_order_relaxed)); }
inline void set_mode(Mode m) { detail::mode_flag().store(static_cast<int>(m), std::memory_order_relaxed); }

// Whether the SVML variant can run here (it needs the AVX-512 instruction vrcp14sd, which
// has no exact portable equivalent).
inline bool svml_available() {
#if PGFAST_NPY_HAVE_AVX512_RCP14
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

namespace svml {

// __svml_exp8_ha. exp(x) = 2^(k/16) * 2^(j/16) * (1 + p(r)), k/16 + j/16 = x / ln 2 rounded
// toward zero to 1/16, r = x - (k + j/16) ln 2 in two parts; |x| >= 707.7, inf and NaN
// take the scalar "rare" path (__svml_dexp_ha_cout_rare_internal, a 64-entry table).
// clang-format off
constexpr double kExpTop[16] = {
    0x1.0000000000000p+0, 0x1.0b5586cf9890fp+0, 0x1.172b83c7d517bp+0, 0x1.2387a6e756238p+0,
    0x1.306fe0a31b715p+0, 0x1.3dea64c123422p+0, 0x1.4bfdad5362a27p+0, 0x1.5ab07dd485429p+0,
    0x1.6a09e667f3bcdp+0, 0x1.7a11473eb0187p+0, 0x1.8ace5422aa0dbp+0, 0x1.9c49182a3f090p+0,
    0x1.ae89f995ad3adp+0, 0x1.c199bdd85529cp+0, 0x1.d5818dcfba487p+0, 0x1.ea4afa2a490dap+0};
constexpr double kExpTail[16] = {
    0x0.0p+0, 0x1.79aa65d837b6dp-54, -0x1.01b15eaa59348p-55, 0x1.68efde3a8a894p-54,
    0x1.34d754db0abb6p-55, 0x1.59f48a72a4c6dp-55, 0x1.690cebb7aafb0p-56, 0x1.063e1e21c5409p-54,
    -0x1.3b3efbf5e2228p-54, -0x1.b32dcb94da51dp-56, 0x1.db72fc1f0eab4p-55, 0x1.1affc2b91ce27p-56,
    0x1.c1a7792cb3387p-55, 0x1.36eae30af0cb3p-56, 0x1.4a385a63d07a7p-56, -0x1.ff7128fd391f0p-55};
// The rare path's table: (2^(j/64) rounded, its tail) for j = 0..63.
constexpr double kExpRare[128] = {
    0x1.0000000000000p+0, 0x0.0p+0, 0x1.02c9a3e778061p+0, -0x1.160139cd8dc5dp-56,
    0x1.059b0d3158574p+0, 0x1.cd2523567f613p-55, 0x1.0874518759bc8p+0, 0x1.0f74e61e6c861p-57,
    0x1.0b5586cf9890fp+0, 0x1.79aa65d837b6dp-54, 0x1.0e3ec32d3d1a2p+0, 0x1.ebe3d702f9cd1p-60,
    0x1.11301d0125b51p+0, -0x1.556522a2fbd0ep-54, 0x1.1429aaea92de0p+0, -0x1.1c923b9d5f416p-54,
    0x1.172b83c7d517bp+0, -0x1.01b15eaa59348p-55, 0x1.1a35beb6fcb75p+0, 0x1.b898c3f1353bfp-55,
    0x1.1d4873168b9aap+0, 0x1.aecf73e3a2f60p-54, 0x1.2063b88628cd6p+0, 0x1.a6f4144a6c38dp-55,
    0x1.2387a6e756238p+0, 0x1.68efde3a8a894p-54, 0x1.26b4565e27cddp+0, 0x1.0472b981fe7f2p-55,
    0x1.29e9df51fdee1p+0, 0x1.2f7e16d09ab31p-55, 0x1.2d285a6e4030bp+0, 0x1.b3782720c0ab4p-55,
    0x1.306fe0a31b715p+0, 0x1.34d754db0abb6p-55, 0x1.33c08b26416ffp+0, 0x1.fdd395dd3f84ap-55,
    0x1.371a7373aa9cbp+0, -0x1.24aedcc4b5068p-54, 0x1.3a7db34e59ff7p+0, -0x1.1d1e83e9436d2p-56,
    0x1.3dea64c123422p+0, 0x1.59f48a72a4c6dp-55, 0x1.4160a21f72e2ap+0, -0x1.8a78f4817895bp-58,
    0x1.44e086061892dp+0, 0x1.363ed60c2ac11p-59, 0x1.486a2b5c13cd0p+0, 0x1.ecce1daa10379p-57,
    0x1.4bfdad5362a27p+0, 0x1.690cebb7aafb0p-56, 0x1.4f9b2769d2ca7p+0, -0x1.f94340071a38ep-55,
    0x1.5342b569d4f82p+0, -0x1.8dec6bd0f385fp-56, 0x1.56f4736b527dap+0, 0x1.3350518fdd78ep-54,
    0x1.5ab07dd485429p+0, 0x1.063e1e21c5409p-54, 0x1.5e76f15ad2148p+0, 0x1.432e62b64c035p-54,
    0x1.6247eb03a5585p+0, -0x1.c33c53bef4da8p-55, 0x1.6623882552225p+0, -0x1.3cedd78565858p-54,
    0x1.6a09e667f3bcdp+0, -0x1.3b3efbf5e2228p-54, 0x1.6dfb23c651a2fp+0, -0x1.367efb86da9eep-57,
    0x1.71f75e8ec5f74p+0, -0x1.81f647e5a3ecfp-56, 0x1.75feb564267c9p+0, -0x1.619321e55e68ap-55,
    0x1.7a11473eb0187p+0, -0x1.b32dcb94da51dp-56, 0x1.7e2f336cf4e62p+0, 0x1.5ebe1abd66c55p-57,
    0x1.82589994cce13p+0, -0x1.369b6f13b3734p-54, 0x1.868d99b4492edp+0, -0x1.4d450d872576ep-54,
    0x1.8ace5422aa0dbp+0, 0x1.db72fc1f0eab4p-55, 0x1.8f1ae99157736p+0, 0x1.bf68359f35f44p-56,
    0x1.93737b0cdc5e5p+0, -0x1.da9b88b6c1e29p-58, 0x1.97d829fde4e50p+0, -0x1.2434322f4f9aap-54,
    0x1.9c49182a3f090p+0, 0x1.1affc2b91ce27p-56, 0x1.a0c667b5de565p+0, -0x1.7c50422622263p-55,
    0x1.a5503b23e255dp+0, -0x1.1bbd1d3bcbb15p-54, 0x1.a9e6b5579fdbfp+0, 0x1.469846e735ab3p-55,
    0x1.ae89f995ad3adp+0, 0x1.c1a7792cb3387p-55, 0x1.b33a2b84f15fbp+0, -0x1.5c3d956dcaebap-58,
    0x1.b7f76f2fb5e47p+0, -0x1.8d6f438ad9334p-57, 0x1.bcc1e904bc1d2p+0, 0x1.4ffd70a5fddcdp-56,
    0x1.c199bdd85529cp+0, 0x1.36eae30af0cb3p-56, 0x1.c67f12e57d14bp+0, 0x1.4e08fd10959acp-55,
    0x1.cb720dcef9069p+0, 0x1.76b2c6c921968p-57, 0x1.d072d4a07897cp+0, -0x1.fad5d3ffffa6fp-55,
    0x1.d5818dcfba487p+0, 0x1.4a385a63d07a7p-56, 0x1.da9e603db3285p+0, 0x1.e5a50d5c192acp-55,
    0x1.dfc97337b9b5fp+0, -0x1.2d52107b43e1fp-55, 0x1.e502ee78b3ff6p+0, 0x1.4b604603a88d3p-56,
    0x1.ea4afa2a490dap+0, -0x1.ff7128fd391f0p-55, 0x1.efa1bee615a27p+0, 0x1.ec3bc41aa2008p-55,
    0x1.f50765b6e4540p+0, 0x1.a64a931d185eep-55, 0x1.fa7c1819e90d8p+0, 0x1.7893b4d91cd9dp-56};
// __svml_log8_ha: log(x) = e ln 2 - log(R) + log1p(r), R = 1/m rounded to 1/32 (m the
// mantissa of x in [1, 2)), r = R m - 1; the table holds -log(R) (or -log(2R)) in two parts.
constexpr double kLogHi[16] = {
    0x0.0p+0, -0x1.f0a30c0120000p-5, -0x1.e27076e2b0000p-4, -0x1.5ff3070a78000p-3,
    -0x1.c8ff7c79a8000p-3, -0x1.1675cababc000p-2, -0x1.4618bc21c4000p-2, -0x1.739d7f6bbc000p-2,
    0x1.269621134c000p-2, 0x1.f991c6cb38000p-3, 0x1.a93ed3c8b0000p-3, 0x1.5bf406b540000p-3,
    0x1.1178e82280000p-3, 0x1.9335e5d590000p-4, 0x1.08598b59e0000p-4, 0x1.0415d89e80000p-5};
constexpr double kLogLo[16] = {
    0x0.0p+0, 0x1.3ab33d066d1d2p-42, 0x1.a342c2af0003cp-45, -0x1.3d3c873e20a07p-43,
    -0x1.a21ac25d81ef3p-43, 0x1.9f1fc63382a8fp-42, -0x1.ec27d0b7b37b3p-42, -0x1.0069ce24c53fbp-42,
    0x1.b92783beb7677p-42, 0x1.9bcbecca0cdf3p-42, -0x1.30e486a0ac42dp-42, 0x1.ed8fdc149767ep-42,
    -0x1.b8421cc74be04p-43, 0x1.2622b8757a8fbp-42, 0x1.d034451fecdfbp-43, -0x1.77771fd187145p-42};
// clang-format on

// x * c + s rounded toward zero (vfmadd {rz-sae}), for s = 1.5 * 2^48 and |x * c| < 2^40:
// the nearest-rounded fma r is the answer unless the exact value lies below r.
PGFAST_NPY_SVML_TARGET inline double fma_toward_zero_shifted(double x, double c, double s) {
#if PGFAST_NPY_HAVE_AVX512_RCP14
  // The instruction itself: vfmadd with embedded round-toward-zero.
  static_cast<void>(s);
  return _mm_cvtsd_f64(_mm_fmadd_round_sd(_mm_set_sd(x), _mm_set_sd(c), _mm_set_sd(0x1.8000000003ff0p+48),
                                          _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC));
#else
  const double r = std::fma(x, c, s);
  const double below = std::fma(x, c, -(r - s));  // exact value - r, correctly signed
  // r > 0 and normal: the next double toward zero is one bit pattern down.
  return below < 0.0 ? detail::from_bits(detail::to_bits(r) - 1U) : r;
#endif
}

PGFAST_NPY_SVML_TARGET inline double exp_rare(double x) {
  const std::uint64_t bits = detail::to_bits(x);
  const unsigned e = static_cast<unsigned>(bits >> 52) & 0x7ffU;
  if (e == 0x7ffU) {
    if (x == -std::numeric_limits<double>::infinity()) return 0.0;
    return x * x;  // +inf, NaN
  }
  if (e <= 0x3caU) return 1.0 + x;
  if (x > 0x1.62e42fefa39efp+9) return std::numeric_limits<double>::infinity();
  if (x < -0x1.74910d52d3051p+9) return 0.0;
  const double t = x * 0x1.71547652b82fep+6;
  const double u = t + 0x1.8p+52;
  const auto n = static_cast<std::uint32_t>(detail::to_bits(u));
  const std::uint32_t j = n & 63U;
  const std::uint32_t m = n >> 6;
  const double kd = u - 0x1.8p+52;
  double r = x - kd * 0x1.62e42fefa0000p-7;
  r = r - kd * 0x1.cf79abc9e3b3ap-46;
  double p = 0x1.6c16a1c2a3ffdp-10 * r;
  p = p + 0x1.111123aaf20d3p-7;
  p = p * r;
  p = p + 0x1.5555555558fccp-5;
  p = p * r;
  p = p + 0x1.55555555548f8p-3;
  p = p * r;
  p = p + 0x1.0p-1;
  p = p * r;
  p = p * r;
  p = p + r;
  p = p + kExpRare[2 * j + 1];
  const double top = kExpRare[2 * j];
  p = p * top;
  if (x < -0x1.6232bdd7abcd2p+9) {
    // Subnormal results: scale by 2^(m + 60), add, then scale by 2^-60 (one rounding).
    const std::uint32_t ecx = (m + 0x43bU) & 0x7ffU;
    const double scale = detail::from_bits(static_cast<std::uint64_t>(ecx) << 52);
    const double a = p * scale;
    const double b = top * scale;
    const double s = b + a;
    if (ecx <= 0x32U) return s * 0x1.0p-60;
    const double lo = (b - s) + a;
    const double c = s * 0x1.8p+32;
    const double hh = (s + c) - c;
    const double hl = (s - hh) + lo;
    return hh * 0x1.0p-60 + hl * 0x1.0p-60;
  }
  const std::uint32_t edx = (m + 0x3ffU) & 0x7ffU;
  p = p + top;
  if (edx > 0x7feU) {
    const double scale = detail::from_bits(static_cast<std::uint64_t>((edx - 1U) & 0x7ffU) << 52);
    return p * scale * 2.0;
  }
  return p * detail::from_bits(static_cast<std::uint64_t>(edx) << 52);
}

PGFAST_NPY_SVML_TARGET inline double exp(double x) {
  if (!(std::fabs(x) < 0x1.61da04cbafe44p+9)) {
    if (std::isnan(x)) return x + x;  // the main path gives NaN (scalef of NaN)
    return exp_rare(x);
  }
  const double a = fma_toward_zero_shifted(x, 0x1.71547652b82fep+0, 0x1.8000000003ff0p+48);
  const double kd = a - 0x1.8000000003ff0p+48;
  const std::uint64_t abits = detail::to_bits(a);
  const auto j = static_cast<std::size_t>(abits & 15U);
  double r = std::fma(-kd, 0x1.62e42fefa39efp-1, x);
  r = std::fma(-0x1.abc9e3b39803fp-56, kd, r);
  const double r2 = r * r;
  const double p1 = std::fma(0x1.7411836940c04p-10, r, 0x1.1101cbbc265c0p-7);
  const double p2 = std::fma(0x1.55557242d68fep-5, r, 0x1.5555553939732p-3);
  const double p3 = std::fma(0x1.000000000d008p-1, r, 0x1.fffffffffff70p-1);
  double p = std::fma(r2, p1, p2);
  p = std::fma(r2, p, p3);
  p = std::fma(p, r, kExpTail[j]);
  p = std::fma(kExpTop[j], p, kExpTop[j]);
  // vscalefpd: p * 2^floor(kd). The shifter's low bits hold 16 (floor(kd) + 1023) + j,
  // so bits 4..14 of a are the biased exponent of 2^floor(kd) (in [1, 2046] for
  // |x| < 707.7); the product is exact (the result is normal).
  return p * detail::from_bits(((abits >> 4) & 0x7ffU) << 52);
}

#if PGFAST_NPY_HAVE_AVX512_RCP14
PGFAST_NPY_SVML_TARGET inline double rcp14(double m) {
  return _mm_cvtsd_f64(_mm_rcp14_sd(_mm_set_sd(m), _mm_set_sd(m)));
}
#else
inline double rcp14(double m) { return 1.0 / m; }  // never used: svml_available() is false
#endif

PGFAST_NPY_SVML_TARGET inline double log(double x) {
  // vfpclasspd 0xdf: NaN, +-0, +-inf and negative numbers take the rare path (whose
  // results are the IEEE special values); subnormals take the main path.
  if (!(x > 0.0) || x == std::numeric_limits<double>::infinity()) {
    if (std::isnan(x)) return x + x;
    if (x == 0.0) return -std::numeric_limits<double>::infinity();
    if (x < 0.0) return std::numeric_limits<double>::quiet_NaN();
    return x;  // +inf
  }
  // x = m 2^e with m in [1, 2) (vgetmantpd, vgetexppd); subnormals scaled by 2^64 first.
  std::uint64_t bits = detail::to_bits(x);
  int bias = 1023;
  if ((bits >> 52) == 0U) {
    bits = detail::to_bits(x * 0x1.0p+64);
    bias += 64;
  }
  const double m = detail::from_bits((bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL);
  double e = static_cast<double>(static_cast<int>(bits >> 52) - bias);
  // vrndscalepd imm 0x58: round to a multiple of 2^-5, to nearest even (the shifter
  // 1.5 2^52 rounds a value below 2^51 to an integer, ties to even).
  const double R = ((rcp14(m) * 32.0 + 0x1.8p+52) - 0x1.8p+52) / 32.0;
  const double r = std::fma(R, m, -1.0);
  const auto j = static_cast<std::size_t>((detail::to_bits(R) >> 48) & 15U);
  if (R < 0.75) e = e + 1.0;
  const double q7 = std::fma(0x1.249229cee81efp-3, r, -0x1.55553fb28db06p-3);
  const double q1 = std::fma(0x1.c81cd309d7c70p-4, r, -0x1.007357e93af62p-3);
  const double r2 = r * r;
  const double q9 = std::fma(0x1.9999999cc9f5cp-3, r, -0x1.00000000c05bdp-2);
  double p1 = std::fma(r2, q1, q7);
  const double r4 = r2 * r2;
  const double q8 = std::fma(0x1.5555555555466p-2, r, -0x1.fffffffffffc6p-2);
  const double p2 = std::fma(r2, q9, q8);
  const double a = std::fma(0x1.62e42fefa0000p-1, e, kLogHi[j]);
  p1 = std::fma(r4, p1, p2);
  const double h = a + r;
  const double corr = r - (h - a);
  p1 = std::fma(r2, p1, corr);
  const double b = std::fma(0x1.cf79abc9e0000p-40, e, kLogLo[j]);
  return h + (p1 + b);
}

#if PGFAST_NPY_HAVE_AVX512_RCP14
// log() of 8 lanes at once, as __svml_log8_ha itself runs: the scalar port's operations
// above, lane by lane (each std::fma a vfmadd, every other product and sum rounded on its
// own), for lanes that all take the main path (normal, finite, > 0); returns false,
// leaving out unwritten, when a lane does not (the caller then uses log() per value).
// (The maskz forms with every lane selected are the plain instructions; GCC 12's plain
// intrinsics pass an "undefined" register that trips -Wmaybe-uninitialized.)
PGFAST_NPY_SVML_TARGET inline bool log8(const double* x, double* out) {
  const __m512d vx = _mm512_loadu_pd(x);
  const __mmask8 main = _mm512_cmp_pd_mask(vx, _mm512_set1_pd(0x1.0p-1022), _CMP_GE_OQ) &
                        _mm512_cmp_pd_mask(vx, _mm512_set1_pd(std::numeric_limits<double>::infinity()), _CMP_LT_OQ);
  if (main != 0xff) return false;
  const __m512i bits = _mm512_castpd_si512(vx);
  const __m512d m = _mm512_castsi512_pd(_mm512_or_epi64(_mm512_and_epi64(bits, _mm512_set1_epi64(0x000fffffffffffffLL)),
                                                        _mm512_set1_epi64(0x3ff0000000000000LL)));
  // e = (bits >> 52) - 1023 as a double: the biased exponent k (< 2^11) placed in the
  // mantissa of 2^52 gives 2^52 + k exactly; both subtractions are exact.
  const __m512d k = _mm512_sub_pd(
      _mm512_castsi512_pd(_mm512_or_epi64(_mm512_maskz_srli_epi64(0xff, bits, 52), _mm512_set1_epi64(0x4330000000000000LL))),
      _mm512_set1_pd(0x1.0p+52));
  __m512d e = _mm512_sub_pd(k, _mm512_set1_pd(1023.0));
  const __m512d shifter = _mm512_set1_pd(0x1.8p+52);
  const __m512d R = _mm512_div_pd(
      _mm512_sub_pd(_mm512_add_pd(_mm512_mul_pd(_mm512_maskz_rcp14_pd(0xff, m), _mm512_set1_pd(32.0)), shifter), shifter),
      _mm512_set1_pd(32.0));
  const __m512d r = _mm512_fmadd_pd(R, m, _mm512_set1_pd(-1.0));
  const __m512i j = _mm512_and_epi64(_mm512_maskz_srli_epi64(0xff, _mm512_castpd_si512(R), 48), _mm512_set1_epi64(15));
  e = _mm512_mask_add_pd(e, _mm512_cmp_pd_mask(R, _mm512_set1_pd(0.75), _CMP_LT_OQ), e, _mm512_set1_pd(1.0));
  const __m512d q7 = _mm512_fmadd_pd(_mm512_set1_pd(0x1.249229cee81efp-3), r, _mm512_set1_pd(-0x1.55553fb28db06p-3));
  const __m512d q1 = _mm512_fmadd_pd(_mm512_set1_pd(0x1.c81cd309d7c70p-4), r, _mm512_set1_pd(-0x1.007357e93af62p-3));
  const __m512d r2 = _mm512_mul_pd(r, r);
  const __m512d q9 = _mm512_fmadd_pd(_mm512_set1_pd(0x1.9999999cc9f5cp-3), r, _mm512_set1_pd(-0x1.00000000c05bdp-2));
  __m512d p1 = _mm512_fmadd_pd(r2, q1, q7);
  const __m512d r4 = _mm512_mul_pd(r2, r2);
  const __m512d q8 = _mm512_fmadd_pd(_mm512_set1_pd(0x1.5555555555466p-2), r, _mm512_set1_pd(-0x1.fffffffffffc6p-2));
  const __m512d p2 = _mm512_fmadd_pd(r2, q9, q8);
  const __m512d hi = _mm512_permutex2var_pd(_mm512_loadu_pd(kLogHi), j, _mm512_loadu_pd(kLogHi + 8));
  const __m512d lo = _mm512_permutex2var_pd(_mm512_loadu_pd(kLogLo), j, _mm512_loadu_pd(kLogLo + 8));
  const __m512d a = _mm512_fmadd_pd(_mm512_set1_pd(0x1.62e42fefa0000p-1), e, hi);
  p1 = _mm512_fmadd_pd(r4, p1, p2);
  const __m512d h = _mm512_add_pd(a, r);
  const __m512d corr = _mm512_sub_pd(r, _mm512_sub_pd(h, a));
  p1 = _mm512_fmadd_pd(r2, p1, corr);
  const __m512d b = _mm512_fmadd_pd(_mm512_set1_pd(0x1.cf79abc9e0000p-40), e, lo);
  _mm512_storeu_pd(out, _mm512_add_pd(h, _mm512_add_pd(p1, b)));
  return true;
}
#endif

}  // namespace svml

// np.exp(x) of one float64 as the installed NumPy computes it (see set_mode()).
inline double exp(double x) { return mode() == Mode::kSvmlAvx512 ? svml::exp(x) : std::exp(x); }
// np.log(x) of one float64 as the installed NumPy computes it.
inline double log(double x) { return mode() == Mode::kSvmlAvx512 ? svml::log(x) : std::log(x); }

// out[i] = log(x[i]) for i < n: the values of log(), eight at a time in the SVML mode
// (NumPy's own kernel width) where every lane is an ordinary positive number.
inline void log_array(const double* x, double* out, std::size_t n) {
  std::size_t i = 0;
#if PGFAST_NPY_HAVE_AVX512_RCP14
  if (mode() == Mode::kSvmlAvx512) {
    for (; i + 8 <= n; i += 8) {
      if (!svml::log8(x + i, out + i)) {
        for (std::size_t l = i; l < i + 8; ++l) out[l] = svml::log(x[l]);
      }
    }
  }
#endif
  for (; i < n; ++i) out[i] = log(x[i]);
}

}  // namespace pgfast::npy
