// SPDX-License-Identifier: MIT
// The verifier's log of a refused program: its reason in one line, and the whole log for debugging.
#include "linux/ebpf/verifier_log.h"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include <sys/utsname.h>

namespace tcptop::linux_impl {

namespace {

/* What the verifier prints after its verdict, on every kernel since 5.2. */
constexpr std::array<std::string_view, 3> closing_statistics = {
	"processed ",
	"verification time ",
	"stack depth ",
};

bool says_nothing(std::string_view line)
{
	if (line.find_first_not_of(" \t\r") == std::string_view::npos)
		return true;
	for (std::string_view statistics : closing_statistics)
		if (line.substr(0, statistics.size()) == statistics)
			return true;
	return false;
}

} // namespace

std::string verifier_reason(std::string_view log)
{
	while (!log.empty()) {
		std::size_t end = log.find_last_not_of('\n');
		if (end == std::string_view::npos)
			break;
		log = log.substr(0, end + 1);
		std::size_t start = log.rfind('\n');
		std::string_view line = start == std::string_view::npos ? log : log.substr(start + 1);
		if (!says_nothing(line))
			return std::string(line);
		log = start == std::string_view::npos ? std::string_view() : log.substr(0, start);
	}
	return {};
}

void write_refusal_log(std::string_view program, std::string_view reason, std::string_view log)
{
	const char *target = std::getenv("TCPTOP_BPF_LOG");
	if (!target || !*target)
		return;

	std::unique_ptr<std::FILE, int (*)(std::FILE *)> file(
		std::string_view(target) == "-" ? stderr : std::fopen(target, "a"),
		[](std::FILE *f) { return f == stderr ? std::fflush(f) : std::fclose(f); });
	if (!file)
		return;
	utsname kernel{};
	uname(&kernel);
	std::fprintf(file.get(), "libtcptop: program %.*s refused by Linux %s: %.*s\n",
		     static_cast<int>(program.size()), program.data(), kernel.release,
		     static_cast<int>(reason.size()), reason.data());
	std::fwrite(log.data(), 1, log.size(), file.get());
	if (!log.empty() && log.back() != '\n')
		std::fputc('\n', file.get());
}

} // namespace tcptop::linux_impl
