// The interface of feature maps x(s) (Sutton & Barto, 2nd ed., ch. 9), as the learner
// uses them. The maps themselves are in features.hpp.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pgfast {

class FeatureMap {
 public:
  virtual ~FeatureMap() = default;
  virtual std::size_t n_inputs() const = 0;
  virtual std::size_t n_features() const = 0;
  // Sparse maps (tile coding) have n_active() features equal to 1 and the rest 0.
  virtual bool sparse() const { return false; }
  virtual std::size_t n_active() const { return n_features(); }
  // x (n_features values) of the input s (n_inputs values).
  virtual void dense(const double* s, double* x) const = 0;
  // Sparse maps only: the indices of the n_active() features equal to 1.
  virtual void active(const double* s, std::uint32_t* idx) const = 0;
};

}  // namespace pgfast
