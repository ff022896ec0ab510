// Bindings of the linear policies: LinearSoftmax and LinearGaussian.
//
// Every method accepts one state x of shape (n_features,) or a batch of shape
// (N, n_features). Per-state calls keep the GIL (releasing it costs more than the
// work); batch calls release it after every argument has been cast and validated.
#include "pybind11.hpp"

#include <memory>
#include <type_traits>

#include "pgfast/gaussian.hpp"
#include "pgfast/softmax.hpp"

namespace pgfast::bind {
namespace {

std::size_t as_size(const py::int_& value, const char* name) {
  int overflow = 0;
  const long long v = PyLong_AsLongLongAndOverflow(value.ptr(), &overflow);
  if (overflow > 0) throw py::value_error(std::string(name) + " is too large");
  if (overflow < 0) throw py::value_error(std::string(name) + " must be >= 1");
  if (v < 1) throw py::value_error(std::string(name) + " must be >= 1, got " + std::to_string(v));
  if (static_cast<unsigned long long>(v) > kMaxSize) throw py::value_error(std::string(name) + " is too large");
  return static_cast<std::size_t>(v);
}

// ---- actions: integers for LinearSoftmax, float vectors for LinearGaussian ----
template <class P>
struct Actions;

template <>
struct Actions<LinearSoftmax> {
  struct One {
    std::size_t a;
    std::size_t arg() const { return a; }
  };
  struct Many {
    ActionArray a;
    std::size_t arg(std::size_t t) const { return static_cast<std::size_t>(a[t]); }
  };
  static One one(const LinearSoftmax& p, py::handle a) { return {as_action(a, "a", p.n_actions())}; }
  static Many many(const LinearSoftmax& p, py::handle a, std::size_t n) {
    return {as_actions(a, "a", p.n_actions(), n)};
  }
};

template <>
struct Actions<LinearGaussian> {
  struct One {
    darray a;
    const double* arg() const { return a.data(); }
  };
  struct Many {
    darray a;
    std::size_t m;
    const double* arg(std::size_t t) const { return a.data() + t * m; }
  };
  static darray checked(const LinearGaussian& p, py::handle a, std::size_t n) {
    auto arr = as_f64(a, "a");
    const std::size_t m = p.action_dim();
    const bool ok = n == 0 ? (arr.ndim() == 1 && static_cast<std::size_t>(arr.shape(0)) == m)
                           : (arr.ndim() == 2 && static_cast<std::size_t>(arr.shape(0)) == n &&
                              static_cast<std::size_t>(arr.shape(1)) == m);
    if (!ok) {
      throw py::value_error("a must have shape " +
                            (n == 0 ? "(" + std::to_string(m) + ",)"
                                    : "(" + std::to_string(n) + ", " + std::to_string(m) + ")") +
                            ", got " + shape_str(arr));
    }
    require_finite(arr, "a");
    return arr;
  }
  static One one(const LinearGaussian& p, py::handle a) { return {checked(p, a, 0)}; }
  static Many many(const LinearGaussian& p, py::handle a, std::size_t n) {
    return {checked(p, a, n), p.action_dim()};
  }
};

// Why a result of finite inputs can overflow, for the ValueError of require_finite_result.
template <class P>
struct Why;
template <>
struct Why<LinearSoftmax> {
  static constexpr const char* log_prob = "the action preferences of x are too far apart";
  static constexpr const char* grad = "x is too large";
};
template <>
struct Why<LinearGaussian> {
  static constexpr const char* log_prob = "|a - mean| is too large for the standard deviation";
  static constexpr const char* grad = "|a - mean| or x is too large for the standard deviation";
};

// x -> validated float64 states; returns N (0 for a single state).
template <class P>
std::size_t states(const P& p, const darray& x) {
  const std::size_t n = require_rows(x, "x", p.n_features());
  require_finite(x, "x");
  return n;
}

template <class P, class Fn>
py::array_t<double> per_row_vector(const P& p, const darray& x, std::size_t n, std::size_t width,
                                   Fn fn) {
  py::array_t<double> out({static_cast<py::ssize_t>(n), static_cast<py::ssize_t>(width)});
  double* o = out.mutable_data();
  const double* xs = x.data();
  const std::size_t d = p.n_features();
  {
    const py::gil_scoped_release nogil;  // safe: only raw pointers to owned buffers below
    std::fill(o, o + n * width, 0.0);
    for (std::size_t t = 0; t < n; ++t) fn(xs + t * d, t, o + t * width);
  }
  return out;
}

template <class P, class Fn>
py::array_t<double> per_row_scalar(const P& p, const darray& x, std::size_t n, Fn fn) {
  py::array_t<double> out(static_cast<py::ssize_t>(n));
  double* o = out.mutable_data();
  const double* xs = x.data();
  const std::size_t d = p.n_features();
  {
    const py::gil_scoped_release nogil;
    for (std::size_t t = 0; t < n; ++t) o[t] = fn(xs + t * d, t);
  }
  return out;
}

// Methods shared by both policies.
template <class P, class C>
void bind_common(C& cls) {
  using A = Actions<P>;
  cls.def_property_readonly("n_features", &P::n_features, "Length of the feature vector x(s).")
      .def_property_readonly("n_params", &P::n_params, "Number of parameters (len(params)).")
      .def_property_readonly("bias", &P::bias, "Whether the policy has a bias per output.")
      .def_property(
          "params",
          [](py::object self) {
            auto& p = self.cast<P&>();
            return owned_view(p.params(), p.n_params(), self);
          },
          [](P& p, py::handle value) { assign_vector(p.params(), p.n_params(), value, "params"); },
          R"pbdoc(All parameters as one writable float64 view (zero-copy; the policy owns the
memory, and the view keeps the policy alive). Assigning copies into it.)pbdoc")
      .def(
          "log_prob",
          [](py::handle self, py::handle x_, py::handle a_) -> py::object {
            const P& p = self_as<P>(self);
            auto x = as_f64(x_, "x");
            const std::size_t n = states(p, x);
            if (n == 0) {
              const double lp = p.log_prob(x.data(), A::one(p, a_).arg());
              require_finite_result(&lp, 1, "log_prob", Why<P>::log_prob);
              return py::float_(lp);
            }
            auto a = A::many(p, a_, n);
            auto out = per_row_scalar(p, x, n, [&](const double* xt, std::size_t t) {
              return p.log_prob(xt, a.arg(t));
            });
            require_finite_result(out.data(), n, "log_prob", Why<P>::log_prob);
            return out;
          },
          py::arg("x"), py::arg("a"),
          R"pbdoc(ln pi(a|x): a float for one state, an (N,) array for a batch.)pbdoc")
      .def(
          "grad_log_prob",
          [](py::handle self, py::handle x_, py::handle a_) -> py::array_t<double> {
            const P& p = self_as<P>(self);
            auto x = as_f64(x_, "x");
            const std::size_t n = states(p, x);
            if (n == 0) {
              auto a = A::one(p, a_);
              py::array_t<double> g(static_cast<py::ssize_t>(p.n_params()));
              std::fill(g.mutable_data(), g.mutable_data() + p.n_params(), 0.0);
              p.add_grad_log_prob(x.data(), a.arg(), 1.0, g.mutable_data());
              require_finite_result(g.data(), p.n_params(), "grad_log_prob", Why<P>::grad);
              return g;
            }
            auto a = A::many(p, a_, n);
            auto out = per_row_vector(p, x, n, p.n_params(),
                                      [&](const double* xt, std::size_t t, double* g) {
                                        p.add_grad_log_prob(xt, a.arg(t), 1.0, g);
                                      });
            require_finite_result(out.data(), n * p.n_params(), "grad_log_prob", Why<P>::grad);
            return out;
          },
          py::arg("x"), py::arg("a"),
          R"pbdoc(The eligibility vector grad_theta ln pi(a|x) (S&B eq. 13.9 for softmax,
eqs. 13.19-13.20 for Gaussian): shape (n_params,), or (N, n_params) for a batch.)pbdoc")
      .def(
          "entropy",
          [](const P& p, py::handle x_) -> py::object {
            auto x = as_f64(x_, "x");
            const std::size_t n = states(p, x);
            if (n == 0) {
              const double H = p.entropy(x.data());
              require_finite_result(&H, 1, "entropy", Why<P>::grad);
              return py::float_(H);
            }
            auto out = per_row_scalar(p, x, n, [&](const double* xt, std::size_t) { return p.entropy(xt); });
            require_finite_result(out.data(), n, "entropy", Why<P>::grad);
            return out;
          },
          py::arg("x"), R"pbdoc(Entropy of pi(.|x): a float, or (N,) for a batch.)pbdoc")
      .def(
          "grad_entropy",
          [](const P& p, py::handle x_) -> py::array_t<double> {
            auto x = as_f64(x_, "x");
            const std::size_t n = states(p, x);
            if (n == 0) {
              py::array_t<double> g(static_cast<py::ssize_t>(p.n_params()));
              std::fill(g.mutable_data(), g.mutable_data() + p.n_params(), 0.0);
              p.add_grad_entropy(x.data(), 1.0, g.mutable_data());
              require_finite_result(g.data(), p.n_params(), "grad_entropy", Why<P>::grad);
              return g;
            }
            auto out = per_row_vector(p, x, n, p.n_params(), [&](const double* xt, std::size_t, double* g) {
              p.add_grad_entropy(xt, 1.0, g);
            });
            require_finite_result(out.data(), n * p.n_params(), "grad_entropy", Why<P>::grad);
            return out;
          },
          py::arg("x"),
          R"pbdoc(Gradient of the entropy with respect to params: (n_params,) or (N, n_params).)pbdoc");
}

