# SPDX-License-Identifier: MIT
# Debian 12's cloud kernels by series (6.1, 6.12): fetched once with apt-get download, kept in a cache folder.
import glob
import os
import re
import subprocess
import tarfile

# Debian names a cloud kernel package linux-image-RELEASE-unsigned, and
# RELEASE is also the kernel's uname -r and its vmlinuz-RELEASE. Each series
# has its own RELEASE scheme, with one number that grows with each upload:
# Debian 12's own kernel (source package linux) counts an ABI number,
# 6.1.0-N; its second one (linux-6.12, from bookworm-security) counts the
# upstream patch level, 6.12.N+deb12.
RELEASE_PATTERNS = {
    "6.1": r"6\.1\.0-([0-9]+)-cloud-amd64",
    "6.12": r"6\.12\.([0-9]+)\+deb12-cloud-amd64",
}
# The same patterns serve Python's re and apt-cache's POSIX extended regex.
SERIES = tuple(RELEASE_PATTERNS)


class KernelUnavailable(Exception):
    """The kernel package cannot be had (no apt list names it, or the download failed)."""


def _package_pattern(series):
    return f"linux-image-{RELEASE_PATTERNS[series]}-unsigned"


def _upload_number(series, name):
    """The N of a package or .deb file name of series, to pick the newest; -1
    for a name of another series, which shares the cache folder."""
    match = re.match(_package_pattern(series) + r"(?:_|$)", name)
    return int(match.group(1)) if match else -1


def _offered_packages(series):
    pattern = f"^{_package_pattern(series)}$"
    result = subprocess.run(["apt-cache", "search", "--names-only", pattern],
                            capture_output=True, text=True, check=False)
    return [line.split(" ", 1)[0] for line in result.stdout.splitlines() if line.strip()]


def _update_package_lists():
    if os.geteuid() == 0:
        subprocess.run(["apt-get", "update", "-qq"], check=False)


def _newest_offered_package(series):
    offered = _offered_packages(series)
    if not offered:
        # A machine whose package lists were never fetched knows no kernel yet.
        _update_package_lists()
        offered = _offered_packages(series)
    if not offered:
        raise KernelUnavailable(f"apt knows no {series} cloud kernel package "
                                f"({_package_pattern(series)}; run apt-get update "
                                "on a Debian 12 machine)")
    return max(offered, key=lambda name: _upload_number(series, name))


def _download(package, cache):
    # As root apt-get drops to the _apt user, which may not write the cache.
    command = ["apt-get", "download", "-q", package]
    if os.geteuid() == 0:
        command[1:1] = ["-o", "APT::Sandbox::User=root"]
    result = subprocess.run(command, cwd=cache, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        last_line = (result.stderr.strip().splitlines() or ["no message"])[-1]
        raise KernelUnavailable(f"apt-get download {package} failed: {last_line}")


def _extract_vmlinuz(deb, target):
    """Only boot/vmlinuz-* out of the package: the modules are not needed.
    Reading stops there, so dpkg-deb's complaint about the closed pipe is dropped."""
    listing = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", deb], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL)
    try:
        with tarfile.open(fileobj=listing.stdout, mode="r|") as archive:
            for member in archive:
                if re.fullmatch(r"\./boot/vmlinuz-.*", member.name) and member.isfile():
                    partial = target + ".partial"
                    with archive.extractfile(member) as source, open(partial, "wb") as out:
                        out.write(source.read())
                    os.replace(partial, target)
                    return
    finally:
        listing.stdout.close()
        listing.wait()
    raise KernelUnavailable(f"{deb} holds no boot/vmlinuz-*")


def _cached_debs(series, cache):
    return [path for path in glob.glob(os.path.join(cache, "linux-image-*.deb"))
            if _upload_number(series, os.path.basename(path)) >= 0]


def kernel_image(cache, series):
    """The path of a vmlinuz of series (one of SERIES) in cache, fetching the
    newest package offered when the cache has none of that series; other
    series' files in the same cache are left alone. Returns (path, package
    name, package version such as 6.1.176-1)."""
    os.makedirs(cache, exist_ok=True)
    debs = _cached_debs(series, cache)
    if not debs:
        try:
            _download(_newest_offered_package(series), cache)
        except KernelUnavailable:
            # Old package lists name kernels the archive no longer holds.
            _update_package_lists()
            _download(_newest_offered_package(series), cache)
        debs = _cached_debs(series, cache)
        if not debs:
            raise KernelUnavailable(f"apt-get download left no {series} kernel package in {cache}")
    deb = max(debs, key=lambda path: _upload_number(series, os.path.basename(path)))
    package, version = os.path.basename(deb).split("_")[:2]
    release = package.removeprefix("linux-image-").removesuffix("-unsigned")
    image = os.path.join(cache, f"vmlinuz-{release}")
    if not os.path.exists(image):
        _extract_vmlinuz(deb, image)
    return image, package, version
