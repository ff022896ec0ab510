// Argument validation and the numpy.random.Generator bridge shared by all bindings.
#include "pybind11.hpp"

#include <utility>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define PGFAST_BIG_ENDIAN 1
#else
#define PGFAST_BIG_ENDIAN 0
#endif

namespace pgfast::bind {

std::string shape_str(const py::array& a) {
  std::string s = "(";
  for (py::ssize_t i = 0; i < a.ndim(); ++i) {
    s += std::to_string(a.shape(i));
    if (a.ndim() == 1 || i + 1 < a.ndim()) s += i + 1 < a.ndim() ? ", " : ",";
  }
  return s + ")";
}

namespace {

// Converts without a dtype first (np.asarray semantics), so that strings and objects are
// seen as such instead of being parsed by a float/bool cast.
py::array numeric_array(py::handle obj, const char* name, bool allow_bool) {
  if (obj.is_none()) throw py::type_error(std::string(name) + " must be array-like, got None");
  auto a = py::array::ensure(obj);
  if (!a) {
    PyErr_Clear();
    throw py::type_error(std::string(name) + " must be array-like, got " +
                         py::str(py::type::of(obj).attr("__name__")).cast<std::string>());
  }
  const char kind = a.dtype().kind();
  const bool ok = kind == 'f' || kind == 'i' || kind == 'u' || (allow_bool && kind == 'b');
  if (!ok) {
    throw py::type_error(std::string(name) + " must be numeric, got dtype " +
                         py::str(a.dtype()).cast<std::string>());
  }
  return a;
}

}  // namespace

const void* plain_data(py::handle obj, int type_num) {
  if (!py::isinstance<py::array>(obj)) return nullptr;
  const auto* a = py::detail::array_proxy(obj.ptr());
  constexpr int need = py::detail::npy_api::NPY_ARRAY_C_CONTIGUOUS_ | kAligned;
  const auto* descr = py::detail::array_descriptor_proxy(a->descr);
  const bool native = descr->byteorder == '=' || descr->byteorder == '|' ||
                      descr->byteorder == (PGFAST_BIG_ENDIAN ? '>' : '<');
  return (a->flags & need) == need && native && descr->type_num == type_num ? a->data : nullptr;
}

darray as_f64(py::handle obj, const char* name) {
  // The per-step fast path: an array usable as is, without a NumPy call.
  if (plain_data(obj, py::detail::npy_api::NPY_DOUBLE_) != nullptr) return py::reinterpret_borrow<darray>(obj);
  auto a = darray::ensure(numeric_array(obj, name, true));
  if (!a) {
    throw py::type_error(std::string(name) + " must be convertible to a float64 array, got " +
                         py::str(py::type::of(obj).attr("__name__")).cast<std::string>());
  }
  return a;
}

double as_real(py::handle obj, const char* name) {
  PyObject* o = obj.ptr();
  if (PyFloat_Check(o)) return PyFloat_AS_DOUBLE(o);  // float and np.float64
  if (PyLong_CheckExact(o)) {
    const double v = PyLong_AsDouble(o);
    if (v == -1.0 && PyErr_Occurred()) {
      PyErr_Clear();
      throw py::value_error(std::string(name) + " is an int too large for a float64");
    }
    return v;
  }
  const darray a = as_f64(obj, name);
  if (a.ndim() != 0) {
    throw py::type_error(std::string(name) + " must be one number (a float, an int or a NumPy scalar), got " +
                         py::str(py::type::of(obj).attr("__name__")).cast<std::string>() + " of shape " +
                         shape_str(a));
  }
  return *a.data();
}

barray as_bool(py::handle obj, const char* name) {
  auto a = barray::ensure(numeric_array(obj, name, true));
  if (!a) throw py::type_error(std::string(name) + " must be convertible to a bool array");
  return a;
}

namespace {

// all_finite over a large array: x * 0 is NaN exactly when x is inf or NaN. Eight
// independent sums instead of one: a single running sum is a chain of dependent adds
// (4 cycles each) that cost ~8% of policy_gradient at T = 1e5, d = 4 (perf).
bool all_finite_wide(const double* x, std::size_t n) {
  constexpr std::size_t kLanes = 8;
  if (n < 2 * kLanes) return all_finite(x, n);  // a per-step state: keep it short
  double acc[kLanes] = {};
  std::size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (std::size_t l = 0; l < kLanes; ++l) acc[l] += x[i + l] * 0.0;
  }
  for (; i < n; ++i) acc[0] += x[i] * 0.0;
  double total = 0.0;
  for (double v : acc) total += v;
  return total == 0.0;
}

}  // namespace

