"""The hand-written stub pgfast/_core.pyi matches the compiled module (mypy.stubtest)."""

import subprocess
import sys

# pybind11 classes have their own metaclass, which a stub cannot spell: only that
# difference is allowed, class by class (a missing or extra member is still an error).
PYBIND11_CLASSES = [
    "Adam", "FeatureMap", "GaussianActorCritic", "SoftmaxActorCritic",
    "FourierFeatures", "GaussianLearner", "IdentityFeatures", "LinearGaussian",
    "LinearSoftmax", "Optimizer", "PolynomialFeatures", "RBFFeatures", "SGD", "SoftmaxLearner",
    "TileCodingFeatures",
    "CartPoleCore", "CartPoleCoreVector", "AcrobotCore", "AcrobotCoreVector", "MountainCarCore",
    "MountainCarCoreVector", "MountainCarContinuousCore", "MountainCarContinuousCoreVector", "PendulumCore",
    "PendulumCoreVector", "FusedState", "FusedVectorState",
]


def test_core_stub_matches_the_module(tmp_path):
    allow = tmp_path / "allowlist.txt"
    allow.write_text("".join(f"pgfast._core.{name}\n" for name in PYBIND11_CLASSES))
    proc = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "pgfast._core", "--allowlist", str(allow)],
        capture_output=True, text=True, timeout=300, check=False, cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
