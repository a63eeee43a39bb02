// SPDX-License-Identifier: MIT
// KernelReader: what the BPF programs wrote, read as bytes from their iterators, ring buffer and maps.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <system_error>
#include <vector>

#include "linux/ebpf/bpf_session.h"

struct ring_buffer;

namespace tcptop::linux_impl {

/// A map's entries as stored: keys and values of the map's own sizes, in turn.
class MapEntries
{
public:
	MapEntries(std::size_t key_size, std::size_t value_size)
		: key_size_(key_size), value_size_(value_size)
	{
	}

	std::size_t size() const noexcept { return count_; }
	std::span<const std::byte> key(std::size_t i) const;
	std::span<const std::byte> value(std::size_t i) const;

	/// Add an entry: \p key and \p value of the sizes given at construction.
	void push(std::span<const std::byte> key, std::span<const std::byte> value);

private:
	std::size_t key_size_;
	std::size_t value_size_;
	std::size_t count_ = 0;
	std::vector<std::byte> bytes_;
};

/**
 * \brief Reads a BpfSession's output without knowing its layout: the
 * RecordDecoder gives the bytes their meaning. Used from one thread.
 */
class KernelReader
{
public:
	/// Maps the event ring buffer. \throws std::system_error when it
	/// cannot, or cannot make the wakeup's eventfd.
	explicit KernelReader(const BpfSession &session);
	~KernelReader();

	KernelReader(const KernelReader &) = delete;
	KernelReader &operator=(const KernelReader &) = delete;

	/// One pass of an iterator in the calling thread's network namespace:
	/// its records back to back; empty when \p iterator is null, nullopt
	/// when the pass failed.
	std::optional<std::vector<std::byte>> run_iterator(bpf_link *iterator) const;

	using EventVisitor = std::function<void(std::span<const std::byte> event)>;

	/// Wait up to \p timeout for events, or until wake(), passing each
	/// event to \p visit.
	void poll_events(std::chrono::milliseconds timeout, const EventVisitor &visit);

	/// End the wait of poll_events() now, or the next one if none is in
	/// progress. Thread-safe; async-signal-safe.
	void wake() const noexcept;

	/// Every entry of the UDP flow map (none when it is not in use).
	MapEntries udp_flows() const;
	/// Delete one entry of the UDP flow map, by its key as udp_flows() gave it.
	void forget_udp_flow(std::span<const std::byte> key) const;

	/// Every per-CPU value of every entry of the drop counter map, back to
	/// back: what the kernel side could not record since load.
	std::vector<std::byte> drop_counters() const;

	/// Runs of the loaded programs the kernel skipped since load because
	/// the same program was already running on that CPU (a tracing program
	/// does not nest: softirq work that interrupts it goes unseen).
	std::uint64_t program_runs_missed() const;

	/// Events consumed since the reader was made.
	std::uint64_t events_total() const noexcept { return events_; }

private:
	static int on_event(void *context, void *data, std::size_t size);

	const BpfSession &session_;
	ring_buffer *events_ring_ = nullptr;
	/* Readable when wake() was called: poll_events() waits on it and the
	 * ring buffer's epoll fd together. */
	int wake_fd_ = -1;
	const EventVisitor *visitor_ = nullptr;
	std::uint64_t events_ = 0;
};

} // namespace tcptop::linux_impl
