// Bindings of the batch kernels: discounted returns and the policy gradient.
#include "pybind11.hpp"

#include <optional>

#include "pgfast/gradient.hpp"
#include "pgfast/returns.hpp"
#include "pgfast/util.hpp"

namespace pgfast::bind {
namespace {

barray flags_like(py::handle obj, const char* name, const darray& rewards) {
  auto f = as_bool(obj, name);
  if (f.ndim() != rewards.ndim() || !std::equal(f.shape(), f.shape() + f.ndim(), rewards.shape())) {
    throw py::value_error(std::string(name) + " must have the shape of rewards " +
                          shape_str(rewards) + ", got " + shape_str(f));
  }
  return f;
}

py::array_t<double> returns(py::handle rewards_, py::handle terminated_, py::handle truncated_,
                            double gamma, py::handle bootstrap_) {
  if (!(gamma >= 0.0 && gamma <= 1.0)) {
    throw py::value_error("gamma must be in [0, 1], got " + number_str(gamma));
  }
  auto r = as_f64(rewards_, "rewards");
  if (r.ndim() != 1 && r.ndim() != 2) {
    throw py::value_error("rewards must have shape (T,) or (T, n_envs), got " + shape_str(r));
  }
  require_finite(r, "rewards");
  auto term = flags_like(terminated_, "terminated", r);
  // std::optional, not a default array_t: a default-constructed array_t is a real
  // (empty) array, not a null handle.
  std::optional<barray> trunc;
  if (!truncated_.is_none()) trunc = flags_like(truncated_, "truncated", r);
  std::optional<darray> boot_opt;
  if (!bootstrap_.is_none()) {
    boot_opt = as_f64(bootstrap_, "bootstrap");
    const darray& boot = *boot_opt;
    if (boot.ndim() != r.ndim() || !std::equal(boot.shape(), boot.shape() + boot.ndim(), r.shape())) {
      throw py::value_error("bootstrap must have the shape of rewards " + shape_str(r) + ", got " +
                            shape_str(boot));
    }
    require_finite(boot, "bootstrap");
  }
  const auto T = static_cast<std::size_t>(r.shape(0));
  const std::size_t n = r.ndim() == 2 ? static_cast<std::size_t>(r.shape(1)) : 1;
  py::array_t<double> out(std::vector<py::ssize_t>(r.shape(), r.shape() + r.ndim()));
  const auto* rp = r.data();
  const auto* tp = reinterpret_cast<const std::uint8_t*>(term.data());
  const auto* up = trunc ? reinterpret_cast<const std::uint8_t*>(trunc->data()) : nullptr;
  const double* bp = boot_opt ? boot_opt->data() : nullptr;
  double* op = out.mutable_data();
  if (n > 0) {
    const py::gil_scoped_release nogil;  // all inputs are cast, owned arrays
    discounted_returns(rp, tp, up, bp, T, n, gamma, op);
  }
  require_finite_result(op, T * n, "discounted_returns", "|rewards| or |bootstrap| is too large");
  return out;
}

template <class P>
py::array_t<double> gradient_of(const P& p, py::handle X_, py::handle A_, py::handle w_) {
  auto X = as_f64(X_, "X");
  const std::size_t T = require_rows(X, "X", p.n_features(), /*allow_1d=*/false);
  require_finite(X, "X");
  auto w = as_f64(w_, "weights");
  require_shape_1d(w, "weights", T);
  require_finite(w, "weights");
  py::array_t<double> g(static_cast<py::ssize_t>(p.n_params()));
  double* gp = g.mutable_data();
  if constexpr (std::is_same_v<P, LinearSoftmax>) {
    const auto A = as_actions(A_, "A", p.n_actions(), T);
    const py::gil_scoped_release nogil;
    policy_gradient(p, X.data(), A.data(), w.data(), T, gp);
  } else {
    auto A = as_f64(A_, "A");
    if (A.ndim() != 2 || static_cast<std::size_t>(A.shape(0)) != T ||
        static_cast<std::size_t>(A.shape(1)) != p.action_dim()) {
      throw py::value_error("A must have shape (" + std::to_string(T) + ", " +
                            std::to_string(p.action_dim()) + "), got " + shape_str(A));
    }
    require_finite(A, "A");
    const py::gil_scoped_release nogil;
    policy_gradient(p, X.data(), A.data(), w.data(), T, gp);
  }
  require_finite_result(gp, p.n_params(), "policy_gradient", "|weights| times |X| is too large");
  return g;
}

}  // namespace

void register_returns(py::module_& m) {
  m.def("discounted_returns", &returns, py::arg("rewards"), py::arg("terminated"),
        py::arg("truncated") = py::none(), py::kw_only(), py::arg("gamma"),
        py::arg("bootstrap") = py::none(),
        R"pbdoc(
Discounted returns G_t = R_{t+1} + gamma G_{t+1} (S&B eq. 3.9) in one backward pass.

Parameters
----------
rewards : array_like, shape (T,) or (T, n_envs)
    rewards[t] is the reward received after the action at step t.
terminated, truncated : array_like of bool, same shape
    Episode ends. A terminated step ends with value 0. A truncated (time-limit) step
    ends with bootstrap[t] when bootstrap is given, else it is treated as terminal.
    The last row, when not done, is an unfinished episode and is treated as truncated.
gamma : float in [0, 1]
bootstrap : array_like, same shape, optional
    Value estimates v(S_{t+1}) of the observation after step t; read only where an
    episode is cut (truncated steps and the unfinished last row).

Returns
-------
numpy.ndarray
    G, float64, the shape of rewards.
)pbdoc");

  m.def(
      "policy_gradient",
      [](py::handle policy, py::handle X, py::handle A, py::handle weights) {
        if (py::isinstance<LinearSoftmax>(policy))
          return gradient_of(policy.cast<const LinearSoftmax&>(), X, A, weights);
        if (py::isinstance<LinearGaussian>(policy))
          return gradient_of(policy.cast<const LinearGaussian&>(), X, A, weights);
        throw py::type_error("policy must be a pgfast.LinearSoftmax or pgfast.LinearGaussian");
      },
      py::arg("policy"), py::arg("X"), py::arg("A"), py::arg("weights"),
      R"pbdoc(
sum_t weights[t] * grad ln pi(A[t] | X[t]) (S&B eqs. 13.8/13.11 with weights G_t or
G_t - b(S_t)), without materialising the (T, n_params) matrix of eligibility vectors.

X has shape (T, n_features); A is (T,) integer actions (softmax) or (T, action_dim)
(Gaussian); weights is (T,). Returns an (n_params,) float64 array.
)pbdoc");

  m.def(
      "_noop", [](py::handle, py::handle) { return 0; }, py::arg("x"), py::arg("rng"),
      "A trivial two-argument function: the floor of a pybind11 call, for benchmarks.");
}

}  // namespace pgfast::bind
