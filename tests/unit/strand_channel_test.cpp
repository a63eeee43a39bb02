// SPDX-License-Identifier: MIT
// StrandChannel: bounded hand-off, posting, and close() semantics.
#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "core/strand_channel.h"
#include "numbered_snapshot.h"

using namespace tcptop;

TEST_CASE("handlers are posted, never run inline, and run in order")
{
	boost::asio::io_context io;
	std::vector<std::uint64_t> seen;
	auto channel = std::make_shared<StrandChannel>(
		io.get_executor(), [&](const Snapshot &s) { seen.push_back(s.timestamp_ns); });

	auto first = numbered(1);
	auto second = numbered(2);
	CHECK(channel->offer(first));
	CHECK(channel->offer(second));
	CHECK(seen.empty());
	io.poll();
	CHECK(seen == std::vector<std::uint64_t>{1, 2});
}

TEST_CASE("a full channel refuses and leaves the snapshot with the producer")
{
	boost::asio::io_context io;
	auto channel = std::make_shared<StrandChannel>(io.get_executor(), [](const Snapshot &) {});

	for (std::uint64_t i = 0; i < StrandChannel::capacity; ++i) {
		auto snapshot = numbered(i);
		CHECK(channel->offer(snapshot));
	}
	auto refused = numbered(99);
	CHECK_FALSE(channel->offer(refused));
	REQUIRE(refused);
	CHECK(refused->timestamp_ns == 99);
}

TEST_CASE("after close no handler runs, and close from inside the handler returns")
{
	boost::asio::io_context io;
	int calls = 0;
	std::shared_ptr<StrandChannel> channel;
	channel = std::make_shared<StrandChannel>(io.get_executor(), [&](const Snapshot &) {
		++calls;
		channel->close();
	});

	auto first = numbered(1);
	auto second = numbered(2);
	CHECK(channel->offer(first));
	CHECK(channel->offer(second));
	io.poll();
	CHECK(calls == 1);
	auto third = numbered(3);
	CHECK_FALSE(channel->offer(third));
}
