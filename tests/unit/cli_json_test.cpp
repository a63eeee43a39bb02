// SPDX-License-Identifier: MIT
// The tcptop CLI's JSON writer and text helpers: every byte escaped or replaced as documented.
#include <doctest/doctest.h>

#include <random>
#include <string>

#include "json_writer.h"
#include "text.h"

using namespace tcptop;
using namespace tcptop::cli;

namespace {

std::string json(std::string_view text)
{
	std::string out;
	append_json_string(out, text);
	return out;
}

} // namespace

TEST_CASE("JSON strings: quotes, backslash and control characters are escaped")
{
	CHECK(json("plain") == "\"plain\"");
	CHECK(json("a\"b\\c") == "\"a\\\"b\\\\c\"");
	CHECK(json("\b\f\n\r\t") == "\"\\b\\f\\n\\r\\t\"");
	CHECK(json(std::string_view("\0\x01\x1b\x1f", 4)) == "\"\\u0000\\u0001\\u001b\\u001f\"");
	CHECK(json("\x7f") == "\"\\u007f\"");
	CHECK(json("/ ~") == "\"/ ~\"");
}

TEST_CASE("JSON strings: every single byte gives printable ASCII")
{
	for (int byte = 0; byte < 256; ++byte) {
		std::string in(1, static_cast<char>(byte));
		std::string out = json(in);
		for (char c : out)
			CHECK((c >= 0x20 && c < 0x7f));
		if (byte >= 0x80)
			CHECK(out == "\"\\ufffd\"");
	}
}

TEST_CASE("JSON strings: well-formed UTF-8 becomes \\u escapes, surrogate pairs above U+FFFF")
{
	CHECK(json("\xc2\x80") == "\"\\u0080\"");
	CHECK(json("\xc3\xa9") == "\"\\u00e9\"");
	CHECK(json("\xdf\xbf") == "\"\\u07ff\"");
	CHECK(json("\xe0\xa0\x80") == "\"\\u0800\"");
	CHECK(json("\xe2\x82\xac") == "\"\\u20ac\"");
	CHECK(json("\xef\xbf\xbf") == "\"\\uffff\"");
	CHECK(json("\xf0\x9f\x98\x80") == "\"\\ud83d\\ude00\"");
	CHECK(json("\xf4\x8f\xbf\xbf") == "\"\\udbff\\udfff\"");
}

TEST_CASE("JSON strings: each byte outside well-formed UTF-8 becomes U+FFFD")
{
	/* Overlong forms, surrogates, beyond U+10FFFF, lone and truncated. */
	CHECK(json("\xc0\x80") == "\"\\ufffd\\ufffd\"");
	CHECK(json("\xc1\xbf") == "\"\\ufffd\\ufffd\"");
	CHECK(json("\xe0\x80\x80") == "\"\\ufffd\\ufffd\\ufffd\"");
	CHECK(json("\xed\xa0\x80") == "\"\\ufffd\\ufffd\\ufffd\"");
	CHECK(json("\xf4\x90\x80\x80") == "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	CHECK(json("\xf5\x80") == "\"\\ufffd\\ufffd\"");
	CHECK(json("a\xe2\x82") == "\"a\\ufffd\\ufffd\"");
	CHECK(json("\xe2\x82z") == "\"\\ufffd\\ufffdz\"");
	CHECK(json("\xff\xfe") == "\"\\ufffd\\ufffd\"");
	/* A valid sequence right after an invalid byte is kept. */
	CHECK(json("\x80\xc3\xa9") == "\"\\ufffd\\u00e9\"");
}

TEST_CASE("JSON strings: random bytes always give printable ASCII with valid escapes")
{
	std::mt19937 random(4);
	for (int round = 0; round < 2000; ++round) {
		std::string in(random() % 20, '\0');
		for (char &c : in)
			c = static_cast<char>(random());
		std::string out = json(in);
		REQUIRE(out.size() >= 2);
		CHECK(out.front() == '"');
		CHECK(out.back() == '"');
		for (std::size_t i = 1; i + 1 < out.size(); ++i) {
			char c = out[i];
			REQUIRE((c >= 0x20 && c < 0x7f));
			CHECK(c != '"');
			if (c != '\\')
				continue;
			char kind = out[++i];
			CHECK(std::string_view("\"\\bfnrtu").find(kind) != std::string_view::npos);
			if (kind == 'u') {
				REQUIRE(i + 4 < out.size());
				for (int k = 1; k <= 4; ++k)
					CHECK(std::isxdigit(static_cast<unsigned char>(out[i + k])));
				i += 4;
			}
		}
	}
}

TEST_CASE("decode_utf8 consumes every byte exactly once")
{
	std::string text = "a\xc3\xa9\xff\xf0\x9f\x98\x80\xe2\x82";
	std::size_t pos = 0;
	std::vector<std::pair<char32_t, bool>> steps;
	while (pos < text.size()) {
		Utf8Step step = decode_utf8(text, pos);
		steps.emplace_back(step.valid ? step.code_point : 0, step.valid);
	}
	CHECK(pos == text.size());
	std::vector<std::pair<char32_t, bool>> expected = {
		{U'a', true}, {0xe9, true}, {0, false}, {0x1f600, true}, {0, false}, {0, false},
	};
	CHECK(steps == expected);
}

