// SPDX-License-Identifier: MIT
// Fuzz target: a random sequence of C ABI calls with bad arguments, each checked against a model of what it must return.
//
// Collectors are made, stopped and destroyed but never started: a start
// loads the BPF programs (about 80 ms), far too slow for a fuzzer's
// millions of calls. Starting and stopping for real, also racing a
// callback, is what the lifecycle tests do.
#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include <arpa/inet.h>

#include <tcptop/tcptop.h>

#include "fuzz_check.h"

namespace {

/* The input, consumed a byte at a time; 0 once it runs out. */
class Input
{
public:
	Input(const std::uint8_t *data, std::size_t size) : data_(data), size_(size) {}

	bool empty() const { return offset_ == size_; }
	std::uint8_t byte() { return offset_ < size_ ? data_[offset_++] : 0; }
	std::uint32_t word()
	{
		std::uint32_t value = 0;
		for (int i = 0; i < 4; ++i)
			value = value << 8 | byte();
		return value;
	}

private:
	const std::uint8_t *data_;
	std::size_t size_;
	std::size_t offset_ = 0;
};

enum class Call : std::uint8_t {
	create,
	create_without_options,
	create_without_out,
	destroy,
	stop,
	next_snapshot,
	features,
	start_without_arguments,
	snapshot_without_snapshot,
	strerror,
	format_address,
	version_and_message,
	use_destroyed,
	count,
};

/* The model: a slot holds a collector made and not started, or nothing;
 * the last collector destroyed is remembered, to be passed again. */
using Slots = std::array<tcptop_collector *, 3>;

struct Model {
	Slots slots{};
	tcptop_collector *destroyed = nullptr;

