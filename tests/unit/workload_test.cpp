// SPDX-License-Identifier: MIT
// workload_of_cgroup_path: the path forms of docker, containerd, cri-o, podman and systemd.
#include <doctest/doctest.h>

#include <string>

#include <tcptop/workload.h>

using tcptop::Workload;
using tcptop::workload_of_cgroup_path;

namespace {

const std::string id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

struct Expected {
	std::string path;
	std::string container_id;
	std::string runtime;
	std::string unit;
};

} // namespace

TEST_CASE("workload_of_cgroup_path: each runtime's forms, systemd units, and what is neither")
{
	const std::string pod = "kubepods-burstable-pod3f2a1b7c_9d4e_4f0a_8b6c_1e2d3c4b5a69.slice";
	const Expected cases[] = {
		{ "/system.slice/docker-" + id + ".scope", id, "docker", "docker-" + id + ".scope" },
		{ "/docker/" + id, id, "docker", "" },
		{ "/kubepods.slice/kubepods-burstable.slice/" + pod + "/cri-containerd-" + id + ".scope",
		  id, "containerd", "cri-containerd-" + id + ".scope" },
		{ "/kubepods/burstable/pod3f2a1b7c-9d4e-4f0a-8b6c-1e2d3c4b5a69/" + id, id,
		  "containerd", "" },
		{ "/kubepods.slice/" + pod + "/crio-" + id + ".scope", id, "cri-o",
		  "crio-" + id + ".scope" },
		{ "/machine.slice/libpod-" + id + ".scope/container", id, "podman",
		  "libpod-" + id + ".scope" },
		{ "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + id + ".scope",
		  id, "podman", "libpod-" + id + ".scope" },
		/* The monitors are not the containers. */
		{ "/machine.slice/libpod-conmon-" + id + ".scope", "", "",
		  "libpod-conmon-" + id + ".scope" },
		{ "/kubepods.slice/" + pod + "/crio-conmon-" + id + ".scope", "", "",
		  "crio-conmon-" + id + ".scope" },
		{ "/system.slice/nginx.service", "", "", "nginx.service" },
		{ "/user.slice/user-1000.slice/session-3.scope", "", "", "session-3.scope" },
		{ "/system.slice/containerd.service", "", "", "containerd.service" },
		/* A container started inside a service's cgroup is the container. */
		{ "/system.slice/docker-" + id + ".scope/init.scope", id, "docker", "init.scope" },
		/* Almost ids: 63 digits, upper case, a prefix without an id. */
		{ "/docker/" + id.substr(1), "", "", "" },
		{ "/system.slice/docker-0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF.scope",
		  "", "", "docker-0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF.scope" },
		{ "/system.slice/docker-.scope", "", "", "docker-.scope" },
		{ "/", "", "", "" },
		{ "", "", "", "" },
		{ "//system.slice//x.service/", "", "", "x.service" },
	};
	for (const Expected &expected : cases) {
		INFO("path " << expected.path);
		Workload workload = workload_of_cgroup_path(expected.path);
		CHECK(workload.cgroup_path == expected.path);
		CHECK(workload.container_id == expected.container_id);
		CHECK(workload.container_runtime == expected.runtime);
		CHECK(workload.systemd_unit == expected.unit);
		CHECK(workload.name() == (expected.container_id.empty() ? expected.unit : expected.container_id));
	}
}
