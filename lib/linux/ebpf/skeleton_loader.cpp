// SPDX-License-Identifier: MIT
// Loading the BPF skeleton with a chosen set of programs, and naming the one the kernel refused.
#include "linux/ebpf/skeleton_loader.h"

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include <bpf/libbpf.h>

#include "linux/ebpf/verifier_log.h"
#include "bpf/tcptop.skel.h"

namespace tcptop::linux_impl {

namespace {

/* Big enough for the verifier's log of any of our programs: 6.1 keeps the
 * head of a log that overflows and fails the load with ENOSPC instead. */
constexpr std::size_t verifier_log_size = 4 << 20;

/* libbpf says which program failed, and why a failure was not a program's,
 * only through its print callback: keep what it says during one load. */
thread_local std::string libbpf_warnings;

int capture_libbpf_warnings(enum libbpf_print_level level, const char *format, va_list args)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	va_list measure;
	va_copy(measure, args);
	int length = std::vsnprintf(nullptr, 0, format, measure);
	va_end(measure);
	if (length <= 0 || libbpf_warnings.size() > (1 << 20))
		return length;
	std::string line(static_cast<std::size_t>(length) + 1, '\0');
	std::vsnprintf(line.data(), line.size(), format, args);
	line.pop_back();
	libbpf_warnings += line;
	return length;
}

class LibbpfWarningCapture
{
public:
	LibbpfWarningCapture() : previous_(libbpf_set_print(capture_libbpf_warnings))
	{
		libbpf_warnings.clear();
	}
	~LibbpfWarningCapture() { libbpf_set_print(previous_); }
	LibbpfWarningCapture(const LibbpfWarningCapture &) = delete;
	LibbpfWarningCapture &operator=(const LibbpfWarningCapture &) = delete;

	/* The name in libbpf's "libbpf: prog 'NAME': failed to load: -13". */
	std::string failed_program() const
	{
		constexpr std::string_view prefix = "prog '", suffix = "': failed to load";
		std::size_t end = libbpf_warnings.rfind(suffix);
		if (end == std::string::npos)
			return {};
		std::size_t start = libbpf_warnings.rfind(prefix, end);
		if (start == std::string::npos)
			return {};
		start += prefix.size();
		return libbpf_warnings.substr(start, end - start);
	}

	/* What libbpf first said of \p program, for a failure before or
	 * without the verifier ("failed to find kernel BTF type ID of ..."). */
	std::string first_word_on(std::string_view program) const
	{
		std::string prefix = "libbpf: prog '" + std::string(program) + "': ";
		std::size_t start = libbpf_warnings.find(prefix);
		if (start == std::string::npos)
			return {};
		start += prefix.size();
		return libbpf_warnings.substr(start, libbpf_warnings.find('\n', start) - start);
	}

	/* The last line, without libbpf's "libbpf: " prefix. */
	std::string last_line() const
	{
		std::string line = verifier_reason(libbpf_warnings);
		constexpr std::string_view prefix = "libbpf: ";
		if (line.compare(0, prefix.size(), prefix) == 0)
			line.erase(0, prefix.size());
		return line;
	}

	const std::string &all() const { return libbpf_warnings; }

private:
	libbpf_print_fn_t previous_;
};

bool named_in(const char *list, std::string_view name)
{
	std::string_view rest = list ? list : "";
	while (!rest.empty()) {
		std::size_t comma = rest.find(',');
		if (rest.substr(0, comma) == name)
			return true;
		rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
	}
	return false;
}

void break_for_tests(tcptop_bpf *skeleton)
{
	const char *broken = std::getenv("TCPTOP_TEST_BREAK_PROGRAMS");
	if (!broken || !*broken)
		return;
	bpf_program *program;
	bpf_object__for_each_program(program, skeleton->obj) {
		if (named_in(broken, bpf_program__name(program)))
			bpf_program__set_type(program, BPF_PROG_TYPE_SOCKET_FILTER);
	}
}

} // namespace

SkeletonLoad load_skeleton(const std::function<void(tcptop_bpf *)> &choose)
{
	SkeletonLoad outcome;
	LibbpfWarningCapture warnings;
	/* libbpf writes to it only while loading, never after. */
	std::vector<char> log(verifier_log_size);
	LIBBPF_OPTS(bpf_object_open_opts, open_options, .kernel_log_buf = log.data(),
		    .kernel_log_size = log.size());

	tcptop_bpf *skeleton = tcptop_bpf__open_opts(&open_options);
	if (!skeleton) {
		outcome.error = errno;
		outcome.reason = std::string("cannot open the BPF object: ") + std::strerror(errno);
		return outcome;
	}
	choose(skeleton);
	break_for_tests(skeleton);

	outcome.skeleton = skeleton;
	int error = tcptop_bpf__load(skeleton);
	if (error == 0) {
		outcome.loaded = true;
		return outcome;
	}

	outcome.error = -error;
	outcome.refused_program = warnings.failed_program();
	if (bpf_program *refused = outcome.refused_program.empty()
		    ? nullptr
		    : bpf_object__find_program_by_name(skeleton->obj, outcome.refused_program.c_str())) {
		outcome.refused_hook = bpf_program__section_name(refused);
		std::string_view verifier(log.data(), strnlen(log.data(), log.size()));
		outcome.reason = verifier_reason(verifier);
		if (outcome.reason.empty())
			outcome.reason = warnings.first_word_on(outcome.refused_program);
		write_refusal_log(outcome.refused_program, outcome.reason,
				  verifier.empty() ? std::string_view(warnings.all()) : verifier);
	} else {
		outcome.refused_program.clear();
		outcome.reason = warnings.last_line();
		if (outcome.reason.empty())
			outcome.reason = std::strerror(outcome.error);
	}
	return outcome;
}

} // namespace tcptop::linux_impl
