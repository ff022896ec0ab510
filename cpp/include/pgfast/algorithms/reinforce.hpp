// REINFORCE (Sutton & Barto, 2nd ed., box p. 328; with baseline eq. 13.11, box p. 330)
// as one object that the Python agent feeds, one call per environment step: it
// encodes observations into features, samples actions, keeps the rollout of every
// environment, and runs each update (returns, baseline, normalisation, gradient,
// optimiser step) when an episode ends.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "../numpy_math.hpp"
#include "../optim.hpp"
#include "../returns.hpp"
#include "../rollout.hpp"

namespace pgfast {

enum class UpdateMode { PerStep, PerEpisode, Batch };

struct LearnerConfig {
  double gamma = 0.99;
  bool baseline = false;             // learn v(s, w) = w . [x(s), 1] and use delta = G - v
  bool normalize_returns = true;     // standardise the weights psi of an update (see below)
  bool discount_gradient = false;    // the book's gamma^t factor
  UpdateMode update = UpdateMode::PerEpisode;
  std::size_t batch_episodes = 1;    // episodes per update in Batch mode
  double entropy_coef = 0.0;         // + entropy_coef * grad H(pi(.|S_t)) per step
  bool bootstrap_truncated = true;   // truncated ends add gamma * v(S_T) (needs a baseline)
};

template <class P>
class Learner : public Rollout<P> {
  using Base = Rollout<P>;
  using Base::pi_, Base::n_envs_, Base::feat_, Base::d_, Base::aw_, Base::na_, Base::sparse_, Base::hist_,
      Base::total_steps_, Base::pending_x_, Base::pending_i_, Base::pending_a_, Base::pending_tag_;
  // A softmax sample's pi(.|S_t) and entropy are kept with the step (K, tag) and reused by
  // the update when the parameters have not changed since (the tag is the policy epoch
  // the sample was drawn in): the same bits, without recomputing preferences and softmax.
  static constexpr bool kKeep = std::is_same_v<P, LinearSoftmax>;

 public:
  // Steps of one episode (or of the finished episodes of a batch, concatenated): feature
  // rows X (dense) or I (active indices), actions A, rewards R.
  // K, tag: per step, what act_unchecked kept of the softmax sample (pi, then z and
  // sum_b pi_b s_b, the terms of H = log(z) - sum_b pi_b s_b: kw values) and the epoch it was drawn in (0: nothing kept); empty for Gaussian policies.
  struct Episode {
    std::vector<double> X, A, R, K;
    std::vector<std::uint32_t> I;
    std::vector<std::uint64_t> tag;
    void clear() {
      X.clear(), A.clear(), R.clear(), I.clear(), K.clear(), tag.clear();
    }
  };
  struct Pool : Episode {
    std::vector<double> boot, tin;
    std::vector<std::uint8_t> term, trunc;
    std::size_t n_episodes = 0;
    void clear() {
      Episode::clear();
      boot.clear(), tin.clear(), term.clear(), trunc.clear();
      n_episodes = 0;
    }
    std::size_t size() const { return this->R.size(); }
  };

  // An update rule written elsewhere (pgfast's NumPy twin, for backend="numpy"): called
  // with the finished episodes when an update is due, in place of the C++ update. It
  // changes the policy and baseline parameters in place (through their views) and returns
  // (grad_norm, entropy, baseline_loss) for the log. Throwing refuses the update, as a
  // non-finite result does: every parameter is restored and the error propagates.
  using UpdateRule = std::function<std::array<double, 3>(const Pool&)>;
  bool has_rule() const { return static_cast<bool>(rule_); }

