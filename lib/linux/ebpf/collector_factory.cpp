// SPDX-License-Identifier: MIT
// The eBPF collector as a SourceCollector, for the library's own callers (the C ABI's pull mode).
#include "linux/ebpf/collector_factory.h"

#include <string>
#include <string_view>

#include <unistd.h>

#include "core/collector_factory.h"
#include "core/options_check.h"
#include "linux/ebpf/ebpf_source.h"

namespace tcptop::linux_impl {

namespace {

/* The kernel wants a ring buffer of whole pages, a power of two of them. */
std::string_view event_buffer_problem(std::size_t bytes)
{
	if (bytes == 0)
		return {};
	static const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
	if (bytes < page || bytes > max_event_buffer_bytes || (bytes & (bytes - 1)) != 0)
		return page == 4096 ? "must be 0 (4 MiB) or a power of two from 4096 to 1 GiB"
				    : "must be 0 (4 MiB) or a power of two from the page size to 1 GiB";
	return {};
}

} // namespace

std::error_code check_ebpf_options(const EbpfOptions &ebpf, Diagnostics &diagnostics)
{
	if (ebpf.max_udp_flows > max_connections_limit) {
		diagnostics.message = "invalid option max_udp_flows: must be from 0 (as max_connections) to 4194304";
		return Errc::invalid_option;
	}
	if (std::string_view problem = event_buffer_problem(ebpf.event_buffer_bytes); !problem.empty()) {
		diagnostics.message = "invalid option event_buffer_bytes: " + std::string(problem);
		return Errc::invalid_option;
	}
	return {};
}

std::unique_ptr<SourceCollector> make_ebpf_source_collector(const Options &options,
							    const EbpfOptions &ebpf,
							    std::error_code &code,
							    Diagnostics &diagnostics) noexcept
{
	return make_without_throwing(code, diagnostics, [&]() -> std::unique_ptr<SourceCollector> {
		code = check_options(options, diagnostics);
		if (!code)
			code = check_ebpf_options(ebpf, diagnostics);
		if (code)
			return nullptr;
		return std::make_unique<SourceCollector>(
			options, [options, ebpf](std::error_code &open_code, Diagnostics &open_diagnostics) {
				return EbpfSource::open(options, ebpf, open_code, open_diagnostics);
			});
	});
}

} // namespace tcptop::linux_impl

namespace tcptop {

std::unique_ptr<NetworkCollector> make_ebpf_collector(const Options &options, const EbpfOptions &ebpf)
{
	std::error_code code;
	Diagnostics diagnostics;
	std::unique_ptr<NetworkCollector> collector =
		make_ebpf_collector(options, ebpf, code, diagnostics);
	return collector_or_throw(std::move(collector), code, diagnostics);
}

std::unique_ptr<NetworkCollector> make_ebpf_collector(const Options &options, const EbpfOptions &ebpf,
						      std::error_code &code,
						      Diagnostics &diagnostics) noexcept
{
	return linux_impl::make_ebpf_source_collector(options, ebpf, code, diagnostics);
}

} // namespace tcptop
