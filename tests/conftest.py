from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from playout.cli import app as cli_app

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI") == "true"


def require_program(name: str) -> None:
    """A real component the test needs. Missing under CI is a failure, never a skip."""
    if shutil.which(name) is None:
        if IN_CI:
            pytest.fail(f"{name} is not installed; CI must have every real component")
        pytest.skip(f"{name} is not installed")


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@dataclass
class Station:
    """A throwaway station: its own config, database and library folder."""

    root: Path
    config: Path

    @property
    def library(self) -> Path:
        return self.root / "audio" / "library"

    @property
    def db_path(self) -> Path:
        return self.root / "playout.db"

    def cli(self, *args: str, env: dict[str, str] | None = None, input: str | None = None) -> Result:  # noqa: A002
        runner = CliRunner()
        full_env = {"PLAYOUT_CONFIG": str(self.config), "COLUMNS": "200", **(env or {})}
        r = runner.invoke(cli_app, list(args), env=full_env, catch_exceptions=False, input=input)
        return Result(r.exit_code, r.stdout, r.stderr)

    def library_files(self) -> list[Path]:
        if not self.library.exists():
            return []
        return sorted(p for p in self.library.rglob("*") if p.is_file())


def shipped_config(zones: bool = False) -> str:
    """The shipped playout.toml, without its [[zone]] tables unless asked: a test station is
    then one zone ("main") on the null output, as before zones, and needs no Icecast (the
    example's Icecast zone is tested where a test starts its own icecast2)."""
    text = (ROOT / "playout.toml").read_text(encoding="utf-8")
    if zones:
        return text
    kept, inside = [], False
    for line in text.splitlines(keepends=True):
        header = line.strip()
        if header.startswith("["):
            inside = header == "[[zone]]"
        if not inside:
            kept.append(line)
    return "".join(kept)


def make_station(root: Path) -> Station:
    """A new station in `root`: the shipped configuration (without zones), no schedules, no clips."""
    root.mkdir()
    (root / "playout.toml").write_text(shipped_config(), encoding="utf-8")
    (root / "schedules").mkdir()
    return Station(root=root, config=root / "playout.toml")


@pytest.fixture
def station(tmp_path: Path) -> Station:
    require_program("ffmpeg")
    return make_station(tmp_path / "station")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def icecast():  # noqa: ANN201
    """Debian's icecast2 on a free loopback port with a generated configuration, stopped after."""
    from tests.icecast import Icecast

    server = Icecast()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pulse(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    """A private PulseAudio server with a null sink: a real-time audio device without a
    sound card. Started as an ordinary background process; its monitor can be recorded."""
    require_program("pulseaudio")
    require_program("parec")
    from benchmarks.common import start_pulse

    try:
        proc, server, _env = start_pulse(tmp_path_factory.mktemp("pulse"))
    except RuntimeError as exc:
        pytest.fail(str(exc))
    old = os.environ.get("PULSE_SERVER")
    os.environ["PULSE_SERVER"] = server
    yield server
    if old is None:
        os.environ.pop("PULSE_SERVER", None)
    else:
        os.environ["PULSE_SERVER"] = old
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="session")
def example_station(tmp_path_factory: pytest.TempPathFactory) -> Station:
    """The shipped example: its config (without zones), schedules and clips, imported for real (once)."""
    require_program("ffmpeg")
    root = tmp_path_factory.mktemp("example") / "station"
    root.mkdir()
    (root / "playout.toml").write_text(shipped_config(), encoding="utf-8")
    shutil.copytree(ROOT / "schedules", root / "schedules")
    st = Station(root=root, config=root / "playout.toml")
    ex = ROOT / "audio" / "examples"
    for args in (
        [str(ex / "nhac-hieu.ogg"), "--kind", "chime"],
        [*map(str, sorted(ex.glob("khau-hieu-*"))), "--kind", "slogan"],
        [*map(str, sorted(ex.glob("cchc-*"))), "--kind", "segment", "--program", "CCHC"],
        [str(ex / "dong-hanh-cung-nhan-dan-2026-11.ogg"), "--kind", "segment", "--program", "Đồng hành cùng Nhân dân",
         "--episode-date", "2026-11-01"],
    ):  # fmt: skip
        assert st.cli("import", *args).exit_code == 0
    return st


