// Bindings of the feature maps x(s) of Sutton & Barto ch. 9 (cpp/include/pgfast/features.hpp).
//
// The base class FeatureMap carries the calls every map shares (`__call__` for the dense
// x(s), `active` for the indices of a sparse map), one state (k,) or a batch (N, k).
// Batch calls release the GIL after every argument has been cast and validated: the maps
// are immutable after construction, so concurrent calls are safe.
#include "pybind11.hpp"

#include <memory>

#include "pgfast/features.hpp"

namespace pgfast::bind {
namespace {

std::size_t as_count(long long v, const char* name, long long minimum) {
  if (v < minimum) {
    throw py::value_error(std::string(name) + " must be >= " + std::to_string(minimum) + ", got " +
                          std::to_string(v));
  }
  if (static_cast<unsigned long long>(v) > kMaxSize) throw py::value_error(std::string(name) + " is too large");
  return static_cast<std::size_t>(v);
}

std::vector<double> as_vector(py::handle obj, const char* name, std::size_t n) {
  auto a = as_f64(obj, name);
  require_shape_1d(a, name, n);
  return std::vector<double>(a.data(), a.data() + n);
}

// obs -> validated float64 rows of n_inputs values; returns N (0 for a single state).
std::size_t states(const FeatureMap& f, const darray& a) {
  const std::size_t n = require_rows(a, "obs", f.n_inputs());
  require_finite(a, "obs");
  return n;
}

// One state as a 1-D float64 array of k values readable in place (C-contiguous, aligned,
// native byte order): its data, else nullptr (the per-step case, read without a
// conversion; everything else goes through as_f64).
const double* one_state(py::handle obs, std::size_t k) {
  const void* data = plain_data(obs, py::detail::npy_api::NPY_DOUBLE_);
  if (data == nullptr) return nullptr;
  const auto* proxy = py::detail::array_proxy(obs.ptr());
  const bool ok = proxy->nd == 1 && static_cast<std::size_t>(proxy->dimensions[0]) == k;
  return ok ? static_cast<const double*>(data) : nullptr;
}

constexpr const char* kWhyFeatures = "|obs| is too large for this feature map";

py::array_t<double> dense(const FeatureMap& f, py::handle obs_) {
  if (const double* s = one_state(obs_, f.n_inputs())) {
    if (!all_finite(s, f.n_inputs())) throw py::value_error("obs contains NaN or inf");
    py::array_t<double> x(static_cast<py::ssize_t>(f.n_features()));
    f.dense(s, x.mutable_data());
    require_finite_result(x.data(), f.n_features(), "features", kWhyFeatures);
    return x;
  }
  auto obs = as_f64(obs_, "obs");
  const std::size_t n = states(f, obs), k = f.n_inputs(), d = f.n_features();
  checked_mul(n == 0 ? 1 : n, d, "N * n_features");
  if (n == 0) {
    py::array_t<double> x(static_cast<py::ssize_t>(d));
    f.dense(obs.data(), x.mutable_data());
    require_finite_result(x.data(), d, "features", kWhyFeatures);
    return x;
  }
  py::array_t<double> x({static_cast<py::ssize_t>(n), static_cast<py::ssize_t>(d)});
  const double* s = obs.data();
  double* out = x.mutable_data();
  {
    // Safe: obs and x are owned arrays cast above; the map is immutable.
    const py::gil_scoped_release unlock;
    for (std::size_t i = 0; i < n; ++i) f.dense(s + i * k, out + i * d);
  }
  require_finite_result(out, n * d, "features", kWhyFeatures);
  return x;
}

py::array_t<std::int64_t> active(const FeatureMap& f, py::handle obs_) {
  if (!f.sparse()) throw py::type_error("active() needs a sparse feature map (TileCoding)");
  auto obs = as_f64(obs_, "obs");
  const std::size_t n = states(f, obs), k = f.n_inputs(), na = f.n_active();
  std::vector<std::uint32_t> idx((n == 0 ? 1 : n) * na);
  {
    const py::gil_scoped_release unlock;  // obs and idx are owned above; the map is immutable
    for (std::size_t i = 0; i < (n == 0 ? 1 : n); ++i) f.active(obs.data() + i * k, idx.data() + i * na);
  }
  py::array_t<std::int64_t> out = n == 0 ? py::array_t<std::int64_t>(static_cast<py::ssize_t>(na))
                                         : py::array_t<std::int64_t>({static_cast<py::ssize_t>(n),
                                                                      static_cast<py::ssize_t>(na)});
  std::copy(idx.begin(), idx.end(), out.mutable_data());
  return out;
}

template <class T>
py::array_t<double> as_array(const std::vector<T>& v, std::size_t cols = 0) {
  if (cols == 0) {
    py::array_t<double> a(static_cast<py::ssize_t>(v.size()));
    std::copy(v.begin(), v.end(), a.mutable_data());
    return a;
  }
  py::array_t<double> a({static_cast<py::ssize_t>(v.size() / cols), static_cast<py::ssize_t>(cols)});
  std::copy(v.begin(), v.end(), a.mutable_data());
  return a;
}

}  // namespace

void register_features(py::module_& m) {
  py::class_<FeatureMap, std::shared_ptr<FeatureMap>>(m, "FeatureMap",
                                                      R"pbdoc(Base class of the C++ feature maps x(s).)pbdoc")
      .def_property_readonly("n_inputs", &FeatureMap::n_inputs, "Length k of the input s.")
      .def_property_readonly("n_features", &FeatureMap::n_features, "Length of x(s).")
      .def_property_readonly("sparse", &FeatureMap::sparse, "True when x(s) is binary and sparse (tile coding).")
      .def_property_readonly("n_active", &FeatureMap::n_active, "Features equal to 1 in a sparse x(s).")
      .def("__call__", &dense, py::arg("obs"),
           R"pbdoc(Dense x(s): obs (k,) -> (n_features,), or (N, k) -> (N, n_features).)pbdoc")
      .def("active", &active, py::arg("obs"),
           R"pbdoc(Sparse maps: indices of the active features, (k,) -> (n_active,) or (N, k) -> (N, n_active).)pbdoc");

  py::class_<IdentityFeatures, FeatureMap, std::shared_ptr<IdentityFeatures>>(
      m, "IdentityFeatures", R"pbdoc(x(s) = s, then a constant 1 when bias.)pbdoc")
      .def(py::init([](long long n_inputs, bool bias) {
             return std::make_shared<IdentityFeatures>(as_count(n_inputs, "n_inputs", 1), bias);
           }),
           py::arg("n_inputs"), py::arg("bias") = true)
      .def_property_readonly("bias", &IdentityFeatures::bias);

  py::class_<PolynomialFeatures, FeatureMap, std::shared_ptr<PolynomialFeatures>>(
      m, "PolynomialFeatures",
      R"pbdoc(Polynomial basis (S&B §9.5.1, eq. 9.17): x_i(s) = prod_j s_j^c_ij.)pbdoc")
      .def(py::init([](long long n_inputs, long long degree, bool interaction) {
             return std::make_shared<PolynomialFeatures>(as_count(n_inputs, "n_inputs", 1),
                                                         as_count(degree, "degree", 0), interaction);
           }),
           py::arg("n_inputs"), py::arg("degree"), py::arg("interaction") = true)
      .def_property_readonly("exponents",
                             [](const PolynomialFeatures& f) { return as_array(f.exponents(), f.n_inputs()); },
                             "The exponent vectors c_i, shape (n_features, n_inputs).");

  py::class_<FourierFeatures, FeatureMap, std::shared_ptr<FourierFeatures>>(
      m, "FourierFeatures",
      R"pbdoc(Fourier basis (S&B §9.5.2, eq. 9.18): x_i(s) = cos(pi c_i . s), s scaled to [0, 1].)pbdoc")
      .def(py::init([](long long n_inputs, long long order, py::handle low, py::handle high, bool full,
                       bool coupled) {
             const std::size_t k = as_count(n_inputs, "n_inputs", 1);
             return std::make_shared<FourierFeatures>(k, as_count(order, "order", 0), as_vector(low, "low", k),
                                                      as_vector(high, "high", k), full, coupled);
           }),
           py::arg("n_inputs"), py::arg("order"), py::arg("low"), py::arg("high"), py::arg("full") = false,
           py::arg("coupled") = true)
      .def_property_readonly("coefficients",
                             [](const FourierFeatures& f) { return as_array(f.coefficients(), f.n_inputs()); },
                             "The coefficient vectors c_i, shape (n_cos, n_inputs).")
      .def_property_readonly("step_size_scale",
                             [](const FourierFeatures& f) { return as_array(f.step_size_scale()); },
                             "1/||c_i|| per feature (1 for c = 0): the book's alpha_i = alpha/||c_i||.");

  py::class_<RBFFeatures, FeatureMap, std::shared_ptr<RBFFeatures>>(
      m, "RBFFeatures",
      R"pbdoc(Radial basis functions (S&B §9.5.5, eq. 9.19): exp(-||s - c_i||^2 / (2 sigma_i^2)).)pbdoc")
      .def(py::init([](py::handle centers_, py::handle widths_) {
             auto c = as_f64(centers_, "centers");
             if (c.ndim() != 2 || c.shape(0) < 1 || c.shape(1) < 1) {
               throw py::value_error("centers must have shape (n_centers, n_inputs), got " + shape_str(c));
             }
             const std::size_t n = static_cast<std::size_t>(c.shape(0)), k = static_cast<std::size_t>(c.shape(1));
             require_finite(c, "centers");
             return std::make_shared<RBFFeatures>(k, std::vector<double>(c.data(), c.data() + n * k),
                                                  as_vector(widths_, "widths", n));
           }),
           py::arg("centers"), py::arg("widths"))
      .def_property_readonly("centers", [](const RBFFeatures& f) { return as_array(f.centers(), f.n_inputs()); })
      .def_property_readonly("widths", [](const RBFFeatures& f) { return as_array(f.widths()); });

  py::class_<TileCodingFeatures, FeatureMap, std::shared_ptr<TileCodingFeatures>>(
      m, "TileCodingFeatures",
      R"pbdoc(Tile coding (S&B §9.5.4): n_tilings offset grids; sparse, n_tilings active tiles.)pbdoc")
      .def(py::init([](long long n_inputs, long long n_tilings, std::vector<long long> tiles_per_dim,
                       py::handle low, py::handle high, bool asymmetric) {
             const std::size_t k = as_count(n_inputs, "n_inputs", 1);
             if (tiles_per_dim.size() != k) {
               throw py::value_error("tiles_per_dim must have " + std::to_string(k) + " entries, got " +
                                     std::to_string(tiles_per_dim.size()));
             }
             std::vector<std::size_t> tiles(k);
             for (std::size_t j = 0; j < k; ++j) tiles[j] = as_count(tiles_per_dim[j], "tiles_per_dim", 1);
             return std::make_shared<TileCodingFeatures>(k, as_count(n_tilings, "n_tilings", 1), tiles,
                                                         as_vector(low, "low", k), as_vector(high, "high", k),
                                                         asymmetric);
           }),
           py::arg("n_inputs"), py::arg("n_tilings"), py::arg("tiles_per_dim"), py::arg("low"), py::arg("high"),
           py::arg("asymmetric") = true)
      .def_property_readonly("n_tilings", &TileCodingFeatures::n_tilings);
}

}  // namespace pgfast::bind