	/* Whether the destroyed one's address went to a newer collector,
	 * which a stale handle then is. */
	bool destroyed_reused() const
	{
		return std::find(slots.begin(), slots.end(), destroyed) != slots.end();
	}
};

void use_destroyed(const Model &model)
{
	if (!model.destroyed || model.destroyed_reused())
		return;
	tcptop_snapshot *snapshot = nullptr;
	FUZZ_CHECK(tcptop_collector_stop(model.destroyed) == -EINVAL);
	FUZZ_CHECK(tcptop_collector_start_polling(model.destroyed) == -EINVAL);
	FUZZ_CHECK(tcptop_collector_next_snapshot(model.destroyed, 0, &snapshot) == -EINVAL);
	FUZZ_CHECK(tcptop_collector_feature_count(model.destroyed) == 0);
	FUZZ_CHECK(tcptop_collector_feature(model.destroyed, 0) == nullptr);
	tcptop_collector_destroy(model.destroyed);
	FUZZ_CHECK(std::string_view(tcptop_last_error_message()).find("not a live collector") !=
		   std::string_view::npos);
}

void create(Slots &slots, std::size_t slot)
{
	tcptop_collector_destroy(slots[slot]);
	tcptop_options options;
	tcptop_options_init(&options);
	FUZZ_CHECK(tcptop_collector_create(&options, &slots[slot]) == 0);
	FUZZ_CHECK(slots[slot] != nullptr);
}

void next_snapshot(tcptop_collector *collector, Input &input)
{
	/* -3 to 2 ms: below -1 is invalid; -1 would wait forever on a polling
	 * collector, but none here polls, so it must return at once. */
	int timeout_ms = input.byte() % 6 - 3;
	bool with_out = input.byte() & 1;
	tcptop_snapshot *snapshot = reinterpret_cast<tcptop_snapshot *>(&input);
	int result = tcptop_collector_next_snapshot(collector, timeout_ms,
						    with_out ? &snapshot : nullptr);
	if (!collector || !with_out || timeout_ms < -1)
		FUZZ_CHECK(result == -EINVAL);
	else
		FUZZ_CHECK(result == -EBUSY);
	if (with_out)
		FUZZ_CHECK(snapshot == nullptr);
}

void format_address(Input &input)
{
	std::uint32_t family = input.byte() % 4;
	std::uint8_t address[16];
	for (std::uint8_t &byte : address)
		byte = input.byte();
	std::size_t size = input.byte() % 64;
	bool with_address = input.byte() % 8 != 0;
	bool with_buffer = input.byte() % 8 != 0;
	char buffer[64];
	std::memset(buffer, 'x', sizeof(buffer));

	int result = tcptop_format_address(family, with_address ? address : nullptr,
					   with_buffer ? buffer : nullptr, size);
	if (!with_address || !with_buffer ||
	    (family != TCPTOP_FAMILY_IPV4 && family != TCPTOP_FAMILY_IPV6)) {
		FUZZ_CHECK(result == -EINVAL);
		return;
	}
	char expected[INET6_ADDRSTRLEN];
	FUZZ_CHECK(inet_ntop(family == TCPTOP_FAMILY_IPV4 ? AF_INET : AF_INET6, address, expected,
			     sizeof(expected)));
	if (std::strlen(expected) < size) {
		FUZZ_CHECK(result == 0);
		FUZZ_CHECK(std::string_view(buffer) == expected);
	} else {
		FUZZ_CHECK(result == -ENOSPC);
		FUZZ_CHECK(size == 0 || buffer[0] == '\0');
	}
	/* Nothing written past the size given. */
	for (std::size_t i = size; i < sizeof(buffer); ++i)
		FUZZ_CHECK(buffer[i] == 'x');
}

void call(Model &model, Input &input)
{
	Slots &slots = model.slots;
	auto next = static_cast<Call>(input.byte() % static_cast<std::uint8_t>(Call::count));
	std::size_t slot = input.byte() % slots.size();
	tcptop_collector *collector = slots[slot];

	switch (next) {
	case Call::create:
		create(slots, slot);
		break;
	case Call::create_without_options: {
		tcptop_collector *out = reinterpret_cast<tcptop_collector *>(&slots);
		FUZZ_CHECK(tcptop_collector_create(nullptr, &out) == -EINVAL);
		FUZZ_CHECK(out == nullptr);
		break;
	}
	case Call::create_without_out: {
		tcptop_options options;
		tcptop_options_init(&options);
		FUZZ_CHECK(tcptop_collector_create(&options, nullptr) == -EINVAL);
		break;
	}
	case Call::destroy:
		tcptop_collector_destroy(collector);
		slots[slot] = nullptr;
		if (collector)
			model.destroyed = collector;
		break;
	case Call::stop:
		FUZZ_CHECK(tcptop_collector_stop(collector) == (collector ? 0 : -EINVAL));
		break;
	case Call::next_snapshot:
		next_snapshot(collector, input);
		break;
	case Call::features:
		FUZZ_CHECK(tcptop_collector_feature_count(collector) == 0);
		FUZZ_CHECK(tcptop_collector_feature(collector, input.byte()) == nullptr);
		break;
	case Call::start_without_arguments:
		FUZZ_CHECK(tcptop_collector_start(nullptr, nullptr, nullptr) == -EINVAL);
		FUZZ_CHECK(tcptop_collector_start_polling(nullptr) == -EINVAL);
		if (collector)
			FUZZ_CHECK(tcptop_collector_start(collector, nullptr, nullptr) == -EINVAL);
		break;
	case Call::snapshot_without_snapshot:
		FUZZ_CHECK(tcptop_snapshot_connection_count(nullptr) == 0);
		FUZZ_CHECK(tcptop_snapshot_connection(nullptr, input.byte()) == nullptr);
		FUZZ_CHECK(tcptop_snapshot_timestamp_ns(nullptr) == 0);
		FUZZ_CHECK(tcptop_snapshot_interval_ns(nullptr) == 0);
		FUZZ_CHECK(tcptop_snapshot_stats(nullptr) == nullptr);
		tcptop_snapshot_free(nullptr);
		break;
	case Call::strerror: {
		auto code = static_cast<int>(input.word());
		const char *text = tcptop_strerror(code);
		FUZZ_CHECK(text != nullptr && text[0] != '\0');
		if (code == 0)
			FUZZ_CHECK(std::string_view(text) == "success");
		break;
	}
	case Call::format_address:
		format_address(input);
		break;
	case Call::version_and_message:
		FUZZ_CHECK(std::string_view(tcptop_version()) == TCPTOP_VERSION_STRING);
		FUZZ_CHECK(tcptop_last_error_message() != nullptr);
		tcptop_options_init(nullptr);
		break;
	case Call::use_destroyed:
		use_destroyed(model);
		break;
	case Call::count:
		break;
	}
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
	Model model;
	Input input(data, size);
	while (!input.empty())
		call(model, input);
	for (tcptop_collector *collector : model.slots)
		tcptop_collector_destroy(collector);
	return 0;
}
