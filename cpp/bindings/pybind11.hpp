// Included first by every binding file: pybind11, NumPy's random C API, and the
// helpers that turn Python arguments into validated raw pointers.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <numpy/random/bitgen.h>
#include <numpy/random/distributions.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "pgfast/util.hpp"

namespace py = pybind11;

namespace pgfast::bind {

// Every array read through a raw pointer is C-contiguous, aligned and in native byte
// order: array_t::ensure() with these flags is NumPy's own conversion (PyArray_FromAny),
// which returns the array itself when it already is so and a converted copy otherwise.
// Without kAligned a misaligned buffer (np.frombuffer(buf, offset=1)) would be handed
// out as is and read with unaligned loads, which is undefined behaviour in C++.
constexpr int kAligned = py::detail::npy_api::NPY_ARRAY_ALIGNED_;
constexpr int kReadable = py::array::c_style | py::array::forcecast | kAligned;
using darray = py::array_t<double, kReadable>;
using barray = py::array_t<bool, kReadable>;
using iarray = py::array_t<std::int64_t, kReadable>;

std::string shape_str(const py::array& a);

// The data of `obj` when it is an ndarray of NumPy type `type_num` (NPY_DOUBLE_, ...)
// that is C-contiguous, aligned and in native byte order -- readable in place --, else
// nullptr. The per-step fast paths use it; everything else goes through as_f64.
const void* plain_data(py::handle obj, int type_num);

// Any array-like -> C-contiguous float64 (a copy only when needed), rejecting
// strings, objects and other non-numeric dtypes with a TypeError naming `name`.
darray as_f64(py::handle obj, const char* name);
// One real number (a Python float or int, a NumPy scalar or 0-d array, a bool) -> double,
// without a NumPy call for a Python float or int (the per-step reward of an env);
// anything else (a string, an array of shape (1,), ...) is a TypeError naming `name`.
double as_real(py::handle obj, const char* name);
// Any array-like of booleans (or 0/1 numbers) -> C-contiguous bool.
barray as_bool(py::handle obj, const char* name);

void require_finite(const darray& a, const char* name);
// The rule for extreme but finite input, shared with the NumPy twin: a result that is not
// finite is refused with ValueError "<what>: the result overflows (<why>)", never
// returned as inf or NaN (the inputs were checked finite before).
void require_finite_result(const double* x, std::size_t n, const char* what, const char* why);
// x must be (d,) (returns 0) or (N, d) with N >= 1 (returns N); `what` is the
// meaning of d used in the message, e.g. "n_features".
std::size_t require_rows(const darray& a, const char* name, std::size_t d, bool allow_1d = true);
void require_shape_1d(const py::array& a, const char* name, std::size_t n);

// Validated integer actions, read in place: an int64 C-contiguous array (the usual
// input) is not copied; other integer arrays are cast once. A per-call std::vector copy
// cost a fresh allocation (an mmap past 128 KiB) at every batch call.
class ActionArray {
 public:
  ActionArray() = default;
  explicit ActionArray(iarray a)
      : arr_(std::move(a)) {}
  const std::int64_t* data() const { return arr_.data(); }
  std::size_t size() const { return static_cast<std::size_t>(arr_.size()); }
  std::int64_t operator[](std::size_t i) const { return arr_.data()[i]; }

 private:
  iarray arr_;
};

// Validated integer actions: (N,) int64, every entry in [0, k).
ActionArray as_actions(py::handle obj, const char* name, std::size_t k, std::size_t expected_n);
// One integer action in [0, k): Python int or NumPy integer; floats are a TypeError.
std::size_t as_action(py::handle obj, const char* name, std::size_t k);

// The writable float64 view of `n` doubles at `data`, kept alive by `owner`.
py::array_t<double> owned_view(double* data, std::size_t n, py::handle owner);
// Copies a validated (n,) array into dst (used by `params` setters).
void assign_vector(double* dst, std::size_t n, py::handle value, const char* name);
// The parameters of an in-place update (optimiser steps): a writable 1-D float64 ndarray,
// never replaced by a copy the caller does not see. One readable in place (C-contiguous,
// aligned, native byte order: the usual policy.params) is written directly; any other
// (byte-swapped, misaligned, strided) is updated on a native copy that commit() converts
// back into the caller's buffer, as NumPy's `params += ...` would. Call commit() only
// after the update succeeded: on an exception the caller's array is left unchanged.
class InplaceParams {
 public:
  InplaceParams(py::handle obj, const char* name);
  double* data() { return work_.mutable_data(); }
  std::size_t size() const { return static_cast<std::size_t>(work_.size()); }
  void commit();

 private:
  py::array target_;
  bool copied_;
  darray work_;
};

// What the core needs of a numpy.random.Generator: the Generator and its BitGenerator
// (strong references, so the pointer stays valid), the BitGenerator's capsule pointer and
// its lock's bound acquire/release. The one place a Generator argument is checked.
struct GeneratorHandles {
  py::object generator, bit_generator, acquire, release;
  bitgen_t* bitgen = nullptr;
};

// Checks that `rng` is a numpy.random.Generator (a TypeError naming `rng` otherwise) and
// reads its handles. Call with the GIL held.
GeneratorHandles lookup_generator(py::handle rng);

// Draws from a numpy.random.Generator's BitGenerator while holding its lock, so the
// C++ core and NumPy code consume one stream. Construct with the GIL held; the lock is
// released by the destructor, which must also run with the GIL held.
class GeneratorStream final : public RandomSource {
 public:
  explicit GeneratorStream(py::handle rng);
  ~GeneratorStream() override;
  GeneratorStream(const GeneratorStream&) = delete;
  GeneratorStream& operator=(const GeneratorStream&) = delete;
  double uniform() override { return bitgen_->next_double(bitgen_->state); }
  double standard_normal() override { return random_standard_normal(bitgen_); }

 private:
  py::object keep_;     // the BitGenerator: alive while its pointer is used
  py::object release_;  // the bound lock.release
  bitgen_t* bitgen_;
};

// The C++ object behind `self`, for per-step methods that take `self` as a py::handle.
// pybind11's own cast of `self` finds the type by hashing its std::type_info name on
// every call (get_type_info: ~20 ns of a ~200 ns `sample`, in perf); here the lookup is
// done once. Other types (subclasses, uninitialised objects) take pybind11's path.
template <class T>
const T& self_as(py::handle self) {
  static const py::detail::type_info* const ti = py::detail::get_type_info(typeid(T), true);
  if (Py_TYPE(self.ptr()) == ti->type) {
    auto vh = reinterpret_cast<py::detail::instance*>(self.ptr())->get_value_and_holder(ti, false);
    if (vh && vh.holder_constructed()) return *vh.template value_ptr<T>();
  }
  try {
    return self.cast<const T&>();
  } catch (const py::cast_error&) {
    throw py::type_error(std::string("self must be a ") + ti->type->tp_name + ", got " +
                         Py_TYPE(self.ptr())->tp_name);
  }
}

void register_policies(py::module_& m);
void register_returns(py::module_& m);
void register_optim(py::module_& m);
void register_features(py::module_& m);
void register_learner(py::module_& m);
void register_envs(py::module_& m);
void register_fused(py::module_& m);
void register_numpy_math(py::module_& m);

}  // namespace pgfast::bind
