// The per-step bookkeeping every algorithm shares (the rollout): observations encoded
// into features x(s), one pending step (x, A) per environment, the random source held for
// a run, per-episode statistics and the step count. An algorithm (REINFORCE in
// algorithms/reinforce.hpp, actor-critic in algorithms/actor_critic.hpp) derives from Rollout<P> and
// adds only its update rule and the state that rule needs.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "feature_map.hpp"
#include "gaussian.hpp"
#include "softmax.hpp"

namespace pgfast {

// Observation -> feature vector x(s): a Box observation is used as is (flattened by
// the caller); a Discrete observation i becomes the one-hot vector e_i.
struct ObsEncoder {
  std::size_t obs_dim = 1;     // values per observation row
  std::size_t n_discrete = 0;  // 0: Box; else the size of the Discrete space

  std::size_t n_features() const { return n_discrete ? n_discrete : obs_dim; }

  // Throws (before anything is changed) when the row cannot be encoded.
  void check(const double* obs, const char* what) const {
    if (!all_finite(obs, obs_dim)) throw std::invalid_argument(std::string(what) + " contains NaN or inf");
    if (n_discrete) {
      const double v = obs[0];
      if (v != std::floor(v) || v < 0 || v >= static_cast<double>(n_discrete)) {
        throw std::out_of_range(std::string(what) + " " + number_str(v) +
                                " is not a state of Discrete(" + std::to_string(n_discrete) + ")");
      }
    }
  }
  void encode(const double* obs, double* x) const {
    if (n_discrete) {
      std::fill(x, x + n_discrete, 0.0);
      x[static_cast<std::size_t>(obs[0])] = 1.0;
    } else {
      std::copy(obs, obs + obs_dim, x);
    }
  }
};

// x(s) of an observation: the encoder's vector, mapped by a feature map when one is given
// (S&B ch. 9). A sparse map (tile coding) yields the indices of its active features,
// which the learner stores and uses instead of dense vectors.
class FeaturePipeline {
 public:
  FeaturePipeline(ObsEncoder enc, std::shared_ptr<const FeatureMap> map) : enc_(enc), map_(std::move(map)) {
    if (map_ && map_->n_inputs() != enc_.n_features()) {
      throw std::invalid_argument("features expect " + std::to_string(map_->n_inputs()) +
                                  " inputs but observations have " + std::to_string(enc_.n_features()));
    }
    s_.assign(enc_.n_features(), 0.0);
  }
  const ObsEncoder& encoder() const { return enc_; }
  std::size_t obs_dim() const { return enc_.obs_dim; }
  std::size_t n_features() const { return map_ ? map_->n_features() : enc_.n_features(); }
  bool sparse() const { return map_ && map_->sparse(); }
  std::size_t n_active() const { return sparse() ? map_->n_active() : 0; }
  void check(const double* obs, const char* what) const { enc_.check(obs, what); }

  void dense(const double* obs, double* x) {
    if (!map_) return enc_.encode(obs, x);
    enc_.encode(obs, s_.data());
    map_->dense(s_.data(), x);
  }
  void active(const double* obs, std::uint32_t* idx) {
    enc_.encode(obs, s_.data());
    map_->active(s_.data(), idx);
  }

 private:
  ObsEncoder enc_;
  std::shared_ptr<const FeatureMap> map_;
  std::vector<double> s_;
};

// Row t of stored feature vectors: dense rows of d doubles, or rows of n active indices.
struct DenseRows {
  const double* X;
  std::size_t d;
  const double* operator()(std::size_t t) const { return X + t * d; }
};
struct ActiveRows {
  const std::uint32_t* I;
  std::size_t n;
  Active operator()(std::size_t t) const { return {I + t * n, n}; }
};

// Where a sparse x(s) enters a parameter vector: blocks of n_features weights that
// multiply x (entry `row + i` for an active feature i) and parameters that do not
// multiply x (biases, a state-independent log-std), touched by every step.
struct SparseLayout {
  std::vector<std::size_t> rows, extras;
};

// The parameter entries a run of sparse gradient terms touched: distinct, sorted on
// demand, cleared in O(touched). Lets an SGD step cost what the active features cost.
class TouchSet {
 public:
  void reset(std::size_t n) {
    mark_.assign(n, 0);
    idx_.clear();
  }
  void add(const SparseLayout& layout, Active x) {
    for (std::size_t r : layout.rows)
      for (std::size_t k = 0; k < x.n; ++k) add(r + x.idx[k]);
    for (std::size_t e : layout.extras) add(e);
  }
  const std::vector<std::size_t>& sorted() {
    std::sort(idx_.begin(), idx_.end());
    return idx_;
  }
  // Zeroes g at the touched entries and forgets them.
  void clear(double* g) {
    for (std::size_t i : idx_) {
      g[i] = 0.0;
      mark_[i] = 0;
    }
    idx_.clear();
  }

