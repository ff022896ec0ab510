// The scalar arithmetic of NumPy and CPython that gymnasium's classic-control code goes
// through, reproduced bit for bit: pow for `x ** 2` on NumPy scalars, the floored
// modulo of `%`, Generator.uniform, and NumPy's own float32 sin/cos (a SIMD algorithm
// that differs from libm's sinf/cosf). No Python, no NumPy headers.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#include "pgfast/util.hpp"

namespace pgfast::envs {

// `x ** 2` on a NumPy float64 scalar calls C pow(x, 2.0), which is not always x * x
// (glibc's pow is within 0.52 ULP, not correctly rounded). The exponent is read through
// a volatile so that the compiler cannot fold pow(x, 2.0) into x * x.
inline double npy_pow2(double x) {
  static volatile double two = 2.0;
  return std::pow(x, static_cast<double>(two));
}
// `x ** 2` on a NumPy float32 scalar: powf(x, 2.0f).
inline float npy_pow2(float x) {
  static volatile float two = 2.0F;
  return std::pow(x, static_cast<float>(two));
}

// `a % b` on float64 (NumPy's npy_remainder, CPython's float_rem): the floored modulo,
// with the sign of b.
inline double floored_mod(double a, double b) {
  double mod = std::fmod(a, b);
  if (b == 0.0) return mod;
  if (mod != 0.0) {
    if ((b < 0) != (mod < 0)) mod += b;
  } else {
    mod = std::copysign(0.0, b);
  }
  return mod;
}

// Generator.uniform(low, high): NumPy's random_uniform, low + (high - low) * next_double.
inline double uniform(RandomSource& rng, double low, double high) {
  const double range = high - low;
  return low + range * rng.uniform();
}

// How NumPy computes sin/cos of float32 on this machine. With FMA3 (x86-64-v3 and up)
// NumPy runs its own vectorised algorithm (Cody-Waite reduction and minimax polynomials,
// numpy/_core/src/umath/loops_trigonometric.dispatch.cpp); without it, libm's sinf/cosf.
// The Python layer detects which one the installed NumPy uses (pgfast.envs).
enum class Float32Trig : int { kNumpySimd = 0, kLibm = 1 };

namespace detail {

inline float numpy_simd_sincos(float x_in, bool cosine) {
  const float max_cody = cosine ? 71476.0625F : 117435.992F;
  if (std::isnan(x_in)) return x_in;
  if (!(std::fabs(x_in) <= max_cody)) return cosine ? std::cos(x_in) : std::sin(x_in);
  const float two_over_pi = 0x1.45f306p-1F;
  const float rint_cvt_magic = 0x1.800000p+23F;
  float quadrant = x_in * two_over_pi;
  quadrant = quadrant + rint_cvt_magic;
  quadrant = quadrant - rint_cvt_magic;
  float r = std::fma(quadrant, -0x1.921fb0p+00F, x_in);
  r = std::fma(quadrant, -0x1.5110b4p-22F, r);
  r = std::fma(quadrant, -0x1.846988p-48F, r);
  const float r2 = r * r;
  float c = std::fma(0x1.98e616p-16F, r2, -0x1.6c06dcp-10F);
  c = std::fma(c, r2, 0x1.55553cp-05F);
  c = std::fma(c, r2, -0x1.000000p-01F);
  c = std::fma(c, r2, 0x1.000000p+00F);
  float s = std::fma(0x1.7d3bbcp-19F, r2, -0x1.a06bbap-13F);
  s = std::fma(s, r2, 0x1.11119ap-07F);
  s = std::fma(s, r2, -0x1.555556p-03F);
  s = std::fma(s, r2, 0.0F);
  s = std::fma(s, r, r);
  std::int32_t iq = static_cast<std::int32_t>(std::nearbyint(quadrant));
  if (cosine) iq += 1;
  float v = (iq & 1) == 0 ? s : c;
  if ((iq & 2) == 2) v = 0.0F - v;
  return v;
}

}  // namespace detail

inline float npy_cos(float x, Float32Trig mode) {
  return mode == Float32Trig::kNumpySimd ? detail::numpy_simd_sincos(x, true) : std::cos(x);
}
inline float npy_sin(float x, Float32Trig mode) {
  return mode == Float32Trig::kNumpySimd ? detail::numpy_simd_sincos(x, false) : std::sin(x);
}

}  // namespace pgfast::envs
