// Bindings of the optimisers (gradient ascent): SGD and Adam.
#include "pybind11.hpp"

#include <memory>

#include "pgfast/optim.hpp"

namespace pgfast::bind {
namespace {

double max_norm_arg(const py::object& v) {
  if (v.is_none()) return 0.0;
  const double x = v.cast<double>();
  if (!(std::isfinite(x) && x > 0.0)) {
    throw py::value_error("max_grad_norm must be a finite number > 0 or None");
  }
  return x;
}

// Validates (params, grad) and runs `step` on raw pointers; returns the grad norm.
template <class Opt>
double step_inplace(Opt& opt, py::handle params_, py::handle grad_) {
  InplaceParams params(params_, "params");
  const std::size_t n = params.size();
  auto grad = as_f64(grad_, "grad");
  require_shape_1d(grad, "grad", n);
  require_finite(grad, "grad");
  const double norm = opt.step(params.data(), grad.data(), n);
  params.commit();
  return norm;
}

// The value given to `opt.lr = value`: a real number (not a bool, a string or None).
double lr_value(const py::object& value) {
  if (PyBool_Check(value.ptr()) || !PyNumber_Check(value.ptr()) || PyComplex_Check(value.ptr()) ||
      py::isinstance<py::array>(value)) {
    throw py::type_error("lr must be a number, got " + std::string(py::str(py::type::of(value).attr("__name__"))));
  }
  return value.cast<double>();
}

}  // namespace

void register_optim(py::module_& m) {
  py::class_<Optimizer, std::shared_ptr<Optimizer>>(m, "Optimizer",
                                                  "Base class of the ascent optimisers.");

  py::class_<SGD, Optimizer, std::shared_ptr<SGD>>(m, "SGD", R"pbdoc(
Stochastic gradient ASCENT: params += lr * step_size * c * grad.

step_size is an optional per-parameter scale (e.g. alpha/||c|| for Fourier features,
S&B §9.5.2); c clips the gradient to norm max_grad_norm when given (the rule of
``torch.nn.utils.clip_grad_norm_``: c = min(1, max_grad_norm / (||grad|| + 1e-6))).)pbdoc")
      .def(py::init([](double lr, const py::object& step_size, const py::object& max_grad_norm) {
             std::vector<double> s;
             if (!step_size.is_none()) {
               auto a = as_f64(step_size, "step_size");
               if (a.ndim() != 1) throw py::value_error("step_size must be 1-D, got " + shape_str(a));
               require_finite(a, "step_size");
               s.assign(a.data(), a.data() + a.size());
             }
             if (!(std::isfinite(lr) && lr > 0.0)) throw py::value_error("lr must be finite and > 0");
             return SGD(lr, std::move(s), max_norm_arg(max_grad_norm));
           }),
           py::arg("lr"), py::arg("step_size") = py::none(), py::arg("max_grad_norm") = py::none())
      .def_property(
          "lr", &SGD::lr, [](SGD& o, const py::object& v) { o.set_lr(lr_value(v)); }, "Step size alpha.")
      .def_property_readonly(
          "max_grad_norm",
          [](const SGD& o) -> py::object {
            return o.max_grad_norm() > 0 ? py::object(py::float_(o.max_grad_norm())) : py::none();
          },
          "Gradient-norm clip, or None.")
      .def_property_readonly(
          "step_size",
          [](const SGD& o) -> py::object {
            if (o.step_size().empty()) return py::none();
            return py::array_t<double>(static_cast<py::ssize_t>(o.step_size().size()),
                                       o.step_size().data());
          },
          "Per-parameter step-size scale (a copy), or None.")
      .def(
          "step", [](SGD& o, py::handle p, py::handle g) { return step_inplace(o, p, g); },
          py::arg("params"), py::arg("grad"),
          R"pbdoc(Update params IN PLACE along +grad. params must be a writable float64 1-D
array (e.g. policy.params) of any byte order, alignment or strides; it is never
replaced by a copy. A step whose result would overflow raises ValueError and leaves
params unchanged. Returns the gradient norm before clipping.)pbdoc");

  py::class_<Adam, Optimizer, std::shared_ptr<Adam>>(m, "Adam", R"pbdoc(
Adam (Kingma & Ba 2015, Algorithm 1) as gradient ASCENT, with bias correction:
m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
params += lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
The gradient is clipped to max_grad_norm first when given. The moments are sized on
the first step; later steps must use parameters of the same size.)pbdoc")
      .def(py::init([](double lr, std::pair<double, double> betas, double eps,
                       const py::object& max_grad_norm) {
             if (!(std::isfinite(lr) && lr > 0.0)) throw py::value_error("lr must be finite and > 0");
             return Adam(lr, betas.first, betas.second, eps, max_norm_arg(max_grad_norm));
           }),
           py::arg("lr") = 1e-3, py::arg("betas") = std::make_pair(0.9, 0.999),
           py::arg("eps") = 1e-8, py::arg("max_grad_norm") = py::none())
      .def_property(
          "lr", &Adam::lr, [](Adam& o, const py::object& v) { o.set_lr(lr_value(v)); }, "Step size alpha.")
      .def_property_readonly("betas", [](const Adam& o) { return py::make_tuple(o.beta1(), o.beta2()); },
                             "(beta1, beta2).")
      .def_property_readonly("eps", &Adam::eps, "Denominator epsilon.")
      .def_property_readonly(
          "max_grad_norm",
          [](const Adam& o) -> py::object {
            return o.max_grad_norm() > 0 ? py::object(py::float_(o.max_grad_norm())) : py::none();
          },
          "Gradient-norm clip, or None.")
      .def_property_readonly("t", &Adam::t, "Number of steps taken.")
      .def(
          "state",
          [](Adam& o) {
            return py::make_tuple(o.t(), py::array_t<double>(static_cast<py::ssize_t>(o.m().size()), o.m().data()),
                                  py::array_t<double>(static_cast<py::ssize_t>(o.v().size()), o.v().data()));
          },
          "(t, m, v): a copy of the optimiser state, for saving.")
      .def(
          "set_state",
          [](Adam& o, long long t, py::handle m_, py::handle v_) {
            auto m_arr = as_f64(m_, "m");
            auto v_arr = as_f64(v_, "v");
            if (m_arr.ndim() != 1) throw py::value_error("m must be 1-D, got " + shape_str(m_arr));
            require_shape_1d(v_arr, "v", static_cast<std::size_t>(m_arr.shape(0)));
            require_finite(m_arr, "m");
            require_finite(v_arr, "v");
            o.set_state(t, std::vector<double>(m_arr.data(), m_arr.data() + m_arr.size()),
                        std::vector<double>(v_arr.data(), v_arr.data() + v_arr.size()));
          },
          py::arg("t"), py::arg("m"), py::arg("v"), "Restore a state returned by state().")
      .def(
          "step", [](Adam& o, py::handle p, py::handle g) { return step_inplace(o, p, g); },
          py::arg("params"), py::arg("grad"),
          R"pbdoc(Update params IN PLACE along the Adam direction of +grad. params must be a
writable float64 1-D array of any byte order, alignment or strides; it is never
replaced by a copy. A step whose result would overflow raises ValueError and leaves
params and the state (t, m, v) unchanged. Returns the gradient norm before clipping.)pbdoc");
}

}  // namespace pgfast::bind