 private:
  void add(std::size_t i) {
    if (!mark_[i]) {
      mark_[i] = 1;
      idx_.push_back(i);
    }
  }
  std::vector<std::uint8_t> mark_;
  std::vector<std::size_t> idx_;
};

// Old values of the parameter entries an update changed, to restore them if the update
// fails (O(changed) instead of a copy of every parameter).
class UndoLog {
 public:
  void reset(std::size_t n) {
    mark_.assign(n, 0);
    clear();
  }
  void save(const double* params, const std::vector<std::size_t>& idx) {
    for (std::size_t i : idx) {
      if (!mark_[i]) {
        mark_[i] = 1;
        idx_.push_back(i);
        old_.push_back(params[i]);
      }
    }
  }
  bool all_finite_at(const double* params) const {
    double acc = 0.0;
    for (std::size_t i : idx_) acc += params[i] * 0.0;
    return acc == 0.0;
  }
  void restore(double* params) const {
    for (std::size_t k = 0; k < idx_.size(); ++k) params[idx_[k]] = old_[k];
  }
  void clear() {
    for (std::size_t i : idx_) mark_[i] = 0;
    idx_.clear();
    old_.clear();
  }

 private:
  std::vector<std::uint8_t> mark_;
  std::vector<std::size_t> idx_;
  std::vector<double> old_;
};

// How the learner stores and uses actions of each policy type (one double per
// discrete action index; action_dim doubles for a Gaussian action).
template <class P>
struct PolicyOps;

template <>
struct PolicyOps<LinearSoftmax> {
  static std::size_t width(const LinearSoftmax&) { return 1; }
  template <class X, class R>
  static void sample(const LinearSoftmax& p, X x, R& rng, double* a) {
    a[0] = static_cast<double>(p.sample(x, rng));
  }
  template <class X>
  static void add_grad(const LinearSoftmax& p, X x, const double* a, double s, double* g) {
    p.add_grad_log_prob(x, static_cast<std::size_t>(a[0]), s, g);
  }
  // add_grad(p, x, a, s, g), returning p.entropy(x): the preferences are computed once
  // for both (the same building blocks as add_grad_log_prob and entropy, bit for bit).
  template <class X>
  static double add_grad_and_entropy(const LinearSoftmax& p, X x, const double* a, double s, double* g) {
    const auto b = static_cast<std::size_t>(a[0]);
    p.check_action(b);
    Scratch h(p.n_actions());
    p.preferences(x, h.data());
    const double H = p.softmax_entropy(h.data(), h.data());  // h becomes pi(.|x)
    p.add_weighted_rows(x, h.data(), b, s, g);
    return H;
  }
  static void project(LinearSoftmax&) {}
  static SparseLayout layout(const LinearSoftmax& p) {
    SparseLayout L;
    const std::size_t d = p.n_features(), k = p.n_actions();
    for (std::size_t b = 0; b < k; ++b) L.rows.push_back(b * d);
    if (p.bias())
      for (std::size_t b = 0; b < k; ++b) L.extras.push_back(k * d + b);
    return L;
  }
  static void check_action(const LinearSoftmax& p, const double* a) {
    if (!(a[0] >= 0.0 && a[0] < static_cast<double>(p.n_actions()) && a[0] == std::floor(a[0])))
      throw std::invalid_argument("pending episodes: an action is not an action of the policy");
  }
};

template <>
struct PolicyOps<LinearGaussian> {
  static std::size_t width(const LinearGaussian& p) { return p.action_dim(); }
  template <class X, class R>
  static void sample(const LinearGaussian& p, X x, R& rng, double* a) {
    p.sample(x, rng, a);
  }
  template <class X>
  static void add_grad(const LinearGaussian& p, X x, const double* a, double s, double* g) {
    p.add_grad_log_prob(x, a, s, g);
  }
  template <class X>
  static double add_grad_and_entropy(const LinearGaussian& p, X x, const double* a, double s, double* g) {
    p.add_grad_log_prob(x, a, s, g);
    return p.entropy(x);
  }
  static void project(LinearGaussian& p) { p.project(); }
  static SparseLayout layout(const LinearGaussian& p) {
    SparseLayout L;
    const std::size_t d = p.n_features(), m = p.action_dim(), off = p.log_std_offset();
    for (std::size_t j = 0; j < m; ++j) L.rows.push_back(j * d);
    if (p.bias())
      for (std::size_t j = 0; j < m; ++j) L.extras.push_back(m * d + j);
    for (std::size_t j = 0; j < m; ++j) {
      if (p.state_dependent_std()) {
        L.rows.push_back(off + j * d);
        L.extras.push_back(off + m * d + j);
      } else {
        L.extras.push_back(off + j);
      }
    }
    return L;
  }
  static void check_action(const LinearGaussian&, const double*) {}  // any finite vector
};

// The step-size schedule of a learner (Stable-Baselines3's learning-rate schedules): every
// step size of an update (lr, and baseline_lr / critic_lr / reward_lr) is multiplied by a
// factor f, 1 for Constant; for Linear, the fraction of the current run still to go,
// f = 1 - t / T (SB3's progress_remaining), where the run is the window of T steps that
// set_lr_window() gave (agent.learn(T) sets it) and t counts its steps up to and including
// the one the update learns from; f is clamped to [0, 1], and is 1 when no window is set.
enum class LrSchedule { Constant, Linear };

// What the learner records, for the agent's `history`.
struct LearnerHistory {
  std::vector<double> episode_return, episode_length, episode_end_step;
  std::vector<double> update_grad_norm, update_entropy, update_baseline_loss, update_step;
};

// The shared per-step state of an algorithm over policy P and n_envs environments.
template <class P>
class Rollout {
 public:
  using policy_type = P;

