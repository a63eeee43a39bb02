// SPDX-License-Identifier: MIT
// make_sock_diag_collector: the sock_diag Source behind the shared collection loop.
#include "linux/sock_diag/collector_factory.h"

#include <tcptop/sock_diag_collector.h>

#include "core/collector_factory.h"
#include "core/options_check.h"
#include "linux/sock_diag/sock_diag_source.h"

namespace tcptop::linux_impl {

std::unique_ptr<SourceCollector> make_sock_diag_source_collector(const Options &options,
								 std::error_code &code,
								 Diagnostics &diagnostics) noexcept
{
	return make_without_throwing(code, diagnostics, [&]() -> std::unique_ptr<SourceCollector> {
		code = check_options(options, diagnostics);
		if (code)
			return nullptr;
		return std::make_unique<SourceCollector>(
			options, [options](std::error_code &open_code, Diagnostics &open_diagnostics) {
				return SockDiagSource::open(options, open_code, open_diagnostics);
			});
	});
}

} // namespace tcptop::linux_impl

namespace tcptop {

std::unique_ptr<NetworkCollector> make_sock_diag_collector(const Options &options)
{
	std::error_code code;
	Diagnostics diagnostics;
	std::unique_ptr<NetworkCollector> collector = make_sock_diag_collector(options, code, diagnostics);
	return collector_or_throw(std::move(collector), code, diagnostics);
}

std::unique_ptr<NetworkCollector> make_sock_diag_collector(const Options &options,
							   std::error_code &code,
							   Diagnostics &diagnostics) noexcept
{
	return linux_impl::make_sock_diag_source_collector(options, code, diagnostics);
}

} // namespace tcptop
