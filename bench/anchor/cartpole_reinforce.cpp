// The physical anchor for bench/bench_fused.py: a plain C++17 program, written for the
// benchmark and independent of pgfast's headers, that does the work of
// pgfast.Reinforce("CartPole-v1").learn in the most direct way:
//
//   CartPole-v1 (gymnasium's Euler dynamics, 500-step time limit, uniform(-0.05, 0.05)
//   resets), a linear softmax policy over [x(s)] with a bias (2 actions x 4 features),
//   one uniform draw per action (inverse CDF), the episode recorded in flat arrays, and
//   every two episodes one Adam step on the REINFORCE gradient with discounted returns
//   (gamma 0.99) standardised over the batch. Two settings:
//
//   baseline (pgfast 0.2's defaults, `Reinforce(env)`): lr 0.01 and a learned linear
//     baseline v(s) = w . [x(s), 1] (eq. 13.11): psi = G - v(S_t) standardised, truncated
//     episodes bootstrapped with gamma v(S_T), and one Adam step (lr 0.1) on w along
//     (1/E) sum_t (G_t - v(S_t)) [x_t, 1];
//   plain (0.1's defaults, `Reinforce(env, lr=0.2, baseline=None)`): lr 0.2, psi = G
//     standardised.
//
// Random numbers come from PCG64 with NumPy's next_double ((x >> 11) * 2^-53), as in
// pgfast. Not done here (pgfast does it): input validation, the update's entropy and
// gradient norm logged to the history, the Generator lock, refused-update rollback.
//
// Build: bench/anchor/build.sh (g++ -O3 -ffp-contract=off, as the wheel). Not part of the
// wheel. Usage: cartpole_reinforce [steps] [repeats] [baseline|plain] (default baseline);
// prints one "ns_per_step <median>" line (median over repeats) and the run's episode count.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

// PCG64 (XSL-RR 128/64), NumPy's default BitGenerator algorithm.
struct Pcg64 {
  __uint128_t state, inc;
  explicit Pcg64(std::uint64_t seed) : state(0), inc((static_cast<__uint128_t>(seed) << 1) | 1U) {
    next();
    state += static_cast<__uint128_t>(seed) * 0x9E3779B97F4A7C15ULL;
    next();
  }
  std::uint64_t next() {
    const __uint128_t mult = (static_cast<__uint128_t>(2549297995355413924ULL) << 64) + 4865540595714422341ULL;
    state = state * mult + inc;
    const std::uint64_t x = static_cast<std::uint64_t>(state >> 64) ^ static_cast<std::uint64_t>(state);
    const unsigned rot = static_cast<unsigned>(state >> 122);
    return (x >> rot) | (x << ((64U - rot) & 63U));
  }
  double uniform() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }
};

constexpr int kObs = 4, kActions = 2, kParams = kActions * kObs + kActions;

struct CartPole {
  double s[4] = {0, 0, 0, 0};
  int elapsed = 0;
  void reset(Pcg64& rng) {
    for (double& v : s) v = -0.05 + 0.1 * rng.uniform();
    elapsed = 0;
  }
  // Returns 1 on termination, 2 on truncation, 0 otherwise; the reward is always 1.
  int step(int action) {
    const double force = action == 1 ? 10.0 : -10.0;
    const double ct = std::cos(s[2]), st = std::sin(s[2]);
    const double temp = (force + 0.05 * (s[3] * s[3]) * st) / 1.1;
    const double thacc = (9.8 * st - ct * temp) / (0.5 * (4.0 / 3.0 - 0.1 * (ct * ct) / 1.1));
    const double xacc = temp - 0.05 * thacc * ct / 1.1;
    s[0] += 0.02 * s[1];
    s[1] += 0.02 * xacc;
    s[2] += 0.02 * s[3];
    s[3] += 0.02 * thacc;
    const double lim = 12 * 2 * M_PI / 360;
    if (s[0] < -2.4 || s[0] > 2.4 || s[2] < -lim || s[2] > lim) return 1;
    return ++elapsed >= 500 ? 2 : 0;
  }
};

struct Adam {
  double m[kParams] = {}, v[kParams] = {};
  long long t = 0;
  // params += lr * Adam(grad), n values
  void step(double* params, const double* grad, int n, double lr) {
    ++t;
    const double bc1 = 1.0 - std::pow(0.9, static_cast<double>(t));
    const double bc2 = 1.0 - std::pow(0.999, static_cast<double>(t));
    for (int i = 0; i < n; ++i) {
      m[i] = 0.9 * m[i] + 0.1 * grad[i];
      v[i] = 0.999 * v[i] + 0.001 * (grad[i] * grad[i]);
      params[i] += lr * (m[i] / bc1) / (std::sqrt(v[i] / bc2) + 1e-8);
    }
  }
};

struct Agent {
  bool baseline = true;
  double lr = 0.01, lr_w = 0.1;
  double theta[kParams] = {};
  double w[kObs + 1] = {};        // the baseline's weights and bias
  Adam opt, opt_w;
  std::vector<float> X;           // observations (float32, as the env returns them)
  std::vector<std::uint8_t> A;    // actions
  std::vector<double> R, G, psi;  // rewards, returns, weights
  std::vector<std::size_t> ends;  // one past each episode's last step
  std::vector<double> tail;       // per episode: gamma v(S_T) if truncated, else 0

