// SPDX-License-Identifier: MIT
// NetworkNamespaces: enters each network namespace in turn on the calling thread.
#include "linux/network_namespaces.h"

#include <cctype>
#include <set>
#include <string>

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tcptop::linux_impl {

namespace {

std::uint64_t inode_of(const std::string &path)
{
	struct stat info{};
	return stat(path.c_str(), &info) == 0 ? info.st_ino : 0;
}

} // namespace

NetworkNamespaces::NetworkNamespaces()
{
	home_fd_ = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	home_inode_ = inode_of("/proc/thread-self/ns/net");
}

NetworkNamespaces::~NetworkNamespaces()
{
	for (const auto &[inode, fd] : others_)
		close(fd);
	if (home_fd_ >= 0)
		close(home_fd_);
}

void NetworkNamespaces::refresh()
{
	DIR *proc = opendir("/proc");
	if (!proc)
		return;

	std::set<std::uint64_t> present;
	while (dirent *entry = readdir(proc)) {
		if (!std::isdigit(static_cast<unsigned char>(entry->d_name[0])))
			continue;
		std::string path = std::string("/proc/") + entry->d_name + "/ns/net";
		std::uint64_t inode = inode_of(path);
		if (inode == 0 || inode == home_inode_ || present.contains(inode))
			continue;
		present.insert(inode);
		if (others_.contains(inode))
			continue;
		int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			others_[inode] = fd;
	}
	closedir(proc);

	for (auto it = others_.begin(); it != others_.end();) {
		if (present.contains(it->first)) {
			++it;
			continue;
		}
		close(it->second);
		it = others_.erase(it);
	}
}

void NetworkNamespaces::for_each(const std::function<void()> &visit)
{
	visit();
	if (home_fd_ < 0)
		return;
	/* Back home even when visit() throws: a thread left elsewhere would
	 * put every later socket in the wrong namespace. */
	struct ReturnHome {
		int fd;
		~ReturnHome() { setns(fd, CLONE_NEWNET); }
	};
	for (const auto &[inode, fd] : others_) {
		if (setns(fd, CLONE_NEWNET) != 0)
			continue; /* no CAP_SYS_ADMIN there: our own namespace only */
		ReturnHome home{home_fd_};
		visit();
	}
}

} // namespace tcptop::linux_impl
