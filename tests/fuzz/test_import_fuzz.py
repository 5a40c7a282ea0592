"""Fuzzing import with damaged audio: real files in four formats, cut short, with bytes flipped
or overwritten, another format's header, the wrong extension, nothing at all, or garbage
appended, run through the real `playout import` (real ffmpeg, real SQLite).

Whatever the damage, the file is either imported (a clip ffmpeg decodes, its row and its file
in the library and nothing else) or refused: exit status 1, one line naming the file, no
traceback, no row, no file left in the library or in its `.incoming` folder.

ffmpeg is slow, so the examples are few (about 25) and the clips short (about a second).
"""

from __future__ import annotations

import itertools
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from tests.audio_factory import programme_like, write
from tests.conftest import Station, make_station, require_program
from tests.library.test_import import rows

FORMATS = ["wav", "mp3", "ogg", "flac"]
EXTENSIONS = [*FORMATS, "m4a", "txt", ""]
NAMES = itertools.count()


@pytest.fixture(scope="module")
def station(tmp_path_factory: pytest.TempPathFactory) -> Station:
    require_program("ffmpeg")
    return make_station(tmp_path_factory.mktemp("import-fuzz") / "station")


@pytest.fixture(scope="module")
def sources(station: Station) -> dict[str, bytes]:
    """One short programme-like clip in each format, as bytes to damage."""
    folder = station.root / "sources"
    sound = programme_like(sound_ms=1000, lead_ms=200, tail_ms=200)
    return {fmt: write(sound, folder / f"source.{fmt}").read_bytes() for fmt in FORMATS}


# -- the damage ----------------------------------------------------------------------------------

Op = tuple  # (name, *arguments), applied in order by `damage`
FRACTION = st.floats(0, 1)
OPS = st.one_of(
    st.tuples(st.just("truncate"), FRACTION),
    st.tuples(st.just("flip"), st.lists(st.tuples(FRACTION, st.integers(1, 255)), min_size=1, max_size=20)),
    st.tuples(st.just("overwrite"), FRACTION, st.binary(min_size=1, max_size=512)),
    st.tuples(st.just("header"), st.sampled_from(FORMATS), st.integers(4, 512)),
    st.tuples(st.just("append"), st.binary(min_size=1, max_size=4096)),
    st.tuples(st.just("empty")),
)


def damage(data: bytes, ops: list[Op], sources: dict[str, bytes]) -> bytes:
    out = bytearray(data)
    for name, *args in ops:
        if name == "truncate":
            del out[int(len(out) * args[0]) :]
        elif name == "flip" and out:
            for at, mask in args[0]:
                out[min(int(len(out) * at), len(out) - 1)] ^= mask
        elif name == "overwrite":
            at = int(len(out) * args[0])
            out[at : at + len(args[1])] = args[1]
        elif name == "header":  # another format's first bytes in place of this one's
            header = sources[args[0]][: args[1]]
            out[: len(header)] = header
        elif name == "append":
            out += args[0]
        elif name == "empty":
            out.clear()
    return bytes(out)


# -- the property ----------------------------------------------------------------------------------


def decodes(path: Path) -> bool:
    done = subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-i", str(path), "-f", "null", "-"],
                          capture_output=True, text=True, check=False)  # fmt: skip
    return done.returncode == 0 and not done.stderr.strip()


def check_library(station: Station) -> None:
    """Every row has its file, every file its row, and nothing is left half-written."""
    stored = {station.library / r["path"] for r in rows(station)}
    assert set(station.library_files()) == stored
    incoming = station.library / ".incoming"
    assert not incoming.exists() or not list(incoming.iterdir())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(fmt=st.sampled_from(FORMATS), ops=st.lists(OPS, max_size=3), ext=st.sampled_from(EXTENSIONS))
@example(fmt="mp3", ops=[("truncate", 0.5)], ext="mp3")
@example(fmt="ogg", ops=[("header", "wav", 44)], ext="ogg")
@example(fmt="flac", ops=[("flip", [(0.3, 255), (0.6, 255)])], ext="flac")
@example(fmt="wav", ops=[("empty",)], ext="wav")
@example(fmt="wav", ops=[], ext="txt")
@example(fmt="mp3", ops=[("append", b"\xff\xfb" * 600)], ext="mp3")
def test_damaged_audio_is_imported_whole_or_refused_cleanly(
    station: Station, sources: dict[str, bytes], fmt: str, ops: list[Op], ext: str
) -> None:
    path = station.root / "incoming" / (f"clip-{next(NAMES)}.{ext}" if ext else f"clip-{next(NAMES)}")
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(damage(sources[fmt], ops, sources))
    before = rows(station)

    r = station.cli("import", str(path), "--kind", "slogan")

    assert "Traceback" not in r.output, r.output
    assert r.exit_code in (0, 1), r.output
    after = rows(station)
    check_library(station)
    if r.exit_code == 1:
        event("refused: " + next(line for line in r.output.splitlines() if "✗" in line).split(": ", 1)[1][:24])
        assert after == before, "a refused file left a row"
        failures = [line for line in r.output.splitlines() if line.startswith(("✗", "  ✗"))]
        assert failures and all(str(path) in line for line in failures), r.output
        assert len({line.strip() for line in failures}) == 1, "one sentence for the file"
        return
    new = [row for row in after if row not in before]
    event("imported" if new else "duplicate")
    if new:  # imported: its file decodes
        [row] = new
        assert row["original_name"] == path.name
        assert decodes(station.library / row["path"])
        assert row["duration_ms"] >= 400  # the shortest sound import accepts
    else:  # the same audio as a clip already there
        assert "trùng với bản đã có" in r.output