  Learner(std::shared_ptr<P> policy, std::shared_ptr<Optimizer> optimizer,
          std::shared_ptr<Optimizer> baseline_optimizer, LearnerConfig cfg, std::size_t n_envs,
          ObsEncoder encoder, std::shared_ptr<const FeatureMap> features = nullptr, UpdateRule rule = {})
      : Base(std::move(policy), n_envs, encoder, std::move(features)), opt_(std::move(optimizer)),
        vopt_(std::move(baseline_optimizer)), cfg_(cfg), rule_(std::move(rule)) {
    if (!opt_ && !rule_) throw std::invalid_argument("policy and optimizer are required");
    if (!(cfg_.gamma >= 0.0 && cfg_.gamma <= 1.0)) throw std::invalid_argument("gamma must be in [0, 1]");
    if (cfg_.batch_episodes < 1) throw std::invalid_argument("batch_episodes must be >= 1");
    if (!(std::isfinite(cfg_.entropy_coef) && cfg_.entropy_coef >= 0.0))
      throw std::invalid_argument("entropy_coef must be finite and >= 0");
    if (cfg_.baseline && !vopt_ && !rule_) throw std::invalid_argument("baseline=True needs a baseline optimizer");
    {
      // What the learner holds per policy and baseline parameter: the value, a gradient,
      // the optimiser's two moments and an update's scratch, and with sparse features the
      // touched-entry marks and an update's undo log (index and old value, in vectors that
      // may double as they grow): estimated 10 doubles, 12 with sparse features (measured
      // with Adam: ~10 either way, allocator and Python included). The policy checked its
      // own parameters, gradient and moments alone; the episodes kept for an update have
      // their own check as they grow.
      const double n = static_cast<double>(pi_->n_params()) + (cfg_.baseline ? static_cast<double>(d_) + 1.0 : 0.0);
      check_memory((sparse_ ? 12.0 : 10.0) * sizeof(double) * n,
                   "REINFORCE over " + std::to_string(pi_->n_params()) + " policy parameters" +
                       (cfg_.baseline ? " and " + std::to_string(d_ + 1) + " baseline weights" : std::string()) +
                       " (with gradients, optimiser moments" + (sparse_ ? " and sparse bookkeeping)" : ")"));
    }
    w_.assign(cfg_.baseline ? d_ + 1 : 0, 0.0);
    // One environment: a sample's update follows before the parameters change. With
    // several, updates come between most samples and theirs (the other environments'
    // episodes straddle them): keeping would cost more than it saves.
    if constexpr (kKeep) {
      keeping_ = n_envs_ == 1;
      if (keeping_) kw_ = pi_->n_actions() + 2;
    }
    keep_.assign(n_envs_ * kw_, 0.0);
    episodes_.resize(n_envs_);
    g_.assign(pi_->n_params(), 0.0);
    gw_.assign(w_.size(), 0.0);
    if (sparse_) {
      layout_ = PolicyOps<P>::layout(*pi_);
      layout_w_.rows = {0};
      layout_w_.extras = {d_};
      touch_.reset(g_.size());
      touch_w_.reset(gw_.size());
      undo_.reset(g_.size());
      undo_w_.reset(gw_.size());
    }
  }

  std::vector<double>& baseline_params() { return w_; }

  // v(s, w) = w . [x(s), 1]
  template <class X>
  double value(X x) const {
    return dot(w_.data(), x, d_) + w_[d_];
  }

  // The fused loop's calls around each run (see Rollout::begin_native_run). A run that
  // returned to Python (a callback at an episode end, the progress bar) may find the
  // parameters as it left them: then the samples kept before stay valid. Small policies
  // are compared with a copy taken at the end of the last run (bit for bit); larger ones
  // (whose copy per call would cost more than recomputing) start a new epoch.
  void begin_native_run() {
    const std::size_t n = pi_->n_params();
    const bool same = keeping_ && snapshot_valid_ && snapshot_.size() == n &&
                      std::memcmp(snapshot_.data(), pi_->params(), n * sizeof(double)) == 0;
    snapshot_valid_ = false;
    if (!same) ++this->policy_epoch_;
  }
  void end_native_run() {
    const std::size_t n = pi_->n_params();
    if (!keeping_ || n > kSnapshotMax) return;
    snapshot_.assign(pi_->params(), pi_->params() + n);
    snapshot_valid_ = true;
  }

