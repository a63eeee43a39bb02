// SPDX-License-Identifier: MIT
// tcptop_format_address(): an address of a tcptop_connection as text.
#include <cerrno>

#include <arpa/inet.h>
#include <sys/socket.h>

#include <tcptop/tcptop.h>

#include "capi/last_error.h"

using tcptop::capi::fail;

int tcptop_format_address(uint32_t family, const uint8_t *addr, char *buf, size_t size)
{
	if (!addr)
		return fail(-EINVAL, "invalid argument addr: NULL");
	if (!buf)
		return fail(-EINVAL, "invalid argument buf: NULL");
	if (family != TCPTOP_FAMILY_IPV4 && family != TCPTOP_FAMILY_IPV6)
		return fail(-EINVAL, "invalid argument family: use TCPTOP_FAMILY_IPV4 or TCPTOP_FAMILY_IPV6");
	if (size > 0)
		buf[0] = '\0';
	/* inet_ntop takes a socklen_t; more than that is room enough anyway. */
	auto room = static_cast<socklen_t>(size < TCPTOP_ADDRESS_STRLEN ? size : TCPTOP_ADDRESS_STRLEN);
	int af = family == TCPTOP_FAMILY_IPV4 ? AF_INET : AF_INET6;
	if (!inet_ntop(af, addr, buf, room)) {
		if (size > 0)
			buf[0] = '\0';
		return fail(-ENOSPC, "buffer too small for the address: TCPTOP_ADDRESS_STRLEN bytes suffice");
	}
	return 0;
}