  Rollout(std::shared_ptr<P> policy, std::size_t n_envs, ObsEncoder encoder,
          std::shared_ptr<const FeatureMap> features)
      : pi_(std::move(policy)), n_envs_(n_envs), feat_(encoder, std::move(features)) {
    if (!pi_) throw std::invalid_argument("a policy is required");
    require_positive(n_envs, "n_envs");
    d_ = feat_.n_features();
    if (pi_->n_features() != d_) {
      throw std::invalid_argument("policy has n_features=" + std::to_string(pi_->n_features()) +
                                  " but observations map to " + std::to_string(d_) + " features");
    }
    sparse_ = feat_.sparse();
    na_ = feat_.n_active();
    aw_ = PolicyOps<P>::width(*pi_);
    if (sparse_) {
      pending_i_.assign(n_envs_ * na_, 0);
    } else {
      pending_x_.assign(n_envs_ * d_, 0.0);
    }
    pending_a_.assign(n_envs_ * aw_, 0.0);
    pending_tag_.assign(n_envs_, 0);
    has_pending_.assign(n_envs_, 0);
    ready_.assign(n_envs_, 0);
    ready_obs_.assign(n_envs_ * feat_.obs_dim(), 0.0);
    obs_buf_.assign(n_envs_ * feat_.obs_dim(), 0.0);
    act_buf_.assign(n_envs_ * aw_, 0.0);
  }

  // A random source the caller attaches for a run of steps (the Python layer attaches a
  // Generator's stream while holding its lock for the whole learn() loop).
  void attach(std::unique_ptr<RandomSource> source) { attached_ = std::move(source); }
  void detach() { attached_.reset(); }
  RandomSource* attached() const { return attached_.get(); }

