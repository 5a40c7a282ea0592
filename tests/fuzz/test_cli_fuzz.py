"""Fuzzing the command line's dates, numbers and options: whatever a person types, the command
exits with a documented status (0, 1, 2, 3, 4), never prints a traceback, and an error is one
line on stderr. Commands run in-process with CliRunner(catch_exceptions=False), so an unhandled
exception fails the test rather than becoming an exit status.

The station has the shipped configuration, no schedules and no clips, so each call is quick;
the daemon is not running (its control port is a free one), so air-now must say so.

The examples pin what these properties found: dates at the ends of the calendar (OverflowError
in week ends, periods and UTC instants), clip numbers beyond 64 bits (OverflowError from
SQLite), bytes that are not UTF-8 (UnicodeEncodeError from SQLite), and "²" as a clip number.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from playout.model import FIRST_DAY, LAST_DAY, Kind, Outcome
from playout.scheduling.model import ClipRef
from tests.conftest import Result, Station, make_station

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
EXIT_CODES = {0, 1, 2, 3, 4}


@pytest.fixture(scope="module")
def station(tmp_path_factory: pytest.TempPathFactory) -> Station:
    return make_station(tmp_path_factory.mktemp("cli-fuzz") / "station")


@pytest.fixture(scope="module")
def out_dir(station: Station) -> Path:
    folder = station.root / "out"
    folder.mkdir()
    return folder


@pytest.fixture(scope="module")
def env() -> dict[str, str]:
    """No daemon runs for this station: its control socket (beside the database) is absent."""
    return {}


def run(station: Station, env: dict[str, str], *args: str) -> Result:
    r = station.cli(*args, env=env)
    assert r.exit_code in EXIT_CODES, (args, r)
    assert "Traceback" not in r.output, (args, r.output)
    if r.exit_code != 0:
        assert r.stderr.strip(), (args, r)
        # typer's own usage errors come boxed; import reports each file with its progress
        if "Usage:" not in r.stderr and not (args[0] == "import" and r.exit_code == 1):
            assert len(r.stderr.strip().splitlines()) == 1, (args, r.stderr)
    return r


def no_temporary_files(folder: Path) -> None:
    assert not [p.name for p in folder.iterdir() if p.name.startswith(".")]


# -- what a person types ---------------------------------------------------------------------------

# What argv can hold: any bytes but NUL, those that are not UTF-8 kept as lone surrogates.
ARGV_BYTES = st.binary(max_size=24).filter(lambda b: b"\0" not in b).map(lambda b: b.decode("utf-8", "surrogateescape"))
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"), max_size=30)
ODD = [
    "", " ", "-", "--", "-1", "0", "2026", "2026-02-30", "2026-13-01", "2026-00-10", "2026-11-31", "2026-1-5",
    "30/11/2026", "2026/11/30", "20261130", "2026-11-30T05:30", "2026-11-30 ", " 2026-11-30", "0001-01-01",
    "9999-12-31", "1969-12-31", "2100-01-01", "2099-12-31", "1970-01-01", "２０２６-１１-３０", "٢٠٢٦-١١-٣٠",
    "2026-W54", "2026-W00", "2026-W1", "2026-w05", "9999-W52", "0001-W01", "1970-W01", "2099-W53", "2026-W05-W06",
    "W05", "2026-W", "²", "①", "1e3", "0x10", "99999999999999999999", "-99999999999999999999", "∞", "NaN",
    "x" * 1000, "Đài Truyền thanh", "\u202e2026-11-30", "2026‐11‐30",
]  # fmt: skip
ISO_DAYS = st.dates(date(1960, 1, 1), date(2110, 12, 31)).map(date.isoformat)
WEEKS = st.builds(lambda y, w: f"{y}-W{w:02d}", st.integers(1960, 2110), st.integers(0, 54))
DAYS = st.one_of(ISO_DAYS, WEEKS, st.sampled_from(ODD), TEXT, ARGV_BYTES)
NUMBERS = st.one_of(st.integers(-5, 5000).map(str), st.integers().map(str), st.sampled_from(ODD), TEXT, ARGV_BYTES)


def choice(*valid: str) -> st.SearchStrategy[str]:
    return st.sampled_from(valid) | st.sampled_from(ODD) | TEXT | ARGV_BYTES


@st.composite
def options(draw: st.DrawFn, table: dict[str, st.SearchStrategy[str]]) -> list[str]:
    """Some of the options in `table`, each with a drawn value, in a drawn order."""
    names = draw(st.lists(st.sampled_from(sorted(table)), unique=True, max_size=len(table)))
    args: list[str] = []
    for name in names:
        args += [name, draw(table[name])]
    return args


# -- the commands -----------------------------------------------------------------------------------


@FAST
@given(args=options({"--week": DAYS, "--date": DAYS, "--from": DAYS, "--to": DAYS, "--format": choice("table", "json")}))
@example(args=["--week", "9999-W52"])  # the week's end fell off the calendar: OverflowError
@example(args=["--from", "9999-12-31"])
@example(args=["--date", "\udcff"])
@example(args=["--date", "2026-11-30\n\x1b[2J"])  # echoed raw: a second line, a cleared screen
def test_schedule_show(station: Station, env: dict[str, str], args: list[str]) -> None:
    run(station, env, "schedule", "show", *args)


REPORT_OPTIONS = {"--from": DAYS, "--to": DAYS, "--lang": choice("vi", "en"), "--program": TEXT | ARGV_BYTES}


@FAST
@given(args=options({**REPORT_OPTIONS, "--format": choice("csv", "xlsx"), "--kind": choice(*(k.value for k in Kind)),
                     "--outcome": choice(*(o.value for o in Outcome))}))  # fmt: skip
@example(args=["--from", "0001-01-01", "--to", "0001-01-02"])  # the UTC start fell off: OverflowError
@example(args=["--from", "2026-01-01", "--to", "9999-12-31"])
@example(args=["--from", "2026-01-01", "--to", "2026-01-31", "--program", "\udcff"])
def test_log_export(station: Station, env: dict[str, str], out_dir: Path, args: list[str]) -> None:
    run(station, env, "log", "export", "--out", str(out_dir / "log.csv"), "--force", *args)
    no_temporary_files(out_dir)


@FAST
@given(args=options({**REPORT_OPTIONS, "--year": NUMBERS, "--format": choice("md", "csv")}))
@example(args=["--year", "9999"])  # the period's end fell off the calendar: OverflowError
@example(args=["--from", "0001-01-01", "--to", "0001-01-01"])
def test_tally(station: Station, env: dict[str, str], out_dir: Path, args: list[str]) -> None:
    out = ["--out", str(out_dir / "tally.csv"), "--force"] if "csv" in args else []
    run(station, env, "tally", *out, *args)
    no_temporary_files(out_dir)


@FAST
@given(start=DAYS, end=DAYS)
@example(start="9999-12-31", end="9999-12-31")  # OverflowError
@example(start="0001-01-01", end="0001-01-01")
def test_simulate(station: Station, env: dict[str, str], start: str, end: str) -> None:
    r = run(station, env, "simulate", "--from", start, "--to", end, "--db", str(station.root / "simulated.db"))
    if r.exit_code == 0:
        assert FIRST_DAY <= date.fromisoformat(start.strip()) <= date.fromisoformat(end.strip()) <= LAST_DAY


@FAST
@given(command=st.sampled_from(["show", "retire"]), clip=NUMBERS, as_json=st.booleans())
@example(command="show", clip="99999999999999999999", as_json=False)  # SQLite: OverflowError
@example(command="retire", clip="-99999999999999999999", as_json=False)
def test_clips_show_and_retire(station: Station, env: dict[str, str], command: str, clip: str, as_json: bool) -> None:
    extra = ["--json"] if as_json and command == "show" else []
    r = run(station, env, "clips", command, *extra, "--", clip)
    assert r.exit_code in (1, 2)  # the library is empty: no number is a clip's


@FAST
@given(clip=NUMBERS | TEXT, level=choice("normal", "priority", "emergency"))
@example(clip="²", level="normal")
@example(clip="\udcff", level="emergency")
def test_air_now_without_the_daemon(station: Station, env: dict[str, str], clip: str, level: str) -> None:
    r = run(station, env, "air-now", "--level", level, "--", clip)
    assert r.exit_code in (1, 2)
    if r.exit_code == 1:
        assert "Không liên lạc được với playout đang chạy" in r.stderr


@FAST
@given(args=options({"--kind": choice(*(k.value for k in Kind)), "--episode-date": DAYS, "--valid-from": DAYS, "--valid-until": DAYS,
                     "--title": TEXT | ARGV_BYTES, "--program": TEXT | ARGV_BYTES}))  # fmt: skip
@example(args=["--kind", "segment", "--title", "T\udce0i"])  # would have failed at the database row
def test_import_options(station: Station, env: dict[str, str], args: list[str]) -> None:
    # A file that does not exist: the options are checked before it is looked for.
    missing = station.root / "không-có.wav"
    r = run(station, env, "import", str(missing), *args)
    assert r.exit_code in (1, 2)
    if r.exit_code == 1:
        assert f"{missing}: tệp không tồn tại." in r.stdout


# -- clip numbers and titles as typed ---------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=30) | NUMBERS)
@example(text="²")
@example(text="١٢")
def test_clip_reference_from_text(text: str) -> None:
    ref = ClipRef.from_text(text)
    if text.strip().isascii() and text.strip().isdigit():
        assert ref.clip_id == int(text) and ref.title is None
    else:
        assert ref.clip_id is None and ref.title is not None


# -- the messages -----------------------------------------------------------------------------------

MESSAGES = [
    (["schedule", "show", "--week", "9999-W52"], 2,
     "--week: 9999-W52 nằm ngoài khoảng ngày được hỗ trợ (1970-01-01 đến 2099-12-31)."),
    (["schedule", "show", "--date", "2026-02-30"], 2,
     "--date: '2026-02-30' không phải ngày hợp lệ (dạng NNNN-TT-NN, ví dụ 2026-11-30)."),
    (["schedule", "show", "--week", "2026-W54"], 2, "--week: '2026-W54' không phải tuần hợp lệ"),
    (["tally", "--year", "9999"], 2, "Năm 9999 không hợp lệ (từ 1970 đến 2099)."),
    (["log", "export", "--from", "0001-01-01", "--to", "2026-01-01", "--out", "x.csv"], 2,
     "--from: 0001-01-01 nằm ngoài khoảng ngày được hỗ trợ (1970-01-01 đến 2099-12-31)."),
    (["clips", "show", "99999999999999999999"], 1, "Thư viện không có tệp âm thanh số #99999999999999999999."),
    (["clips", "list", "--program", "Đ\udcff"], 2,
     "Tham số 'Đ\\udcff' không phải văn bản UTF-8; hãy kiểm tra bảng mã của cửa sổ dòng lệnh."),
    (["schedule", "show", "--date", "30\n11\x1b[2J"], 2, "--date: '30\\n11\\x1b[2J' không phải ngày hợp lệ"),
    (["air-now", "²"], 1, "Không liên lạc được với playout đang chạy ở /"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "code", "message"), MESSAGES, ids=[
    "week-9999", "feb-30", "week-54", "year-9999", "year-1", "huge-clip", "not-utf8", "control-chars", "air-now-down"])  # fmt: skip
def test_messages(station: Station, env: dict[str, str], args: list[str], code: int, message: str) -> None:
    r = run(station, env, *args)
    assert r.exit_code == code and message in r.stderr, r


def test_messages_in_english(station: Station, env: dict[str, str]) -> None:
    r = run(station, {**env, "PLAYOUT_STATION_LANGUAGE": "en"}, "tally", "--from", "2026-01-01", "--to", "2100-01-01")
    assert r.exit_code == 2
    assert "--to: 2100-01-01 is outside the supported dates (1970-01-01 to 2099-12-31)." in r.stderr
