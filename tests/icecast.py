"""A real Icecast server for tests: Debian's icecast2, started as an ordinary background
process on a free loopback port with a generated configuration (not the system service),
and stopped after. `kill` then `start` bring it down and up again on the same port, as a
server that crashed and was brought back. `Icecast(relay_of=(master, "/ap-3"))` is a second
server relaying a mount of the first, as a province adds relays when one server is not
enough: it pulls the mount once and serves it to its own listeners."""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from playout.output.icecast_local import CONFIG, RELAY, listed_mounts
from tests.conftest import free_port, require_program

# The configuration is the station's private server's (playout/output/icecast_local.py).

# A mount whose listeners must log in (Icecast's htpasswd listener authentication): Icecast
# then reports each listener's user name in its admin listing.
MOUNT_AUTH = """  <mount type="normal">
    <mount-name>/{mount}</mount-name>
    <authentication type="htpasswd">
      <option name="filename" value="{users}"/>
      <option name="allow_duplicate_users" value="1"/>
    </authentication>
  </mount>
"""


class Icecast:
    def __init__(self, burst: int = 8192, queue: int = 524288, relay_of: tuple[Icecast, str] | None = None,
                 listener_users: dict[str, dict[str, str]] | None = None) -> None:
        """`relay_of`: (server, mount) this one relays; `listener_users`: mount -> {user:
        password} for mounts whose listeners log in."""
        require_program("icecast2")
        self.dir = Path(tempfile.mkdtemp(prefix="playout-icecast-"))
        self.port = free_port()
        self.password = secrets.token_hex(8)
        # Icecast will not run as root; it changes to an unprivileged user, which must be
        # able to write its logs.
        changeowner = "<changeowner><user>nobody</user><group>nogroup</group></changeowner>" if os.getuid() == 0 else ""
        os.chmod(self.dir, 0o777)
        self.config = self.dir / "icecast.xml"
        mounts = ""
        for mount, users in (listener_users or {}).items():
            path = self.dir / f"{mount}.users"
            # Icecast 2.4's own htpasswd format: the user and the MD5 of the password, in hex.
            path.write_text("".join(f"{u}:{hashlib.md5(p.encode()).hexdigest()}\n" for u, p in users.items()))  # noqa: S324
            os.chmod(path, 0o644)
            mounts += MOUNT_AUTH.format(mount=mount, users=path)
        relay = RELAY.format(host="127.0.0.1", port=relay_of[0].port, mount=relay_of[1]) if relay_of else ""
        self.config.write_text(CONFIG.format(
            location="test", clients=2000, queue=queue, burst=burst, port=self.port, password=self.password,
            admin_user="admin", admin_password=self.password, logdir=self.dir, changeowner=changeowner, relay=relay,
            mounts=mounts))  # fmt: skip
        os.chmod(self.config, 0o644)
        self.proc: subprocess.Popen | None = None
        self.start()

    def url(self, mount: str) -> str:
        """The source URL of a mount (with the source password)."""
        return f"icecast://source:{self.password}@127.0.0.1:{self.port}/{mount}"

    def listen_url(self, mount: str) -> str:
        return f"http://127.0.0.1:{self.port}/{mount}"

    def start(self) -> None:
        self.proc = subprocess.Popen(["icecast2", "-c", str(self.config)], stdout=subprocess.DEVNULL,
                                     stderr=(self.dir / "stderr.log").open("ab"))  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"icecast2 stopped at start: {(self.dir / 'stderr.log').read_text()[-500:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("icecast2 did not start listening within 10 s")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def mounts(self) -> set[str]:
        """The mounts with a source connected, from Icecast's own admin listing."""
        return listed_mounts(self.port, self.password)

    def stop(self) -> None:
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)
