// SPDX-License-Identifier: MIT
// CgroupResolver: cgroup ids to paths by walking the cgroup v2 hierarchy, cached.
#include <tcptop/workload.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <unordered_map>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "linux/cgroup_root.h"

namespace tcptop {

namespace {

using Clock = std::chrono::steady_clock;

/* An id a walk did not find is walked for again at most this often: ids
 * of cgroups in other cgroup namespaces, or already removed, are never
 * found. */
constexpr auto retry_spacing = std::chrono::seconds(1);

/* Calls found(id, path) for the cgroup open as DIRECTORY (which it closes)
 * at PATH and every cgroup below it. A cgroup removed during the walk is
 * skipped. */
template <typename Found>
void walk_cgroups(int directory, const std::string &path, Found &found)
{
	struct stat status;
	if (fstat(directory, &status) == 0)
		found(static_cast<std::uint64_t>(status.st_ino), path);

	DIR *entries = fdopendir(directory);
	if (!entries) {
		close(directory);
		return;
	}
	while (dirent *entry = readdir(entries)) {
		if (entry->d_type != DT_DIR && entry->d_type != DT_UNKNOWN)
			continue;
		std::string_view name = entry->d_name;
		if (name == "." || name == "..")
			continue;
		int child = openat(dirfd(entries), entry->d_name,
				   O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (child < 0)
			continue;
		walk_cgroups(child, (path == "/" ? path : path + "/") + entry->d_name, found);
	}
	closedir(entries);
}

} // namespace

struct CgroupResolver::Cache {
	int root = -1;
	std::string error;
	std::unordered_map<std::uint64_t, Workload> known;
	/* Ids a walk did not find, and when. */
	std::unordered_map<std::uint64_t, Clock::time_point> missing;
	const Workload unknown{};

	void walk(Clock::time_point now)
	{
		std::erase_if(missing, [&](const auto &id) { return now - id.second >= retry_spacing; });
		int directory = dup(root);
		if (directory < 0)
			return;
		/* fdopendir reads from the descriptor's offset, shared by its dups. */
		lseek(directory, 0, SEEK_SET);

		std::unordered_map<std::uint64_t, std::string> found;
		auto record = [&](std::uint64_t id, const std::string &path) { found.emplace(id, path); };
		walk_cgroups(directory, "/", record);

		if (known.size() >= 2 * found.size())
			std::erase_if(known, [&](const auto &entry) { return !found.contains(entry.first); });
		for (auto &[id, path] : found)
			if (!known.contains(id))
				known.emplace(id, workload_of_cgroup_path(path));
	}
};

CgroupResolver::CgroupResolver(std::string cgroup2_root)
	: cache_(std::make_unique<Cache>())
{
	if (cgroup2_root.empty()) {
		bool private_mount = false;
		cache_->root = linux_impl::open_cgroup2_root(cgroup2_root, private_mount, cache_->error);
		return;
	}
	cache_->root = open(cgroup2_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cache_->root < 0)
		cache_->error = "cannot open the cgroup v2 root " + cgroup2_root + ": " +
				std::strerror(errno);
}

CgroupResolver::~CgroupResolver()
{
	if (cache_->root >= 0)
		close(cache_->root);
}

const Workload &CgroupResolver::resolve(std::uint64_t cgroup_id)
{
	Cache &cache = *cache_;
	if (cgroup_id == 0 || cache.root < 0)
		return cache.unknown;
	if (auto known = cache.known.find(cgroup_id); known != cache.known.end())
		return known->second;
	Clock::time_point now = Clock::now();
	if (auto missing = cache.missing.find(cgroup_id);
	    missing != cache.missing.end() && now - missing->second < retry_spacing)
		return cache.unknown;

	/* A new id is walked for at once: its cgroup was most likely just made,
	 * and its first bytes should carry its name. */
	cache.walk(now);
	auto known = cache.known.find(cgroup_id);
	if (known != cache.known.end())
		return known->second;
	cache.missing[cgroup_id] = now;
	return cache.unknown;
}

const std::string &CgroupResolver::error() const noexcept
{
	return cache_->error;
}

} // namespace tcptop
