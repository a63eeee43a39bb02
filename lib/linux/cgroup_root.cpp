// SPDX-License-Identifier: MIT
// The cgroup v2 root that cgroup programs attach to: the mounted one, or one mounted privately.
#include "linux/cgroup_root.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

namespace tcptop::linux_impl {

namespace {

/* A cgroup2 superblock mounted nowhere; its root opened as a directory. */
int open_private_cgroup2_root(std::string &error)
{
	int context = fsopen("cgroup2", FSOPEN_CLOEXEC);
	if (context < 0) {
		error = std::string("fsopen(cgroup2): ") + std::strerror(errno);
		return -1;
	}
	int mount = -1;
	if (fsconfig(context, FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) == 0)
		mount = fsmount(context, FSMOUNT_CLOEXEC,
				MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	int cause = errno;
	close(context);
	if (mount < 0) {
		error = std::string("fsmount(cgroup2): ") + std::strerror(cause);
		return -1;
	}
	int root = openat(mount, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cause = errno;
	close(mount);
	if (root < 0)
		error = std::string("cannot open the private cgroup v2 root: ") + std::strerror(cause);
	return root;
}

} // namespace

std::optional<std::string> cgroup2_mount_point()
{
	std::ifstream mountinfo("/proc/self/mountinfo");
	std::string line;

	while (std::getline(mountinfo, line)) {
		std::size_t separator = line.find(" - ");
		if (separator == std::string::npos)
			continue;
		std::istringstream after(line.substr(separator + 3));
		std::string fs_type;
		after >> fs_type;
		if (fs_type != "cgroup2")
			continue;
		std::istringstream before(line.substr(0, separator));
		std::string id, parent, device, root, mount_point;
		before >> id >> parent >> device >> root >> mount_point;
		if (root == "/")
			return mount_point;
	}
	return std::nullopt;
}

int open_cgroup2_root(std::string &where, bool &private_mount, std::string &error)
{
	private_mount = false;
	if (std::optional<std::string> mounted = cgroup2_mount_point()) {
		where = *mounted;
		int fd = open(mounted->c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			error = "cannot open the cgroup v2 root " + *mounted + ": " + std::strerror(errno);
		return fd;
	}

	std::string cause;
	int fd = open_private_cgroup2_root(cause);
	if (fd < 0) {
		error = "no cgroup v2 hierarchy is mounted, and mounting one privately failed (" +
			cause + (cause.find("not permitted") != std::string::npos
					 ? "; it needs CAP_SYS_ADMIN" : "") +
			"); mount one: mount -t cgroup2 none /sys/fs/cgroup";
		return -1;
	}
	where = "a private cgroup v2 mount";
	private_mount = true;
	return fd;
}

} // namespace tcptop::linux_impl