  // act() without its checks (see Rollout::act_unchecked). A softmax sample's pi and
  // entropy are kept for the update, tagged with the current policy epoch.
  template <class R>
  void act_unchecked(const double* obs, R& rng, double* actions) {
    if constexpr (kKeep) {
      if (keeping_) {
        this->act_each(obs, actions, [&](auto x, double* a, std::size_t e) {
          a[0] = static_cast<double>(pi_->sample_keep(x, rng, keep_.data() + e * kw_));
          return this->policy_epoch_;
        });
        return;
      }
    }
    Base::act_unchecked(obs, rng, actions);
  }

  // Records R_{t+1} and the episode ends of the pending steps of every environment e
  // with mask[e] (mask may be null: all). final_obs holds each environment's last
  // observation (used to bootstrap truncated episodes). Runs the updates that become
  // due. Validates everything before changing anything.
  void record(const double* rewards, const std::uint8_t* terminated, const std::uint8_t* truncated,
              const double* final_obs, const std::uint8_t* mask) {
    for (std::size_t e = 0; e < n_envs_; ++e) {
      if (mask && !mask[e]) continue;
      this->check_record(e, rewards, terminated, truncated, final_obs);
    }
    record_unchecked(rewards, terminated, truncated, final_obs, mask);
  }

  // record() without its checks, for a caller that validated its arguments (the fused
  // loop: every environment has a pending action, rewards and observations are finite).
  void record_unchecked(const double* rewards, const std::uint8_t* terminated, const std::uint8_t* truncated,
                        const double* final_obs, const std::uint8_t* mask) {
    for (std::size_t e = 0; e < n_envs_; ++e) {  // before anything changes
      if (mask && !mask[e]) continue;
      if (episodes_[e].R.size() == episodes_[e].R.capacity()) check_episode_memory(e);
    }
    for (std::size_t e = 0; e < n_envs_; ++e) {
      if (mask && !mask[e]) continue;
      Episode& ep = episodes_[e];
      if (sparse_) {
        append(ep.I, pending_i_.data() + e * na_, na_);
      } else {
        append(ep.X, pending_x_.data() + e * d_, d_);
      }
      append(ep.A, pending_a_.data() + e * aw_, aw_);
      ep.R.push_back(rewards[e]);
      if (keeping_) {
        append(ep.K, keep_.data() + e * kw_, kw_);
        ep.tag.push_back(pending_tag_[e]);
      }
      this->count_step(e);
      if (terminated[e] || truncated[e]) {
        close_episode(e, terminated[e] != 0, final_obs + e * feat_.obs_dim());
      }
    }
    run_due_updates();
  }

  // Forgets unfinished episodes (e.g. when the environments are reset by the caller).
  void discard_unfinished() {
    for (auto& ep : episodes_) ep = Episode{};  // gives their memory back (a long episode's may be large)
    this->forget_pending();
  }

  std::size_t pending_episodes() const { return pool_.n_episodes; }

  // Finished episodes waiting for the next batch update (saved with a model, so that
  // none is lost), and their restoration, validated before anything changes.
  const Pool& pending() const { return pool_; }
  void restore_pending(Pool p) {
    const std::size_t n = p.R.size();
    auto bad = [](const std::string& what) { throw std::invalid_argument("pending episodes: " + what); };
    if (p.A.size() != n * aw_) bad("actions do not match the steps");
    if (sparse_ ? (p.I.size() != n * na_ || !p.X.empty()) : (p.X.size() != n * d_ || !p.I.empty()))
      bad("feature rows do not match the steps");
    if (p.boot.size() != n || p.tin.size() != n || p.term.size() != n || p.trunc.size() != n)
      bad("step fields differ in length");
    if (!all_finite(p.X.data(), p.X.size()) || !all_finite(p.A.data(), p.A.size()) ||
        !all_finite(p.R.data(), p.R.size()) || !all_finite(p.boot.data(), n))
      bad("contain NaN or inf");
    for (std::uint32_t i : p.I)
      if (i >= d_) bad("a feature index is out of range");
    std::size_t ends = 0;
    for (std::size_t t = 0; t < n; ++t) {
      if (p.term[t] && p.trunc[t]) bad("a step is both terminated and truncated");
      const bool end = p.term[t] || p.trunc[t];
      ends += end;
      const double expect = (t == 0 || p.term[t - 1] || p.trunc[t - 1]) ? 0.0 : p.tin[t - 1] + 1.0;
      if (p.tin[t] != expect) bad("time indices are inconsistent");
      PolicyOps<P>::check_action(*pi_, p.A.data() + t * aw_);
    }
    if (n > 0 && !(p.term[n - 1] || p.trunc[n - 1])) bad("the last step does not end an episode");
    if (ends != p.n_episodes) bad("the episode count does not match the ends");
    if (p.n_episodes >= (cfg_.update == UpdateMode::Batch ? cfg_.batch_episodes : 1))
      bad("as many episodes as an update takes would have been used already");
    p.K.assign(n * kw_, 0.0);  // nothing kept: the update recomputes pi for these steps
    p.tag.assign(keeping_ ? n : 0, 0);
    pool_ = std::move(p);
  }

