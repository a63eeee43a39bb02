// SPDX-License-Identifier: MIT
// What a cgroup v2 path says: the container runtimes' and systemd's naming patterns.
#include <tcptop/workload.h>

#include <algorithm>
#include <array>
#include <optional>

namespace tcptop {

namespace {

constexpr std::size_t container_id_length = 64;

bool is_container_id(std::string_view text)
{
	return text.size() == container_id_length &&
	       std::all_of(text.begin(), text.end(), [](char c) {
		       return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
	       });
}

/* Systemd and the runtimes wrap an id as PREFIX-ID.scope; cgroupfs drivers
 * as PREFIX-ID. The conmon prefixes come first, so that a runtime's monitor
 * is not taken for its container. */
struct ScopePrefix {
	std::string_view prefix;
	std::string_view runtime;
};

constexpr std::array scope_prefixes{
	ScopePrefix{ "crio-conmon-", "" },
	ScopePrefix{ "libpod-conmon-", "" },
	ScopePrefix{ "docker-", "docker" },
	ScopePrefix{ "cri-containerd-", "containerd" },
	ScopePrefix{ "crio-", "cri-o" },
	ScopePrefix{ "libpod-", "podman" },
};

/* The runtime of a container named by COMPONENT, whose parent component is
 * PARENT; no value when COMPONENT names no container. */
std::optional<std::string_view> container_in(std::string_view component,
					     std::string_view parent, std::string_view &id)
{
	if (is_container_id(component)) {
		/* Bare ids: docker's cgroupfs driver under /docker, and
		 * containerd's under its namespace or a kubepods pod. */
		id = component;
		return parent == "docker" ? "docker" : "containerd";
	}
	std::string_view name = component;
	if (name.ends_with(".scope"))
		name.remove_suffix(std::string_view(".scope").size());
	for (const ScopePrefix &scope : scope_prefixes) {
		if (!name.starts_with(scope.prefix))
			continue;
		if (scope.runtime.empty())
			return std::nullopt;
		std::string_view candidate = name.substr(scope.prefix.size());
		if (!is_container_id(candidate))
			return std::nullopt;
		id = candidate;
		return scope.runtime;
	}
	return std::nullopt;
}

bool is_unit_with_processes(std::string_view component)
{
	return component.ends_with(".service") || component.ends_with(".scope") ||
	       component.ends_with(".socket");
}

} // namespace

Workload workload_of_cgroup_path(std::string_view path)
{
	Workload workload;
	workload.cgroup_path = path;

	std::string_view parent;
	while (!path.empty()) {
		std::size_t slash = path.find('/');
		std::string_view component = path.substr(0, slash);
		path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash + 1);
		if (component.empty())
			continue;

		/* The innermost match wins: a container nested in another's
		 * cgroup belongs to the inner one. */
		std::string_view id;
		if (std::optional<std::string_view> runtime = container_in(component, parent, id)) {
			workload.container_id = id;
			workload.container_runtime = *runtime;
		}
		if (is_unit_with_processes(component))
			workload.systemd_unit = component;
		parent = component;
	}
	return workload;
}

} // namespace tcptop
