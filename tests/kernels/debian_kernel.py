# SPDX-License-Identifier: MIT
# Debian 12's 6.1 cloud kernel: fetched once with apt-get download, kept in a cache folder.
import glob
import os
import re
import subprocess
import tarfile

PACKAGE_PATTERN = r"^linux-image-6\.1\.0-[0-9]+-cloud-amd64-unsigned$"


class KernelUnavailable(Exception):
    """The kernel package cannot be had (no apt list names it, or the download failed)."""


def _abi_number(name):
    """6.1.0-N: the N of a package or file name, to pick the newest."""
    match = re.search(r"6\.1\.0-([0-9]+)-cloud", name)
    return int(match.group(1)) if match else -1


def _offered_packages():
    result = subprocess.run(["apt-cache", "search", "--names-only", PACKAGE_PATTERN],
                            capture_output=True, text=True, check=False)
    return [line.split(" ", 1)[0] for line in result.stdout.splitlines() if line.strip()]


def _update_package_lists():
    if os.geteuid() == 0:
        subprocess.run(["apt-get", "update", "-qq"], check=False)


def _newest_offered_package():
    offered = _offered_packages()
    if not offered:
        # A machine whose package lists were never fetched knows no kernel yet.
        _update_package_lists()
        offered = _offered_packages()
    if not offered:
        raise KernelUnavailable("apt knows no linux-image-6.1.0-N-cloud-amd64-unsigned "
                                "(run apt-get update on a Debian 12 machine)")
    return max(offered, key=_abi_number)


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


def kernel_image(cache):
    """The path of a 6.1 vmlinuz in cache, fetching the newest package offered
    when the cache has none. Returns (path, package version such as 6.1.176-1)."""
    os.makedirs(cache, exist_ok=True)
    debs = glob.glob(os.path.join(cache, "linux-image-6.1.0-*-cloud-amd64-unsigned_*.deb"))
    if not debs:
        try:
            _download(_newest_offered_package(), cache)
        except KernelUnavailable:
            # Old package lists name kernels the archive no longer holds.
            _update_package_lists()
            _download(_newest_offered_package(), cache)
        debs = glob.glob(os.path.join(cache, "linux-image-6.1.0-*-cloud-amd64-unsigned_*.deb"))
        if not debs:
            raise KernelUnavailable(f"apt-get download left no kernel package in {cache}")
    deb = max(debs, key=_abi_number)
    abi = f"6.1.0-{_abi_number(deb)}"
    image = os.path.join(cache, f"vmlinuz-{abi}-cloud-amd64")
    if not os.path.exists(image):
        _extract_vmlinuz(deb, image)
    return image, os.path.basename(deb).split("_")[1]
