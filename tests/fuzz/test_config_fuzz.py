"""Fuzzing the configuration loader: whatever `playout.toml` and the PLAYOUT_* variables hold,
`config.load` returns a valid configuration or raises ConfigError, whose message (vi and en)
names the file and, for a bad value, the key or variable; never any other exception.

1. Arbitrary bytes and text as the file, and mutations of the shipped `playout.toml`.
2. Well-formed TOML with known and unknown sections and keys holding values of every type.
3. PLAYOUT_<SECTION>_<KEY> overrides with random values.

The examples pin what these properties found: tomllib's plain ValueError and RecursionError,
time zone names that are folders of the zone database or too long for a file name, `~user`
for an unknown user, NUL characters, and values or keys too long or unprintable to quote whole.
"""

from __future__ import annotations

import math
from datetime import date, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from playout import config
from playout.errors import ConfigError, PlayoutError
from playout.i18n import LANGUAGES
from tests.conftest import ROOT
from tests.toml_text import mutations, toml_key, toml_value

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SHIPPED = (ROOT / "playout.toml").read_bytes()
SECTIONS = sorted({s for s, _ in config.SCHEMA})
KEYS = {s: sorted(k for sec, k in config.SCHEMA if sec == s) for s in SECTIONS}
ENV_VARS = sorted(config.env_var(s, k) for s, k in config.SCHEMA)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("config-fuzz")


def load(folder: Path, data: bytes, env: dict[str, str] | None = None) -> config.Config | ConfigError:
    """Load `data` as playout.toml; a ConfigError is checked and returned, anything else raised."""
    path = folder / "playout.toml"
    path.write_bytes(data)
    try:
        cfg = config.load(path, env=env or {})
    except ConfigError as exc:
        check_error(exc, path)
        return exc
    check_config(cfg)
    return cfg


def check_error(exc: ConfigError, path: Path) -> None:
    assert exc.exit_code == 2 and exc.problems
    for lang in LANGUAGES:
        head, *lines = exc.render(lang).split("\n")
        assert str(path) in head
        assert len(lines) == len(exc.problems), "one line per problem"
        for problem, line in zip(exc.problems, lines, strict=True):
            assert line.strip() and line.isprintable(), line
            assert len(line) < 600, line
            for name in named(problem):
                assert name in line, (name, line)


def named(problem: PlayoutError) -> list[str]:
    """What a problem's message must name: the file, the key, or the variable."""
    p = problem.params
    match problem.msg_id:
        case "config.syntax" | "config.unreadable" | "config.missing":
            return [str(p["path"])]
        case "config.bad_value":
            return [f"[{p['section']}] {p['key']}"]
        case "config.bad_env":
            return [p["var"]]
        case "config.unknown_key":
            return [f"[{p['section']}]", p["key"]]
        case "config.unknown_section":
            return [p["section"]]
    raise AssertionError(f"unexpected problem {problem.msg_id}")


def check_config(cfg: config.Config) -> None:
    """A configuration that loaded holds only values its readers can use."""
    assert isinstance(cfg.station.timezone, ZoneInfo) and cfg.station.language in LANGUAGES
    assert cfg.station.name.strip() and str(cfg.daemon.control_socket).strip()
    for path in (cfg.library.folder, cfg.schedules_folder, cfg.output.file):
        assert path is None or (path.is_absolute() and "\0" not in str(path))
    assert "\0" not in cfg.database_url and "://" in cfg.database_url
    lib, d = cfg.library, cfg.daemon
    assert -40 <= lib.loudness_target_lufs <= -5 and -9 <= lib.true_peak_max_dbtp <= 0
    assert 6_000 <= lib.max_duration_ms <= 24 * 3_600_000 and 10 <= lib.min_silence_ms <= 10_000
    assert -20 <= d.nice <= 19 and 1 <= d.horizon_hours <= 24 * 14
    assert 0 <= d.catch_up_ms <= 120 * 60_000 and 1_000 <= d.lead_ms <= 120_000
    assert 0 <= cfg.partial_share <= 1
    for number in (lib.loudness_target_lufs, lib.true_peak_max_dbtp, lib.silence_threshold_db, cfg.partial_share):
        assert math.isfinite(number)


# -- 1. bytes, text and mutations of the shipped file -------------------------------------------


@FAST
@given(data=st.binary(max_size=2000))
@example(data=b"")
@example(data=b"\xef\xbb\xbf")
@example(data=b"\xff\xfe[station]")
@example(data=b"[daemon]\nnice = " + b"9" * 5000 + b"\n")  # tomllib: a plain ValueError
@example(data=b"a = " + b"[" * 5000 + b"]" * 5000 + b"\n")  # tomllib: RecursionError
def test_load_never_raises_on_bytes(folder: Path, data: bytes) -> None:
    load(folder, data)


@FAST
@given(text=st.text(max_size=1000))
def test_load_never_raises_on_text(folder: Path, text: str) -> None:
    load(folder, file_bytes(text))


