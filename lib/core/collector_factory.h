// SPDX-License-Identifier: MIT
// What every backend's pair of factories shares: the noexcept form's promise and the throwing form.
#pragma once

#include <memory>
#include <new>
#include <system_error>

#include <tcptop/error.h>
#include <tcptop/network_collector.h>

#include "core/source_collector.h"

namespace tcptop {

/// Runs \p make, the body of a noexcept factory, so that running out of
/// memory comes back as not_enough_memory rather than as an exception.
template<typename Make>
std::unique_ptr<SourceCollector> make_without_throwing(std::error_code &code, Diagnostics &diagnostics,
							Make make) noexcept
try {
	return make();
} catch (const std::bad_alloc &) {
	code = std::make_error_code(std::errc::not_enough_memory);
	diagnostics.message = "out of memory";
	return nullptr;
}

/// The throwing factories: \p collector, from the noexcept form, or Error
/// with its \p code and \p diagnostics when it made none.
inline std::unique_ptr<NetworkCollector> collector_or_throw(std::unique_ptr<NetworkCollector> collector,
							    std::error_code code,
							    const Diagnostics &diagnostics)
{
	if (!collector)
		throw Error(code, diagnostics.message);
	return collector;
}

} // namespace tcptop
