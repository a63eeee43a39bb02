// SPDX-License-Identifier: MIT
// Fuzz target: every decoder of what the kernel side writes, fed any bytes.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <unordered_set>

#include "linux/ebpf/record_decoder.h"

using tcptop::linux_impl::Bytes;
using tcptop::linux_impl::DecodedConnection;
using tcptop::linux_impl::RecordDecoder;

namespace {

/* Which decoder an input is for: its first byte. */
enum class Decoder : std::uint8_t {
	ring_buffer_event,
	tcp_iterator,
	udp_iterator,
	owner_iterator,
	udp_flow_entry,
	drop_counters,
	count,
};

/* Reads every field, so that the sanitizers see any value made of bytes
 * the decoder did not own. */
std::uint64_t checksum(const DecodedConnection &connection)
{
	const tcptop::ConnectionRecord &record = connection.record;
	return record.local_port + record.remote_port + record.bytes_sent + record.bytes_received +
	       record.packets_sent + record.packets_received + record.pid + record.comm.size() +
	       record.start_time_ns + record.close_time_ns + record.socket_cookie +
	       static_cast<std::uint64_t>(record.state) + record.local_addr[15] +
	       record.remote_addr[15] + connection.key.socket_cookie + connection.key.remote_port;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	/* A decoder byte, the clock offset, then the record bytes. */
	constexpr std::size_t header = 1 + sizeof(std::int64_t);
	if (size < header)
		return 0;
	auto decoder_kind = static_cast<Decoder>(data[0] % static_cast<std::uint8_t>(Decoder::count));
	std::int64_t wall_minus_monotonic_ns;
	std::memcpy(&wall_minus_monotonic_ns, data + 1, sizeof(wall_minus_monotonic_ns));
	const RecordDecoder decoder(wall_minus_monotonic_ns);
	Bytes bytes(reinterpret_cast<const std::byte *>(data) + header, size - header);

	volatile std::uint64_t sink = 0;
	switch (decoder_kind) {
	case Decoder::ring_buffer_event:
		sink = decoder.event(bytes).index();
		break;
	case Decoder::tcp_iterator:
		decoder.each_tcp_socket(bytes, [&](const DecodedConnection &connection) {
			sink = sink + checksum(connection);
		});
		break;
	case Decoder::udp_iterator:
		for (const auto &socket : decoder.udp_sockets(bytes))
			sink = sink + socket.cookie + socket.owner.pid +
			       (socket.first_flow ? checksum(*socket.first_flow) : 0);
		break;
	case Decoder::owner_iterator: {
		/* Ask for the cookies an input is most likely to hold. */
		std::unordered_set<std::uint64_t> wanted = {0, 1};
		if (bytes.size() >= 16) {
			std::uint64_t cookie;
			std::memcpy(&cookie, bytes.data() + 8, sizeof(cookie));
			wanted.insert(cookie);
		}
		for (const auto &[cookie, owner] : decoder.socket_owners(bytes, wanted))
			sink = sink + cookie + owner.pid + owner.comm.size();
		break;
	}
	case Decoder::udp_flow_entry: {
		/* The first byte says where the key ends and the value begins. */
		if (bytes.empty())
			break;
		std::size_t key_size = std::min<std::size_t>(std::to_integer<std::size_t>(bytes[0]),
							     bytes.size() - 1);
		auto flow = decoder.udp_flow(bytes.subspan(1, key_size), bytes.subspan(1 + key_size));
		if (flow)
			sink = sink + checksum(*flow);
		break;
	}
	case Decoder::drop_counters: {
		auto counts = decoder.drop_counts(bytes);
		sink = counts.events_dropped + counts.udp_datagrams_untracked +
		       counts.udp_datagrams_unparsed;
		break;
	}
	case Decoder::count:
		break;
	}
	return 0;
}
