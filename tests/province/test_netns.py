"""The link cut for real: the station's forwarder runs in a network namespace of its own,
joined to this machine by a virtual Ethernet pair, and reaches the central PostgreSQL
through it. Mid-forward the link goes down (`ip link set … down`: packets vanish, as on a 4G
link that drops, rather than a refused connection): the forwarder gives up within its link
timeout with one sentence, keeps what it has not sent, and once the link is back forwards the
rest; the central log then equals the station's, row for row."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from benchmarks.postgres import PostgresServer
from playout.db import open_database
from playout.province.forward import central_engine
from playout.province.models import ProvinceAiring
from tests.conftest import IN_CI, Station
from tests.province.helpers import hours, local_midnight, make_station
from tests.province.test_forward import DAY, central_log, local_log


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


class Namespace:
    """A network namespace with one veth link to this machine: 10.231.N.1 here, .2 there."""

    def __init__(self) -> None:
        if os.geteuid() != 0 or shutil.which("ip") is None:
            if IN_CI:
                pytest.fail("a network namespace needs root and iproute2's ip; CI has both")
            pytest.skip("a network namespace needs root and iproute2's ip")
        tag = secrets.token_hex(3)
        self.name, self.here, self.there = f"playout-{tag}", f"plh{tag}", f"pls{tag}"
        net = int(tag[:2], 16)
        self.host_ip, self.ns_ip = f"10.231.{net}.1", f"10.231.{net}.2"
        _ip("netns", "add", self.name)
        _ip("link", "add", self.here, "type", "veth", "peer", "name", self.there)
        _ip("link", "set", self.there, "netns", self.name)
        _ip("addr", "add", f"{self.host_ip}/30", "dev", self.here)
        _ip("link", "set", self.here, "up")
        _ip("-n", self.name, "addr", "add", f"{self.ns_ip}/30", "dev", self.there)
        _ip("-n", self.name, "link", "set", self.there, "up")
        _ip("-n", self.name, "link", "set", "lo", "up")

    def link(self, up: bool) -> None:
        _ip("link", "set", self.here, "up" if up else "down")

    def remove(self) -> None:
        subprocess.run(["ip", "link", "del", self.here], capture_output=True)
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True)


class Relay:
    """The central server's port on the link's address (the test server listens on loopback
    only): a plain TCP relay, one thread pair a connection."""

    def __init__(self, host: str, target_port: int) -> None:
        self.sock = socket.create_server((host, 0))
        self.port = self.sock.getsockname()[1]
        self.target = target_port
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target))
            for a, b in ((conn, upstream), (upstream, conn)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def namespace():  # noqa: ANN201
    ns = Namespace()
    yield ns
    ns.remove()


def test_the_link_cut_mid_forward_loses_and_doubles_nothing(example_station: Station, central_url: str,
                                                            postgres: PostgresServer, namespace: Namespace,
                                                            tmp_path: Path) -> None:  # fmt: skip
    open_database(central_url).dispose()
    relay = Relay(namespace.host_ip, postgres.port)
    over_link = make_url(central_url).set(host=namespace.host_ip, port=relay.port).render_as_string(hide_password=False)
    st = make_station(tmp_path, "xa-xa", over_link, example_station.db_path,
                      extra="batch_rows = 5\nlink_timeout_seconds = 4\n")  # fmt: skip
    st.air_until(local_midnight(DAY, st.app) + hours(20))  # 30 sessions: 90 rows, 18 batches
    forward = ["ip", "netns", "exec", namespace.name, sys.executable, "-m", "playout", "province", "forward",
               "--once", "--config", str(st.cli.config)]  # fmt: skip
    env = {**os.environ, "PLAYOUT_STATION_LANGUAGE": "en"}
    central = central_engine(central_url)

    def arrived() -> int:
        with central.connect() as c:
            return c.execute(select(func.count()).select_from(ProvinceAiring)).scalar_one()

    try:
        proc = subprocess.Popen(forward, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while arrived() == 0 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.02)
        namespace.link(False)  # the link goes mid-forward
        cut_at = time.monotonic()
        out, err = proc.communicate(timeout=60)
        gave_up_s = time.monotonic() - cut_at
        part = arrived()
        assert proc.returncode != 0 and 0 < part < 90, (proc.returncode, part, err)
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err  # one sentence
        assert gave_up_s < 4 + 6, gave_up_s  # within the link timeout (and a moment)
        print(f"link cut after {part} of 90 rows: the forwarder gave up in {gave_up_s:.1f} s: {err.strip()}")
        namespace.link(True)  # back: the rest goes, nothing twice
        again = subprocess.run(forward, env=env, capture_output=True, text=True, timeout=120)
        assert again.returncode == 0, again.stderr
    finally:
        namespace.link(True)
        relay.close()
    assert central_log(central, st.sid) == local_log(st) and len(local_log(st)) == 90
