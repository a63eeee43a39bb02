// SPDX-License-Identifier: MIT
// From struct tcptop_options, of whatever size the caller was built with, to tcptop::Options.
#pragma once

#include <tcptop/options.h>
#include <tcptop/tcptop.h>

namespace tcptop::capi {

/**
 * \brief Check what only the C struct can get wrong (its size, unknown
 * bits) and convert; ranges are left to make_ebpf_collector().
 * \return 0 or -EINVAL, with the last error message naming the field.
 */
int convert_options(const tcptop_options &in, Options &out) noexcept;

} // namespace tcptop::capi
