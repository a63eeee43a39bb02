// SPDX-License-Identifier: MIT
// From struct tcptop_options, of whatever size the caller was built with, to tcptop::Options and EbpfOptions.
#include "capi/options_conversion.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>

#include "capi/last_error.h"

namespace tcptop::capi {

namespace {

/* sizeof(struct tcptop_options) in the first release. Callers built
 * against it must keep working when fields are appended, so this never
 * changes; a newer header only adds to it. */
constexpr std::size_t first_options_size = 28;
static_assert(sizeof(tcptop_options) >= first_options_size);

/* A caller newer than this library may pass a larger struct; beyond this
 * the size is surely garbage rather than a future version. */
constexpr std::size_t max_options_size = 4096;

/* Fields of a newer caller that this library does not know must be zero,
 * meaning "the default", or the caller asked for something we cannot do. */
bool unknown_tail_is_zero(const tcptop_options &in)
{
	const auto *bytes = reinterpret_cast<const unsigned char *>(&in);
	return std::all_of(bytes + sizeof(tcptop_options), bytes + in.size,
			   [](unsigned char byte) { return byte == 0; });
}

int bad_size(const tcptop_options &in, const char *why)
{
	std::string message = "invalid option size: " + std::to_string(in.size) + " " + why +
			      " (this library's struct tcptop_options has " +
			      std::to_string(sizeof(tcptop_options)) +
			      " bytes; fill it with tcptop_options_init())";
	return fail(-EINVAL, message);
}

} // namespace

int convert_options(const tcptop_options &in, Options &out, EbpfOptions &ebpf,
		    std::uint32_t &collector) noexcept
try {
	if (in.size < first_options_size)
		return bad_size(in, "is smaller than any version of the struct");
	if (in.size > max_options_size)
		return bad_size(in, "is larger than any plausible version of the struct");
	if (in.size > sizeof(tcptop_options) && !unknown_tail_is_zero(in))
		return bad_size(in, "sets fields from a newer libtcptop that this one does not know");

	/* Fields an older caller does not have keep their defaults. */
	tcptop_options known;
	tcptop_options_init(&known);
	std::memcpy(&known, &in, std::min<std::size_t>(in.size, sizeof(known)));

	if (known.protocols & ~TCPTOP_PROTO_ALL)
		return fail(-EINVAL, "invalid option protocols: unknown bits (use TCPTOP_PROTO_TCP, TCPTOP_PROTO_UDP)");
	if (known.families & ~TCPTOP_FAMILY_ALL)
		return fail(-EINVAL, "invalid option families: unknown bits (use TCPTOP_FAMILY_IPV4, TCPTOP_FAMILY_IPV6)");
	if (known.hook_kinds & ~TCPTOP_HOOK_ALL)
		return fail(-EINVAL, "invalid option hook_kinds: unknown bits (use TCPTOP_HOOK_CGROUP, TCPTOP_HOOK_FENTRY)");
	if (known.collector != TCPTOP_COLLECTOR_EBPF && known.collector != TCPTOP_COLLECTOR_SOCK_DIAG)
		return fail(-EINVAL, "invalid option collector: unknown value (use TCPTOP_COLLECTOR_EBPF, TCPTOP_COLLECTOR_SOCK_DIAG)");

	out.interval = std::chrono::milliseconds(known.interval_ms);
	out.pid = known.pid;
	out.port = known.port;
	out.protocols.tcp = known.protocols & TCPTOP_PROTO_TCP;
	out.protocols.udp = known.protocols & TCPTOP_PROTO_UDP;
	out.families.ipv4 = known.families & TCPTOP_FAMILY_IPV4;
	out.families.ipv6 = known.families & TCPTOP_FAMILY_IPV6;
	out.max_connections = known.max_connections;
	ebpf.hook_kinds.cgroup = known.hook_kinds & TCPTOP_HOOK_CGROUP;
	ebpf.hook_kinds.fentry = known.hook_kinds & TCPTOP_HOOK_FENTRY;
	ebpf.max_udp_flows = known.max_udp_flows;
	ebpf.event_buffer_bytes = known.event_buffer_bytes;
	collector = known.collector;
	return 0;
} catch (const std::bad_alloc &) {
	return fail(-ENOMEM, "out of memory");
}

} // namespace tcptop::capi

void tcptop_options_init(struct tcptop_options *opts)
{
	if (!opts)
		return;
	/* The C++ defaults are the one source of the defaults. */
	const tcptop::Options defaults;
	const tcptop::EbpfOptions ebpf_defaults;
	/* Padding too, so that a struct from init compares and copies cleanly. */
	std::memset(opts, 0, sizeof(*opts));
	opts->size = sizeof(*opts);
	opts->interval_ms = static_cast<uint32_t>(
		std::chrono::duration_cast<std::chrono::milliseconds>(defaults.interval).count());
	opts->pid = defaults.pid;
	opts->port = defaults.port;
	opts->protocols = (defaults.protocols.tcp ? TCPTOP_PROTO_TCP : 0) |
			  (defaults.protocols.udp ? TCPTOP_PROTO_UDP : 0);
	opts->families = (defaults.families.ipv4 ? TCPTOP_FAMILY_IPV4 : 0) |
			 (defaults.families.ipv6 ? TCPTOP_FAMILY_IPV6 : 0);
	opts->max_connections = static_cast<uint32_t>(defaults.max_connections);
	opts->hook_kinds = (ebpf_defaults.hook_kinds.cgroup ? TCPTOP_HOOK_CGROUP : 0) |
			   (ebpf_defaults.hook_kinds.fentry ? TCPTOP_HOOK_FENTRY : 0);
	opts->max_udp_flows = static_cast<uint32_t>(ebpf_defaults.max_udp_flows);
	opts->event_buffer_bytes = static_cast<uint32_t>(ebpf_defaults.event_buffer_bytes);
	opts->collector = TCPTOP_COLLECTOR_EBPF;
}
