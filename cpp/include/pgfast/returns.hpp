// Discounted returns over a rollout buffer (Sutton & Barto, 2nd ed., eq. 3.8-3.9).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace pgfast {

namespace detail {

// First index in [from, T) whose step ends an episode, or T. memchr scans the 0/1 flag
// bytes with SIMD, so finding lane boundaries costs far less than the recursion.
inline std::size_t next_end(const std::uint8_t* terminated, const std::uint8_t* truncated,
                            std::size_t from, std::size_t T) {
  if (from >= T) return T;
  const void* a = std::memchr(terminated + from, 1, T - from);
  std::size_t end = a ? static_cast<std::size_t>(static_cast<const std::uint8_t*>(a) - terminated) : T;
  if (truncated) {
    const void* b = std::memchr(truncated + from, 1, end - from);
    if (b) end = static_cast<std::size_t>(static_cast<const std::uint8_t*>(b) - truncated);
  }
  return end;
}

template <bool kHasTruncated, bool kHasBootstrap>
inline void flat_returns_impl(const double* rewards, const std::uint8_t* terminated,
                              const std::uint8_t* truncated, const double* bootstrap, std::size_t T,
                              double gamma, double* out) {
  constexpr std::size_t kLanes = 4;
  std::size_t cuts[kLanes + 1] = {0};
  std::size_t lanes = 0;
  for (std::size_t s = 1; s < kLanes; ++s) {
    const std::size_t target = std::max(cuts[lanes], s * (T / kLanes));
    const std::size_t end = next_end(terminated, truncated, target, T);
    if (end + 1 >= T) break;
    cuts[++lanes] = end + 1;  // a segment ends right after an episode end
  }
  cuts[++lanes] = T;
  // The buffer's last step, when not done, is an unfinished episode: cut like a truncation.
  auto tail = [&](std::size_t t) { return kHasBootstrap ? bootstrap[t] : 0.0; };
  double G[kLanes] = {0.0, 0.0, 0.0, 0.0};
  {
    const std::size_t t = T - 1;
    G[lanes - 1] = rewards[t] + gamma * (terminated[t] ? 0.0 : tail(t));
    out[t] = G[lanes - 1];
    --cuts[lanes];
  }
  auto step = [&](std::size_t t, double& g) {
    const bool cut = terminated[t] || (kHasTruncated && truncated[t]);
    const double next = cut ? (terminated[t] ? 0.0 : tail(t)) : g;
    g = rewards[t] + gamma * next;
    out[t] = g;
  };
  std::size_t common = 0;
  if (lanes == kLanes) {
    common = T;
    for (std::size_t l = 0; l < lanes; ++l) common = std::min(common, cuts[l + 1] - cuts[l]);
    for (std::size_t i = 0; i < common; ++i) {
      step(cuts[1] - 1 - i, G[0]);
      step(cuts[2] - 1 - i, G[1]);
      step(cuts[3] - 1 - i, G[2]);
      step(cuts[4] - 1 - i, G[3]);
    }
  }
  for (std::size_t l = 0; l < lanes; ++l) {
    for (std::size_t t = cuts[l + 1] - common; t-- > cuts[l];) step(t, G[l]);
  }
}

// A flat buffer. The recursion G_t = R_{t+1} + gamma G_{t+1} is a chain of dependent
// multiply-adds, bound by their latency; episodes are independent chains, so the buffer
// is cut at episode ends into up to 4 segments that are run interleaved
// (instruction-level parallelism). Every G_t is computed by exactly the same operations
// as in the plain backward loop, so the result is bit-identical to it.
inline void flat_returns(const double* rewards, const std::uint8_t* terminated,
                         const std::uint8_t* truncated, const double* bootstrap, std::size_t T,
                         double gamma, double* out) {
  if (truncated && bootstrap) return flat_returns_impl<true, true>(rewards, terminated, truncated, bootstrap, T, gamma, out);
  if (truncated) return flat_returns_impl<true, false>(rewards, terminated, truncated, bootstrap, T, gamma, out);
  if (bootstrap) return flat_returns_impl<false, true>(rewards, terminated, truncated, bootstrap, T, gamma, out);
  flat_returns_impl<false, false>(rewards, terminated, truncated, bootstrap, T, gamma, out);
}

}  // namespace detail

// G_t = R_{t+1} + gamma * G_{t+1}, computed in one backward pass over a buffer of T steps
// for n environments (row t holds step t of every environment; n = 1 is a flat buffer).
// rewards[t] is R_{t+1}, the reward received after the action at step t.
//
// Episode ends restart the recursion:
//   terminated[t]           -> G_{t+1} := 0
//   truncated[t] (time limit) -> G_{t+1} := bootstrap[t] (the value estimate of the final
//                              observation) when bootstrap is given, else 0 (as terminal)
//   the last row of the buffer, when not done, is an unfinished episode and is treated
//   like a truncation.
// terminated wins over truncated. truncated and bootstrap may be null.
inline void discounted_returns(const double* rewards, const std::uint8_t* terminated,
                               const std::uint8_t* truncated, const double* bootstrap,
                               std::size_t T, std::size_t n, double gamma, double* out) {
  if (T == 0) return;
  auto tail = [&](std::size_t i) { return bootstrap ? bootstrap[i] : 0.0; };
  if (n == 1) {
    detail::flat_returns(rewards, terminated, truncated, bootstrap, T, gamma, out);
    return;
  }
  for (std::size_t t = T; t-- > 0;) {
    const std::size_t row = t * n;
    for (std::size_t e = 0; e < n; ++e) {
      const std::size_t i = row + e;
      double next = t + 1 < T ? out[i + n] : 0.0;
      if (terminated[i]) {
        next = 0.0;
      } else if ((truncated && truncated[i]) || t == T - 1) {
        next = tail(i);
      }
      out[i] = rewards[i] + gamma * next;
    }
  }
}

}  // namespace pgfast