 private:
  // REINFORCE keeps every step of its unfinished episodes and of the finished episodes
  // waiting for an update. Called when episode e's buffers are about to grow (they
  // double: rarely): MemoryLimitError when the steps kept, with episode e's doubled,
  // would pass the memory budget (a long or endless episode of large features).
  PGFAST_COLD void check_episode_memory(std::size_t e) const {
    const double step_bytes =
        static_cast<double>(sparse_ ? na_ * sizeof(std::uint32_t) : d_ * sizeof(double)) +
        static_cast<double>((aw_ + 1 + (keeping_ ? kw_ + 1 : 0)) * sizeof(double));
    std::size_t steps = pool_.R.size() + std::max<std::size_t>(episodes_[e].R.size(), 1);
    for (const Episode& ep : episodes_) steps += ep.R.size();
    const double bytes = static_cast<double>(steps) * step_bytes;
    if (bytes > memory_budget_bytes()) {
      throw MemoryLimitError(
          "REINFORCE keeps every step of an episode until it ends, and " + std::to_string(steps) + " steps of " +
          std::to_string(static_cast<long long>(step_bytes)) + " bytes each (x(s) has " + std::to_string(d_) +
          " features) would need about " + format_bytes(bytes) + ", more than " + memory_budget_text() +
          ": use fewer features, a time limit (gymnasium.wrappers.TimeLimit) or ActorCritic, which learns at "
          "every step");
    }
  }

  void close_episode(std::size_t e, bool terminated, const double* final_obs) {
    Episode& ep = episodes_[e];
    const std::size_t T = ep.R.size();
    double tail = 0.0;
    if (!terminated && cfg_.baseline && cfg_.bootstrap_truncated) {
      if (sparse_) {
        i_tmp_.resize(na_);
        feat_.active(final_obs, i_tmp_.data());
        tail = value(Active{i_tmp_.data(), na_});
      } else {
        x_tmp_.resize(d_);
        feat_.dense(final_obs, x_tmp_.data());
        tail = value(static_cast<const double*>(x_tmp_.data()));
      }
    }
    if (pool_.R.empty()) {  // the pool's first episode: swap buffers instead of copying
      pool_.X.swap(ep.X);
      pool_.I.swap(ep.I);
      pool_.A.swap(ep.A);
      pool_.R.swap(ep.R);
      pool_.K.swap(ep.K);
      pool_.tag.swap(ep.tag);
    } else {
      pool_.X.insert(pool_.X.end(), ep.X.begin(), ep.X.end());
      pool_.I.insert(pool_.I.end(), ep.I.begin(), ep.I.end());
      pool_.A.insert(pool_.A.end(), ep.A.begin(), ep.A.end());
      pool_.R.insert(pool_.R.end(), ep.R.begin(), ep.R.end());
      pool_.K.insert(pool_.K.end(), ep.K.begin(), ep.K.end());
      pool_.tag.insert(pool_.tag.end(), ep.tag.begin(), ep.tag.end());
    }
    const double* rewards = pool_.R.data() + (pool_.R.size() - T);  // the episode's, now the pool's last T
    double ret = 0.0;
    const std::size_t t0 = pool_.tin.size();
    pool_.tin.resize(t0 + T);
    pool_.term.resize(t0 + T, 0);
    pool_.trunc.resize(t0 + T, 0);
    pool_.boot.resize(t0 + T, 0.0);
    for (std::size_t t = 0; t < T; ++t) {
      ret += rewards[t];
      pool_.tin[t0 + t] = static_cast<double>(t);
    }
    pool_.term[t0 + T - 1] = terminated;
    pool_.trunc[t0 + T - 1] = !terminated;
    pool_.boot[t0 + T - 1] = tail;
    ++pool_.n_episodes;
    this->log_episode(ret, T);
    ep.clear();
    if (cfg_.update != UpdateMode::Batch) run_due_updates();  // one update per episode, in order
  }

