"""A private icecast2 on this PC, for the shipped example and the benchmark.

A station runs Debian's `icecast2` service (see the README, "Zones and IP loudspeakers").
The shipped example has an Icecast zone on 127.0.0.1, so that `tools/bootstrap run` works on
a fresh PC, where no server is set up, this starts Debian's icecast2 as an ordinary process
with a generated configuration carrying the shipped settings below, on the zone's port with
the zone's source password, and stops it when asked. The benchmark measures the same
settings.

    python -m playout.output.icecast_local --config playout.toml

starts one for each Icecast zone on loopback that nothing answers yet, prints what it
started and keeps them until SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from xml.sax.saxutils import escape

# The settings that matter, for mono 64 kbit/s (8 kB a second):
# BURST_SIZE: what a speaker gets at once when it connects. A larger burst starts it sooner
# and rides out a longer network stall, but leaves it that much further behind live, so a
# session is heard later: 16 kB is 2 s, which keeps the delay from the instant under 3 s.
BURST_SIZE = 16_384
# QUEUE_SIZE: how far behind live a slow speaker may fall before Icecast drops it (64 s).
QUEUE_SIZE = 524_288
# CLIENTS: at least the number of speakers (and relays) on this server.
CLIENTS = 2_000

CONFIG = """<icecast>
  <location>{location}</location>
  <admin>root@localhost</admin>
  <limits>
    <clients>{clients}</clients>
    <sources>16</sources>
    <queue-size>{queue}</queue-size>
    <client-timeout>30</client-timeout>
    <header-timeout>15</header-timeout>
    <source-timeout>10</source-timeout>
    <burst-on-connect>1</burst-on-connect>
    <burst-size>{burst}</burst-size>
  </limits>
  <authentication>
    <source-password>{password}</source-password>
    <relay-password>{admin_password}</relay-password>
    <admin-user>{admin_user}</admin-user>
    <admin-password>{admin_password}</admin-password>
  </authentication>
  <hostname>127.0.0.1</hostname>
  <listen-socket>
    <port>{port}</port>
    <bind-address>127.0.0.1</bind-address>
  </listen-socket>
  <fileserve>0</fileserve>
  <paths>
    <basedir>/usr/share/icecast2</basedir>
    <logdir>{logdir}</logdir>
    <webroot>/usr/share/icecast2/web</webroot>
    <adminroot>/usr/share/icecast2/admin</adminroot>
  </paths>
  <logging>
    <accesslog>access.log</accesslog>
    <errorlog>error.log</errorlog>
    <loglevel>2</loglevel>
  </logging>
  <security>
    <chroot>0</chroot>
    {changeowner}
  </security>
  {relay}
{mounts}</icecast>
"""

RELAY = """<relay>
    <server>{host}</server>
    <port>{port}</port>
    <mount>{mount}</mount>
    <local-mount>{mount}</local-mount>
    <on-demand>0</on-demand>
    <relay-shoutcast-metadata>1</relay-shoutcast-metadata>
  </relay>"""


def listed_mounts(port: int, admin_password: str, admin_user: str = "admin") -> set[str]:
    """The mounts with a source connected on a loopback Icecast, from its own admin listing
    (empty when it does not answer)."""
    mgr = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    mgr.add_password(None, f"http://127.0.0.1:{port}/", admin_user, admin_password)
    opener = urllib.request.build_opener(urllib.request.HTTPBasicAuthHandler(mgr))
    try:
        with opener.open(f"http://127.0.0.1:{port}/admin/listmounts", timeout=2) as r:
            text = r.read().decode("utf-8", "replace")
    except OSError:
        return set()
    return set(re.findall(r'<source mount="([^"]+)"', text))


def reachable(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        socket.create_connection((host, port), timeout=timeout).close()
        return True
    except OSError:
        return False


class LocalIcecast:
    """icecast2 as a background process on 127.0.0.1:`port`, its configuration and logs in
    a folder of its own (removed by `stop`). `relay_of=(port, "/mount")` makes it a relay
    of that mount on another local server."""

    def __init__(self, port: int, password: str, *, burst_size: int = BURST_SIZE, queue_size: int = QUEUE_SIZE,
                 clients: int = CLIENTS, relay_of: tuple[int, str] | None = None, location: str = "playout",
                 admin: tuple[str, str] | None = None) -> None:  # fmt: skip
        exe = shutil.which("icecast2")
        if exe is None:
            raise RuntimeError("icecast2 is not installed (apt-get install icecast2)")
        self.exe = exe
        self.port = port
        self.password = password
        # The admin account: the one the zone's configuration asks who listens with, or one
        # nobody else knows.
        self.admin_user, self.admin_password = admin or ("admin", secrets.token_hex(12))
        self.dir = Path(tempfile.mkdtemp(prefix="playout-icecast-"))
        # Icecast will not run as root; it changes to an unprivileged user, which must be able
        # to write its logs.
        changeowner = "<changeowner><user>nobody</user><group>nogroup</group></changeowner>" if os.getuid() == 0 else ""
        os.chmod(self.dir, 0o777)
        relay = RELAY.format(host="127.0.0.1", port=relay_of[0], mount=escape(relay_of[1])) if relay_of else ""
        self.config = self.dir / "icecast.xml"
        self.config.write_text(CONFIG.format(
            location=escape(location), clients=clients, queue=queue_size, burst=burst_size, port=port,
            password=escape(password), admin_user=escape(self.admin_user), admin_password=escape(self.admin_password),
            logdir=escape(str(self.dir)),
            changeowner=changeowner, relay=relay, mounts=""), encoding="utf-8")  # fmt: skip
        os.chmod(self.config, 0o644)
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 10) -> None:
        with (self.dir / "stderr.log").open("ab") as err:
            # A session of its own: Ctrl-C in the terminal reaches the daemon, which may still be
            # sending its last airing here; whoever started the server stops it after.
            self.proc = subprocess.Popen([self.exe, "-c", str(self.config)], stdout=subprocess.DEVNULL, stderr=err,
                                         stdin=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"icecast2 stopped at start: {(self.dir / 'stderr.log').read_text()[-500:]}")
            if reachable("127.0.0.1", self.port):
                return
            time.sleep(0.05)
        raise RuntimeError(f"icecast2 did not start listening on 127.0.0.1:{self.port} within {timeout:.0f} s")

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def mounts(self) -> set[str]:
        return listed_mounts(self.port, self.admin_password, self.admin_user)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


def for_config(path: Path) -> list[LocalIcecast]:
    """A private server for each Icecast zone of the configuration at `path` whose server is
    this PC (127.0.0.1 or localhost) and does not answer yet; started."""
    from playout import config as config_mod
    from playout.output.devices import IcecastTarget

    started: list[LocalIcecast] = []
    seen: set[tuple[str, int]] = set()
    try:
        for zone in config_mod.load(path).zones:
            if zone.output.module != "icecast":
                continue
            t = IcecastTarget.parse(zone.output.device)
            if t.host not in ("127.0.0.1", "localhost") or (t.host, t.port) in seen or reachable(t.host, t.port):
                continue
            seen.add((t.host, t.port))
            server = LocalIcecast(t.port, t.password, location=zone.name, admin=(zone.admin_user, zone.admin_password))
            started.append(server)
            server.start()
    except BaseException:
        for s in started:
            s.stop()
        raise
    return started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Start a private icecast2 for the Icecast zones on this PC.")
    parser.add_argument("--config", default="playout.toml")
    args = parser.parse_args(argv)
    stop = False

    def on_signal(_sig: int, _frame: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_signal)
    # Started with Ctrl-C ignored (run-example does, so that the daemon, which gets Ctrl-C too,
    # can finish its airing on this server before the script stops it): keep ignoring it.
    if signal.getsignal(signal.SIGINT) != signal.SIG_IGN:
        signal.signal(signal.SIGINT, on_signal)
    servers = for_config(Path(args.config))
    for s in servers:
        print(f"icecast2 riêng cho ví dụ: http://127.0.0.1:{s.port}/", flush=True)
    print("ready", flush=True)  # the caller waits for this line before it starts the daemon
    try:
        while servers and not stop and all(s.proc is not None and s.proc.poll() is None for s in servers):
            time.sleep(0.2)
    finally:
        for s in servers:
            s.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