  double value(const float* x) const {
    double z = 0.0;
    for (int i = 0; i < kObs; ++i) z += w[i] * static_cast<double>(x[i]);
    return z + w[kObs];
  }
  // Ends an episode whose last observation is x (S_T); truncated: bootstrap from it.
  void end_episode(const float* x, bool truncated) {
    ends.push_back(R.size());
    tail.push_back(baseline && truncated ? 0.99 * value(x) : 0.0);
  }

  void probs(const float* x, double* p) const {
    double h[kActions];
    for (int b = 0; b < kActions; ++b) {
      double z = 0.0;
      for (int i = 0; i < kObs; ++i) z += theta[b * kObs + i] * static_cast<double>(x[i]);
      h[b] = z + theta[kActions * kObs + b];
    }
    // exp(h_b - max h): 1 for the larger preference, so one exp per state.
    const int hi = h[1] > h[0] ? 1 : 0;
    const double e = std::exp(h[1 - hi] - h[hi]);
    p[hi] = 1.0 / (1.0 + e);
    p[1 - hi] = e / (1.0 + e);
  }
  int act(const float* x, Pcg64& rng) const {
    double p[kActions];
    probs(x, p);
    return rng.uniform() < p[0] ? 0 : 1;
  }
  void update() {
    const std::size_t n = R.size();
    G.resize(n);
    psi.resize(n);
    std::size_t start = 0;
    for (std::size_t e = 0; e < ends.size(); ++e) {
      double g = tail[e];
      for (std::size_t k = ends[e]; k-- > start;) G[k] = g = R[k] + 0.99 * g;
      start = ends[e];
    }
    for (std::size_t k = 0; k < n; ++k) psi[k] = baseline ? G[k] - value(&X[k * kObs]) : G[k];
    double mean = 0.0, var = 0.0;
    for (double g : psi) mean += g;
    mean /= static_cast<double>(n);
    for (double g : psi) var += (g - mean) * (g - mean);
    const double sd = std::sqrt(var / static_cast<double>(n)) + 1e-8;
    const double scale = 1.0 / static_cast<double>(ends.size());
    double grad[kParams] = {};
    for (std::size_t k = 0; k < n; ++k) {
      const float* x = &X[k * kObs];
      double p[kActions];
      probs(x, p);
      const double s = scale * (psi[k] - mean) / sd;
      for (int b = 0; b < kActions; ++b) {
        const double c = s * ((A[k] == b ? 1.0 : 0.0) - p[b]);
        for (int i = 0; i < kObs; ++i) grad[b * kObs + i] += c * static_cast<double>(x[i]);
        grad[kActions * kObs + b] += c;
      }
    }
    opt.step(theta, grad, kParams, lr);
    if (baseline) {
      double gw[kObs + 1] = {};
      for (std::size_t k = 0; k < n; ++k) {
        const double d = scale * psi[k];  // (G - v) before standardising
        for (int i = 0; i < kObs; ++i) gw[i] += d * static_cast<double>(X[k * kObs + i]);
        gw[kObs] += d;
      }
      opt_w.step(w, gw, kObs + 1, lr_w);
    }
    X.clear(), A.clear(), R.clear(), ends.clear(), tail.clear();
  }
};

// One learning run of `steps` environment steps; returns (seconds, episodes).
std::pair<double, long long> run(long long steps, std::uint64_t seed, bool baseline) {
  Pcg64 agent_rng(seed), env_rng(seed + 1);
  CartPole env;
  Agent agent;
  agent.baseline = baseline;
  agent.lr = baseline ? 0.01 : 0.2;
  long long episodes = 0;
  float obs[kObs];
  const auto t0 = std::chrono::steady_clock::now();
  env.reset(env_rng);
  for (int i = 0; i < kObs; ++i) obs[i] = static_cast<float>(env.s[i]);
  for (long long k = 0; k < steps; ++k) {
    const int a = agent.act(obs, agent_rng);
    agent.X.insert(agent.X.end(), obs, obs + kObs);
    agent.A.push_back(static_cast<std::uint8_t>(a));
    const int done = env.step(a);
    agent.R.push_back(1.0);
    for (int i = 0; i < kObs; ++i) obs[i] = static_cast<float>(env.s[i]);
    if (done) {
      agent.end_episode(obs, done == 2);
      if (++episodes % 2 == 0) agent.update();
      env.reset(env_rng);
      for (int i = 0; i < kObs; ++i) obs[i] = static_cast<float>(env.s[i]);
    }
  }
  const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return {dt, episodes};
}

}  // namespace

int main(int argc, char** argv) {
  const long long steps = argc > 1 ? std::atoll(argv[1]) : 2000000;
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 5;
  const std::string settings = argc > 3 ? argv[3] : "baseline";
  if (steps <= 0 || repeats <= 0 || (settings != "baseline" && settings != "plain")) {
    std::fprintf(stderr, "usage: cartpole_reinforce [steps > 0] [repeats > 0] [baseline|plain]\n");
    return 2;
  }
  std::vector<double> ns;
  long long episodes = 0;
  for (int r = 0; r < repeats; ++r) {
    const auto [dt, eps] = run(steps, 0, settings == "baseline");
    ns.push_back(dt * 1e9 / static_cast<double>(steps));
    episodes = eps;
  }
  std::sort(ns.begin(), ns.end());
  std::printf("ns_per_step %.3f\nepisodes %lld\n", ns[ns.size() / 2], episodes);
  return 0;
}
