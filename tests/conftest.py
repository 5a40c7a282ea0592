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