  void run_due_updates() {
    const std::size_t need = cfg_.update == UpdateMode::Batch ? cfg_.batch_episodes : 1;
    if (pool_.n_episodes < need) return;
    // Whatever happens, the parameters may change: what later samples keep is of a new epoch.
    struct NewEpoch {
      std::uint64_t& epoch;
      ~NewEpoch() { ++epoch; }
    } new_epoch{this->policy_epoch_};
    // The schedule's step-size factor for this update (a rule reads it as lr_scale()); the
    // optimisers are back at their own lr afterwards, whatever happens.
    const ScopedLrScale scaled({opt_.get(), cfg_.baseline ? vopt_.get() : nullptr},
                               this->next_lr_scale(total_steps_));
    // A failed update restores every parameter. Sparse SGD steps log the entries they
    // change (O(active features)); otherwise every parameter is copied first.
    const bool logged = !rule_ && sparse_steps();
    if (!logged) {
      backup_.assign(pi_->params(), pi_->params() + pi_->n_params());
      backup_w_ = w_;
    }
    if (opt_) opt_->checkpoint();
    if (cfg_.baseline && vopt_) vopt_->checkpoint();
    const std::size_t n_logged = hist_.update_step.size();
    try {
      if (rule_) {
        const std::array<double, 3> s = rule_(pool_);
        log_update(s[0], s[1], s[2]);
      } else if (sparse_) {
        update(ActiveRows{pool_.I.data(), na_});
      } else {
        update(DenseRows{pool_.X.data(), d_});
      }
      const bool finite = logged ? undo_.all_finite_at(pi_->params()) && undo_w_.all_finite_at(w_.data())
                                 : all_finite(pi_->params(), pi_->n_params()) && all_finite(w_.data(), w_.size());
      if (!finite) {
        throw std::invalid_argument(
            "the update produced non-finite parameters (step size too large?); parameters restored");
      }
    } catch (...) {
      // The refused update never happened: Adam's t, m, v and the update log as they were.
      if (opt_) opt_->rollback();
      if (cfg_.baseline && vopt_) vopt_->rollback();
      this->unlog_updates(n_logged);
      if (logged) {
        undo_.restore(pi_->params());
        undo_w_.restore(w_.data());
        undo_.clear();
        undo_w_.clear();
        touch_.clear(g_.data());
        touch_w_.clear(gw_.data());
      } else {
        std::copy(backup_.begin(), backup_.end(), pi_->params());
        w_ = backup_w_;
        std::fill(g_.begin(), g_.end(), 0.0);
        std::fill(gw_.begin(), gw_.end(), 0.0);
      }
      pool_.clear();
      throw;
    }
    if (logged) {
      undo_.clear();
      undo_w_.clear();
    }
    pool_.clear();
  }

  // Whether optimiser steps touch only the entries of the active features.
  bool sparse_steps() const {
    return sparse_ && opt_ && opt_->sparse_steps() && (!cfg_.baseline || (vopt_ && vopt_->sparse_steps()));
  }

