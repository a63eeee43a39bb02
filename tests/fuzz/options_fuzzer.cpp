// SPDX-License-Identifier: MIT
// Fuzz target: struct tcptop_options of any size and content, against the rules tcptop.h documents.
#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include <unistd.h>

#include <tcptop/tcptop.h>

#include "fuzz_check.h"

namespace {

/* What the header promises a caller whose struct ends before a field. */
tcptop_options effective_options(const std::vector<std::uint8_t> &buffer)
{
	tcptop_options effective;
	tcptop_options_init(&effective);
	std::uint32_t size;
	std::memcpy(&size, buffer.data(), sizeof(size));
	std::memcpy(&effective, buffer.data(), std::min<std::size_t>(size, sizeof(effective)));
	return effective;
}

bool power_of_two(std::uint64_t value)
{
	return value != 0 && (value & (value - 1)) == 0;
}

/* Every rule of struct tcptop_options, as documented, in one place. */
bool documented_valid(const std::vector<std::uint8_t> &buffer)
{
	std::uint32_t size;
	std::memcpy(&size, buffer.data(), sizeof(size));
	/* 28: the struct's size in the first release, which callers may still pass. */
	if (size < 28 || size > 4096)
		return false;
	if (size > sizeof(tcptop_options) &&
	    !std::all_of(buffer.begin() + sizeof(tcptop_options), buffer.begin() + size,
			 [](std::uint8_t byte) { return byte == 0; }))
		return false;
	const tcptop_options o = effective_options(buffer);
	const auto page = static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
	return o.interval_ms >= 10 && o.interval_ms <= 3'600'000 && o.protocols != 0 &&
	       (o.protocols & ~TCPTOP_PROTO_ALL) == 0 && o.families != 0 &&
	       (o.families & ~TCPTOP_FAMILY_ALL) == 0 && o.max_connections >= 1 &&
	       o.max_connections <= 4'194'304 && (o.hook_kinds & ~TCPTOP_HOOK_ALL) == 0 &&
	       o.max_udp_flows <= 4'194'304 && o.collector <= TCPTOP_COLLECTOR_SOCK_DIAG &&
	       (o.event_buffer_bytes == 0 ||
		(power_of_two(o.event_buffer_bytes) && o.event_buffer_bytes >= page &&
		 o.event_buffer_bytes <= (1u << 30)));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	/* The input is the struct as the caller passes it; its size field may
	 * claim more than the input holds, and the caller's buffer is then
	 * that large, zero-filled beyond the input. */
	if (size < sizeof(std::uint32_t))
		return 0;
	std::uint32_t declared;
	std::memcpy(&declared, data, sizeof(declared));
	std::size_t buffer_size = std::max<std::size_t>(
		{size, sizeof(tcptop_options), std::min<std::size_t>(declared, 8192)});
	std::vector<std::uint8_t> buffer(buffer_size, 0);
	std::copy(data, data + size, buffer.begin());

	tcptop_collector *collector = reinterpret_cast<tcptop_collector *>(&buffer);
	int result = tcptop_collector_create(reinterpret_cast<const tcptop_options *>(buffer.data()),
					     &collector);
	if (result == -ENOMEM)
		return 0;
	if (documented_valid(buffer)) {
		FUZZ_CHECK(result == 0);
		FUZZ_CHECK(collector != nullptr);
		/* Made, not started: nothing to report and nothing to stop. */
		FUZZ_CHECK(tcptop_collector_feature_count(collector) == 0);
		FUZZ_CHECK(tcptop_collector_stop(collector) == 0);
		tcptop_collector_destroy(collector);
	} else {
		FUZZ_CHECK(result == -EINVAL);
		FUZZ_CHECK(collector == nullptr);
		FUZZ_CHECK(std::string_view(tcptop_last_error_message()).starts_with("invalid option "));
	}
	return 0;
}