void require_finite(const darray& a, const char* name) {
  if (!all_finite_wide(a.data(), static_cast<std::size_t>(a.size()))) {
    throw py::value_error(std::string(name) + " contains NaN or inf");
  }
}

void require_finite_result(const double* x, std::size_t n, const char* what, const char* why) {
  if (!all_finite_wide(x, n)) throw py::value_error(std::string(what) + ": the result overflows (" + why + ")");
}

std::size_t require_rows(const darray& a, const char* name, std::size_t d, bool allow_1d) {
  if (allow_1d && a.ndim() == 1 && static_cast<std::size_t>(a.shape(0)) == d) return 0;
  if (a.ndim() == 2 && static_cast<std::size_t>(a.shape(1)) == d) {
    if (a.shape(0) == 0) throw py::value_error(std::string(name) + " is an empty batch");
    return static_cast<std::size_t>(a.shape(0));
  }
  // The message is built only on failure: formatting it costs more than a per-step call.
  const std::string batch = "(N, " + std::to_string(d) + ")";
  const std::string want = allow_1d ? "(" + std::to_string(d) + ",) or " + batch : batch;
  throw py::value_error(std::string(name) + " must have shape " + want + ", got " + shape_str(a));
}

void require_shape_1d(const py::array& a, const char* name, std::size_t n) {
  if (a.ndim() != 1 || static_cast<std::size_t>(a.shape(0)) != n) {
    throw py::value_error(std::string(name) + " must have shape (" + std::to_string(n) +
                          ",), got " + shape_str(a));
  }
}

ActionArray as_actions(py::handle obj, const char* name, std::size_t k, std::size_t expected_n) {
  if (obj.is_none()) throw py::type_error(std::string(name) + " must be integer actions, got None");
  auto raw = py::array::ensure(obj);
  if (!raw) throw py::type_error(std::string(name) + " must be an array of integer actions");
  const char kind = raw.dtype().kind();
  if (kind != 'i' && kind != 'u') {
    throw py::type_error(std::string(name) + " must hold integer actions, got dtype " +
                         py::str(raw.dtype()).cast<std::string>());
  }
  require_shape_1d(raw, name, expected_n);
  ActionArray out(iarray::ensure(raw));
  // Branch-free min/max over the batch; the first offending index is looked for only
  // when there is one.
  std::int64_t lo = 0, hi = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    lo = std::min(lo, out[i]);
    hi = std::max(hi, out[i]);
  }
  if (lo >= 0 && static_cast<std::size_t>(hi) < k) return out;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i] < 0 || static_cast<std::size_t>(out[i]) >= k) {
      throw py::value_error(std::string(name) + "[" + std::to_string(i) + "] = " +
                            std::to_string(out[i]) + " is out of range for " + std::to_string(k) +
                            " actions");
    }
  }
  // Unsigned values beyond int64 would have wrapped negative above; caught by the range check.
  return out;
}

std::size_t as_action(py::handle obj, const char* name, std::size_t k) {
  if (py::isinstance<py::array>(obj) && py::reinterpret_borrow<py::array>(obj).ndim() != 0) {
    throw py::type_error(std::string(name) + " must be one integer action for one state, got an array of shape " +
                         shape_str(py::reinterpret_borrow<py::array>(obj)));
  }
  if (PyFloat_Check(obj.ptr()) || !PyIndex_Check(obj.ptr()) || PyBool_Check(obj.ptr())) {
    throw py::type_error(std::string(name) + " must be an integer action, got " +
                         py::str(py::type::of(obj).attr("__name__")).cast<std::string>());
  }
  const long long v = PyLong_AsLongLong(py::reinterpret_steal<py::object>(PyNumber_Index(obj.ptr())).ptr());
  if (v == -1 && PyErr_Occurred()) {
    PyErr_Clear();
    throw py::value_error(std::string(name) + " is out of range");
  }
  if (v < 0 || static_cast<unsigned long long>(v) >= k) {
    throw py::value_error(std::string(name) + " = " + std::to_string(v) + " is out of range for " +
                          std::to_string(k) + " actions");
  }
  return static_cast<std::size_t>(v);
}

py::array_t<double> owned_view(double* data, std::size_t n, py::handle owner) {
  return py::array_t<double>({static_cast<py::ssize_t>(n)}, {sizeof(double)}, data, owner);
}

void assign_vector(double* dst, std::size_t n, py::handle value, const char* name) {
  auto a = as_f64(value, name);
  require_shape_1d(a, name, n);
  require_finite(a, name);
  std::copy(a.data(), a.data() + n, dst);
}

