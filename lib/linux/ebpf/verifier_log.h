// SPDX-License-Identifier: MIT
// The verifier's log of a refused program: its reason in one line, and the whole log for debugging.
#pragma once

#include <string>
#include <string_view>

namespace tcptop::linux_impl {

/**
 * \brief The verifier's own reason for a refusal: the last line of \p log
 * that is not its closing statistics ("processed 63 insns ...",
 * "verification time ...", "stack depth ..."), such as
 * "R2 type=untrusted_ptr_ expected=ptr_, trusted_ptr_, rcu_ptr_".
 * \return empty when the log says nothing
 */
std::string verifier_reason(std::string_view log);

/**
 * \brief The debug channel for refusals: when the environment variable
 * TCPTOP_BPF_LOG names a file, the whole verifier log of each refused
 * program is appended to it under a line naming the program and \p reason;
 * "-" is standard error. Nothing happens when it is unset or empty.
 */
void write_refusal_log(std::string_view program, std::string_view reason, std::string_view log);

} // namespace tcptop::linux_impl
