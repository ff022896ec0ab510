// Placeholder (lead's branch): NUM's numpy_math.hpp replaces this file at merge.
#pragma once

#include <cstddef>

namespace pgfast::npy {

inline double pairwise(const double* a, std::size_t n) {
  if (n < 8) {
    double res = -0.0;
    for (std::size_t i = 0; i < n; ++i) res += a[i];
    return res;
  }
  if (n <= 128) {
    double r[8];
    for (int j = 0; j < 8; ++j) r[j] = a[j];
    std::size_t i = 8;
    for (; i < n - (n % 8); i += 8)
      for (int j = 0; j < 8; ++j) r[j] += a[i + j];
    double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) res += a[i];
    return res;
  }
  std::size_t n2 = n / 2;
  n2 -= n2 % 8;
  return pairwise(a, n2) + pairwise(a + n2, n - n2);
}

// np.add.reduce of a contiguous float64 array.
inline double sum(const double* a, std::size_t n) {
  if (n == 0) return 0.0;
  return a[0] + pairwise(a + 1, n - 1);
}

}  // namespace pgfast::npy
