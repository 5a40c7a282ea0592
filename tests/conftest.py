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

    def cli(self, *args: str, env: dict[str, str] | None = None) -> Result:
        runner = CliRunner()
        full_env = {"PLAYOUT_CONFIG": str(self.config), "COLUMNS": "200", **(env or {})}
        r = runner.invoke(cli_app, list(args), env=full_env, catch_exceptions=False)
        return Result(r.exit_code, r.stdout, r.stderr)

    def library_files(self) -> list[Path]:
        if not self.library.exists():
            return []
        return sorted(p for p in self.library.rglob("*") if p.is_file())


@pytest.fixture
def station(tmp_path: Path) -> Station:
    require_program("ffmpeg")
    root = tmp_path / "station"
    root.mkdir()
    text = (ROOT / "playout.toml").read_text(encoding="utf-8")
    (root / "playout.toml").write_text(text, encoding="utf-8")
    (root / "schedules").mkdir()
    return Station(root=root, config=root / "playout.toml")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def pulse(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    """A private PulseAudio server with a null sink: a real-time audio device without a
    sound card. Started as an ordinary background process; its monitor can be recorded."""
    import subprocess
    import time

    require_program("pulseaudio")
    require_program("parec")
    folder = tmp_path_factory.mktemp("pulse")
    script = folder / "default.pa"
    socket_path = folder / "native"
    script.write_text(
        "load-module module-null-sink sink_name=playout_test rate=48000 channels=2\n"
        f"load-module module-native-protocol-unix socket={socket_path} auth-anonymous=1\n"
        "set-default-sink playout_test\n"
    )
    env = {**os.environ, "HOME": str(folder), "XDG_RUNTIME_DIR": str(folder), "PULSE_RUNTIME_PATH": str(folder)}
    proc = subprocess.Popen(
        ["pulseaudio", "-n", "-F", str(script), "--daemonize=no", "--exit-idle-time=-1", "--use-pid-file=no",
         "--system=false", "--disallow-exit", "--log-target=file:" + str(folder / "pulse.log")],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    server = f"unix:{socket_path}"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if subprocess.run(["pactl", "info"], env={**env, "PULSE_SERVER": server}, capture_output=True).returncode == 0:
            break
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    else:
        proc.kill()
    if proc.poll() is not None:
        pytest.fail(f"PulseAudio did not start: {(folder / 'pulse.log').read_text(errors='replace')[-2000:]}")
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
    """The shipped example: its config, schedules and clips, imported for real (once)."""
    require_program("ffmpeg")
    root = tmp_path_factory.mktemp("example") / "station"
    root.mkdir()
    shutil.copy(ROOT / "playout.toml", root / "playout.toml")
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


