// SPDX-License-Identifier: MIT
// UnseenConnections: TCP connections a namespace opened that no dump saw, from its opening counters.
#include "linux/sock_diag/unseen_connections.h"

#include <algorithm>
#include <charconv>

namespace tcptop::linux_impl {

namespace {

/* The next space-separated word of \p line, consumed. */
std::string_view next_word(std::string_view &line)
{
	std::size_t start = line.find_first_not_of(' ');
	if (start == std::string_view::npos) {
		line = {};
		return {};
	}
	line.remove_prefix(start);
	std::size_t end = std::min(line.find(' '), line.size());
	std::string_view word = line.substr(0, end);
	line.remove_prefix(end);
	return word;
}

std::string_view next_line(std::string_view &text)
{
	std::size_t end = std::min(text.find('\n'), text.size());
	std::string_view line = text.substr(0, end);
	text.remove_prefix(std::min(end + 1, text.size()));
	return line;
}

} // namespace

std::optional<std::uint64_t> tcp_opens_in(std::string_view snmp)
{
	/* Each protocol has a line of names and then one of values. */
	while (!snmp.empty()) {
		std::string_view names = next_line(snmp);
		if (!names.starts_with("Tcp:"))
			continue;
		std::string_view values = next_line(snmp);
		if (!values.starts_with("Tcp:"))
			return std::nullopt;
		std::uint64_t opens = 0;
		int found = 0;
		for (std::string_view name = next_word(names), value = next_word(values);
		     !name.empty() && !value.empty(); name = next_word(names), value = next_word(values)) {
			if (name != "ActiveOpens" && name != "PassiveOpens")
				continue;
			std::uint64_t count = 0;
			auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), count);
			if (error != std::errc() || end != value.data() + value.size())
				return std::nullopt;
			opens += count;
			++found;
		}
		return found == 2 ? std::optional(opens) : std::nullopt;
	}
	return std::nullopt;
}

void UnseenConnections::start(std::uint32_t netns, std::uint64_t opens)
{
	namespaces_[netns] = Namespace{opens, 0};
}

void UnseenConnections::counted(std::uint32_t netns, std::uint64_t opens, std::uint64_t new_sockets)
{
	auto found = namespaces_.find(netns);
	if (found == namespaces_.end())
		return;
	Namespace &space = found->second;
	if (opens < space.opens) {
		/* Not the counters counted from: start again. */
		space = Namespace{opens, 0};
		return;
	}
	std::uint64_t opened = opens - space.opens;
	std::uint64_t seen = new_sockets + space.credit;
	if (opened > seen)
		total_ += opened - seen;
	space.opens = opens;
	space.credit = std::min(seen > opened ? seen - opened : 0, new_sockets);
}

void UnseenConnections::keep_only(const std::unordered_set<std::uint32_t> &visited)
{
	std::erase_if(namespaces_, [&](const auto &entry) { return !visited.contains(entry.first); });
}

} // namespace tcptop::linux_impl