INSERTS = [
    b'"', b"[", b"]", b"=", b"\n", b"#", b"\xff", b"\x00", b"\xef\xbb\xbf", b"\n[station]\n", b"\n[studio]\n",
    b'\ntimezone = "Asia"\n', b"\nnice = 99\n", b'\nfolder = "~nosuchuser/x"\n', b"\ncontrol_port = 0\n",
    b"\nloudness_target_lufs = nan\n", b'\nmodule = "file"\n', b"9" * 4400, "Đ".encode(), "ồ".encode()[:2],
]  # fmt: skip


def test_the_shipped_file_loads(folder: Path) -> None:
    assert isinstance(load(folder, SHIPPED), config.Config)


@FAST
@given(data=mutations(SHIPPED, INSERTS))
def test_load_never_raises_on_mutations_of_the_shipped_file(folder: Path, data: bytes) -> None:
    load(folder, data)


# -- 2. well-formed TOML, values of every type in every key --------------------------------------

PLAUSIBLE = [
    "", " ", "vi", "en", "fr", "VI", "Asia/Ho_Chi_Minh", "UTC", "Europe/Berlin", "Mars/Olympus", "Asia", "Asia/",
    "../etc/passwd", "/etc/localtime", ".", "a" * 300, "pulse", "alsa", "null", "file", "finish", "interrupt",
    "sqlite:///playout.db", "sqlite:///:memory:", "sqlite://", "sqlite:///~/x.db", "sqlite:///~nosuchuser/x.db",
    "postgresql://host/db", "mysql://host/db", "playout.db", "audio/library", "/tmp", "~", "~/lib",
    "~nosuchuser/lib", "a\0b", "\0", "127.0.0.1", "::1", "-16", "1e400", "nan", "inf", "-0", "0x1f", "1_000",
    "٣", "9" * 5000, "Đài Truyền thanh huyện Tân Hồng", "\u202e", "a\nb", "\udcff",
]  # fmt: skip
UNKNOWN = ["colour", "Name", "station", "", " ", "a.b", "a\nb", "ключ", "x" * 200]
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
SCALARS = st.one_of(
    st.sampled_from(PLAUSIBLE), TEXT, st.booleans(), st.integers(-100, 70_000), st.integers(),
    st.integers(-(10**4000), 10**4000), st.floats(), st.dates(date(1, 1, 1), date(9999, 12, 31)),
    st.times().map(lambda t: t.replace(microsecond=0)),
)  # fmt: skip
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
                      max_leaves=5)  # fmt: skip


@st.composite
def toml_documents(draw: st.DrawFn) -> tuple[str, dict[str, dict[str, object]]]:
    """A TOML document and what it holds: {section: {key: value}}."""
    held: dict[str, dict[str, object]] = {}
    lines = []
    for section in draw(st.lists(st.sampled_from(SECTIONS) | st.sampled_from(UNKNOWN), max_size=5, unique=True)):
        keys = st.sampled_from(KEYS.get(section, ["x"])) | st.sampled_from(UNKNOWN)
        body = draw(st.dictionaries(keys, VALUES, max_size=5))
        held[section] = body
        if draw(st.integers(0, 9)) == 0:  # a section that is not a table
            lines.insert(0, f"{toml_key(section)} = {toml_value(body)}")
            continue
        lines.append(f"[{toml_key(section)}]")
        lines += [f"{toml_key(k)} = {toml_value(v)}" for k, v in body.items()]
    return "\n".join(lines) + "\n", held


def file_bytes(text: str) -> bytes:
    # A generated lone surrogate (from "\udcff") cannot be UTF-8: it makes a non-UTF-8 file.
    return text.encode("utf-8", "surrogatepass")


@FAST
@given(doc=toml_documents())
@example(doc=('[station]\ntimezone = "Asia"\n', {"station": {"timezone": "Asia"}}))
@example(doc=(f'[station]\ntimezone = "{"a" * 300}"\n', {"station": {"timezone": "a" * 300}}))
@example(doc=('[library]\nfolder = "~nosuchuser/x"\n', {"library": {"folder": "~nosuchuser/x"}}))
@example(doc=('[database]\nurl = "sqlite:///~nosuchuser/x.db"\n', {"database": {"url": "sqlite:///~nosuchuser/x.db"}}))
@example(doc=('[schedules]\nfolder = "a\\u0000b"\n', {"schedules": {"folder": "a\0b"}}))
@example(doc=('[station]\n"a\\nb" = 1\n', {"station": {"a\nb": 1}}))
def test_load_never_raises_on_generated_toml(folder: Path, doc: tuple[str, dict[str, dict[str, object]]]) -> None:
    text, held = doc
    result = load(folder, file_bytes(text))
    if not isinstance(result, ConfigError) or result.problems[0].msg_id == "config.syntax":
        return
    for problem in result.problems:  # every bad value was written in the file
        p = problem.params
        if problem.msg_id == "config.bad_value" and (p["section"], p["key"]) != ("output", "file"):
            assert p["key"] in held.get(p["section"], {}), problem


# -- 3. environment overrides ---------------------------------------------------------------------