  // One optimiser step on params along g (zero outside the touched entries in sparse
  // mode); leaves g all zero for the next accumulation.
  double apply(Optimizer& opt, double* params, std::vector<double>& g, TouchSet& touch, UndoLog& undo) {
    double norm;
    if (sparse_ && opt.sparse_steps()) {
      const auto& idx = touch.sorted();
      if (sparse_steps()) undo.save(params, idx);  // else run_due_updates copied every parameter
      norm = opt.step_at(params, g.data(), idx.data(), idx.size(), g.size());
      touch.clear(g.data());
    } else {
      norm = opt.step(params, g.data(), g.size());
      std::fill(g.begin(), g.end(), 0.0);
      if (sparse_) touch.clear(g.data());
    }
    return norm;
  }

  template <class X>
  void touch(TouchSet& t, const SparseLayout& layout, X x) {
    if constexpr (std::is_same_v<X, Active>) t.add(layout, x);
  }

  template <class Rows>
  void update(Rows rows) {
    if (cfg_.update == UpdateMode::PerStep) {
      update_per_step(rows);
    } else {
      update_batch(rows);
    }
  }

  // G_t for every step of the pool; truncated ends add gamma * v(S_T) when bootstrapping.
  void pool_returns() {
    const std::size_t n = pool_.size();
    G_.resize(n);
    discounted_returns(pool_.R.data(), pool_.term.data(), pool_.trunc.data(), pool_.boot.data(), n, 1,
                       cfg_.gamma, G_.data());
  }

  // One value is left as it is: standardised it would be 0, and an update of one step (a
  // one-step episode) would never move (Stable-Baselines3 skips normalising a batch of one).
  static void standardise(std::vector<double>& v) {
    const std::size_t n = v.size();
    if (n < 2) return;
    // v.mean() and v.std() as NumPy computes them (pairwise sums, npy::sum).
    const double mean = npy::sum(v.data(), n) / static_cast<double>(n);
    const double var = npy::sum_of([&v, mean](std::size_t i) { return (v[i] - mean) * (v[i] - mean); }, n);
    const double sd = std::sqrt(var / static_cast<double>(n));
    for (double& x : v) x = (x - mean) / (sd + 1e-8);
  }

  // mean(v * v), as NumPy computes it.
  static double mean_square(const std::vector<double>& v) {
    return npy::sum_of([&v](std::size_t i) { return v[i] * v[i]; }, v.size()) / static_cast<double>(v.size());
  }

  double discount(std::size_t t) const {
    return cfg_.discount_gradient ? std::pow(cfg_.gamma, pool_.tin[t]) : 1.0;
  }

  // per_episode / batch: one optimiser step on
  //   (1/E) sum_t psi_t grad ln pi(A_t|S_t) + entropy_coef (1/E) sum_t grad H(S_t),
  // psi_t = G_t (or delta_t = G_t - v(S_t) with a baseline), standardised over the
  // batch when normalize_returns, times gamma^t when discount_gradient. The baseline
  // then takes one step on (1/E) sum_t delta_t [x_t, 1].
  template <class Rows>
  void update_batch(Rows x) {
    pool_returns();
    const std::size_t n = pool_.size();
    const double scale = 1.0 / static_cast<double>(pool_.n_episodes);
    psi_ = G_;
    double bl_loss = 0.0;
    if (cfg_.baseline) {
      for (std::size_t t = 0; t < n; ++t) psi_[t] = G_[t] - value(x(t));
      bl_loss = mean_square(psi_);
      delta_ = psi_;
    }
    if (cfg_.normalize_returns) standardise(psi_);
    double H = 0.0;
    const std::uint64_t epoch = this->policy_epoch_;
    const bool keeping = kKeep && keeping_;
    if (keeping) {  // the kept samples' log(z), all at once
      zs_.resize(n);
      log_z_.resize(n);
      for (std::size_t t = 0; t < n; ++t) zs_[t] = pool_.tag[t] == epoch ? pool_.K[t * kw_ + kw_ - 2] : 1.0;
      npy::log_array(zs_.data(), log_z_.data(), n);
    }
    for (std::size_t t = 0; t < n; ++t) {
      bool kept = false;
      if constexpr (kKeep) {
        if (keeping && pool_.tag[t] == epoch) {  // pi and H as the sample computed them: the parameters are the same
          const double* k = &pool_.K[t * kw_];
          H += log_z_[t] - k[kw_ - 1];
          pi_->add_weighted_rows(x(t), k, static_cast<std::size_t>(pool_.A[t]), scale * discount(t) * psi_[t],
                                 g_.data());
          kept = true;
        }
      }
      if (!kept) {
        H += PolicyOps<P>::add_grad_and_entropy(*pi_, x(t), &pool_.A[t * aw_], scale * discount(t) * psi_[t],
                                                g_.data());
      }
      if (cfg_.entropy_coef > 0.0) pi_->add_grad_entropy(x(t), scale * cfg_.entropy_coef, g_.data());
      touch(touch_, layout_, x(t));
    }
    const double norm = apply(*opt_, pi_->params(), g_, touch_, undo_);
    PolicyOps<P>::project(*pi_);
    if (cfg_.baseline) {
      for (std::size_t t = 0; t < n; ++t) {
        axpy(scale * delta_[t], x(t), gw_.data(), d_);
        gw_[d_] += scale * delta_[t];
        touch(touch_w_, layout_w_, x(t));
      }
      apply(*vopt_, w_.data(), gw_, touch_w_, undo_w_);
    }
    log_update(norm, H / static_cast<double>(n), bl_loss);
  }

