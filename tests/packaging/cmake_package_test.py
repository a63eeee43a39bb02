#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The CMake package: installed into a DESTDIR, found by consumer/ (find_package(tcptop 0.2)), run; other versions refused.
#   cmake_package_test.py --meson MESON --cmake CMAKE --build BUILD_DIR --prefix PREFIX
#                         --libdir LIBDIR --version VERSION
import argparse
import os
import tempfile

from consumer_checks import CONSUMER, check_consumer, run

# find_package() versions that 0.2.x must not satisfy: a newer major, and an
# older minor, which before 1.0 may have another ABI (SameMinorVersion).
REFUSED_VERSIONS = ["9.0", "0.1"]

# A language, so that CMake knows the multiarch libdir it searches.
REFUSED_PROJECT = """\
cmake_minimum_required(VERSION 3.16)
project(refused LANGUAGES CXX)
find_package(tcptop {version} REQUIRED)
"""


def installed(destdir, prefix, path):
    """Where PATH (relative to PREFIX, or absolute) lands under DESTDIR."""
    return destdir + os.path.join(prefix, path)


def configure(cmake, source, build, prefix):
    """The command that configures a CMake project, finding packages in prefix."""
    return [cmake, "-S", source, "-B", build, "-G", "Ninja", f"-DCMAKE_PREFIX_PATH={prefix}"]


def cached(cache, name):
    """A variable's value in a CMakeCache.txt."""
    for line in open(cache, encoding="utf-8"):
        if line.startswith(name + ":"):
            return line.split("=", 1)[1].strip()
    return None


def main():
    parser = argparse.ArgumentParser()
    for option in ("--meson", "--cmake", "--build", "--prefix", "--libdir", "--version"):
        parser.add_argument(option, required=True)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="tcptop-cmake-") as tmp:
        destdir = os.path.join(tmp, "destdir")
        run([args.meson, "install", "-C", args.build, "--destdir", destdir, "--no-rebuild",
             "--quiet"])
        root = installed(destdir, args.prefix, "")
        libdir = installed(destdir, args.prefix, args.libdir)
        print(f"ok installed into {destdir}")

        # CMAKE_PREFIX_PATH is searched before the system's prefixes;
        # tcptop_DIR shows the package came from DESTDIR, not from a
        # libtcptop installed on this machine.
        build = os.path.join(tmp, "consumer")
        run(configure(args.cmake, CONSUMER, build, root))
        found = cached(os.path.join(build, "CMakeCache.txt"), "tcptop_DIR")
        assert found == os.path.join(libdir, "cmake", "tcptop"), f"tcptop found elsewhere: {found}"
        run([args.cmake, "--build", build])
        print(f"ok consumer built with tcptop::tcptop from {found}")

        check_consumer(os.path.join(build, "consumer"), args.version,
                       env=dict(os.environ, LD_LIBRARY_PATH=libdir))
        print("ok consumer ran against the installed libtcptop.so")

        for version in REFUSED_VERSIONS:
            source = os.path.join(tmp, f"refused-{version}")
            os.mkdir(source)
            with open(os.path.join(source, "CMakeLists.txt"), "w", encoding="utf-8") as f:
                f.write(REFUSED_PROJECT.format(version=version))
            stdout, stderr = run(configure(args.cmake, source, os.path.join(source, "build"), root),
                                 expect_failure=True)
            # CMake wraps its messages: compared with single spaces.
            output = " ".join((stdout + stderr).split())
            # Found, considered and refused, not merely missing.
            assert f'compatible with requested version "{version}"' in output \
                and f"version: {args.version}" in output, \
                f"find_package(tcptop {version}) failed for another reason:\n{output}"
            print(f"ok find_package(tcptop {version}) refused")


if __name__ == "__main__":
    main()
