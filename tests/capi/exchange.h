/* SPDX-License-Identifier: MIT */
/* Real TCP traffic over 127.0.0.1 for the C tests: a server and a client child process. */
#ifndef TCPTOP_TEST_EXCHANGE_H
#define TCPTOP_TEST_EXCHANGE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * The client ("ct-client") connects to the server ("ct-server"), sends
 * `request` bytes and reads `reply` bytes; the server reads and answers.
 * Both then keep the connection open until exchange_finish().
 */
struct exchange {
	uint16_t port;
	pid_t server;
	pid_t client;
	int server_reports; /* read ends: a child writes one byte per step */
	int client_reports;
	int server_go;      /* write ends: one byte lets a child close and exit */
	int client_go;
};

/* 0 once both ends have moved every byte; -1 on failure (children killed). */
int exchange_start(struct exchange *e, size_t request, size_t reply);

/* Let both ends close and exit; 0 when both exited with status 0. The
 * pids and the port stay, for checking the closed records. */
int exchange_finish(struct exchange *e);

#endif
