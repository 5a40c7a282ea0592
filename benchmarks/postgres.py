"""A private PostgreSQL server for the tests and benchmarks: Debian's own binaries, started as
an ordinary background process on a data directory of its own and a loopback port.

PostgreSQL refuses to run as root; as root the server runs as the `postgres` account the
Debian package creates (the data directory is given to it).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import free_port, wait_until

USER = "playout"


def binaries() -> Path | None:
    """Debian keeps initdb and postgres out of PATH, under /usr/lib/postgresql/<version>/bin."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


@dataclass
class PostgresServer:
    folder: Path
    port: int
    bindir: Path
    proc: subprocess.Popen | None = None

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{database}"

    def _as_owner(self) -> dict:
        if os.geteuid() != 0:
            return {}
        pw = pwd.getpwnam("postgres")
        return {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}

    def init(self) -> None:
        self.data.mkdir(parents=True)
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            for p in (self.folder, self.data):
                os.chown(p, pw.pw_uid, pw.pw_gid)
        subprocess.run([str(self.bindir / "initdb"), "-D", str(self.data), "-U", USER, "--auth=trust",
                        "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"],
                       check=True, capture_output=True, **self._as_owner())  # fmt: skip

    def start(self) -> None:
        """Start the server and wait until it takes connections."""
        log = open(self.folder / "postgres.log", "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [str(self.bindir / "postgres"), "-D", str(self.data), "-h", "127.0.0.1", "-p", str(self.port),
             "-k", str(self.folder), "-c", "fsync=off", "-c", "max_connections=200"],
            stdout=log, stderr=log, **self._as_owner(),
        )  # fmt: skip
        log.close()

        def up() -> bool:
            if self.proc.poll() is not None:
                return True
            r = subprocess.run([str(self.bindir / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-q"])
            return r.returncode == 0

        wait_until(up, 30)
        if self.proc.poll() is not None:
            raise RuntimeError("PostgreSQL did not start: " + (self.folder / "postgres.log").read_text(errors="replace")[-2000:])

    def stop(self) -> None:
        """Fast shutdown (SIGINT): what the link sees when the central server goes away."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(2)
            self.proc.wait(timeout=30)
        self.proc = None

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user={USER} dbname=postgres", autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def start_postgres() -> PostgresServer:
    """A new server in a private temporary folder (outside pytest's, which the postgres
    account cannot enter), running; the caller stops and removes it."""
    bindir = binaries()
    if bindir is None:
        raise FileNotFoundError("initdb")
    folder = Path(tempfile.mkdtemp(prefix="playout-pg-"))
    server = PostgresServer(folder, free_port(), bindir)
    try:
        server.init()
        server.start()
    except BaseException:
        server.remove()
        raise
    return server

