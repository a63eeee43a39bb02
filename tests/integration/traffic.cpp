// SPDX-License-Identifier: MIT
// Real traffic for the integration tests: child processes with chosen names.
#include "traffic.h"
#include "time_scale.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace traffic {

namespace {

bool read_full(int fd, void *data, std::size_t length, int timeout_ms)
{
	auto *bytes = static_cast<char *>(data);
	while (length) {
		pollfd waiting{fd, POLLIN, 0};
		if (timeout_ms >= 0 && poll(&waiting, 1, timeout_ms) <= 0)
			return false;
		ssize_t got = read(fd, bytes, length);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return false;
		bytes += got;
		length -= static_cast<std::size_t>(got);
	}
	return true;
}

sockaddr_storage make_address(const std::string &address, std::uint16_t port, socklen_t &length)
{
	sockaddr_storage storage{};
	auto *v4 = reinterpret_cast<sockaddr_in *>(&storage);
	auto *v6 = reinterpret_cast<sockaddr_in6 *>(&storage);
	if (inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons(port);
		length = sizeof(*v4);
	} else if (inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(port);
		length = sizeof(*v6);
	} else {
		throw std::invalid_argument("not an IP address: " + address);
	}
	return storage;
}

} // namespace

Child::Child(const std::string &name, Body body, const std::string &netns)
{
	if (pipe2(to_test_, O_CLOEXEC) || pipe2(to_child_, O_CLOEXEC))
		throw std::runtime_error("pipe failed");
	pid_ = fork();
	if (pid_ < 0)
		throw std::runtime_error("fork failed");
	if (pid_ > 0) {
		close(to_test_[1]);
		close(to_child_[0]);
		return;
	}

	close(to_test_[0]);
	close(to_child_[1]);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_NAME, name.c_str());
	if (!netns.empty()) {
		int fd = open(("/var/run/netns/" + netns).c_str(), O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, CLONE_NEWNET) != 0)
			_exit(90);
		close(fd);
	}
	int status = 91;
	try {
		status = body(*this);
	} catch (...) {
	}
	_exit(status);
}

Child::~Child()
{
	if (pid_ > 0 && !reaped_) {
		kill(pid_, SIGKILL);
		waitpid(pid_, nullptr, 0);
	}
	for (int fd : {to_test_[0], to_test_[1], to_child_[0], to_child_[1]})
		if (fd >= 0)
			close(fd);
}

void Child::report(std::uint64_t value)
{
	if (write(to_test_[1], &value, sizeof(value)) != sizeof(value))
		_exit(92);
}

void Child::wait_proceed()
{
	char go;
	if (!read_full(to_child_[0], &go, 1, -1))
		_exit(93);
}

std::uint64_t Child::next_report(int timeout_ms)
{
	std::uint64_t value = 0;
	if (!read_full(to_test_[0], &value, sizeof(value), scaled_ms(timeout_ms)))
		throw std::runtime_error("child " + std::to_string(pid_) + " reported nothing");
	return value;
}

void Child::proceed()
{
	char go = 'g';
	if (write(to_child_[1], &go, 1) != 1)
		throw std::runtime_error("cannot signal child");
}

int Child::wait_exit(int timeout_ms)
{
	const int limit_ms = scaled_ms(timeout_ms);
	for (int waited = 0; waited <= limit_ms; waited += 10) {
		int status = 0;
		pid_t done = waitpid(pid_, &status, WNOHANG);
		if (done == pid_) {
			reaped_ = true;
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		}
		usleep(10'000);
	}
	return -1;
}

namespace {

/* Moves \p length bytes through \p transfer (send or recv), whatever the
 * chunk sizes the kernel takes. */
template<typename Transfer>
bool move_bytes(std::size_t length, Transfer transfer)
{
	std::vector<char> buffer(64 * 1024, 'x');
	while (length) {
		ssize_t moved = transfer(buffer.data(), std::min(length, buffer.size()));
		if (moved < 0 && errno == EINTR)
			continue;
		if (moved <= 0)
			return false;
		length -= static_cast<std::size_t>(moved);
	}
	return true;
}

} // namespace

bool send_all(int fd, std::size_t length)
{
	return move_bytes(length, [fd](char *data, std::size_t size) {
		return send(fd, data, size, MSG_NOSIGNAL);
	});
}

bool receive_exactly(int fd, std::size_t length)
{
	return move_bytes(length, [fd](char *data, std::size_t size) {
		return recv(fd, data, size, 0);
	});
}

std::uint64_t receive_until_end(int fd)
{
	std::uint64_t total = 0;
	std::vector<char> buffer(1 << 16);
	for (;;) {
		ssize_t got = recv(fd, buffer.data(), buffer.size(), 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return total;
		total += static_cast<std::uint64_t>(got);
	}
}

int listen_on(const std::string &address, std::uint16_t port)
{
	socklen_t length = 0;
	sockaddr_storage storage = make_address(address, port, length);
	int fd = socket(storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int on = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (storage.ss_family == AF_INET6) {
		int off = 0; /* "::" must take IPv4 too, as IPv4-mapped */
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	}
	if (bind(fd, reinterpret_cast<sockaddr *>(&storage), length) || listen(fd, 4096))
		throw std::runtime_error("cannot listen on " + address + ": " + std::strerror(errno));
	return fd;
}

int connect_to(const std::string &address, std::uint16_t port)
{
	socklen_t length = 0;
	sockaddr_storage storage = make_address(address, port, length);
	int fd = socket(storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (connect(fd, reinterpret_cast<sockaddr *>(&storage), length) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

std::uint16_t bound_port(int fd)
{
	sockaddr_storage storage{};
	socklen_t length = sizeof(storage);
	getsockname(fd, reinterpret_cast<sockaddr *>(&storage), &length);
	if (storage.ss_family == AF_INET)
		return ntohs(reinterpret_cast<sockaddr_in *>(&storage)->sin_port);
	return ntohs(reinterpret_cast<sockaddr_in6 *>(&storage)->sin6_port);
}

TcpExchange run_tcp_exchange(const std::string &listen_address, const std::string &connect_address,
			     std::size_t request, std::size_t reply, const std::string &netns,
			     std::uint16_t port)
{
	TcpExchange exchange;
	exchange.server = std::make_unique<Child>("tt-server", [&](Child &self) {
		int listener = listen_on(listen_address, port);
		self.report(bound_port(listener));
		int fd = accept(listener, nullptr, nullptr);
		close(listener);
		if (fd < 0 || !receive_exactly(fd, request) || !send_all(fd, reply))
			return 1;
		self.report(1);
		self.wait_proceed();
		close(fd);
		return 0;
	}, netns);
	exchange.port = static_cast<std::uint16_t>(exchange.server->next_report());

	std::uint16_t server_port = exchange.port;
	exchange.client = std::make_unique<Child>("tt-client", [&](Child &self) {
		int fd = connect_to(connect_address, server_port);
		if (fd < 0 || !send_all(fd, request) || !receive_exactly(fd, reply))
			return 1;
		self.report(1);
		self.wait_proceed();
		close(fd);
		return 0;
	}, netns);
	exchange.server->next_report();
	exchange.client->next_report();
	return exchange;
}

} // namespace traffic