  // Reusable buffers for the caller's per-step observation and action rows.
  std::vector<double>& obs_buffer() { return obs_buf_; }
  std::vector<double>& action_buffer() { return act_buf_; }

  std::size_t n_envs() const { return n_envs_; }
  std::size_t n_features() const { return d_; }
  std::size_t action_width() const { return aw_; }
  const ObsEncoder& encoder() const { return feat_.encoder(); }
  FeaturePipeline& features() { return feat_; }
  const FeaturePipeline& features() const { return feat_; }
  P& policy() { return *pi_; }
  LearnerHistory& history() { return hist_; }
  long long total_steps() const { return total_steps_; }
  void set_total_steps(long long t) { total_steps_ = t; }

  // Validates n_envs observation rows (before anything changes).
  void check_obs(const double* obs) const {
    for (std::size_t e = 0; e < n_envs_; ++e) feat_.check(obs + e * feat_.obs_dim(), "observation");
  }

  // A_e ~ pi(.|x(obs_e)) for every environment; remembered as the pending step of e.
  void act(const double* obs, RandomSource& rng, double* actions) {
    check_obs(obs);
    act_unchecked(obs, rng, actions);
  }
  // act() without check_obs, for a caller that validated obs (the fused loop). R: the
  // source's own (final) type, so that its draws are direct calls.
  template <class R>
  void act_unchecked(const double* obs, R& rng, double* actions) {
    act_each(obs, actions, [&](auto x, double* a, std::size_t) {
      PolicyOps<P>::sample(*pi_, x, rng, a);
      return std::uint64_t{0};  // nothing of this sample is kept for the update (see policy_epoch_)
    });
  }

  void set_lr_schedule(LrSchedule s) { schedule_ = s; }
  LrSchedule lr_schedule() const { return schedule_; }
  // The run the schedule spans: `total` steps from step `start` (total_steps() when it begins).
  void set_lr_window(long long start, long long total) {
    if (start < 0 || total < 0) throw std::invalid_argument("the lr window's start and total must be >= 0");
    window_start_ = start;
    window_total_ = total;
  }
  // The factor of the last update's step sizes (1 before any).
  double lr_scale() const { return lr_scale_; }

  // The fused loop calls this when it starts: the parameters may have been changed from
  // Python (through their views) since the last C++ step, so nothing an algorithm kept
  // from earlier samples is reused (see policy_epoch_); and end_native_run() when it
  // returns normally. (REINFORCE's learner overrides both to keep what is still valid.)
  void begin_native_run() { ++policy_epoch_; }
  void end_native_run() {}

 protected:
  // For every environment e: x(obs_e) into the pending slot, then sample(x, a, e) writes
  // the action into a and returns the pending step's tag (see policy_epoch_).
  template <class Sample>
  void act_each(const double* obs, double* actions, Sample&& sample) {
    const std::size_t od = feat_.obs_dim();
    for (std::size_t e = 0; e < n_envs_; ++e) {
      const double* o = obs + e * od;
      double* a = pending_a_.data() + e * aw_;
      // x(o) may be in the pending slot already (an algorithm that needed x(S') did it).
      const bool ready = ready_[e] && std::equal(o, o + od, ready_obs_.data() + e * od);
      ready_[e] = 0;
      std::uint64_t tag;
      if (sparse_) {
        std::uint32_t* idx = pending_i_.data() + e * na_;
        if (!ready) feat_.active(o, idx);
        tag = sample(Active{idx, na_}, a, e);
      } else {
        double* x = pending_x_.data() + e * d_;
        if (!ready) feat_.dense(o, x);
        tag = sample(static_cast<const double*>(x), a, e);
      }
      std::copy(a, a + aw_, actions + e * aw_);
      has_pending_[e] = 1;
      pending_tag_[e] = tag;
    }
  }

