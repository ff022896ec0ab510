// Bindings of the REINFORCE learner: the per-step entry points of the agent's hot loop.
//
// One call per environment step (`step1` for a single gymnasium.Env, `step` for a
// vector env) records the reward of the previous action, runs any update that became
// due, encodes the next observation and samples the next action. These calls keep the
// GIL: the work per call is far below the cost of releasing it.
#include "pybind11.hpp"

#include <algorithm>
#include <cstddef>
#include <memory>
#include <optional>
#include <type_traits>

#include "pgfast/algorithms/actor_critic.hpp"
#include "pgfast/algorithms/reinforce.hpp"

namespace pgfast::bind {
namespace {

// Reads one observation row of n values into `out` without allocating for the common
// cases (a float32/float64 array readable in place, a Python int or float); any other
// byte order, alignment or layout is converted by as_f64.
void read_row(py::handle obs, double* out, std::size_t n, const char* name) {
  if (py::isinstance<py::array>(obs)) {
    if (static_cast<std::size_t>(py::reinterpret_borrow<py::array>(obs).size()) == n) {
      if (const void* d = plain_data(obs, py::detail::npy_api::NPY_DOUBLE_)) {
        std::copy_n(static_cast<const double*>(d), n, out);
        return;
      }
      if (const void* f = plain_data(obs, py::detail::npy_api::NPY_FLOAT_)) {
        std::copy_n(static_cast<const float*>(f), n, out);
        return;
      }
    }
  } else if (n == 1 && (PyLong_Check(obs.ptr()) || PyFloat_Check(obs.ptr()))) {
    out[0] = PyFloat_AsDouble(obs.ptr());
    return;
  }
  auto a = as_f64(obs, name);
  if (static_cast<std::size_t>(a.size()) != n) {
    throw py::value_error(std::string(name) + " must hold " + std::to_string(n) + " values, got shape " +
                          shape_str(a));
  }
  std::copy_n(a.data(), n, out);
}

darray rows(py::handle obj, const char* name, std::size_t n_envs, std::size_t obs_dim) {
  auto a = as_f64(obj, name);
  const bool ok = static_cast<std::size_t>(a.size()) == n_envs * obs_dim &&
                  (a.ndim() >= 1 && static_cast<std::size_t>(a.shape(0)) == n_envs);
  if (!ok) {
    throw py::value_error(std::string(name) + " must have n_envs=" + std::to_string(n_envs) +
                          " rows of " + std::to_string(obs_dim) + " values, got shape " + shape_str(a));
  }
  return a;
}

barray flags(py::handle obj, const char* name, std::size_t n) {
  auto a = as_bool(obj, name);
  require_shape_1d(a, name, n);
  return a;
}

LearnerConfig make_config(double gamma, bool baseline, bool normalize_returns, bool discount_gradient,
                          const std::string& update, long long batch_episodes, double entropy_coef,
                          bool bootstrap_truncated) {
  LearnerConfig c;
  c.gamma = gamma;
  c.baseline = baseline;
  c.normalize_returns = normalize_returns;
  c.discount_gradient = discount_gradient;
  if (update == "per_step") {
    c.update = UpdateMode::PerStep;
  } else if (update == "per_episode") {
    c.update = UpdateMode::PerEpisode;
  } else if (update == "batch") {
    c.update = UpdateMode::Batch;
  } else {
    throw py::value_error("update must be 'per_step', 'per_episode' or 'batch', got '" + update + "'");
  }
  if (batch_episodes < 1) throw py::value_error("batch_episodes must be >= 1");
  c.batch_episodes = static_cast<std::size_t>(batch_episodes);
  c.entropy_coef = entropy_coef;
  c.bootstrap_truncated = bootstrap_truncated;
  return c;
}

// Any array-like of numbers -> its values, flattened (for restoring saved state).
std::vector<double> f64_vector(py::handle obj, const char* name) {
  auto a = as_f64(obj, name);
  return std::vector<double>(a.data(), a.data() + a.size());
}

py::array_t<double> vec(const std::vector<double>& v) {
  return py::array_t<double>(static_cast<py::ssize_t>(v.size()), v.data());
}

// The random source of a step: the one attached by attach(rng) when rng is None, else a
// temporary stream over rng (which takes the Generator's lock for the call).
template <class L>
RandomSource& source(L& l, py::handle rng, std::optional<GeneratorStream>& tmp) {
  if (rng.is_none()) {
    if (!l.attached()) throw py::type_error("rng must be a numpy.random.Generator (or attach(rng) first), got None");
    return *l.attached();
  }
  tmp.emplace(rng);
  return *tmp;
}

template <class Lrn>
py::object actions_out(const Lrn& L, const std::vector<double>& a, bool single) {
  if constexpr (std::is_same_v<typename Lrn::policy_type, LinearSoftmax>) {
    if (single) return py::int_(static_cast<long long>(a[0]));
    py::array_t<std::int64_t> out(static_cast<py::ssize_t>(L.n_envs()));
    for (std::size_t e = 0; e < L.n_envs(); ++e) out.mutable_data()[e] = static_cast<std::int64_t>(a[e]);
    return out;
  } else {
    const auto w = static_cast<py::ssize_t>(L.action_width());
    if (single) return py::array_t<double>(w, a.data());
    return py::array_t<double>({static_cast<py::ssize_t>(L.n_envs()), w}, a.data());
  }
}

template <class L>
std::size_t env_index(const L& l, long long e) {
  if (e < 0 || static_cast<std::size_t>(e) >= l.n_envs()) throw py::index_error("environment index out of range");
  return static_cast<std::size_t>(e);
}

// The per-step API every algorithm shares (pgfast's agents drive it): act/step calls,
// features, the attached random source, history and step count.
template <class L, class Cls>
void bind_steps(Cls& cls) {
  cls
      .def_property_readonly("n_envs", &L::n_envs, "Number of environments fed per call.")
      .def_property_readonly("n_features", &L::n_features, "Length of x(s).")
      .def_property_readonly("total_steps", &L::total_steps, "Transitions recorded so far.")
      .def_property(
          "lr_schedule",
          [](const L& l) { return l.lr_schedule() == LrSchedule::Linear ? "linear" : "constant"; },
          [](L& l, const std::string& s) {
            if (s == "constant") {
              l.set_lr_schedule(LrSchedule::Constant);
            } else if (s == "linear") {
              l.set_lr_schedule(LrSchedule::Linear);
            } else {
              throw py::value_error("lr_schedule must be 'constant' or 'linear', got '" + s + "'");
            }
          },
          "The step-size schedule: 'constant', or 'linear' (every step size times the fraction of the "
          "window set by set_lr_window still to go, 1 - t / T).")
      .def("set_lr_window", &L::set_lr_window, py::arg("start"), py::arg("total"),
           "The run the lr schedule spans: total steps from total_steps == start.")
      .def_property_readonly("lr_scale", &L::lr_scale,
                             "The factor of the last update's step sizes (1 before any update).")
      .def(
          "act1",
          [](L& l, py::handle obs, py::handle rng) {
            if (l.n_envs() != 1) throw py::value_error("act1 needs n_envs == 1; use act");
            auto& o = l.obs_buffer();
            read_row(obs, o.data(), l.encoder().obs_dim, "observation");
            std::optional<GeneratorStream> tmp;
            RandomSource& stream = source(l, rng, tmp);
            auto& a = l.action_buffer();
            l.act(o.data(), stream, a.data());
            return actions_out(l, a, true);
          },
          py::arg("obs"), py::arg("rng") = py::none(),
          "Sample the first action of an episode (single environment).")
      .def(
          "step1",
          [](L& l, py::handle obs, py::handle reward_, bool terminated, bool truncated, py::handle rng) -> py::object {
            if (l.n_envs() != 1) throw py::value_error("step1 needs n_envs == 1; use step");
            const double reward = as_real(reward_, "reward");
            auto& o = l.obs_buffer();
            read_row(obs, o.data(), l.encoder().obs_dim, "observation");
            const std::uint8_t te = terminated, tr = truncated, one = 1;
            l.encoder().check(o.data(), "observation");
            if (te || tr) {
              l.record(&reward, &te, &tr, o.data(), &one);
              return py::none();
            }
            std::optional<GeneratorStream> tmp;
            RandomSource& stream = source(l, rng, tmp);  // before record(): a bad rng changes nothing
            l.record(&reward, &te, &tr, o.data(), &one);
            auto& a = l.action_buffer();
            l.act(o.data(), stream, a.data());
            return actions_out(l, a, true);
          },
          py::arg("obs"), py::arg("reward"), py::arg("terminated"), py::arg("truncated"),
          py::arg("rng") = py::none(),
          R"pbdoc(Single environment: record (reward, terminated, truncated) of the last action
with `obs` = S_{t+1}, run the update that becomes due, and return the next action; returns
None when the episode ended (reset the env, then call act1).)pbdoc")
      .def(
          "act",
          [](L& l, py::handle obs_, py::handle rng) {
            auto obs = rows(obs_, "obs", l.n_envs(), l.encoder().obs_dim);
            std::optional<GeneratorStream> tmp;
            RandomSource& stream = source(l, rng, tmp);
            auto& a = l.action_buffer();
            l.act(obs.data(), stream, a.data());
            return actions_out(l, a, false);
          },
          py::arg("obs"), py::arg("rng") = py::none(), "Sample an action for every environment.")
      .def(
          "step",
          [](L& l, py::handle obs_, py::handle rewards_, py::handle term_, py::handle trunc_, py::handle rng,
             py::handle final_obs_, py::handle mask_) {
            const std::size_t n = l.n_envs(), od = l.encoder().obs_dim;
            auto obs = rows(obs_, "obs", n, od);
            auto r = as_f64(rewards_, "rewards");
            require_shape_1d(r, "rewards", n);
            auto te = flags(term_, "terminated", n);
            auto tr = flags(trunc_, "truncated", n);
            std::optional<darray> fin;
            if (!final_obs_.is_none()) fin = rows(final_obs_, "final_obs", n, od);
            std::optional<barray> mask;
            if (!mask_.is_none()) mask = flags(mask_, "mask", n);
            l.check_obs(obs.data());
            std::optional<GeneratorStream> tmp;
            RandomSource& stream = source(l, rng, tmp);
            l.record(r.data(), reinterpret_cast<const std::uint8_t*>(te.data()),
                     reinterpret_cast<const std::uint8_t*>(tr.data()), fin ? fin->data() : obs.data(),
                     mask ? reinterpret_cast<const std::uint8_t*>(mask->data()) : nullptr);
            auto& a = l.action_buffer();
            l.act(obs.data(), stream, a.data());
            return actions_out(l, a, false);
          },
          py::arg("obs"), py::arg("rewards"), py::arg("terminated"), py::arg("truncated"),
          py::arg("rng") = py::none(), py::arg("final_obs") = py::none(), py::arg("mask") = py::none(),
          R"pbdoc(Vector environments: record the step of every environment whose mask is True
(final_obs[e] is the last observation of an episode that just ended; defaults to obs),
run the updates that become due, then sample an action for every environment from obs.)pbdoc")
      .def(
          "encode",
          [](L& l, py::handle obs_) {
            auto obs = as_f64(obs_, "obs");
            const std::size_t od = l.encoder().obs_dim, d = l.n_features();
            if (obs.size() == 0) throw py::value_error("obs is an empty batch (shape " + shape_str(obs) + ")");
            if (static_cast<std::size_t>(obs.size()) % od != 0) {
              throw py::value_error("obs must hold a multiple of " + std::to_string(od) + " values, got shape " +
                                    shape_str(obs));
            }
            const std::size_t n = static_cast<std::size_t>(obs.size()) / od;
            py::array_t<double> x({static_cast<py::ssize_t>(n), static_cast<py::ssize_t>(d)});
            for (std::size_t i = 0; i < n; ++i) l.features().check(obs.data() + i * od, "observation");
            for (std::size_t i = 0; i < n; ++i) l.features().dense(obs.data() + i * od, x.mutable_data() + i * d);
            return x;
          },
          py::arg("obs"), "Feature vectors x(s) of observations: shape (N, n_features).")
      .def("discard_unfinished", &L::discard_unfinished, "Forget unfinished episodes.")
      .def(
          "attach",
          [](L& l, py::handle rng) {
            if (l.attached()) throw py::value_error("a Generator is already attached; call detach() first");
            l.attach(std::make_unique<GeneratorStream>(rng));
          },
          py::arg("rng"),
          R"pbdoc(Hold rng's BitGenerator lock and draw from its stream in every following
step called with rng=None, until detach(). Used by Reinforce.learn for the whole loop:
locking once per run instead of once per step.)pbdoc")
      .def("detach", &L::detach, "Release the Generator attached by attach() (no-op if none).")
      .def(
          "history",
          [](L& l, long long since_episode, long long since_update) {
            const auto& h = l.history();
            if (since_episode < 0) throw py::value_error("since_episode must be >= 0");
            if (since_update < 0) throw py::value_error("since_update must be >= 0");
            // The records from index `since` on (none when since is past the end).
            auto tail = [](const std::vector<double>& v, long long since) {
              const std::size_t from = std::min(v.size(), static_cast<std::size_t>(since));
              return vec(std::vector<double>(v.begin() + static_cast<std::ptrdiff_t>(from), v.end()));
            };
            py::dict d;
            d["episode_return"] = tail(h.episode_return, since_episode);
            d["episode_length"] = tail(h.episode_length, since_episode);
            d["episode_end_step"] = tail(h.episode_end_step, since_episode);
            d["update_grad_norm"] = tail(h.update_grad_norm, since_update);
            d["update_entropy"] = tail(h.update_entropy, since_update);
            d["update_baseline_loss"] = tail(h.update_baseline_loss, since_update);
            d["update_step"] = tail(h.update_step, since_update);
            return d;
          },
          py::arg("since_episode") = 0, py::arg("since_update") = 0,
          R"pbdoc(A copy of what was recorded: per episode (from episode since_episode on) and
per update (from update since_update on); the defaults copy everything. A logger that
remembers how far it has read copies only the new records.)pbdoc")
      .def(
          "n_updates", [](L& l) { return l.history().update_step.size(); }, "Updates made so far.")
      .def(
          "n_episodes", [](L& l) { return l.history().episode_return.size(); }, "Episodes finished so far.")
      .def(
          "episode",
          [](L& l, long long i) {
            const auto& h = l.history();
            const auto n = static_cast<long long>(h.episode_return.size());
            if (i < 0) i += n;
            if (i < 0 || i >= n) throw py::index_error("episode index out of range");
            return py::make_tuple(h.episode_return[i], static_cast<long long>(h.episode_length[i]));
          },
          py::arg("i"), "(return, length) of finished episode i (negative counts from the end).")
      .def(
          "restore",
          [](L& l, const py::dict& h, long long total_steps) {
            auto& H = l.history();
            auto get = [&](const char* k) { return f64_vector(h[k], k); };
            H.episode_return = get("episode_return");
            H.episode_length = get("episode_length");
            H.episode_end_step = get("episode_end_step");
            H.update_grad_norm = get("update_grad_norm");
            H.update_entropy = get("update_entropy");
            H.update_baseline_loss = get("update_baseline_loss");
            H.update_step = get("update_step");
            l.set_total_steps(total_steps);
          },
          py::arg("history"), py::arg("total_steps"), "Restore history() and total_steps (for load).");
}

// Steps of finished episodes as NumPy arrays: feature rows X (or active indices I for a
// sparse map: `width` values a row), actions A, rewards R, and per step boot, tin, term,
// trunc; n_episodes.
template <class Pool>
py::dict pool_dict(const Pool& p, bool sparse, std::size_t width, std::size_t aw) {
  const auto n = static_cast<py::ssize_t>(p.R.size());
  py::dict d;
  if (sparse) {
    py::array_t<std::int64_t> I({n, static_cast<py::ssize_t>(width)});
    std::copy(p.I.begin(), p.I.end(), I.mutable_data());
    d["I"] = I;
  } else {
    py::array_t<double> X({n, static_cast<py::ssize_t>(width)});
    std::copy(p.X.begin(), p.X.end(), X.mutable_data());
    d["X"] = X;
  }
  py::array_t<double> A({n, static_cast<py::ssize_t>(aw)});
  std::copy(p.A.begin(), p.A.end(), A.mutable_data());
  d["A"] = A;
  d["R"] = vec(p.R);
  d["boot"] = vec(p.boot);
  d["tin"] = vec(p.tin);
  d["term"] = py::array_t<bool>(n, reinterpret_cast<const bool*>(p.term.data()));
  d["trunc"] = py::array_t<bool>(n, reinterpret_cast<const bool*>(p.trunc.data()));
  d["n_episodes"] = p.n_episodes;
  return d;
}

py::object callable_or_none(py::object f, const char* name) {
  if (!f.is_none() && !PyCallable_Check(f.ptr())) throw py::type_error(std::string(name) + " must be callable or None");
  return f;
}

template <class P>
void bind_learner(py::module_& m, const char* name) {
  using L = Learner<P>;
  py::class_<L> cls(m, name, R"pbdoc(
REINFORCE's per-step engine (S&B box p. 328; with baseline, eq. 13.11 and box p. 330).
Used by pgfast.Reinforce; see its docstring for the meaning of every switch.)pbdoc");
  cls.def(py::init([](std::shared_ptr<P> policy, std::shared_ptr<Optimizer> optimizer,
                       std::shared_ptr<Optimizer> baseline_optimizer, long long n_envs, long long obs_dim,
                       long long n_discrete, double gamma, bool baseline, bool normalize_returns,
                       bool discount_gradient, const std::string& update, long long batch_episodes,
                       double entropy_coef, bool bootstrap_truncated, std::shared_ptr<FeatureMap> features,
                       py::object update_rule) {
             if (n_envs < 1) throw py::value_error("n_envs must be >= 1");
             if (obs_dim < 1) throw py::value_error("obs_dim must be >= 1");
             if (n_discrete < 0) throw py::value_error("n_discrete must be >= 0");
             ObsEncoder enc{static_cast<std::size_t>(obs_dim), static_cast<std::size_t>(n_discrete)};
             typename L::UpdateRule rule;
             if (!callable_or_none(update_rule, "update_rule").is_none()) {
               // Called with the GIL held: the per-step calls keep it, and the fused loop
               // (which releases it) refuses a learner with a rule.
               rule = [fn = std::move(update_rule)](const typename L::Pool& p) {
                 const std::size_t n = p.R.size();
                 const bool sparse = p.X.empty();
                 py::object r = fn(pool_dict(p, sparse, (sparse ? p.I.size() : p.X.size()) / n, p.A.size() / n));
                 auto t = r.cast<std::tuple<double, double, double>>();
                 return std::array<double, 3>{std::get<0>(t), std::get<1>(t), std::get<2>(t)};
               };
             }
             return std::make_unique<L>(std::move(policy), std::move(optimizer), std::move(baseline_optimizer),
                                        make_config(gamma, baseline, normalize_returns, discount_gradient,
                                                    update, batch_episodes, entropy_coef, bootstrap_truncated),
                                        static_cast<std::size_t>(n_envs), enc, std::move(features), std::move(rule));
           }),
           py::arg("policy"), py::arg("optimizer"), py::arg("baseline_optimizer") = nullptr, py::kw_only(),
           py::arg("n_envs") = 1, py::arg("obs_dim"), py::arg("n_discrete") = 0, py::arg("gamma") = 0.99,
           py::arg("baseline") = false, py::arg("normalize_returns") = true,
           py::arg("discount_gradient") = false, py::arg("update") = "per_episode",
           py::arg("batch_episodes") = 1, py::arg("entropy_coef") = 0.0,
           py::arg("bootstrap_truncated") = true, py::arg("features") = nullptr,
           py::arg("update_rule") = py::none(), py::keep_alive<1, 2>(),
           py::keep_alive<1, 3>(),
           py::keep_alive<1, 4>());
  bind_steps<L>(cls);
  cls
      .def_property_readonly("has_rule", &L::has_rule,
                             "Whether updates run a rule written in Python (backend='numpy').")
      .def_property_readonly("pending_episodes", &L::pending_episodes,
                             "Finished episodes waiting for the next batch update.")
      .def_property_readonly(
          "baseline_params",
          [](py::object self) {
            auto& l = self.cast<L&>();
            return owned_view(l.baseline_params().data(), l.baseline_params().size(), self);
          },
          "The linear baseline's weights w (n_features + 1, the last is the bias): a writable view.")
      .def(
          "pending",
          [](const L& l) {
            return pool_dict(l.pending(), l.features().sparse(),
                             l.features().sparse() ? l.features().n_active() : l.n_features(), l.action_width());
          },
          R"pbdoc(A copy of the finished episodes waiting for the next batch update: feature rows
X (or active indices I for a sparse map), actions A, rewards R, and per step boot, tin, term,
trunc; n_episodes.)pbdoc")
      .def(
          "restore_pending",
          [](L& l, const py::dict& d) {
            typename L::Pool p;
            auto field = [&](const char* k) {
              if (!d.contains(k)) throw py::value_error(std::string("pending episodes: missing '") + k + "'");
              return d[k];
            };
            auto floats = [&](const char* k) { return f64_vector(field(k), k); };
            auto flags_of = [&](const char* k) {
              auto a = as_bool(field(k), k);
              return std::vector<std::uint8_t>(a.data(), a.data() + a.size());
            };
            if (l.features().sparse()) {
              if (!d.contains("I")) throw py::value_error("pending episodes: missing 'I'");
              auto a = iarray::ensure(d["I"]);  // aligned, native order: read in place
              if (!a) throw py::type_error("pending episodes: I must be integer indices");
              for (py::ssize_t i = 0; i < a.size(); ++i) {
                const auto v = a.data()[i];
                if (v < 0 || static_cast<std::size_t>(v) >= l.n_features())
                  throw py::value_error("pending episodes: a feature index is out of range");
                p.I.push_back(static_cast<std::uint32_t>(v));
              }
            } else {
              p.X = floats("X");
            }
            p.A = floats("A");
            p.R = floats("R");
            p.boot = floats("boot");
            p.tin = floats("tin");
            p.term = flags_of("term");
            p.trunc = flags_of("trunc");
            if (!d.contains("n_episodes")) throw py::value_error("pending episodes: missing 'n_episodes'");
            const long long ne = d["n_episodes"].cast<long long>();
            if (ne < 0) throw py::value_error("pending episodes: n_episodes must be >= 0");
            p.n_episodes = static_cast<std::size_t>(ne);
            l.restore_pending(std::move(p));
          },
          py::arg("pending"), "Restore pending() (for load); validated before anything changes.");
}


TraceKind trace_kind(const std::string& traces) {
  if (traces == "accumulating") return TraceKind::Accumulating;
  if (traces == "replacing") return TraceKind::Replacing;
  if (traces == "dutch") return TraceKind::Dutch;
  throw py::value_error("traces must be 'accumulating', 'replacing' or 'dutch', got '" + traces + "'");
}

py::array_t<double> trace_copy(const Trace& z) { return vec(z.values()); }

template <class P>
void bind_actor_critic(py::module_& m, const char* name) {
  using L = ActorCritic<P>;
  py::class_<L> cls(m, name, R"pbdoc(
Actor-critic's per-step engine (S&B §13.5-13.6; boxes p. 332 and p. 333): one update per
environment step. Used by pgfast.ActorCritic; see its docstring for every switch.)pbdoc");
  cls.def(py::init([](std::shared_ptr<P> policy, long long n_envs, long long obs_dim, long long n_discrete,
                      double gamma, double lambda_actor, double lambda_critic, double lr, double critic_lr,
                      double reward_lr, bool average_reward, const std::string& traces, double trace_tolerance,
                      double entropy_coef, std::shared_ptr<FeatureMap> features, py::object step_rule,
                      std::shared_ptr<Optimizer> optimizer, std::shared_ptr<Optimizer> critic_optimizer) {
            if (n_envs < 1) throw py::value_error("n_envs must be >= 1");
            if (obs_dim < 1) throw py::value_error("obs_dim must be >= 1");
            if (n_discrete < 0) throw py::value_error("n_discrete must be >= 0");
            ObsEncoder enc{static_cast<std::size_t>(obs_dim), static_cast<std::size_t>(n_discrete)};
            ActorCriticConfig c;
            c.gamma = gamma;
            c.lambda_actor = lambda_actor;
            c.lambda_critic = lambda_critic;
            c.lr = lr;
            c.critic_lr = critic_lr;
            c.reward_lr = reward_lr;
            c.average_reward = average_reward;
            c.traces = trace_kind(traces);
            c.trace_tolerance = trace_tolerance;
            c.entropy_coef = entropy_coef;
            typename L::StepRule rule;
            if (!callable_or_none(step_rule, "step_rule").is_none()) {
              // Called with the GIL held (see the learner's update_rule).
              rule = [fn = std::move(step_rule), aw = policy ? PolicyOps<P>::width(*policy) : std::size_t{0}](
                         const typename L::Transition& t) {
                auto row = [&](const double* x, const std::uint32_t* idx) -> py::object {
                  const auto n = static_cast<py::ssize_t>(t.n);
                  if (x) return py::array_t<double>(n, x);
                  if (!idx) return py::none();
                  py::array_t<std::int64_t> I(n);
                  std::copy(idx, idx + t.n, I.mutable_data());
                  return std::move(I);
                };
                py::object r = fn(t.env, t.first, row(t.x, t.active), py::array_t<double>(static_cast<py::ssize_t>(aw), t.action),
                                  t.reward, t.terminated, t.truncated, row(t.next_x, t.next_active));
                auto v = r.cast<std::tuple<double, double>>();
                return std::array<double, 2>{std::get<0>(v), std::get<1>(v)};
              };
            }
            return std::make_unique<L>(std::move(policy), c, static_cast<std::size_t>(n_envs), enc,
                                       std::move(features), std::move(rule), std::move(optimizer),
                                       std::move(critic_optimizer));
          }),
          py::arg("policy"), py::kw_only(), py::arg("n_envs") = 1, py::arg("obs_dim"), py::arg("n_discrete") = 0,
          py::arg("gamma") = 0.99, py::arg("lambda_actor") = 0.0, py::arg("lambda_critic") = 0.0,
          py::arg("lr") = 0.01, py::arg("critic_lr") = 0.1, py::arg("reward_lr") = 0.01,
          py::arg("average_reward") = false, py::arg("traces") = "accumulating",
          py::arg("trace_tolerance") = 1e-12, py::arg("entropy_coef") = 0.0, py::arg("features") = nullptr,
          py::arg("step_rule") = py::none(), py::arg("optimizer") = nullptr, py::arg("critic_optimizer") = nullptr,
          py::keep_alive<1, 2>());
  bind_steps<L>(cls);
  cls.def_property_readonly("has_rule", &L::has_rule,
                            "Whether steps run a rule written in Python (backend='numpy').")
      .def_property_readonly(
         "critic_params",
         [](py::object self) {
           auto& l = self.cast<L&>();
           return owned_view(l.critic_params().data(), l.critic_params().size(), self);
         },
         "The critic's weights w (n_features + 1, the last is the bias): a writable view.")
      .def_property("average_reward", &L::average_reward, &L::set_average_reward,
                    "The average-reward estimate R-bar (continuing setting).")
      .def(
          "actor_trace", [](const L& l, long long e) { return trace_copy(l.actor_trace(env_index(l, e))); },
          py::arg("e") = 0, "A copy of environment e's actor trace z^theta.")
      .def(
          "critic_trace", [](const L& l, long long e) { return trace_copy(l.critic_trace(env_index(l, e))); },
          py::arg("e") = 0, "A copy of environment e's critic trace z^w.")
      .def(
          "discount_factor", [](const L& l, long long e) { return l.discount_factor(env_index(l, e)); },
          py::arg("e") = 0, "Environment e's I = gamma^t (episodic setting).");
}

}  // namespace

void register_learner(py::module_& m) {
  bind_learner<LinearSoftmax>(m, "SoftmaxLearner");
  bind_learner<LinearGaussian>(m, "GaussianLearner");
  bind_actor_critic<LinearSoftmax>(m, "SoftmaxActorCritic");
  bind_actor_critic<LinearGaussian>(m, "GaussianActorCritic");
}

}  // namespace pgfast::bind
