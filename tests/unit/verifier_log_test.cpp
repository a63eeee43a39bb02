// SPDX-License-Identifier: MIT
// The reason a verifier gives for a refusal: the last meaningful line of its log.
#include <doctest/doctest.h>

#include "linux/ebpf/verifier_log.h"

using tcptop::linux_impl::verifier_reason;

TEST_CASE("Linux 6.18.44 refusing an untrusted socket pointer")
{
	const char *log =
		"0: R1=ctx() R10=fp0\n"
		"; int socket_owner_scan(struct bpf_iter__task_file *ctx) @ socket_iterators.bpf.c:68\n"
		"56: (85) call bpf_sk_storage_get#107\n"
		"R2 type=untrusted_ptr_ expected=ptr_, trusted_ptr_, rcu_ptr_\n"
		"processed 63 insns (limit 1000000) max_states_per_insn 0 total_states 3 "
		"peak_states 3 mark_read 2\n";
	CHECK(verifier_reason(log) == "R2 type=untrusted_ptr_ expected=ptr_, trusted_ptr_, rcu_ptr_");
}

TEST_CASE("statistics lines and blank lines after the verdict are skipped")
{
	const char *log = "11: (61) r2 = *(u32 *)(r6 +80)\n"
			  "invalid bpf_context access off=80 size=4\n"
			  "verification time 21 usec\n"
			  "stack depth 144\n"
			  "processed 12 insns (limit 1000000) max_states_per_insn 0\n"
			  "\n\n";
	CHECK(verifier_reason(log) == "invalid bpf_context access off=80 size=4");
}

TEST_CASE("a log without a trailing newline, or of one line")
{
	CHECK(verifier_reason("unknown func bpf_seq_write#127") == "unknown func bpf_seq_write#127");
	CHECK(verifier_reason("a\nlast words") == "last words");
}

TEST_CASE("a log that says nothing gives no reason")
{
	CHECK(verifier_reason("").empty());
	CHECK(verifier_reason("\n\n").empty());
	CHECK(verifier_reason("processed 1 insns (limit 1000000)\n").empty());
}
