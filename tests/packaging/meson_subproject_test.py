#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# libtcptop as a meson subproject: a copy of consumer/ with subprojects/tcptop linked to this tree, built lean, run.
#   meson_subproject_test.py --meson MESON --source SOURCE_ROOT --version VERSION
import argparse
import json
import os
import shutil
import tempfile

from consumer_checks import CONSUMER, check_consumer, run


def main():
    parser = argparse.ArgumentParser()
    for option in ("--meson", "--source", "--version"):
        parser.add_argument(option, required=True)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="tcptop-subproject-") as tmp:
        # A wrap-less subproject: the directory itself, as a project that
        # vendors libtcptop (a git submodule, a copy) would have it.
        source = os.path.join(tmp, "consumer")
        shutil.copytree(CONSUMER, source)
        os.mkdir(os.path.join(source, "subprojects"))
        os.symlink(os.path.abspath(args.source), os.path.join(source, "subprojects", "tcptop"))

        # The library is compiled once more here: without optimisation or
        # debug information, two jobs, as cheap as it gets.
        build = os.path.join(tmp, "build")
        run([args.meson, "setup", build, source, "--buildtype=plain"])
        targets = json.loads(run([args.meson, "introspect", "--targets", build])[0])
        executables = sorted(t["name"] for t in targets if t["type"] == "executable")
        assert executables == ["consumer"], \
            f"the subproject builds more than the library: {executables}"
        print("ok configured, the subproject's tests, examples and benchmarks left out")

        run([args.meson, "compile", "-C", build, "-j", "2"])
        print("ok consumer built with dependency('tcptop')")

        # The build tree's RPATH finds the subproject's libtcptop.so.
        check_consumer(os.path.join(build, "consumer"), args.version)
        print("ok consumer ran against the subproject's libtcptop.so")


if __name__ == "__main__":
    main()
