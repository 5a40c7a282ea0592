"""A short run of the SIGKILL torture (`make torture` runs 50 kills and reports the figures)."""

from __future__ import annotations

from pathlib import Path

from benchmarks.torture import run
from tests.conftest import require_program


def test_sigkill_at_random_moments_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    require_program("ffmpeg")
    r = run(kills=4, seed=11, folder=tmp_path, say=lambda _s: None)
    assert r["came_back"] == 4 and r["settled"] and r["clean_stop_exit_code"] == 0
    assert (r["lost"], r["duplicated"], r["left_open"]) == (0, 0, 0), r
    assert r["occurrences_due"] >= 3
    assert r["rows"] >= 2 * r["occurrences_due"]
