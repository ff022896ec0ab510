// Discounted returns over a rollout buffer (Sutton & Barto, 2nd ed., eq. 3.8-3.9).
#pragma once

#include <cstddef>
#include <cstdint>

namespace pgfast {

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
    double G = 0.0;
    for (std::size_t t = T; t-- > 0;) {
      double next = G;
      if (terminated[t]) {
        next = 0.0;
      } else if ((truncated && truncated[t]) || t == T - 1) {
        next = tail(t);
      }
      G = rewards[t] + gamma * next;
      out[t] = G;
    }
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
