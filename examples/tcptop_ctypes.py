# SPDX-License-Identifier: MIT
# ctypes bindings for the C ABI of libtcptop (include/tcptop/tcptop.h), in pull mode.
"""Python access to libtcptop without a compiler.

Pull mode suits Python: the collector keeps snapshots until
Collector.next_snapshot() takes them, so no callback ever runs on a thread
that Python did not make. Snapshots are copied into Python objects and the
C snapshot is freed at once.
"""
import ctypes
import ctypes.util
import errno
import os

PROTO_TCP = 0x1
PROTO_UDP = 0x2
FAMILY_IPV4 = 0x1
FAMILY_IPV6 = 0x2
ROLES = {0: "unknown", 1: "client", 2: "server"}
ADDRESS_STRLEN = 46


class Options(ctypes.Structure):
    _fields_ = [
        ("size", ctypes.c_uint32),
        ("interval_ms", ctypes.c_uint32),
        ("pid", ctypes.c_uint32),
        ("protocols", ctypes.c_uint32),
        ("families", ctypes.c_uint32),
        ("max_connections", ctypes.c_uint32),
        ("port", ctypes.c_uint16),
        ("hook_kinds", ctypes.c_uint32),
        ("max_udp_flows", ctypes.c_uint32),
        ("event_buffer_bytes", ctypes.c_uint32),
        ("collector", ctypes.c_uint32),
    ]


class Connection(ctypes.Structure):
    _fields_ = [
        ("protocol", ctypes.c_uint8),
        ("family", ctypes.c_uint8),
        ("role", ctypes.c_uint8),
        ("closed", ctypes.c_uint8),
        ("local_port", ctypes.c_uint16),
        ("remote_port", ctypes.c_uint16),
        ("local_addr", ctypes.c_uint8 * 16),
        ("remote_addr", ctypes.c_uint8 * 16),
        ("netns", ctypes.c_uint32),
        ("pid", ctypes.c_uint32),
        ("comm", ctypes.c_char * 16),
        ("state", ctypes.c_char * 16),
        ("cgroup_id", ctypes.c_uint64),
        ("bytes_sent", ctypes.c_uint64),
        ("bytes_received", ctypes.c_uint64),
        ("packets_sent", ctypes.c_uint64),
        ("packets_received", ctypes.c_uint64),
        ("bytes_sent_per_sec", ctypes.c_double),
        ("bytes_received_per_sec", ctypes.c_double),
        ("srtt_us", ctypes.c_uint32),
        ("retransmits", ctypes.c_uint32),
        ("start_time_ns", ctypes.c_uint64),
        ("close_time_ns", ctypes.c_uint64),
        ("socket_cookie", ctypes.c_uint64),
    ]


class Stats(ctypes.Structure):
    _fields_ = [
        ("events", ctypes.c_uint64),
        ("events_dropped", ctypes.c_uint64),
        ("connections_tracked", ctypes.c_uint64),
        ("connections_evicted", ctypes.c_uint64),
        ("snapshots_coalesced", ctypes.c_uint64),
        ("udp_datagrams_untracked", ctypes.c_uint64),
        ("udp_datagrams_unparsed", ctypes.c_uint64),
        ("collection_ns", ctypes.c_uint64),
        ("program_runs_missed", ctypes.c_uint64),
        ("connections_unseen", ctypes.c_uint64),
    ]


class Feature(ctypes.Structure):
    _fields_ = [
        ("feature", ctypes.c_uint32),
        ("available", ctypes.c_uint32),
        ("name", ctypes.c_char_p),
        ("hooks", ctypes.c_char_p),
        ("note", ctypes.c_char_p),
    ]


class TcptopError(OSError):
    """A failed call: .errno is the positive errno value, str() the library's detail."""


def _prototypes(lib):
    """Declare argument and result types, so ctypes converts and checks them."""
    c_collector_p = ctypes.c_void_p
    c_snapshot_p = ctypes.c_void_p
    table = {
        "tcptop_version": (ctypes.c_char_p, []),
        "tcptop_strerror": (ctypes.c_char_p, [ctypes.c_int]),
        "tcptop_last_error_message": (ctypes.c_char_p, []),
        "tcptop_options_init": (None, [ctypes.POINTER(Options)]),
        "tcptop_collector_create": (ctypes.c_int, [ctypes.POINTER(Options), ctypes.POINTER(c_collector_p)]),
        "tcptop_collector_destroy": (None, [c_collector_p]),
        "tcptop_collector_start_polling": (ctypes.c_int, [c_collector_p]),
        "tcptop_collector_next_snapshot": (ctypes.c_int, [c_collector_p, ctypes.c_int, ctypes.POINTER(c_snapshot_p)]),
        "tcptop_collector_stop": (ctypes.c_int, [c_collector_p]),
        "tcptop_collector_feature_count": (ctypes.c_size_t, [c_collector_p]),
        "tcptop_collector_feature": (ctypes.POINTER(Feature), [c_collector_p, ctypes.c_size_t]),
        "tcptop_snapshot_free": (None, [c_snapshot_p]),
        "tcptop_snapshot_connection_count": (ctypes.c_size_t, [c_snapshot_p]),
        "tcptop_snapshot_connection": (ctypes.POINTER(Connection), [c_snapshot_p, ctypes.c_size_t]),
        "tcptop_snapshot_timestamp_ns": (ctypes.c_uint64, [c_snapshot_p]),
        "tcptop_snapshot_interval_ns": (ctypes.c_uint64, [c_snapshot_p]),
        "tcptop_snapshot_stats": (ctypes.POINTER(Stats), [c_snapshot_p]),
        "tcptop_format_address": (ctypes.c_int, [ctypes.c_uint32, ctypes.POINTER(ctypes.c_uint8), ctypes.c_char_p, ctypes.c_size_t]),
    }
    for name, (restype, argtypes) in table.items():
        function = getattr(lib, name)
        function.restype = restype
        function.argtypes = argtypes


