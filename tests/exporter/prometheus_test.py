#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# tcptop-exporter scraped by a real Prometheus: exact TCP and UDP byte totals under the expected labels, closed flows kept, the series cap folding, promtool's lint.
#
# Usage: prometheus_test.py TCPTOP_EXPORTER LIBTCPTOP
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
from tcptop_cli import Child, TcpExchange, UdpExchange, require_bpf, run_tests, scaled  # noqa: E402

EXPORTER_SOURCES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "examples", "exporter")
MAN_PAGE = os.path.join(EXPORTER_SOURCES, "tcptop-exporter.1")
FLOW_METRICS = os.path.join(EXPORTER_SOURCES, "flow_metrics.cpp")
REQUEST = 12345
REPLY = 5432
DATAGRAM = 1500
FOLD_CAP = 3
FOLD_PEERS = 6
FOLD_BYTES = 1000


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Exporter:
    """tcptop-exporter on a port of its choosing; the port read from its stderr."""

    def __init__(self, *args):
        self.process = subprocess.Popen([sys.argv[1], "--web.listen-address", "127.0.0.1:0",
                                         "--interval", "0.2", *args],
                                        stderr=subprocess.PIPE, text=True)
        line = self.process.stderr.readline()
        if "serving http://127.0.0.1:" not in line:
            self.process.kill()
            raise AssertionError(f"tcptop-exporter did not start: {line!r} "
                                 f"{self.process.stderr.read()!r}")
        self.address = line.split("http://")[1].split("/")[0]

    def metrics(self):
        with urllib.request.urlopen(f"http://{self.address}/metrics", timeout=10) as reply:
            return reply.read().decode()

    def stop(self):
        self.process.terminate()
        status = self.process.wait(timeout=20)
        assert status == 0, f"tcptop-exporter exited {status}: {self.process.stderr.read()}"


class Prometheus:
    """Debian's prometheus on 127.0.0.1, scraping the given targets every second."""

    def __init__(self, folder, targets):
        self.port = free_port()
        config = os.path.join(folder, "prometheus.yml")
        with open(config, "w") as out:
            out.write("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                      "scrape_configs:\n")
            for job, address in targets.items():
                out.write(f"  - job_name: {job}\n    static_configs:\n"
                          f"      - targets: ['{address}']\n")
        self.log = open(os.path.join(folder, "prometheus.log"), "w")
        self.process = subprocess.Popen(
            ["prometheus", f"--config.file={config}",
             f"--storage.tsdb.path={os.path.join(folder, 'data')}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=warn"],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + scaled(60)
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/-/ready", timeout=2):
                    return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.2)
        self.stop()
        raise AssertionError(f"prometheus did not get ready: {open(self.log.name).read()[-2000:]}")

    def query(self, expression):
        """The instant vector of expression: a list of (labels, value)."""
        url = (f"http://127.0.0.1:{self.port}/api/v1/query?"
               + urllib.parse.urlencode({"query": expression}))
        with urllib.request.urlopen(url, timeout=10) as reply:
            answer = json.load(reply)
        assert answer["status"] == "success", answer
        return [(sample["metric"], float(sample["value"][1])) for sample in answer["data"]["result"]]

    def wait_for(self, expression, expected, timeout=30):
        """The samples of expression once their values are expected (a list, in
        label order); fails with the last answer on timeout."""
        deadline = time.monotonic() + scaled(timeout)
        samples = []
        while time.monotonic() < deadline:
            samples = sorted(self.query(expression), key=lambda s: sorted(s[0].items()))
            if [value for _, value in samples] == expected:
                return samples
            time.sleep(0.5)
        raise AssertionError(f"{expression}: {samples}, expected values {expected}")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


def check_lint(text):
    lint = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                          text=True)
    assert lint.returncode == 0, f"promtool check metrics: {lint.stdout}{lint.stderr}"


def test_exact_totals_under_their_labels_also_after_close():
    folder = tempfile.mkdtemp(prefix="tcptop-prometheus-")
    exporter = Exporter()
    prometheus = Prometheus(folder, {"tcptop": exporter.address})
    tcp = TcpExchange(exchanges=((REQUEST, REPLY),), server_comm=b"prom-server",
                      client_comms=[b"prom-client"])
    udp = UdpExchange(size=DATAGRAM)
    try:
        tcp.start()
        udp.start()
        port = str(tcp.port)
        client = 'comm="prom-client",transport="tcp",family="ipv4",direction="client"'
        server = 'comm="prom-server",transport="tcp",family="ipv4",direction="server"'
        samples = prometheus.wait_for(f"tcptop_flow_sent_bytes_total{{{client}}}", [REQUEST])
        labels = samples[0][0]
        assert labels["peer_address"] == "127.0.0.1" and labels["peer_port"] == port, labels
        assert "local_port" not in labels, f"the client's ephemeral port is a label: {labels}"
        assert labels["job"] == "tcptop" and "pid" not in labels, labels
        prometheus.wait_for(f"tcptop_flow_received_bytes_total{{{client}}}", [REPLY])
        samples = prometheus.wait_for(f"tcptop_flow_sent_bytes_total{{{server}}}", [REPLY])
        labels = samples[0][0]
        assert labels["local_port"] == port and "peer_port" not in labels, labels
        prometheus.wait_for(f"tcptop_flow_received_bytes_total{{{server}}}", [REQUEST])
        prometheus.wait_for('tcptop_flow_sent_bytes_total{comm="cli-udp-send",transport="udp"}',
                            [DATAGRAM])
        prometheus.wait_for('tcptop_flow_received_bytes_total{comm="cli-udp-recv",transport="udp"}',
                            [DATAGRAM])
        prometheus.wait_for('tcptop_flow_sent_packets_total{comm="cli-udp-send",transport="udp"}',
                            [1])
        srtt = prometheus.query(f"tcptop_flow_srtt_seconds{{{client}}}")
        assert len(srtt) == 1 and 0 < srtt[0][1] < 1, srtt
        prometheus.wait_for("tcptop_up", [1])

        # Closed: the totals stay where they were, a few scrapes later too.
        tcp.close()
        udp.close()
        time.sleep(3)
        prometheus.wait_for(f"tcptop_flow_sent_bytes_total{{{client}}}", [REQUEST])
        prometheus.wait_for(f"tcptop_flow_received_bytes_total{{{server}}}", [REQUEST])
        for name in ("tcptop_events_dropped_total", "tcptop_connections_evicted_total",
                     "tcptop_series_folded_total"):
            prometheus.wait_for(name, [0])
        check_lint(exporter.metrics())
    finally:
        tcp.kill()
        udp.kill()
        prometheus.stop()
        exporter.stop()
        shutil.rmtree(folder, ignore_errors=True)


