// Binding-side state of the native vector envs, shared by register_envs.cpp and
// register_fused.cpp: the sub-environments' numpy Generators and the bound object.
#pragma once

#include "pybind11.hpp"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "pgfast/envs/vector.hpp"

namespace pgfast::bind {

// The Generators of a vector env's sub-environments. A Generator's lock is taken the
// first time its env resets during a call (a Session), and released when the call ends.
class SubGenerators {
  struct Source final : RandomSource, GeneratorHandles {
    double uniform() override { return bitgen->next_double(bitgen->state); }
    double standard_normal() override { return random_standard_normal(bitgen); }
  };

 public:
  explicit SubGenerators(std::size_t n) : sources_(n) { locked_.reserve(n); }
  void set(std::size_t i, py::handle rng) {
    if (i >= sources_.size()) throw py::index_error("sub-environment index out of range");
    static_cast<GeneratorHandles&>(sources_[i]) = lookup_generator(rng);
  }
  py::object get(std::size_t i) const {
    if (i >= sources_.size()) throw py::index_error("sub-environment index out of range");
    return sources_[i].generator;
  }

  // One call: rng_for(i) locks env i's Generator on first use; all are unlocked at the end.
  class Session {
   public:
    explicit Session(SubGenerators& owner) : owner_(owner) { owner_.locked_.clear(); }
    ~Session() {
      for (std::size_t i : owner_.locked_) {
        PyObject* r = PyObject_CallNoArgs(owner_.sources_[i].release.ptr());
        if (r == nullptr) PyErr_Clear(); else Py_DECREF(r);
      }
      owner_.locked_.clear();
    }
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;
    // Takes every Generator's lock now (before a loop that runs without the GIL).
    void lock_all() {
      for (std::size_t i = 0; i < owner_.sources_.size(); ++i) (*this)(i);
    }
    RandomSource& operator()(std::size_t i) {
      Source& s = owner_.sources_[i];
      if (std::find(owner_.locked_.begin(), owner_.locked_.end(), i) == owner_.locked_.end()) {
        if (s.bitgen == nullptr) {
          throw py::value_error("sub-environment " + std::to_string(i) + " has no Generator: reset first");
        }
        PyObject* r = PyObject_CallNoArgs(s.acquire.ptr());
        if (r == nullptr) throw py::error_already_set();
        Py_DECREF(r);
        owner_.locked_.push_back(i);
      }
      return s;
    }

   private:
    SubGenerators& owner_;
  };

 private:
  std::vector<Source> sources_;
  std::vector<std::size_t> locked_;  // envs whose lock the current Session holds
};

template <class E>
struct PyVectorEnv {
  envs::VectorEnv<E> vec;
  SubGenerators rngs;
  PyVectorEnv(std::vector<E> es, envs::Autoreset mode) : vec(std::move(es), mode), rngs(vec.num_envs()) {}
};

}  // namespace pgfast::bind
