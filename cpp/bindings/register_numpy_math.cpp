// Test-only bindings of numpy_math.hpp (NumPy's sum/exp/log reproduced), and the switch
// pgfast.reference sets at import to the exp/log variant the installed NumPy uses.
#include "pybind11.hpp"

#include <cmath>
#include <optional>

#include "pgfast/numpy_math.hpp"

namespace pgfast::bind {
namespace {

darray as_1d(py::handle x) {
  auto a = as_f64(x, "x");
  if (a.ndim() != 1) throw py::value_error("x must be 1-D, got shape " + shape_str(a));
  return a;
}

template <class F>
py::array_t<double> elementwise(py::handle x, F f) {
  const darray a = as_1d(x);
  const auto n = static_cast<std::size_t>(a.size());
  py::array_t<double> out(a.size());
  const double* in = a.data();
  double* o = out.mutable_data();
  for (std::size_t i = 0; i < n; ++i) o[i] = f(in[i]);
  return out;
}

npy::Mode as_mode(int mode) {
  if (mode != 0 && mode != 1) throw py::value_error("mode must be 0 (libm) or 1 (SVML AVX-512), got " + std::to_string(mode));
  if (mode == 1 && !npy::svml_available()) {
    throw py::value_error("mode 1 (SVML AVX-512) needs a CPU with AVX-512F");
  }
  return static_cast<npy::Mode>(mode);
}

}  // namespace

void register_numpy_math(py::module_& m) {
  m.def(
      "_npy_sum", [](py::handle x) { const darray a = as_1d(x); return npy::sum(a.data(), static_cast<std::size_t>(a.size())); },
      py::arg("x"), "np.add.reduce(x) of a 1-D float64 array, computed by the core (tests only).");
  m.def(
      "_npy_exp",
      [](py::handle x, std::optional<int> mode) {
        if (!mode) return elementwise(x, [](double v) { return npy::exp(v); });
        if (as_mode(*mode) == npy::Mode::kSvmlAvx512) return elementwise(x, [](double v) { return npy::svml::exp(v); });
        return elementwise(x, [](double v) { return std::exp(v); });
      },
      py::arg("x"), py::arg("mode") = py::none(),
      "np.exp(x) of a 1-D float64 array as the core computes it: in the current mode, or in `mode` "
      "(0 libm, 1 SVML AVX-512) (tests only).");
  m.def(
      "_npy_log",
      [](py::handle x, std::optional<int> mode) {
        if (!mode) return elementwise(x, [](double v) { return npy::log(v); });
        if (as_mode(*mode) == npy::Mode::kSvmlAvx512) return elementwise(x, [](double v) { return npy::svml::log(v); });
        return elementwise(x, [](double v) { return std::log(v); });
      },
      py::arg("x"), py::arg("mode") = py::none(),
      "np.log(x) of a 1-D float64 array as the core computes it (see _npy_exp) (tests only).");
  m.def(
      "_npy_log_array",
      [](py::handle x) {
        const darray a = as_1d(x);
        py::array_t<double> out(a.size());
        npy::log_array(a.data(), out.mutable_data(), static_cast<std::size_t>(a.size()));
        return out;
      },
      py::arg("x"),
      "np.log(x) of a 1-D float64 array by npy::log_array (eight values at a time in the SVML mode; "
      "the REINFORCE update's logged entropy) (tests only).");
  m.def(
      "_npy_set_mode", [](int mode) { npy::set_mode(as_mode(mode)); }, py::arg("mode"),
      "Select how the core computes exp/log: 0 libm, 1 NumPy's SVML AVX-512 kernels "
      "(pgfast.reference chooses at import).");
  m.def("_npy_mode", []() { return static_cast<int>(npy::mode()); }, "The current exp/log mode (0 or 1).");
  m.def("_npy_svml_available", &npy::svml_available, "Whether the SVML mode can run on this CPU.");
}

}  // namespace pgfast::bind