  // Checks what record() is given for environment e (before anything changes).
  void check_record(std::size_t e, const double* rewards, const std::uint8_t* terminated,
                    const std::uint8_t* truncated, const double* final_obs) const {
    if (!has_pending_[e]) throw std::logic_error("record() without a pending action: call act() first");
    if (!std::isfinite(rewards[e])) throw std::invalid_argument("reward contains NaN or inf");
    if (terminated[e] || truncated[e]) feat_.check(final_obs + e * feat_.obs_dim(), "final observation");
  }
  // Pending features and action of environment e.
  Active pending_active(std::size_t e) const { return {pending_i_.data() + e * na_, na_}; }
  const double* pending_dense(std::size_t e) const { return pending_x_.data() + e * d_; }
  const double* pending_action(std::size_t e) const { return pending_a_.data() + e * aw_; }
  // Ends the step of environment e: one more transition; on an episode end, its statistics.
  void count_step(std::size_t e) {
    has_pending_[e] = 0;
    ++total_steps_;
  }
  void log_episode(double ret, std::size_t length) {
    hist_.episode_return.push_back(ret);
    hist_.episode_length.push_back(static_cast<double>(length));
    hist_.episode_end_step.push_back(static_cast<double>(total_steps_));
  }
  void log_update(double grad_norm, double entropy, double baseline_loss) {
    hist_.update_grad_norm.push_back(grad_norm);
    hist_.update_entropy.push_back(entropy);
    hist_.update_baseline_loss.push_back(baseline_loss);
    hist_.update_step.push_back(static_cast<double>(total_steps_));
  }
  // Drops the update records from n on (a refused update never happened).
  void unlog_updates(std::size_t n) {
    for (auto* v : {&hist_.update_grad_norm, &hist_.update_entropy, &hist_.update_baseline_loss,
                    &hist_.update_step})
      v->resize(n);
  }
  void forget_pending() {
    std::fill(has_pending_.begin(), has_pending_.end(), 0);
    std::fill(ready_.begin(), ready_.end(), 0);
  }
  // Environment e's pending slot now holds x(obs), computed by the algorithm: the next
  // act() on the same observation reuses it instead of computing it again.
  void features_ready(std::size_t e, const double* obs) {
    const std::size_t od = feat_.obs_dim();
    std::copy(obs, obs + od, ready_obs_.data() + e * od);
    ready_[e] = 1;
  }
  // The factor f of the step sizes of an update that learns from steps up to `steps`
  // (a total_steps() count, the step learnt from included); remembered as lr_scale().
  double next_lr_scale(long long steps) {
    double f = 1.0;
    if (schedule_ == LrSchedule::Linear && window_total_ > 0) {
      f = 1.0 - static_cast<double>(steps - window_start_) / static_cast<double>(window_total_);
      f = f < 0.0 ? 0.0 : (f > 1.0 ? 1.0 : f);
    }
    lr_scale_ = f;
    return f;
  }
  std::uint32_t* pending_active_slot(std::size_t e) { return pending_i_.data() + e * na_; }
  double* pending_dense_slot(std::size_t e) { return pending_x_.data() + e * d_; }

  std::shared_ptr<P> pi_;
  std::size_t n_envs_;
  FeaturePipeline feat_;
  std::size_t d_ = 0, aw_ = 0, na_ = 0;
  bool sparse_ = false;
  std::vector<double> pending_x_, pending_a_;
  std::vector<std::uint32_t> pending_i_;
  std::vector<std::uint8_t> has_pending_, ready_;
  // What a sample computed from the parameters (e.g. REINFORCE keeps a softmax sample's pi
  // and entropy for its update) is valid while they have not changed: policy_epoch_ counts
  // the changes the C++ side knows of (every update, every start of a fused run, after which
  // Python may have written the parameters); a pending sample's tag is the epoch it was
  // drawn in, 0 when nothing was kept (act() from Python: the parameters may change before
  // the update, unseen).
  std::vector<std::uint64_t> pending_tag_;
  std::uint64_t policy_epoch_ = 1;
  std::vector<double> ready_obs_, obs_buf_, act_buf_;
  LearnerHistory hist_;
  long long total_steps_ = 0;
  LrSchedule schedule_ = LrSchedule::Constant;
  long long window_start_ = 0, window_total_ = 0;
  double lr_scale_ = 1.0;
  std::unique_ptr<RandomSource> attached_;
};

}  // namespace pgfast