  // The book's loop (box p. 328/330): for t = 0..T-1, in order,
  //   delta = G_t - v(S_t, w);  w += alpha_w delta grad v;  theta += alpha gamma^t delta grad ln pi(A_t|S_t, theta)
  // with theta and w as they are at step t. normalize_returns standardises G over the episode.
  template <class Rows>
  void update_per_step(Rows x) {
    pool_returns();
    if (cfg_.normalize_returns) standardise(G_);
    const std::size_t n = pool_.size();
    double norm_sum = 0.0, H = 0.0, bl_loss = 0.0;
    for (std::size_t t = 0; t < n; ++t) {
      double psi = G_[t];
      if (cfg_.baseline) {
        const double delta = G_[t] - value(x(t));
        bl_loss += delta * delta;
        axpy(delta, x(t), gw_.data(), d_);
        gw_[d_] = delta;
        touch(touch_w_, layout_w_, x(t));
        apply(*vopt_, w_.data(), gw_, touch_w_, undo_w_);
        psi = delta;
      }
      H += PolicyOps<P>::add_grad_and_entropy(*pi_, x(t), &pool_.A[t * aw_], discount(t) * psi, g_.data());
      if (cfg_.entropy_coef > 0.0) pi_->add_grad_entropy(x(t), cfg_.entropy_coef, g_.data());
      touch(touch_, layout_, x(t));
      norm_sum += apply(*opt_, pi_->params(), g_, touch_, undo_);
      PolicyOps<P>::project(*pi_);
    }
    const double nn = static_cast<double>(n);
    log_update(norm_sum / nn, H / nn, bl_loss / nn);
  }

  void log_update(double grad_norm, double entropy, double baseline_loss) {
    Base::log_update(grad_norm, entropy, cfg_.baseline ? baseline_loss : std::nan(""));
  }

  std::shared_ptr<Optimizer> opt_, vopt_;
  LearnerConfig cfg_;
  UpdateRule rule_;
  SparseLayout layout_, layout_w_;
  TouchSet touch_, touch_w_;
  UndoLog undo_, undo_w_;
  std::vector<double> w_;
  bool keeping_ = false;      // samples are kept (a softmax policy, one environment)
  std::size_t kw_ = 0;        // values kept per softmax sample: pi (n_actions), z, sum pi s
  std::vector<double> keep_;  // the pending samples' kept values (n_envs x kw_)
  std::vector<double> zs_, log_z_;  // an update's kept z and log(z)
  static constexpr std::size_t kSnapshotMax = 1024;
  std::vector<double> snapshot_;  // the parameters when the last fused run returned
  bool snapshot_valid_ = false;
  std::vector<std::uint32_t> i_tmp_;
  std::vector<Episode> episodes_;
  Pool pool_;
  std::vector<double> g_, gw_, G_, psi_, delta_, x_tmp_, backup_, backup_w_;
};

}  // namespace pgfast
