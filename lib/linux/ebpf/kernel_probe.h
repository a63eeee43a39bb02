// SPDX-License-Identifier: MIT
// KernelOffer: which of the collector's hook kinds this kernel has, found before loading.
#pragma once

#include <string>

namespace tcptop::linux_impl {

/// Each hook the collector can use, with the Linux version that added it.
struct KernelOffer {
	bool set_state_tracepoint = false; ///< tp_btf/inet_sock_set_state (5.5)
	bool tcp_iterator = false;         ///< iter/tcp (5.9)
	bool udp_iterator = false;         ///< iter/udp (5.9)
	bool task_file_iterator = false;   ///< iter/task_file with bpf_sock_from_file (5.11)
	bool cgroup_skb = false;           ///< cgroup_skb programs (4.10), with
					   ///< cgroup/sock_create and sock_release (5.9)
};

/// Why the kernel's BTF cannot be read (CO-RE needs it), or empty if it can.
std::string vmlinux_btf_missing();

/// Reads the kernel's BTF and asks the kernel about program types, once per
/// process; no program is loaded. Every hook is absent when there is no
/// vmlinux BTF. Thread-safe.
KernelOffer probe_kernel();

/**
 * \brief Whether the fentry fallback for UDP can run: the UDP functions it
 * hooks exist, and an fentry program really loads and attaches (BPF
 * trampolines, 5.5; not every build or architecture has them).
 * \return empty if so, else why not. Loads a trivial program, so it is
 * asked only when the fallback is needed.
 */
std::string probe_udp_fentry();

} // namespace tcptop::linux_impl
