// SPDX-License-Identifier: MIT
// Workloads from real cgroups: a systemd-style service and a docker scope the test makes, named from the cgroup ids the collector reports.
#include <doctest/doctest.h>

#include <cstdio>
#include <string>

#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "records.h"
#include "traffic.h"
#include "watcher.h"

using tcptop::ConnectionRecord;

namespace {

constexpr unsigned long cgroup2_magic = 0x63677270;

/* The hybrid layout mounts cgroup v2 at unified/, the unified one at the top. */
std::string cgroup2_root()
{
	for (const char *path : {"/sys/fs/cgroup/unified", "/sys/fs/cgroup"}) {
		struct statfs status;
		if (statfs(path, &status) == 0 && static_cast<unsigned long>(status.f_type) == cgroup2_magic)
			return path;
	}
	return {};
}

/* A cgroup the test makes, removed when its processes are gone. */
struct TestCgroup {
	std::string directory;

	explicit TestCgroup(std::string path) : directory(std::move(path))
	{
		rmdir(directory.c_str());
		REQUIRE_MESSAGE(mkdir(directory.c_str(), 0755) == 0, "mkdir " << directory);
	}
	~TestCgroup() { rmdir(directory.c_str()); }

	std::uint64_t id() const
	{
		struct stat status {};
		stat(directory.c_str(), &status);
		return status.st_ino;
	}
};

/* In a child: moves the calling process into the cgroup at DIRECTORY. */
bool join_cgroup(const std::string &directory)
{
	std::FILE *procs = std::fopen((directory + "/cgroup.procs").c_str(), "w");
	if (!procs)
		return false;
	bool written = std::fputs("0", procs) >= 0;
	return std::fclose(procs) == 0 && written;
}

/* A child in CGROUP that connects to PORT on 127.0.0.1, sends REQUEST
 * bytes, reports 1 and holds the connection until told to go on. */
std::unique_ptr<traffic::Child> client_in(const TestCgroup &cgroup, std::uint16_t port,
					  std::size_t request)
{
	return std::make_unique<traffic::Child>("tcptop-workload", [&cgroup, port, request](traffic::Child &self) {
		if (!join_cgroup(cgroup.directory))
			return 2;
		int fd = traffic::connect_to("127.0.0.1", port);
		if (fd < 0 || !traffic::send_all(fd, request))
			return 3;
		self.report(1);
		self.wait_proceed();
		close(fd);
		return 0;
	});
}

} // namespace

TEST_CASE("workloads: connections from a *.service and a docker-<id>.scope cgroup name their unit and container")
{
	const std::string root = cgroup2_root();
	REQUIRE_MESSAGE(!root.empty(), "no cgroup v2 hierarchy is mounted");
	const std::string container_id(64, 'c');
	const std::string slice = "tcptop-test-" + std::to_string(getpid()) + ".slice";
	TestCgroup parent(root + "/" + slice);
	TestCgroup service(parent.directory + "/tcptop-test-web.service");
	TestCgroup container(parent.directory + "/docker-" + container_id + ".scope");

	int listener = traffic::listen_on("127.0.0.1");
	REQUIRE(listener >= 0);
	const std::uint16_t port = traffic::bound_port(listener);
	/* One at a time, so that each accepted socket is known to be whose;
	 * the report first, as a child that failed never connects. */
	auto service_client = client_in(service, port, 1111);
	REQUIRE(service_client->next_report() == 1);
	int service_peer = accept(listener, nullptr, nullptr);
	auto container_client = client_in(container, port, 2222);
	REQUIRE(container_client->next_report() == 1);
	int container_peer = accept(listener, nullptr, nullptr);
	CHECK(traffic::receive_exactly(service_peer, 1111));
	CHECK(traffic::receive_exactly(container_peer, 2222));

	tcptop::Options options = fast_options();
	options.port = port;
	Watcher watcher(options);
	auto records = by_port(watcher.fresh_snapshot(), tcptop::Protocol::tcp, port);
	const ConnectionRecord *from_service = owned_by(records, service_client->pid());
	const ConnectionRecord *from_container = owned_by(records, container_client->pid());
	REQUIRE(from_service);
	REQUIRE(from_container);
	CHECK(from_service->bytes_sent == 1111);
	CHECK(from_container->bytes_sent == 2222);
	CHECK(from_service->cgroup_id == service.id());
	CHECK(from_container->cgroup_id == container.id());

	tcptop::CgroupResolver resolver(root);
	CHECK(resolver.error().empty());
	const tcptop::Workload &web = resolver.resolve(from_service->cgroup_id);
	CHECK(web.cgroup_path == "/" + slice + "/tcptop-test-web.service");
	CHECK(web.systemd_unit == "tcptop-test-web.service");
	CHECK(web.container_id.empty());
	CHECK(web.name() == "tcptop-test-web.service");
	const tcptop::Workload &docker = resolver.resolve(from_container->cgroup_id);
	CHECK(docker.cgroup_path == "/" + slice + "/docker-" + container_id + ".scope");
	CHECK(docker.container_id == container_id);
	CHECK(docker.container_runtime == "docker");
	CHECK(docker.name() == container_id);

	/* An id no cgroup has: unknown, and asked again within the second,
	 * not walked for again. */
	CHECK(resolver.resolve(~0ULL).cgroup_path.empty());
	CHECK(resolver.resolve(0).cgroup_path.empty());

	service_client->proceed();
	container_client->proceed();
	CHECK(service_client->wait_exit() == 0);
	CHECK(container_client->wait_exit() == 0);
	close(service_peer);
	close(container_peer);
	close(listener);
}
