// SPDX-License-Identifier: MIT
// Fuzz target: the CLI's JSON Lines writer, given snapshots of any content, must write one line of strict ASCII JSON.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <tcptop/snapshot.h>

#include "fuzz_check.h"
#include "json_syntax.h"
#include "json_writer.h"

using tcptop::ConnectionRecord;
using tcptop::Snapshot;

namespace {

/* The input, consumed as the snapshot's fields; 0 once it runs out. */
class Input
{
public:
	Input(const std::uint8_t *data, std::size_t size) : data_(data), size_(size) {}

	bool empty() const { return offset_ == size_; }

	template<typename T>
	T next()
	{
		T value{};
		std::size_t length = std::min(sizeof(T), size_ - offset_);
		std::memcpy(&value, data_ + offset_, length);
		offset_ += length;
		return value;
	}

	/* Up to 31 bytes, any values: a process name as the kernel may hold
	 * it, and longer. */
	std::string text()
	{
		std::size_t length = std::min<std::size_t>(next<std::uint8_t>() % 32, size_ - offset_);
		std::string bytes(reinterpret_cast<const char *>(data_ + offset_), length);
		offset_ += length;
		return bytes;
	}

private:
	const std::uint8_t *data_;
	std::size_t size_;
	std::size_t offset_ = 0;
};

ConnectionRecord record_from(Input &input)
{
	ConnectionRecord record;
	record.protocol = input.next<std::uint8_t>() & 1 ? tcptop::Protocol::udp : tcptop::Protocol::tcp;
	record.family = input.next<std::uint8_t>() & 1 ? tcptop::AddressFamily::ipv6
						       : tcptop::AddressFamily::ipv4;
	record.local_addr = input.next<tcptop::IpAddress>();
	record.remote_addr = input.next<tcptop::IpAddress>();
	record.local_port = input.next<std::uint16_t>();
	record.remote_port = input.next<std::uint16_t>();
	record.netns = input.next<std::uint32_t>();
	record.pid = input.next<std::uint32_t>();
	record.comm = input.text();
	record.cgroup_id = input.next<std::uint64_t>();
	/* Any byte: the kernel's state numbers reach here unchecked. */
	record.state = static_cast<tcptop::TcpState>(input.next<std::uint8_t>());
	record.role = static_cast<tcptop::Role>(input.next<std::uint8_t>() % 3);
	record.bytes_sent = input.next<std::uint64_t>();
	record.bytes_received = input.next<std::uint64_t>();
	record.packets_sent = input.next<std::uint64_t>();
	record.packets_received = input.next<std::uint64_t>();
	/* NaN and infinities too. */
	record.bytes_sent_per_sec = input.next<double>();
	record.bytes_received_per_sec = input.next<double>();
	record.srtt_us = input.next<std::uint32_t>();
	record.retransmits = input.next<std::uint32_t>();
	record.start_time_ns = input.next<std::uint64_t>();
	record.closed = input.next<std::uint8_t>() & 1;
	record.close_time_ns = input.next<std::uint64_t>();
	record.socket_cookie = input.next<std::uint64_t>();
	return record;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	Input input(data, size);
	Snapshot snapshot;
	snapshot.timestamp_ns = input.next<std::uint64_t>();
	snapshot.interval_ns = input.next<std::uint64_t>();
	snapshot.stats.events = input.next<std::uint64_t>();
	snapshot.stats.events_dropped = input.next<std::uint64_t>();
	snapshot.stats.program_runs_missed = input.next<std::uint64_t>();
	while (!input.empty() && snapshot.connections.size() < 8)
		snapshot.connections.push_back(record_from(input));

	std::vector<const ConnectionRecord *> records;
	for (const ConnectionRecord &record : snapshot.connections)
		records.push_back(&record);
	std::string line = tcptop::cli::snapshot_json(snapshot, records);

	FUZZ_CHECK(tcptop::fuzz::is_compact_json(line));
	/* Printable ASCII only: no byte of a name reaches a terminal or a
	 * log as it is. */
	for (char c : line)
		FUZZ_CHECK(c >= 0x20 && c < 0x7f);
	return 0;
}