void bind_softmax(py::module_& m) {
  py::class_<LinearSoftmax, std::shared_ptr<LinearSoftmax>> cls(m, "LinearSoftmax", R"pbdoc(
Linear softmax policy over n_actions discrete actions (S&B §13.1, eq. 13.2-13.3).

pi(a|s) = softmax(h)_a with preferences h_b = theta_b . x(s) + bias_b. Parameters:
W (n_actions x n_features, row-major), then the bias (n_actions) when bias=True,
all zero initially (the uniform policy). n_actions = 1 is allowed (a constant policy
whose gradient is zero).)pbdoc");
  cls.def(py::init([](const py::int_& n_features, const py::int_& n_actions, bool bias) {
            return LinearSoftmax(as_size(n_features, "n_features"), as_size(n_actions, "n_actions"),
                                 bias);
          }),
          py::arg("n_features"), py::arg("n_actions"), py::arg("bias") = true);
  bind_common<LinearSoftmax>(cls);
  cls.def_property_readonly("n_actions", &LinearSoftmax::n_actions, "Number of discrete actions.")
      .def(
          "probs",
          [](const LinearSoftmax& p, py::handle x_) -> py::array_t<double> {
            auto x = as_f64(x_, "x");
            const std::size_t n = states(p, x);
            const std::size_t k = p.n_actions();
            if (n == 0) {
              py::array_t<double> out(static_cast<py::ssize_t>(k));
              p.probs(x.data(), out.mutable_data());
              return out;
            }
            return per_row_vector(p, x, n, k, [&](const double* xt, std::size_t, double* o) {
              p.probs(xt, o);
            });
          },
          py::arg("x"), R"pbdoc(pi(.|x): shape (n_actions,), or (N, n_actions) for a batch.)pbdoc")
      .def(
          "sample",
          [](py::handle self, py::handle x_, py::handle rng) -> py::object {
            const LinearSoftmax& p = self_as<LinearSoftmax>(self);
            auto x = as_f64(x_, "x");
            const std::size_t n = states(p, x);
            GeneratorStream stream(rng);
            if (n == 0) return py::int_(p.sample(x.data(), stream));
            py::array_t<std::int64_t> out(static_cast<py::ssize_t>(n));
            std::int64_t* o = out.mutable_data();
            const double* xs = x.data();
            {
              const py::gil_scoped_release nogil;  // the Generator's lock is held by `stream`
              for (std::size_t t = 0; t < n; ++t)
                o[t] = static_cast<std::int64_t>(p.sample(xs + t * p.n_features(), stream));
            }
            return out;
          },
          py::arg("x"), py::arg("rng"),
          R"pbdoc(Draw A ~ pi(.|x) with one uniform per state from rng (a numpy.random.Generator):
the first action whose cumulative probability exceeds it. Returns an int, or (N,) int64.)pbdoc")
      .def(
          "mode",
          [](const LinearSoftmax& p, py::handle x_) -> py::object {
            auto x = as_f64(x_, "x");
            const std::size_t n = states(p, x);
            if (n == 0) return py::int_(p.mode(x.data()));
            py::array_t<std::int64_t> out(static_cast<py::ssize_t>(n));
            for (std::size_t t = 0; t < n; ++t)
              out.mutable_data()[t] = static_cast<std::int64_t>(p.mode(x.data() + t * p.n_features()));
            return out;
          },
          py::arg("x"), R"pbdoc(Greedy action argmax_a pi(a|x) (the first on ties).)pbdoc")
      .def("__repr__", [](const LinearSoftmax& p) {
        return "LinearSoftmax(n_features=" + std::to_string(p.n_features()) +
               ", n_actions=" + std::to_string(p.n_actions()) +
               ", bias=" + (p.bias() ? "True" : "False") + ")";
      });
}

