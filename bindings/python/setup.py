"""Builds the evenhand Python module from this checkout with CMake, without network access:

    pip install --no-build-isolation ./bindings/python

CMake builds only the library and the module (not the tests, tools or C API) into the wheel's
build directory; it needs the packages scripts/install-deps lists (pybind11-dev, python3-dev,
Boost, yaml-cpp, …), nothing from PyPI.
"""

import os
import pathlib
import re
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]  # the evenhand checkout: pip builds a local directory in place


def version():
    text = (ROOT / "CMakeLists.txt").read_text(encoding="utf-8")
    return re.search(r"project\(evenhand VERSION ([0-9.]+)", text).group(1)


class CMakeExtension(Extension):
    def __init__(self, name):
        super().__init__(name, sources=[])


class BuildWithCMake(build_ext):
    def build_extension(self, ext):
        out = pathlib.Path(self.get_ext_fullpath(ext.name)).resolve().parent
        build = pathlib.Path(self.build_temp).resolve() / "cmake"
        jobs = os.environ.get("EVENHAND_JOBS", str(min(os.cpu_count() or 1, 4)))
        subprocess.check_call([
            "cmake", "-S", str(ROOT), "-B", str(build),
            "-DCMAKE_BUILD_TYPE=Release",
            "-DEVENHAND_BUILD_TOOLS=OFF", "-DEVENHAND_BUILD_TESTS=OFF", "-DEVENHAND_BUILD_BENCHMARKS=OFF",
            "-DEVENHAND_BUILD_C_API=OFF", "-DEVENHAND_BUILD_EXAMPLES=OFF",
            "-DEVENHAND_BUILD_PYTHON=ON", "-DEVENHAND_PYTHON_REQUIRED=ON",
            f"-DPython3_EXECUTABLE={sys.executable}",
            f"-DEVENHAND_PYTHON_OUTPUT_DIR={out}",
        ])
        subprocess.check_call(["cmake", "--build", str(build), "--target", "evenhand_python", "-j", jobs])


setup(
    name="evenhand",
    version=version(),
    description="Deterministic evaluation of licence applications against administrative licensing standards",
    packages=["evenhand"],
    package_data={"evenhand": ["py.typed", "*.pyi"]},
    ext_modules=[CMakeExtension("evenhand._evenhand")],
    cmdclass={"build_ext": BuildWithCMake},
    python_requires=">=3.9",
    zip_safe=False,
)
