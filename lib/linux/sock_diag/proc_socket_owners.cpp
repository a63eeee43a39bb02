// SPDX-License-Identifier: MIT
// Socket owners from /proc: which process holds a socket inode, found by reading every process's fd links.
#include "linux/sock_diag/proc_socket_owners.h"

#include <charconv>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tcptop::linux_impl {

namespace {

/* "socket:[12345]" -> 12345; 0 for any other link. */
std::uint64_t socket_inode(std::string_view link)
{
	constexpr std::string_view prefix = "socket:[";
	if (!link.starts_with(prefix) || !link.ends_with(']'))
		return 0;
	link = link.substr(prefix.size(), link.size() - prefix.size() - 1);
	std::uint64_t inode = 0;
	auto result = std::from_chars(link.data(), link.data() + link.size(), inode);
	return result.ec == std::errc() && result.ptr == link.data() + link.size() ? inode : 0;
}

Owner owner_of(const std::string &pid, const std::string &cgroup2_root)
{
	Owner owner;
	std::from_chars(pid.data(), pid.data() + pid.size(), owner.pid);
	std::ifstream comm("/proc/" + pid + "/comm");
	std::getline(comm, owner.comm);
	if (cgroup2_root.empty())
		return owner;
	/* The v2 hierarchy's line is "0::/path"; the cgroup's id is the inode
	 * of its directory there. */
	std::ifstream cgroups("/proc/" + pid + "/cgroup");
	for (std::string line; std::getline(cgroups, line);) {
		if (!line.starts_with("0::"))
			continue;
		struct stat status;
		if (stat((cgroup2_root + line.substr(3)).c_str(), &status) == 0)
			owner.cgroup_id = status.st_ino;
		break;
	}
	return owner;
}

struct Closedir {
	void operator()(DIR *folder) const { closedir(folder); }
};

bool is_pid(const char *name)
{
	for (const char *c = name; *c; ++c)
		if (*c < '0' || *c > '9')
			return false;
	return *name != '\0';
}

} // namespace

std::optional<OwnersByInode> proc_socket_owners(const std::unordered_set<std::uint64_t> &inodes,
						const std::string &cgroup2_root)
{
	std::unique_ptr<DIR, Closedir> processes(opendir("/proc"));
	if (!processes)
		return std::nullopt;
	OwnersByInode owners;
	while (dirent *process = readdir(processes.get())) {
		if (owners.size() == inodes.size())
			break;
		if (!is_pid(process->d_name))
			continue;
		std::string pid = process->d_name;
		std::string fd_folder = "/proc/" + pid + "/fd";
		std::unique_ptr<DIR, Closedir> fds(opendir(fd_folder.c_str()));
		if (!fds)
			continue;
		std::optional<Owner> process_owner;
		while (dirent *fd = readdir(fds.get())) {
			char link[64];
			ssize_t length = readlinkat(dirfd(fds.get()), fd->d_name, link, sizeof(link));
			if (length <= 0)
				continue;
			std::uint64_t inode = socket_inode(std::string_view(link, static_cast<std::size_t>(length)));
			if (!inode || !inodes.contains(inode) || owners.contains(inode))
				continue;
			if (!process_owner)
				process_owner = owner_of(pid, cgroup2_root);
			owners[inode] = *process_owner;
		}
	}
	return owners;
}

} // namespace tcptop::linux_impl
