// Bindings of the feature maps x(s) of Sutton & Barto ch. 9.
#include "pybind11.hpp"

#include <memory>

#include "pgfast/feature_map.hpp"

namespace pgfast::bind {

void register_features(py::module_& m) {
  py::class_<FeatureMap, std::shared_ptr<FeatureMap>>(m, "FeatureMap",
                                                      "Base class of the C++ feature maps x(s).")
      .def_property_readonly("n_inputs", &FeatureMap::n_inputs, "Length of the input s.")
      .def_property_readonly("n_features", &FeatureMap::n_features, "Length of x(s).")
      .def_property_readonly("sparse", &FeatureMap::sparse, "True when x(s) is binary and sparse.");
}

}  // namespace pgfast::bind