def load(path=None):
    """The library at path, else $TCPTOP_LIBRARY, else the one the linker finds."""
    path = path or os.environ.get("TCPTOP_LIBRARY") or ctypes.util.find_library("tcptop")
    if not path:
        raise OSError("libtcptop not found: pass its path or set TCPTOP_LIBRARY")
    lib = ctypes.CDLL(path)
    _prototypes(lib)
    return lib


def check(lib, result):
    """Raise TcptopError for a negative result, with the detail of this thread's last failure."""
    if result < 0:
        detail = lib.tcptop_last_error_message().decode(errors="replace")
        raise TcptopError(-result, f"{lib.tcptop_strerror(result).decode()}: {detail}")
    return result


def format_address(lib, family, address):
    buffer = ctypes.create_string_buffer(ADDRESS_STRLEN)
    check(lib, lib.tcptop_format_address(family, address, buffer, len(buffer)))
    return buffer.value.decode()


def _as_dict(lib, c):
    """A Python copy of one struct tcptop_connection."""
    record = {name: getattr(c, name) for name, _ in Connection._fields_}
    record["protocol"] = "tcp" if c.protocol == PROTO_TCP else "udp"
    record["family"] = "ipv4" if c.family == FAMILY_IPV4 else "ipv6"
    record["role"] = ROLES.get(c.role, "unknown")
    record["closed"] = bool(c.closed)
    record["local_addr"] = format_address(lib, c.family, c.local_addr)
    record["remote_addr"] = format_address(lib, c.family, c.remote_addr)
    record["comm"] = c.comm.decode(errors="replace")
    record["state"] = c.state.decode()
    return record


class Snapshot:
    """What one interval delivered, copied out of the C snapshot."""

    def __init__(self, lib, handle):
        self.timestamp_ns = lib.tcptop_snapshot_timestamp_ns(handle)
        self.interval_ns = lib.tcptop_snapshot_interval_ns(handle)
        stats = lib.tcptop_snapshot_stats(handle).contents
        self.stats = {name: getattr(stats, name) for name, _ in Stats._fields_}
        count = lib.tcptop_snapshot_connection_count(handle)
        self.connections = [_as_dict(lib, lib.tcptop_snapshot_connection(handle, i).contents)
                            for i in range(count)]


class Collector:
    """A libtcptop collector in pull mode. Use as a context manager, or call close()."""

    def __init__(self, lib, **options):
        """options: interval_ms, pid, port, protocols, families, max_connections."""
        self._lib = lib
        self._handle = ctypes.c_void_p()
        opts = Options()
        lib.tcptop_options_init(ctypes.byref(opts))
        for name, value in options.items():
            if name == "size" or not hasattr(opts, name):
                raise TypeError(f"unknown option {name}")
            setattr(opts, name, value)
        check(lib, lib.tcptop_collector_create(ctypes.byref(opts), ctypes.byref(self._handle)))

    def start(self):
        check(self._lib, self._lib.tcptop_collector_start_polling(self._handle))

    def next_snapshot(self, timeout_ms=-1):
        """The next Snapshot, or None when none came within timeout_ms (-1: wait)."""
        handle = ctypes.c_void_p()
        result = self._lib.tcptop_collector_next_snapshot(self._handle, timeout_ms, ctypes.byref(handle))
        if result == -errno.ETIMEDOUT:
            return None
        check(self._lib, result)
        try:
            return Snapshot(self._lib, handle)
        finally:
            self._lib.tcptop_snapshot_free(handle)

    def features(self):
        """What the collector sees on this kernel, one dict per feature in the
        library's order: feature (the TCPTOP_FEATURE_* value), name,
        available, hooks, note. Empty before a successful start()."""
        count = self._lib.tcptop_collector_feature_count(self._handle)
        report = []
        for i in range(count):
            f = self._lib.tcptop_collector_feature(self._handle, i).contents
            report.append({"feature": f.feature, "name": f.name.decode(), "available": bool(f.available),
                           "hooks": f.hooks.decode(errors="replace"), "note": f.note.decode(errors="replace")})
        return report

    def stop(self):
        check(self._lib, self._lib.tcptop_collector_stop(self._handle))

    def close(self):
        self._lib.tcptop_collector_destroy(self._handle)
        self._handle = ctypes.c_void_p()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
