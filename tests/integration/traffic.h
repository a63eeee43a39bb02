// SPDX-License-Identifier: MIT
// Real traffic for the integration tests: child processes with chosen names.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <sys/types.h>

namespace traffic {

/**
 * A child process running a function. It talks to the test through a pipe
 * pair: the child reports() values (a port, "done"), the test tells it to
 * go on with proceed(). The destructor kills and reaps it.
 */
class Child
{
public:
	using Body = std::function<int(Child &self)>;

	/// Fork; in the child set comm to \p name, enter network namespace
	/// \p netns (a name under /var/run/netns) if not empty, and run \p body.
	Child(const std::string &name, Body body, const std::string &netns = {});
	~Child();
	Child(const Child &) = delete;
	Child &operator=(const Child &) = delete;

	pid_t pid() const { return pid_; }

	/// In the child: send a number to the test.
	void report(std::uint64_t value);
	/// In the child: wait for the test's go-ahead.
	void wait_proceed();

	/// In the test: the next number the child reported (fails the test on timeout).
	/// Timeouts here are stretched by time_scale().
	std::uint64_t next_report(int timeout_ms = 20000);
	/// In the test: let the child go on.
	void proceed();
	/// In the test: wait for exit; returns its exit status (or -1).
	int wait_exit(int timeout_ms = 20000);

private:
	pid_t pid_ = -1;
	bool reaped_ = false;
	int to_test_[2] = {-1, -1};
	int to_child_[2] = {-1, -1};
};

/// Write all of \p length bytes; false on error.
bool send_all(int fd, std::size_t length);
/// Read exactly \p length bytes; false on error or early EOF.
bool receive_exactly(int fd, std::size_t length);

/// Read until the peer's FIN or reset; the number of bytes read.
std::uint64_t receive_until_end(int fd);

/// A listening TCP socket on \p address (IPv4 or IPv6 text), port 0 = any.
/// Returns the fd; its port via bound_port().
int listen_on(const std::string &address, std::uint16_t port = 0);
int connect_to(const std::string &address, std::uint16_t port);
std::uint16_t bound_port(int fd);

/**
 * The standard exchange: a server child accepts one connection, reads
 * \p request bytes and answers \p reply bytes; a client child connects,
 * sends and reads. Both report 1 when the exchange is done and close their
 * socket when told to proceed.
 */
struct TcpExchange {
	std::uint16_t port = 0;
	std::unique_ptr<Child> server;
	std::unique_ptr<Child> client;
};
TcpExchange run_tcp_exchange(const std::string &listen_address, const std::string &connect_address,
			     std::size_t request, std::size_t reply, const std::string &netns = {},
			     std::uint16_t port = 0);

} // namespace traffic
