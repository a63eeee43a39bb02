// SPDX-License-Identifier: MIT
// Writes the seed corpus of every fuzz target: well-formed inputs, laid out by the very headers the library is built from.
//
// Made at every run rather than kept as files, so that the seeds follow
// bpf/kernel_contract.h and struct tcptop_options when they grow.
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <linux/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <tcptop/tcptop.h>

#include "bpf/kernel_contract.h"

namespace {

class Seed
{
public:
	Seed() = default;

	template<typename T>
	void append(const T &value)
	{
		const auto *raw = reinterpret_cast<const std::uint8_t *>(&value);
		bytes_.insert(bytes_.end(), raw, raw + sizeof(T));
	}

	bool write(const std::string &path) const
	{
		FILE *file = std::fopen(path.c_str(), "wb");
		if (!file)
			return false;
		bool written = std::fwrite(bytes_.data(), 1, bytes_.size(), file) == bytes_.size();
		return std::fclose(file) == 0 && written;
	}

private:
	std::vector<std::uint8_t> bytes_;
};

tcptop_owner owner()
{
	tcptop_owner o{};
	o.start_ns = 1'000'000'000;
	o.cgroup_id = 1;
	o.pid = 4242;
	o.netns = 4026531840u;
	o.role = TCPTOP_SOCK_ROLE_CLIENT;
	o.local_port = 40000;
	std::memcpy(o.comm, "curl", 5);
	return o;
}

tcptop_tcp_record tcp_record(__u32 kind)
{
	tcptop_tcp_record r{};
	r.kind = kind;
	r.netns = 4026531840u;
	r.cookie = 4097;
	r.local_addr[10] = r.local_addr[11] = 0xff;
	r.local_addr[12] = 127;
	r.local_addr[15] = 1;
	std::memcpy(r.remote_addr, r.local_addr, sizeof(r.remote_addr));
	r.local_port = 40000;
	r.remote_port = 443;
	r.family = AF_INET6;
	r.state = 1;
	r.bytes_sent = 1000;
	r.bytes_received = 3000;
	r.segs_out = 5;
	r.segs_in = 6;
	r.srtt_us = 50;
	r.close_ns = kind ? 2'000'000'000 : 0;
	r.owner = owner();
	return r;
}

tcptop_udp_socket udp_socket(__u32 kind)
{
	tcptop_udp_socket s{};
	s.kind = kind;
	s.netns = 4026531840u;
	s.cookie = 8193;
	s.close_ns = kind ? 3'000'000'000 : 0;
	s.owner = owner();
	s.first_flow.state = 1;
	s.first_flow.key.cookie = 8193;
	s.first_flow.key.remote_addr[0] = 10;
	s.first_flow.key.remote_addr[3] = 1;
	s.first_flow.key.remote_port = 53;
	s.first_flow.key.family = AF_INET;
	s.first_flow.counters.local_port = 5353;
	s.first_flow.counters.bytes_sent = 100;
	s.first_flow.counters.packets_sent = 1;
	return s;
}

/* kernel_records_fuzzer.cpp: a decoder number, the clock offset, records. */
Seed decoder_input(std::uint8_t decoder)
{
	Seed seed;
	seed.append(decoder);
	/* CLOCK_REALTIME - CLOCK_MONOTONIC of a machine up for a day. */
	seed.append(std::int64_t{1'795'000'000'000'000'000} - 86'400'000'000'000);
	return seed;
}

using Seeds = std::vector<std::pair<std::string, Seed>>;

Seeds kernel_records_seeds()
{
	/* The decoder numbers of kernel_records_fuzzer.cpp. */
	enum : std::uint8_t { event, tcp_iterator, udp_iterator, owner_iterator, udp_flow, drops };
	Seeds seeds;
	auto add = [&](const char *name, std::uint8_t decoder) -> Seed & {
		return seeds.emplace_back(name, decoder_input(decoder)).second;
	};
	add("event_tcp_closed", event).append(tcp_record(TCPTOP_EVENT_TCP_CLOSED));
	add("event_udp_released", event).append(udp_socket(TCPTOP_EVENT_UDP_RELEASED));
	tcptop_owner_record learned{};
	learned.kind = TCPTOP_EVENT_OWNER_LEARNED;
	learned.cookie = 4097;
	learned.owner = owner();
	add("event_owner_learned", event).append(learned);
	Seed &tcp = add("tcp_iterator", tcp_iterator);
	tcp.append(tcp_record(0));
	tcp.append(tcp_record(0));
	add("udp_iterator", udp_iterator).append(udp_socket(0));
	learned.kind = 0;
	add("owner_iterator", owner_iterator).append(learned);
	Seed &flow = add("udp_flow", udp_flow);
	flow.append(static_cast<std::uint8_t>(sizeof(tcptop_udp_flow_key)));
	flow.append(udp_socket(0).first_flow.key);
	flow.append(udp_socket(0).first_flow.counters);
	Seed &counters = add("drop_counters", drops);
	for (int counter = 0; counter < TCPTOP_DROP_COUNTER_COUNT; ++counter)
		for (__u64 cpu : {__u64{1}, __u64{2}})
			counters.append(cpu * (counter + 1));
	return seeds;
}

/* options_fuzzer.cpp: the struct as callers of each release pass it. */
Seeds options_seeds()
{
	Seeds seeds;
	tcptop_options defaults;
	tcptop_options_init(&defaults);
	seeds.emplace_back("defaults", Seed()).second.append(defaults);
	tcptop_options first_release = defaults;
	first_release.size = 28;
	seeds.emplace_back("first_release", Seed()).second.append(first_release);
	tcptop_options narrow = defaults;
	narrow.interval_ms = 10;
	narrow.protocols = TCPTOP_PROTO_TCP;
	narrow.families = TCPTOP_FAMILY_IPV6;
	narrow.max_connections = 1;
	narrow.port = 443;
	narrow.event_buffer_bytes = 4096;
	seeds.emplace_back("narrow", Seed()).second.append(narrow);
	return seeds;
}

/* capi_calls_fuzzer.cpp: call numbers, slots and arguments, in turn. */
Seeds capi_calls_seeds()
{
	Seeds seeds;
	Seed &lifecycle = seeds.emplace_back("lifecycle", Seed()).second;
	for (std::uint8_t byte : {0, 0, 6, 0, 3, 4, 0, 5, 0, 4, 1, 4, 0, 3, 0, 3, 1})
		lifecycle.append(byte);
	Seed &address = seeds.emplace_back("format_address", Seed()).second;
	for (std::uint8_t byte : {10, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 46, 1, 1})
		address.append(byte);
	return seeds;
}

/* json_writer_fuzzer.cpp: snapshot fields, then records' fields. */
Seeds json_writer_seeds()
{
	Seeds seeds;
	Seed &snapshot = seeds.emplace_back("one_connection", Seed()).second;
	for (std::uint64_t field : {1'795'000'000'000'000'000ull, 1'000'000'000ull, 3ull, 0ull, 0ull})
		snapshot.append(field);
	snapshot.append(std::uint8_t{0});
	snapshot.append(std::uint8_t{1});
	snapshot.append(tcp_record(0).local_addr);
	snapshot.append(tcp_record(0).remote_addr);
	snapshot.append(std::uint16_t{40000});
	snapshot.append(std::uint16_t{443});
	snapshot.append(std::uint32_t{4026531840u});
	snapshot.append(std::uint32_t{4242});
	const char name[] = "web\"srv\x1b[2J\xff";
	snapshot.append(static_cast<std::uint8_t>(sizeof(name) - 1));
	snapshot.append(name);
	return seeds;
}

} // namespace

/* Writes DIRECTORY/<target>/<seed> for every fuzz target. */
int main(int argc, char **argv)
{
	if (argc != 2) {
		std::fprintf(stderr, "usage: %s DIRECTORY\n", argv[0]);
		return 2;
	}
	const std::pair<const char *, Seeds> targets[] = {
		{"kernel_records", kernel_records_seeds()},
		{"options", options_seeds()},
		{"capi_calls", capi_calls_seeds()},
		{"json_writer", json_writer_seeds()},
	};
	for (const auto &[target, seeds] : targets) {
		std::string directory = std::string(argv[1]) + "/" + target;
		if (mkdir(directory.c_str(), 0755) != 0 && errno != EEXIST) {
			std::perror(directory.c_str());
			return 1;
		}
		for (const auto &[name, seed] : seeds) {
			if (!seed.write(directory + "/" + name)) {
				std::perror((directory + "/" + name).c_str());
				return 1;
			}
		}
	}
	return 0;
}