def hold_connections(me):
    """FOLD_PEERS connections to one listener, each to its own address
    127.0.0.(2+i), FOLD_BYTES sent on each; held until told to go on."""
    listener = socket.socket()
    listener.bind(("0.0.0.0", 0))
    listener.listen(FOLD_PEERS)
    port = listener.getsockname()[1]
    held = []
    for i in range(FOLD_PEERS):
        client = socket.create_connection((f"127.0.0.{2 + i}", port))
        server, _ = listener.accept()
        client.sendall(b"f" * FOLD_BYTES)
        received = 0
        while received < FOLD_BYTES:
            received += len(server.recv(FOLD_BYTES - received))
        held += [client, server]
    me.report(port)
    me.wait_proceed()
    for connection in held:
        connection.close()


def test_series_cap_folds_into_other_and_loses_nothing():
    folder = tempfile.mkdtemp(prefix="tcptop-prometheus-")
    exporter = Exporter("--max-series", str(FOLD_CAP), "--labels", "comm,peer_address,direction")
    prometheus = Prometheus(folder, {"tcptop_capped": exporter.address})
    holder = Child(b"prom-fold", hold_connections)
    try:
        holder.next_report()
        sent = 'tcptop_flow_sent_bytes_total{comm="prom-fold",direction="client"}'
        # Every byte is in some series, whether its own or "other": both
        # ends, as the folds counted below are both ends' (the accepted
        # ends' owners may be learned a scrape after the clients').
        prometheus.wait_for(f"sum({sent})", [FOLD_PEERS * FOLD_BYTES])
        received = 'tcptop_flow_received_bytes_total{comm="prom-fold",direction="server"}'
        prometheus.wait_for(f"sum({received})", [FOLD_PEERS * FOLD_BYTES])
        series = prometheus.query("tcptop_series")
        folded = prometheus.query("tcptop_series_folded_total")
        others = prometheus.query('tcptop_flow_sent_bytes_total{peer_address="other"}')
        assert series and folded and others, (series, folded, others)
        # The cap, plus the folded series made beyond it (one per other labels).
        assert series[0][1] <= FOLD_CAP + len(others), (series, others)
        # At least the holder's flows beyond the cap were folded: there are
        # 2 * FOLD_PEERS series' worth of them (both ends) and room for 3.
        assert folded[0][1] >= 2 * FOLD_PEERS - FOLD_CAP, folded
        check_lint(exporter.metrics())
    finally:
        holder.kill()
        prometheus.stop()
        exporter.stop()
        shutil.rmtree(folder, ignore_errors=True)


def test_bad_options_and_a_taken_address_are_named():
    result = subprocess.run([sys.argv[1], "--web.listen-address", "127.0.0.1:99999"],
                            capture_output=True, text=True, timeout=10)
    assert result.returncode == 2, result
    assert "--web.listen-address" in result.stderr and "99999" in result.stderr, result.stderr
    # The library checks the interval's range.
    result = subprocess.run([sys.argv[1], "--interval", "0"], capture_output=True, text=True,
                            timeout=10)
    assert result.returncode == 2, result
    assert "interval" in result.stderr and result.stderr.count("\n") == 1, result.stderr
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        address = f"127.0.0.1:{taken.getsockname()[1]}"
        result = subprocess.run([sys.argv[1], "--web.listen-address", address],
                                capture_output=True, text=True, timeout=30)
    assert result.returncode == 1, result
    assert f"cannot serve on {address}" in result.stderr, result.stderr


def test_help_and_man_page_document_every_option():
    result = subprocess.run([sys.argv[1], "--help"], capture_output=True, text=True, timeout=10)
    assert result.returncode == 0 and result.stderr == "", result
    expected = {"--web.listen-address", "--labels", "--max-series", "--series-ttl",
                "--interval", "--help", "--version"}
    pattern = r"--[a-z.-]*[a-z]"
    assert expected <= set(re.findall(pattern, result.stdout)), result.stdout
    with open(MAN_PAGE) as man:
        man_text = man.read().replace("\\-", "-")
    assert expected <= set(re.findall(pattern, man_text)), expected - set(re.findall(pattern, man_text))
    for metric in re.findall(r'"(tcptop_[a-z_]+)"', open(FLOW_METRICS).read()):
        assert metric in man_text, f"{metric} is not in the man page"


if __name__ == "__main__":
    require_bpf()
    for program in ("prometheus", "promtool"):
        if not shutil.which(program):
            print(f"FAIL: {program} is missing (Debian package prometheus)", file=sys.stderr)
            sys.exit(1 if os.environ.get("TCPTOP_REQUIRE_BPF") == "1" else 77)
    run_tests(globals())
