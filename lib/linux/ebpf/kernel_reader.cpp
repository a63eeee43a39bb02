// SPDX-License-Identifier: MIT
// KernelReader: what the BPF programs wrote, read as bytes from their iterators, ring buffer and maps.
#include "linux/ebpf/kernel_reader.h"

#include <cerrno>

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

namespace tcptop::linux_impl {

std::span<const std::byte> MapEntries::key(std::size_t i) const
{
	return std::span(bytes_).subspan(i * (key_size_ + value_size_), key_size_);
}

std::span<const std::byte> MapEntries::value(std::size_t i) const
{
	return std::span(bytes_).subspan(i * (key_size_ + value_size_) + key_size_, value_size_);
}

void MapEntries::push(std::span<const std::byte> key, std::span<const std::byte> value)
{
	bytes_.insert(bytes_.end(), key.begin(), key.end());
	bytes_.insert(bytes_.end(), value.begin(), value.end());
	++count_;
}

KernelReader::KernelReader(const BpfSession &session)
	: session_(session),
	  events_ring_(ring_buffer__new(bpf_map__fd(session.event_ring()), on_event, this, nullptr))
{
	if (!events_ring_)
		throw std::system_error(errno, std::generic_category(),
					"cannot map the event ring buffer");
	wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (wake_fd_ < 0) {
		int error = errno;
		ring_buffer__free(events_ring_);
		throw std::system_error(error, std::generic_category(),
					"cannot make the collector's wakeup eventfd");
	}
}

KernelReader::~KernelReader()
{
	close(wake_fd_);
	ring_buffer__free(events_ring_);
}

std::optional<std::vector<std::byte>> KernelReader::run_iterator(bpf_link *iterator) const
{
	std::vector<std::byte> bytes;
	if (!iterator)
		return bytes;
	int fd = bpf_iter_create(bpf_link__fd(iterator));
	if (fd < 0)
		return std::nullopt;

	std::byte chunk[64 * 1024];
	for (;;) {
		ssize_t length = read(fd, chunk, sizeof(chunk));
		if (length < 0 && errno == EINTR)
			continue;
		if (length < 0) {
			close(fd);
			return std::nullopt;
		}
		if (length == 0)
			break;
		bytes.insert(bytes.end(), chunk, chunk + length);
	}
	close(fd);
	return bytes;
}

int KernelReader::on_event(void *context, void *data, std::size_t size)
{
	auto *reader = static_cast<KernelReader *>(context);
	++reader->events_;
	(*reader->visitor_)(std::span(static_cast<const std::byte *>(data), size));
	return 0;
}

void KernelReader::poll_events(std::chrono::milliseconds timeout, const EventVisitor &visit)
{
	/* libbpf calls on_event() only from inside this poll. */
	visitor_ = &visit;
	/* The kernel side wakes this wait only when the buffer fills up
	 * (bpf/common.bpf.h), so what is waiting is read after it either way.
	 * ring_buffer__poll() cannot wait on a second fd: its epoll fd and
	 * the wakeup's eventfd are polled here together instead. */
	pollfd waits[] = {
		{ring_buffer__epoll_fd(events_ring_), POLLIN, 0},
		{wake_fd_, POLLIN, 0},
	};
	if (poll(waits, 2, static_cast<int>(timeout.count())) > 0 && (waits[1].revents & POLLIN)) {
		eventfd_t ignored;
		eventfd_read(wake_fd_, &ignored);
	}
	ring_buffer__consume(events_ring_);
	visitor_ = nullptr;
}

void KernelReader::wake() const noexcept
{
	eventfd_write(wake_fd_, 1);
}

MapEntries KernelReader::udp_flows() const
{
	const bpf_map *map = session_.udp_flow_map();
	MapEntries entries(bpf_map__key_size(map), bpf_map__value_size(map));
	if (!session_.udp_iterator())
		return entries;

	int fd = bpf_map__fd(map);
	std::size_t limit = bpf_map__max_entries(map);
	std::vector<std::byte> key(bpf_map__key_size(map));
	std::vector<std::byte> next(key.size());
	std::vector<std::byte> value(bpf_map__value_size(map));
	bool first = true;
	/* Bounded: nothing else deletes keys while we walk, but never trust a walk. */
	while (entries.size() < limit &&
	       bpf_map_get_next_key(fd, first ? nullptr : key.data(), next.data()) == 0) {
		first = false;
		key.swap(next);
		if (bpf_map_lookup_elem(fd, key.data(), value.data()) == 0)
			entries.push(key, value);
	}
	return entries;
}

void KernelReader::forget_udp_flow(std::span<const std::byte> key) const
{
	bpf_map_delete_elem(bpf_map__fd(session_.udp_flow_map()), key.data());
}

std::vector<std::byte> KernelReader::drop_counters() const
{
	const bpf_map *map = session_.drop_counter_map();
	int cpus = libbpf_num_possible_cpus();
	std::vector<std::byte> all;
	if (cpus <= 0)
		return all;

	/* The kernel hands out per-CPU values 8-byte aligned, one per possible CPU. */
	std::size_t value_size = (bpf_map__value_size(map) + 7) / 8 * 8;
	std::vector<std::byte> per_cpu(value_size * static_cast<std::size_t>(cpus));
	int fd = bpf_map__fd(map);
	for (std::uint32_t counter = 0; counter < bpf_map__max_entries(map); ++counter) {
		if (bpf_map_lookup_elem(fd, &counter, per_cpu.data()) == 0)
			all.insert(all.end(), per_cpu.begin(), per_cpu.end());
	}
	return all;
}

std::uint64_t KernelReader::program_runs_missed() const
{
	std::uint64_t missed = 0;
	for (int fd : session_.loaded_programs()) {
		bpf_prog_info info = {};
		std::uint32_t length = sizeof(info);
		if (bpf_obj_get_info_by_fd(fd, &info, &length) == 0)
			missed += info.recursion_misses;
	}
	return missed;
}

} // namespace tcptop::linux_impl
