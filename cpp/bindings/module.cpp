// pgfast._core: a table of contents. Each area is bound in its own register_*.cpp.
#include "pybind11.hpp"

PYBIND11_MODULE(_core, m) {
  m.doc() = "pgfast's C++ core: linear policies, returns, policy gradients and optimisers.";
  m.attr("__version__") = PGFAST_VERSION;
  // A run that would need more memory than the machine has: a MemoryError subclass.
  py::register_exception<pgfast::MemoryLimitError>(m, "MemoryLimitError", PyExc_MemoryError);
  m.def("memory_budget", &pgfast::memory_budget_bytes,
        "Bytes one policy, or one learner's recorded episodes, may hold (inf: no limit).");
  m.def("set_memory_budget", &pgfast::set_memory_budget, py::arg("bytes"),
        "Set memory_budget() (bytes > 0; float('inf'): no limit).");
  pgfast::bind::register_policies(m);
  pgfast::bind::register_returns(m);
  pgfast::bind::register_optim(m);
  pgfast::bind::register_features(m);
  pgfast::bind::register_learner(m);
  pgfast::bind::register_envs(m);
  pgfast::bind::register_fused(m);
  pgfast::bind::register_numpy_math(m);
}