// mu(x) for one state or a batch (the Gaussian's mean, and its greedy action).
py::array_t<double> gaussian_mean(const LinearGaussian& p, py::handle x_) {
  auto x = as_f64(x_, "x");
  const std::size_t n = states(p, x);
  if (n == 0) {
    py::array_t<double> out(static_cast<py::ssize_t>(p.action_dim()));
    p.mean(x.data(), out.mutable_data());
    return out;
  }
  return per_row_vector(p, x, n, p.action_dim(), [&](const double* xt, std::size_t, double* o) { p.mean(xt, o); });
}

void bind_gaussian(py::module_& m) {
  py::class_<LinearGaussian, std::shared_ptr<LinearGaussian>> cls(m, "LinearGaussian", R"pbdoc(
Linear Gaussian policy over continuous actions (S&B §13.7, eqs. 13.18-13.20).

mu(s) = W x(s) + b, sigma = exp(clamp(l, log_std_min, log_std_max)), where the log-std l is
one learned parameter per action dimension, or, with state_dependent_std=True, linear in
the features: l(s) = W_sigma x(s) + c (eq. 13.18). Parameters: W (action_dim x n_features,
row-major), the bias (action_dim) when bias=True, then the log-std part (action_dim, or
W_sigma and c). The clamp keeps sigma in [e^-20, e^2] by default; outside it the log-std
gradient is 0.)pbdoc");
  cls.def(py::init([](const py::int_& n_features, const py::int_& action_dim, bool bias, double log_std_init,
                      double log_std_min, double log_std_max, bool state_dependent_std) {
            return LinearGaussian(as_size(n_features, "n_features"), as_size(action_dim, "action_dim"),
                                  bias, log_std_init, log_std_min, log_std_max, state_dependent_std);
          }),
          py::arg("n_features"), py::arg("action_dim") = 1, py::arg("bias") = true,
          py::arg("log_std_init") = 0.0, py::arg("log_std_min") = -20.0,
          py::arg("log_std_max") = 2.0, py::arg("state_dependent_std") = false);
  bind_common<LinearGaussian>(cls);
  cls.def_property_readonly("action_dim", &LinearGaussian::action_dim, "Action dimension.")
      .def_property_readonly("state_dependent_std", &LinearGaussian::state_dependent_std,
                             "Whether the log-std is linear in x(s) (else one parameter per dimension).")
      .def_property_readonly("log_std_min", &LinearGaussian::log_std_min, "Lower clamp of log-std.")
      .def_property_readonly("log_std_max", &LinearGaussian::log_std_max, "Upper clamp of log-std.")
      .def_property_readonly(
          "log_std",
          [](const LinearGaussian& p) {
            if (p.state_dependent_std()) {
              throw py::value_error("the log-std depends on the state (state_dependent_std=True): use log_std_at(x)");
            }
            py::array_t<double> out(static_cast<py::ssize_t>(p.action_dim()));
            for (std::size_t j = 0; j < p.action_dim(); ++j) out.mutable_data()[j] = p.log_std(j);
            return out;
          },
          "The clamped log-std per action dimension (a copy).")
      .def("project", &LinearGaussian::project,
           "Clamp the stored log-std parameters into [log_std_min, log_std_max] (in place).")
      .def("mean", &gaussian_mean, py::arg("x"), R"pbdoc(mu(x): shape (action_dim,), or (N, action_dim).)pbdoc")
      .def(
          "log_std_at",
          [](const LinearGaussian& p, py::handle x_) -> py::array_t<double> {
            auto x = as_f64(x_, "x");
            const std::size_t n = states(p, x);
            auto row = [&](const double* xt, std::size_t, double* o) {
              for (std::size_t j = 0; j < p.action_dim(); ++j) o[j] = p.log_std(j, xt);
            };
            if (n == 0) {
              py::array_t<double> out(static_cast<py::ssize_t>(p.action_dim()));
              row(x.data(), 0, out.mutable_data());
              return out;
            }
            return per_row_vector(p, x, n, p.action_dim(), row);
          },
          py::arg("x"), R"pbdoc(The clamped log-std l(s) at x: shape (action_dim,), or (N, action_dim).)pbdoc")
      .def(
          "sample",
          [](const LinearGaussian& p, py::handle x_, py::handle rng) -> py::array_t<double> {
            auto x = as_f64(x_, "x");
            const std::size_t n = states(p, x);
            const std::size_t k = p.action_dim();
            GeneratorStream stream(rng);
            if (n == 0) {
              py::array_t<double> out(static_cast<py::ssize_t>(k));
              p.sample(x.data(), stream, out.mutable_data());
              require_finite_result(out.data(), k, "sample", "the mean or the standard deviation is too large");
              return out;
            }
            py::array_t<double> out({static_cast<py::ssize_t>(n), static_cast<py::ssize_t>(k)});
            double* o = out.mutable_data();
            const double* xs = x.data();
            {
              const py::gil_scoped_release nogil;  // the Generator's lock is held by `stream`
              for (std::size_t t = 0; t < n; ++t) p.sample(xs + t * p.n_features(), stream, o + t * k);
            }
            require_finite_result(out.data(), n * k, "sample", "the mean or the standard deviation is too large");
            return out;
          },
          py::arg("x"), py::arg("rng"),
          R"pbdoc(Draw A = mu + sigma * N(0, I), one Generator.standard_normal() draw per
dimension in order: shape (action_dim,), or (N, action_dim). Not clipped.)pbdoc")
      .def("mode", &gaussian_mean, py::arg("x"), R"pbdoc(Greedy action: the mean mu(x).)pbdoc")
      .def("__repr__", [](const LinearGaussian& p) {
        return "LinearGaussian(n_features=" + std::to_string(p.n_features()) +
               ", action_dim=" + std::to_string(p.action_dim()) +
               ", bias=" + (p.bias() ? "True" : "False") + ")";
      });
}

}  // namespace

void register_policies(py::module_& m) {
  bind_softmax(m);
  bind_gaussian(m);
}

}  // namespace pgfast::bind