namespace {

py::array inplace_target(py::handle obj, const char* name) {
  if (!py::isinstance<py::array>(obj)) {
    throw py::type_error(std::string(name) + " must be a numpy.ndarray updated in place");
  }
  auto a = py::reinterpret_borrow<py::array>(obj);
  const auto dt = a.dtype();
  if (dt.kind() != 'f' || dt.itemsize() != static_cast<py::ssize_t>(sizeof(double))) {
    throw py::type_error(std::string(name) + " must have dtype float64 to be updated in place, got " +
                         py::str(dt).cast<std::string>());
  }
  if (a.ndim() != 1) throw py::value_error(std::string(name) + " must be 1-D, got shape " + shape_str(a));
  if (!a.writeable()) throw py::value_error(std::string(name) + " is read-only");
  return a;
}

}  // namespace

// Members are built in the initialiser list: a default-constructed py::array allocates
// an empty NumPy array, which would cost more than a small optimiser step.
InplaceParams::InplaceParams(py::handle obj, const char* name)
    : target_(inplace_target(obj, name)),
      copied_(plain_data(obj, py::detail::npy_api::NPY_DOUBLE_) == nullptr),
      // Not usable in place (byte-swapped, misaligned or strided): step on a native copy,
      // written back by commit().
      work_(copied_ ? darray::ensure(target_) : py::reinterpret_borrow<darray>(obj)) {
  if (!work_) throw py::error_already_set();
}

void InplaceParams::commit() {
  if (!copied_) return;
  // NumPy converts back into the caller's buffer: its byte order, alignment and strides.
  target_.attr("__setitem__")(py::ellipsis(), work_);
}

// ---------------------------------------------------------------------------------
// numpy.random.Generator bridge.
//
// Looking up rng.bit_generator, its capsule and its lock costs more than sampling
// from a 2-action policy, so the last two Generators seen are cached (GIL-protected;
// two: a fused run takes the agent's and the env's at every call). The cache holds
// strong references to them: their identities cannot be reused by other objects while
// cached.
namespace {

struct GeneratorCache {
  GeneratorHandles entry[2];  // the most recently used first
};

GeneratorCache& cache() {
  // Leaked on purpose: destroying Python objects at interpreter shutdown is unsafe.
  static auto* c = new GeneratorCache();
  return *c;
}

const py::object& generator_type() {
  static auto* t = new py::object(py::module_::import("numpy.random").attr("Generator"));
  return *t;
}

}  // namespace

GeneratorHandles lookup_generator(py::handle rng) {
  if (!py::isinstance(rng, generator_type())) {
    throw py::type_error("rng must be a numpy.random.Generator (np.random.default_rng(seed)), got " +
                         py::str(py::type::of(rng).attr("__name__")).cast<std::string>());
  }
  GeneratorHandles h;
  py::object bg = rng.attr("bit_generator");
  py::object capsule = bg.attr("capsule");
  auto* p = static_cast<bitgen_t*>(PyCapsule_GetPointer(capsule.ptr(), "BitGenerator"));
  if (p == nullptr) throw py::error_already_set();
  py::object lock = bg.attr("lock");
  h.generator = py::reinterpret_borrow<py::object>(rng);
  h.bit_generator = bg;
  h.acquire = lock.attr("acquire");
  h.release = lock.attr("release");
  h.bitgen = p;
  return h;
}

GeneratorStream::GeneratorStream(py::handle rng) {
  auto& cached = cache();
  if (cached.entry[0].generator.ptr() != rng.ptr()) {
    if (cached.entry[1].generator.ptr() == rng.ptr()) {
      std::swap(cached.entry[0], cached.entry[1]);
    } else {
      GeneratorHandles fresh = lookup_generator(rng);
      cached.entry[1] = std::move(cached.entry[0]);
      cached.entry[0] = std::move(fresh);
    }
  }
  const GeneratorHandles& c = cached.entry[0];
  keep_ = c.bit_generator;
  release_ = c.release;
  bitgen_ = c.bitgen;
  // A direct vectorcall: pybind11's operator() would build an argument tuple per call.
  // Blocking; the lock releases the GIL while it waits.
  PyObject* r = PyObject_CallNoArgs(c.acquire.ptr());
  if (r == nullptr) throw py::error_already_set();
  Py_DECREF(r);
}

GeneratorStream::~GeneratorStream() {
  // Destructors must not throw; a failing release would be a bug in the lock itself.
  PyObject* r = PyObject_CallNoArgs(release_.ptr());
  if (r == nullptr) {
    PyErr_Clear();
  } else {
    Py_DECREF(r);
  }
}

}  // namespace pgfast::bind