ENV_VALUES = st.sampled_from(PLAUSIBLE) | st.text(max_size=30) | st.integers().map(str) | st.floats().map(str)


@FAST
@given(env=st.dictionaries(st.sampled_from(ENV_VARS) | st.sampled_from(["PLAYOUT_STATION_COLOUR", "PLAYOUT_"]),
                           ENV_VALUES, max_size=6))  # fmt: skip
@example(env={"PLAYOUT_DAEMON_NICE": "9" * 5000})
@example(env={"PLAYOUT_LIBRARY_FOLDER": "~nosuchuser/x", "PLAYOUT_STATION_TIMEZONE": "Asia"})
@example(env={"PLAYOUT_OUTPUT_FILE": "a\0.wav", "PLAYOUT_OUTPUT_MODULE": "file"})
@example(env={"PLAYOUT_OUTPUT_MODULE": "file"})
def test_environment_overrides_are_applied_or_named(folder: Path, env: dict[str, str]) -> None:
    result = load(folder, SHIPPED, env)
    if isinstance(result, config.Config):
        assert result.overrides == {k: v for k, v in env.items() if k in ENV_VARS}
        if "PLAYOUT_STATION_LANGUAGE" in env:
            assert result.station.language == env["PLAYOUT_STATION_LANGUAGE"]
        return
    for problem in result.problems:  # the shipped file is valid: every problem is a variable's
        if problem.msg_id == "config.bad_env":
            assert problem.params["var"] in env
        else:  # module = "file" from a variable wants [output] file, which the file leaves empty
            assert problem.params.get("key") == "file" and env.get("PLAYOUT_OUTPUT_MODULE") == "file", problem


# -- the messages themselves ----------------------------------------------------------------------

MESSAGES = [
    ('[station]\ntimezone = "Asia"\n', {},
     "[station] timezone = 'Asia': giá trị không hợp lệ, cần an IANA time zone name such as Asia/Ho_Chi_Minh."),
    ('[library]\nfolder = "~nosuchuser/x"\n', {},
     "[library] folder = '~nosuchuser/x': giá trị không hợp lệ, cần a path whose ~user is a user of this machine."),
    ('[output]\ndevice = "hw:0\\u0000"\n', {},
     "[output] device = 'hw:0\\x00': giá trị không hợp lệ, cần a value without the NUL character (\\u0000)."),
    ("[daemon]\ncontrol_port = 99999999999999999999\n", {},
     "[daemon] control_port = 99999999999999999999: giá trị không hợp lệ, cần a whole number from 1 to 65535."),
    ("[daemon]\nnice = " + "9" * 5000 + "\n", {}, "lỗi cú pháp TOML: a number with too many digits"),
    ("a = " + "[" * 3000 + "]" * 3000 + "\n", {}, "lỗi cú pháp TOML: arrays or tables nested too deeply"),
    ("", {"PLAYOUT_DAEMON_NICE": "9" * 500},
     "biến môi trường PLAYOUT_DAEMON_NICE = '" + "9" * 78 + "…: giá trị không hợp lệ, cần a whole number from -20 to 19."),
    ('[station]\n"' + "k" * 100 + '" = 1\n', {}, "[station] '" + "k" * 78 + "…: khóa không được hỗ trợ"),
    ('["a\\nb"]\nx = 1\n', {}, "['a\\nb']: mục không được hỗ trợ"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "env", "expected"), MESSAGES, ids=["tz-folder", "unknown-user", "nul", "huge-port",
                         "huge-int", "deep", "long-env", "long-key", "newline-section"])  # fmt: skip
def test_messages_name_the_key_and_the_value_in_one_line(folder: Path, text: str, env: dict, expected: str) -> None:
    result = load(folder, text.encode(), env)
    assert isinstance(result, ConfigError)
    rendered = result.render("vi")
    assert expected in rendered and len(result.problems) == 1
    assert str(folder / "playout.toml") in rendered.splitlines()[0]


def test_every_problem_is_listed_at_once(folder: Path) -> None:
    text = '[station]\ntimezone = "Asia"\nlanguage = 1\n[library]\nfolder = "~nosuchuser/x"\n[studio]\n'
    result = load(folder, text.encode(), {"PLAYOUT_DAEMON_CONTROL_PORT": "0"})
    assert isinstance(result, ConfigError)
    assert [p.msg_id for p in result.problems] == ["config.unknown_section"] + ["config.bad_value"] * 3 + ["config.bad_env"]
    assert "(5 problem(s))" in result.render("en") and "(5 lỗi)" in result.render("vi")


def test_time_values_and_dates_are_wrong_types_not_crashes(folder: Path) -> None:
    doc = f"[daemon]\ncatch_up_minutes = {time(0, 5).isoformat()}\n[reports]\npartial_share = {date(2026, 1, 1)}\n"
    result = load(folder, doc.encode())
    assert isinstance(result, ConfigError)
    assert "[daemon] catch_up_minutes = datetime.time(0, 5): invalid value" in result.render("en")
