/* SPDX-License-Identifier: MIT */
/* Real TCP traffic over 127.0.0.1 for the C tests: a server and a client child process. */
#define _GNU_SOURCE
#include "exchange.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* Send (or, with receive set, read) exactly `length` bytes. */
static int transfer(int fd, size_t length, int receive)
{
	char buffer[16384];

	memset(buffer, 'x', sizeof(buffer));
	while (length) {
		size_t chunk = length < sizeof(buffer) ? length : sizeof(buffer);
		ssize_t moved = receive ? recv(fd, buffer, chunk, 0) : send(fd, buffer, chunk, MSG_NOSIGNAL);
		if (moved < 0 && errno == EINTR)
			continue;
		if (moved <= 0)
			return -1;
		length -= (size_t)moved;
	}
	return 0;
}

static struct sockaddr_in loopback(uint16_t port)
{
	struct sockaddr_in address;

	memset(&address, 0, sizeof(address));
	address.sin_family = AF_INET;
	address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	address.sin_port = htons(port);
	return address;
}

/* Fork a child named `name`; returns its pid in the parent, never returns in the child. */
static pid_t spawn(const char *name, int (*body)(void *), void *arg, int *reports, int *go)
{
	int to_parent[2], to_child[2];
	pid_t pid;

	if (pipe2(to_parent, O_CLOEXEC) || pipe2(to_child, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid != 0) {
		close(to_parent[1]);
		close(to_child[0]);
		*reports = to_parent[0];
		*go = to_child[1];
		return pid;
	}
	close(to_parent[0]);
	close(to_child[1]);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_NAME, name);
	*reports = to_parent[1];
	*go = to_child[0];
	_exit(body(arg));
}

struct child_args {
	struct exchange *e;
	size_t request;
	size_t reply;
};

static void report(int fd, const void *data, size_t size)
{
	if (write(fd, data, size) != (ssize_t)size)
		_exit(3);
}

static void wait_go(int fd)
{
	char go;

	if (read(fd, &go, 1) != 1)
		_exit(4);
}

static int server_body(void *arg)
{
	struct child_args *a = arg;
	struct sockaddr_in address = loopback(0);
	socklen_t length = sizeof(address);
	int listener = socket(AF_INET, SOCK_STREAM, 0);
	int fd;

	if (bind(listener, (struct sockaddr *)&address, sizeof(address)) || listen(listener, 1) ||
	    getsockname(listener, (struct sockaddr *)&address, &length))
		return 1;
	report(a->e->server_reports, &address.sin_port, sizeof(address.sin_port));
	fd = accept(listener, NULL, NULL);
	close(listener);
	if (fd < 0 || transfer(fd, a->request, 1) || transfer(fd, a->reply, 0))
		return 2;
	report(a->e->server_reports, "d", 1);
	wait_go(a->e->server_go);
	close(fd);
	return 0;
}

static int client_body(void *arg)
{
	struct child_args *a = arg;
	struct sockaddr_in address = loopback(a->e->port);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (connect(fd, (struct sockaddr *)&address, sizeof(address)) ||
	    transfer(fd, a->request, 0) || transfer(fd, a->reply, 1))
		return 2;
	report(a->e->client_reports, "d", 1);
	wait_go(a->e->client_go);
	close(fd);
	return 0;
}

/* Read `size` bytes a child reported, waiting at most 20 s. */
static int next_report(int fd, void *data, size_t size)
{
	struct pollfd ready = {fd, POLLIN, 0};

	if (poll(&ready, 1, 20000) != 1)
		return -1;
	return read(fd, data, size) == (ssize_t)size ? 0 : -1;
}

static void kill_children(struct exchange *e)
{
	if (e->server > 0)
		kill(e->server, SIGKILL);
	if (e->client > 0)
		kill(e->client, SIGKILL);
	exchange_finish(e);
}

int exchange_start(struct exchange *e, size_t request, size_t reply)
{
	struct child_args args = {e, request, reply};
	uint16_t port_network_order;
	char done;

	memset(e, 0, sizeof(*e));
	e->server_reports = e->client_reports = e->server_go = e->client_go = -1;
	e->server = spawn("ct-server", server_body, &args, &e->server_reports, &e->server_go);
	if (e->server < 0 || next_report(e->server_reports, &port_network_order, sizeof(port_network_order))) {
		kill_children(e);
		return -1;
	}
	e->port = ntohs(port_network_order);
	e->client = spawn("ct-client", client_body, &args, &e->client_reports, &e->client_go);
	if (e->client < 0 || next_report(e->server_reports, &done, 1) ||
	    next_report(e->client_reports, &done, 1)) {
		kill_children(e);
		return -1;
	}
	return 0;
}

static int reap(pid_t pid)
{
	int status = 0;

	if (pid <= 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int exchange_finish(struct exchange *e)
{
	int fds[] = {e->server_reports, e->client_reports, e->server_go, e->client_go};
	int result;
	size_t i;

	if (e->server_go >= 0 && write(e->server_go, "g", 1) != 1)
		kill(e->server, SIGKILL);
	if (e->client_go >= 0 && write(e->client_go, "g", 1) != 1)
		kill(e->client, SIGKILL);
	result = reap(e->server) | reap(e->client);
	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); ++i)
		if (fds[i] >= 0)
			close(fds[i]);
	e->server_reports = e->client_reports = e->server_go = e->client_go = -1;
	return result;
}
