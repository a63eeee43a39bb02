// SPDX-License-Identifier: MIT
// EbpfSource: the eBPF collector's Source, reading the kernel programs' output in every network namespace.
#pragma once

#include <memory>
#include <system_error>
#include <vector>

#include <tcptop/ebpf_collector.h>
#include <tcptop/error.h>
#include <tcptop/options.h>

#include "core/source.h"
#include "linux/ebpf/bpf_session.h"
#include "linux/ebpf/kernel_reader.h"
#include "linux/ebpf/record_decoder.h"
#include "linux/ebpf/udp_flows.h"
#include "linux/network_namespaces.h"

namespace tcptop::linux_impl {

class EbpfSource final : public Source
{
public:
	/// Check privileges, then load and attach what the kernel offers and
	/// accepts; null with \p code and \p diagnostics naming each reason.
	static std::unique_ptr<Source> open(const Options &options, const EbpfOptions &ebpf,
					    std::error_code &code, Diagnostics &diagnostics);

	std::vector<FeatureStatus> features() const override { return features_; }
	void read_events(std::chrono::milliseconds timeout, ReadingSink &sink) override;
	void wake() noexcept override { reader_.wake(); }
	CompleteWalks collect(ReadingSink &sink) override;
	std::optional<OwnersByCookie>
	find_owners(const std::unordered_set<std::uint64_t> &cookies) override;
	SourceCounters counters() override;

private:
	EbpfSource(std::unique_ptr<BpfSession> session, std::vector<FeatureStatus> features);

	void consume_event(Bytes event, ReadingSink &sink);
	/// False when the walk failed in some namespace.
	bool collect_tcp(ReadingSink &sink);
	void collect_udp(ReadingSink &sink);

	std::unique_ptr<BpfSession> session_;
	KernelReader reader_;
	RecordDecoder decoder_;
	NetworkNamespaces namespaces_;
	std::vector<FeatureStatus> features_;
	/* UDP sockets released since their flows were last read. */
	UdpSocketsByCookie released_udp_sockets_;
};

} // namespace tcptop::linux_impl