TEST_CASE("printable() keeps text, turns controls and invalid bytes into '?'")
{
	CHECK(printable("nginx") == "nginx");
	CHECK(printable("caf\xc3\xa9") == "caf\xc3\xa9");
	CHECK(printable("a\nb\x1b[31m\x7f") == "a?b?[31m?");
	CHECK(printable("\xc2\x9b") == "?"); /* C1 control CSI */
	CHECK(printable("\xff\xc3") == "??");
}

TEST_CASE("display width and cutting count code points")
{
	CHECK(display_width("caf\xc3\xa9") == 4);
	CHECK(leading_columns("caf\xc3\xa9!", 4) == "caf\xc3\xa9");
	CHECK(leading_columns("abc", 5) == "abc");
	CHECK(leading_columns("\xc3\xa9\xc3\xa9", 1) == "\xc3\xa9");
	CHECK(trailing_columns("\xc3\xa9" "bc", 2) == "bc");
	CHECK(trailing_columns("a\xc3\xa9" "c", 2) == "\xc3\xa9" "c");
	CHECK(trailing_columns("ab", 5) == "ab");
}

TEST_CASE("a snapshot is one JSON object with the documented members")
{
	Snapshot snapshot;
	snapshot.timestamp_ns = 1700000000123456789ULL;
	snapshot.interval_ns = 1000000000;
	snapshot.stats.events = 3;
	snapshot.stats.events_dropped = 1;
	snapshot.stats.udp_datagrams_untracked = 7;
	snapshot.stats.udp_datagrams_unparsed = 2;
	snapshot.stats.collection_ns = 1234;
	snapshot.stats.program_runs_missed = 5;
	ConnectionRecord r;
	r.protocol = Protocol::tcp;
	r.family = AddressFamily::ipv6;
	r.local_addr[15] = 1;
	r.local_port = 80;
	r.remote_addr[15] = 1;
	r.remote_port = 5000;
	r.pid = 42;
	r.comm = "web\"srv";
	r.state = TcpState::established;
	r.role = Role::server;
	r.bytes_sent = 18446744073709551615ULL;
	r.bytes_sent_per_sec = 1.5;
	r.closed = true;
	snapshot.connections.push_back(r);

	r.cgroup_id = 77;
	snapshot.connections.push_back(r);
	Workload nginx = workload_of_cgroup_path("/system.slice/nginx.service");
	auto workload_of = [&](std::uint64_t cgroup_id) -> const Workload & {
		static const Workload unknown{};
		return cgroup_id == 77 ? nginx : unknown;
	};

	std::string line = snapshot_json(snapshot, {&snapshot.connections[0]}, workload_of);
	CHECK(line.find('\n') == std::string::npos);
	CHECK(line ==
	      "{\"timestamp_ns\":1700000000123456789,\"interval_ns\":1000000000,\"connections\":[{"
	      "\"protocol\":\"tcp\",\"family\":\"ipv6\",\"local_addr\":\"::1\",\"local_port\":80,"
	      "\"remote_addr\":\"::1\",\"remote_port\":5000,\"netns\":0,\"pid\":42,"
	      "\"comm\":\"web\\\"srv\",\"cgroup_id\":0,\"state\":\"ESTABLISHED\",\"role\":\"server\","
	      "\"bytes_sent\":18446744073709551615,\"bytes_received\":0,\"packets_sent\":0,"
	      "\"packets_received\":0,\"bytes_sent_per_sec\":1.5,\"bytes_received_per_sec\":0,"
	      "\"srtt_us\":0,\"retransmits\":0,\"start_time_ns\":0,\"closed\":true,"
	      "\"close_time_ns\":0,\"socket_cookie\":0,\"workload\":{\"cgroup_path\":\"\","
	      "\"container_id\":\"\",\"container_runtime\":\"\",\"systemd_unit\":\"\"}}],"
	      "\"stats\":{\"events\":3,"
	      "\"events_dropped\":1,\"connections_tracked\":0,\"connections_evicted\":0,"
	      "\"snapshots_coalesced\":0,\"udp_datagrams_untracked\":7,\"udp_datagrams_unparsed\":2,"
	      "\"collection_ns\":1234,\"program_runs_missed\":5,\"connections_unseen\":0}}");

	CHECK(snapshot_json(snapshot, {&snapshot.connections[1]}, workload_of)
		      .find("\"workload\":{\"cgroup_path\":\"/system.slice/nginx.service\","
			    "\"container_id\":\"\",\"container_runtime\":\"\","
			    "\"systemd_unit\":\"nginx.service\"}") != std::string::npos);
	CHECK(snapshot_json(snapshot, {}).find("\"connections\":[]") != std::string::npos);
}
