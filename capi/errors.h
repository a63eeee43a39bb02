// SPDX-License-Identifier: MIT
// From the C++ API's error codes to the negative errno values of the C ABI.
#pragma once

#include <system_error>

namespace tcptop::capi {

/// 0 for no error; otherwise the negative errno value that the header documents.
int to_errno(std::error_code code) noexcept;

} // namespace tcptop::capi
