#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The dynamic symbol table of libtcptop: the C ABI and the C++ API in
# namespace tcptop, nothing else (no Boost, no std instantiations, no libbpf).
#   exported_symbols.py LIBRARY HEADER NM
import re
import subprocess
import sys

# Demangled forms of the C++ API's symbols: functions and classes in
# namespace tcptop, and the vtables and typeinfo of its classes.
CPP_API = re.compile(r"^(tcptop::|typeinfo for tcptop::|typeinfo name for tcptop::|vtable for tcptop::)")
C_API = re.compile(r"^tcptop_\w+$")


def exported(library, nm):
    """(name, demangled) of every defined dynamic symbol."""
    def names(*flags):
        out = subprocess.run([nm, "-D", "--defined-only", *flags, library],
                             check=True, capture_output=True, text=True).stdout
        return [line.split(" ", 2)[2] for line in out.splitlines() if line.count(" ") >= 2]
    return list(zip(names(), names("--demangle")))


def declared_functions(header):
    """Names of the functions the C header declares."""
    text = open(header, encoding="utf-8").read()
    return set(re.findall(r"\b(tcptop_\w+)\s*\(", text))


def main():
    library, header, nm = sys.argv[1:4]
    symbols = exported(library, nm)
    failures = 0

    for name, demangled in symbols:
        if C_API.match(name) or (name.startswith("_Z") and CPP_API.match(demangled)):
            continue
        print(f"exported but not part of the API: {demangled} ({name})")
        failures += 1

    c_symbols = {name for name, _ in symbols if C_API.match(name)}
    declared = declared_functions(header)
    for name in sorted(declared - c_symbols):
        print(f"declared in {header} but not exported: {name}")
        failures += 1
    for name in sorted(c_symbols - declared):
        print(f"exported but not declared in the C header: {name}")
        failures += 1

    print(f"{len(symbols)} symbols, {len(c_symbols)} of the C ABI, {failures} problems")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
