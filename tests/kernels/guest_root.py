# SPDX-License-Identifier: MIT
# The guest's whole file system: host programs with their shared libraries, packed as an initramfs.
import os
import re
import shutil
import subprocess

# Parts of a Python standard library that no test imports; leaving them out
# keeps the initramfs (unpacked by an emulated CPU at every boot) small.
PYTHON_UNUSED = {"test", "idlelib", "tkinter", "turtledemo", "ensurepip", "lib2to3",
                 "pydoc_data", "distutils", "site-packages", "dist-packages"}


class GuestRootError(Exception):
    pass


def shared_libraries(program):
    """Every file the dynamic loader maps for program (ldd), the loader itself included."""
    result = subprocess.run(["ldd", program], capture_output=True, text=True, check=False)
    if "not a dynamic executable" in result.stdout + result.stderr:
        return []
    if result.returncode != 0:
        raise GuestRootError(f"ldd {program}: {result.stderr.strip()}")
    libraries = []
    for line in result.stdout.splitlines():
        if "not found" in line:
            raise GuestRootError(f"{program} needs a library that is not there: {line.strip()}")
        match = re.search(r"(?:=>\s*)?(/\S+)\s+\(0x", line)
        if match:
            libraries.append(os.path.normpath(match.group(1)))
    return libraries


class GuestRoot:
    """A folder laid out as the guest's root. Host files keep their absolute
    paths there, so RUNPATHs and interpreter paths work unchanged."""

    def __init__(self, folder):
        self.folder = folder
        if os.path.exists(folder):
            shutil.rmtree(folder)
        os.makedirs(folder)

    def _inside(self, guest_path):
        return os.path.join(self.folder, guest_path.lstrip("/"))

    def add_file(self, host_path, guest_path=None, mode=None):
        """Copy the file host_path points to (symlinks followed) to guest_path."""
        target = self._inside(guest_path or host_path)
        if os.path.exists(target):
            return
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(os.path.realpath(host_path), target)
        if mode is not None:
            os.chmod(target, mode)

    def add_program(self, path, guest_path=None):
        """A program or shared object, and every library it loads."""
        self.add_file(path, guest_path)
        for library in shared_libraries(path):
            self.add_file(library)

    def add_text(self, guest_path, text, mode=0o644):
        target = self._inside(guest_path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w") as out:
            out.write(text)
        os.chmod(target, mode)

    def add_symlink(self, guest_path, points_to):
        target = self._inside(guest_path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        os.symlink(points_to, target)

    def add_directories(self, *guest_paths):
        for path in guest_paths:
            os.makedirs(self._inside(path), exist_ok=True)

    def add_python(self, interpreter):
        """interpreter (a Debian python3, not a shim) with its standard
        library and the libraries of its extension modules."""
        query = "import sys, sysconfig; print(sys.executable); print(sysconfig.get_path('stdlib'))"
        result = subprocess.run([interpreter, "-I", "-c", query], capture_output=True, text=True,
                                check=True)
        executable, stdlib = result.stdout.split()
        self.add_program(executable)
        if os.path.basename(interpreter) != os.path.basename(executable):
            self.add_symlink(os.path.join(os.path.dirname(executable),
                                          os.path.basename(interpreter)),
                             os.path.basename(executable))
        for directory, subdirectories, files in os.walk(stdlib):
            subdirectories[:] = [d for d in subdirectories
                                 if d not in PYTHON_UNUSED and not d.startswith("config-")]
            for name in files:
                if ".opt-" in name:
                    continue
                path = os.path.join(directory, name)
                if name.endswith(".so"):
                    self.add_program(path)
                else:
                    self.add_file(path)
        return executable

    def add_base_system(self):
        """What every guest needs: the usual directories, busybox, a /bin/sh,
        iproute2's ip and guest_init.sh as /init (which reads the tests to run
        from /etc/tcptop-kernels/tests)."""
        self.add_directories("/proc", "/sys", "/dev", "/tmp", "/run", "/var", "/root")
        self.add_program(shutil.which("busybox"), "/bin/busybox")
        # system() runs /bin/sh; busybox's sh would run its own ip applet (no
        # netns) whatever PATH says, so /bin/sh is Debian's dash.
        self.add_program(shutil.which("dash"), "/bin/sh")
        self.add_file(os.path.join(os.path.dirname(os.path.abspath(__file__)), "guest_init.sh"),
                      "/init", mode=0o755)
        self.add_program(shutil.which("ip"), "/usr/sbin/ip")

    def pack(self, output):
        """An uncompressed newc cpio archive (busybox cpio), as the kernel unpacks it."""
        names = []
        for directory, subdirectories, files in os.walk(self.folder):
            relative = os.path.relpath(directory, self.folder)
            for name in sorted(subdirectories) + sorted(files):
                names.append(name if relative == "." else os.path.join(relative, name))
        with open(output, "wb") as out:
            subprocess.run(["busybox", "cpio", "-o", "-H", "newc"], cwd=self.folder,
                           input="\n".join(names).encode() + b"\n", stdout=out,
                           stderr=subprocess.DEVNULL, check=True)
        return os.path.getsize(output)
