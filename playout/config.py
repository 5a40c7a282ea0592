"""The one configuration file, `playout.toml`, parsed once into frozen, validated objects.

A bad value stops start-up with the key, the value and what was expected; every problem in
the file is reported at once, so a technician fixes the file in one go. `PLAYOUT_<SECTION>_<KEY>`
environment variables override single values (handy under systemd and in tests).
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from playout.errors import ConfigError, PlayoutError
from playout.i18n import DEFAULT_LANGUAGE, LANGUAGES, Said, toml_error

DEFAULT_CONFIG_NAME = "playout.toml"
ENV_CONFIG = "PLAYOUT_CONFIG"


@dataclass(frozen=True)
class StationConfig:
    name: str
    timezone: ZoneInfo
    language: str
    # The letterhead of a report in the administrative format (Nghị định 30/2020/NĐ-CP):
    # the body that issues it (default: the station's name), the body above it, if any, and
    # the place name written before the date ("Tân Hồng, ngày ... tháng ... năm ...").
    issuing_body: str = ""
    parent_body: str = ""
    place: str = ""


@dataclass(frozen=True)
class LibraryConfig:
    folder: Path
    loudness_target_lufs: float
    true_peak_max_dbtp: float
    max_duration_ms: int
    silence_threshold_db: float
    min_silence_ms: int


@dataclass(frozen=True)
class OutputConfig:
    module: str  # pulse, alsa, null, file
    device: str
    file: Path | None
    engine: str = "stream"  # stream (the output engine) or libvlc (the former player)
    buffer_ms: int = 50
    latency_offset_ms: int = 0
    monitor: str = ""  # "" off, "auto" the sink's monitor, "pulse:SOURCE" or "alsa:DEVICE"
    # An Icecast mount (module "icecast", device its icecast:// URL): how it is encoded.
    codec: str = "mp3"
    bitrate_kbps: int = 64
    channels: int = 1


@dataclass(frozen=True)
class ZoneConfig:
    """A group of loudspeakers fed by one output: the wired amplifier's sound card, or an
    Icecast mount that IP loudspeakers pull."""

    id: str
    name: str
    output: OutputConfig
    # The Icecast server's admin account, to ask it which speakers are connected (an Icecast
    # zone only); Icecast's own defaults unless set. The password is never shown.
    admin_user: str = "admin"
    admin_password: str = field(default="hackme", repr=False)


@dataclass(frozen=True)
class SpeakersConfig:
    """The registry of IP loudspeakers and how often each Icecast zone is asked who listens."""

    file: Path = Path("speakers.toml")
    poll_seconds: float = 5.0


@dataclass(frozen=True)
class DaemonConfig:
    catch_up_ms: int
    lead_ms: int
    horizon_hours: int
    control_socket: Path
    control_group: str | None
    on_stop: str  # finish or interrupt
    fallback_clip: str | None
    nice: int = -10
    readiness_ms: int = 10 * 60_000
    replan_minutes: int = 30  # how often the horizon is extended and the plan checked again
    line_in: str | None = None  # the capture device a `relay = "line-in"` item airs: pulse:SOURCE or alsa:DEVICE


@dataclass(frozen=True)
class WebConfig:
    enabled: bool
    host: str
    port: int
    secret_key_file: Path
    max_upload_bytes: int
    session_hours: float
    secure_cookies: bool
    allowed_hosts: tuple[str, ...] = ("127.0.0.1", "localhost")
    trusted_proxy: str | None = None


@dataclass(frozen=True)
class ProvinceConfig:
    """This station's place in a province: its id there and the central record's address.
    No central URL: the station stands alone (the default)."""

    station_id: str = ""
    central_url: str = ""
    forward_seconds: float = 30.0
    batch_rows: int = 2000
    link_timeout_seconds: float = 30.0  # a link that stops answering fails a transaction after this long


@dataclass(frozen=True)
class ReportConfig:
    """What the annual report says besides the figures: its title (trích yếu), the document
    symbol's abbreviation (Số: .../BC-<symbol>), who signs and as what, and who receives it."""

    title: str = ""
    symbol: str = ""
    signer: str = ""
    signer_title: str = ""
    recipients: tuple[str, ...] = ()


@dataclass(frozen=True)
class Config:
    path: Path
    station: StationConfig
    database_url: str
    library: LibraryConfig
    schedules_folder: Path
    output: OutputConfig
    daemon: DaemonConfig
    web: WebConfig
    partial_share: float = 0.9
    overrides: Mapping[str, str] = field(default_factory=dict)
    province: ProvinceConfig = field(default_factory=ProvinceConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    # [[zone]] tables; a file with only [output] has one zone, MAIN_ZONE, on that output.
    zones: tuple[ZoneConfig, ...] = ()
    speakers: SpeakersConfig = field(default_factory=SpeakersConfig)

    @property
    def base_dir(self) -> Path:
        return self.path.parent


class _Invalid(Exception):
    def __init__(self, expected: str) -> None:
        self.expected = expected


# Each parser takes the raw value and the config's folder, returns the typed value or raises
# _Invalid with a description of what was expected.
Parser = Callable[[Any, Path], Any]


def _text(value: Any, _base: Path) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Invalid("a non-empty text")
    return value.strip()


def _timezone(value: Any, _base: Path) -> ZoneInfo:
    if not isinstance(value, str) or not value:
        raise _Invalid("an IANA time zone name such as Asia/Ho_Chi_Minh")
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder ("Asia"), a name too long
        raise _Invalid("an IANA time zone name such as Asia/Ho_Chi_Minh") from None


def _language(value: Any, _base: Path) -> str:
    if value not in LANGUAGES:
        raise _Invalid("one of " + ", ".join(LANGUAGES))
    return value


def _number(lo: float, hi: float) -> Parser:
    def parse(value: Any, _base: Path) -> float:
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                raise _Invalid(f"a number from {lo:g} to {hi:g}") from None
        if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= value <= hi:
            raise _Invalid(f"a number from {lo:g} to {hi:g}")
        return float(value)

    return parse


def _integer(lo: int, hi: int) -> Parser:
    def parse(value: Any, _base: Path) -> int:
        if isinstance(value, str):
            try:
                value = int(value)
            except ValueError:
                raise _Invalid(f"a whole number from {lo} to {hi}") from None
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise _Invalid(f"a whole number from {lo} to {hi}")
        return value

    return parse


def _choice(*choices: str) -> Parser:
    def parse(value: Any, _base: Path) -> str:
        if value not in choices:
            raise _Invalid("one of " + ", ".join(choices))
        return value

    return parse


def _optional_text(value: Any, _base: Path) -> str:
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise _Invalid("a text (may be empty)")
    return str(value).strip()


def _line(value: Any, _base: Path) -> str:
    """One line of a document's header: may be empty, no line break, not a novel."""
    if not isinstance(value, str) or any(c in value for c in "\r\n\t") or len(value) > 200:
        raise _Invalid("a text of one line, at most 200 characters (may be empty)")
    return " ".join(value.split())


def _lines(value: Any, _base: Path) -> tuple[str, ...]:
    """A list of one-line texts; from the environment, one text with items separated by ';'."""
    expected = "a list of one-line texts such as [\"UBND xã\", \"Lưu: VT\"] (at most 30)"
    if isinstance(value, str):
        value = [part for part in value.split(";") if part.strip()]
    if not isinstance(value, list) or len(value) > 30:
        raise _Invalid(expected)
    try:
        items = tuple(_line(item, _base) for item in value)
    except _Invalid:
        raise _Invalid(expected) from None
    if not all(items):
        raise _Invalid(expected)
    return items


def _host(value: Any, _base: Path) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Invalid("an address such as 127.0.0.1")
    return value.strip()


def _host_names(value: Any, _base: Path) -> tuple[str, ...]:
    expected = 'a list of host names, such as ["playout.xa.example.vn"] (may be empty)'
    if isinstance(value, str):  # from the environment: names separated by commas
        value = [v for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _Invalid(expected)
    names = tuple(v.strip().lower() for v in value)
    if any(len(n) > 253 or any(c in n for c in "/@ \t") for n in names):
        raise _Invalid(expected)
    return names


def _address(value: Any, _base: Path) -> str | None:
    import ipaddress

    if not isinstance(value, str):
        raise _Invalid("an IP address such as 127.0.0.1 (may be empty)")
    if not value.strip():
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        raise _Invalid("an IP address such as 127.0.0.1 (may be empty)") from None


def _boolean(value: Any, _base: Path) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0", "yes", "no"):
        return value.strip().lower() in ("true", "1", "yes")
    raise _Invalid("true or false")


def _optional_file(value: Any, base: Path) -> Path | None:
    if not isinstance(value, str):
        raise _Invalid("a file path (may be empty)")
    return _local_path(value.strip(), base) if value.strip() else None


def _local_path(text: str, base: Path) -> Path:
    """`text` as a path: `~` expanded, a relative path taken from the configuration's folder."""
    try:
        path = Path(text).expanduser()
    except RuntimeError:  # ~name of a user this machine does not have
        raise _Invalid("a path whose ~user is a user of this machine") from None
    return path if path.is_absolute() else base / path


def _folder(value: Any, base: Path) -> Path:
    if not isinstance(value, str) or not value.strip():
        raise _Invalid("a folder path (relative paths are relative to the configuration file)")
    return _local_path(value, base)


def _file(value: Any, base: Path) -> Path:
    if not isinstance(value, str) or not value.strip():
        raise _Invalid("a file path (relative paths are relative to the configuration file)")
    return _local_path(value.strip(), base)


def _database_url(value: Any, base: Path) -> str:
    if not isinstance(value, str) or "://" not in value:
        raise _Invalid("a database URL such as sqlite:///playout.db")
    if value.startswith("sqlite:///") and value != "sqlite:///:memory:":
        path = _local_path(value.removeprefix("sqlite:///"), base)
        return f"sqlite:///{path}"
    if value.startswith(("sqlite://", "postgresql://", "postgresql+psycopg://")):
        return value
    raise _Invalid("a database URL such as sqlite:///playout.db or postgresql://host/db")


def _station_id(value: Any, _base: Path) -> str:
    text = value.strip() if isinstance(value, str) else None
    if text is None or len(text) > 64 or not all(c.isascii() and (c.isalnum() or c in "-_.") for c in text):
        raise _Invalid("a station id of at most 64 letters, digits, '-', '_' or '.' (may be empty)")
    return text.lower()


def _central_url(value: Any, _base: Path) -> str:
    if not isinstance(value, str):
        raise _Invalid("a PostgreSQL URL such as postgresql://tram-xa@tinh.example.vn/playout (may be empty)")
    text = value.strip()
    if text and not text.startswith(("postgresql://", "postgresql+psycopg://")):
        raise _Invalid("a PostgreSQL URL such as postgresql://tram-xa@tinh.example.vn/playout (may be empty)")
    return text


OUTPUT_MODULES = ("pulse", "alsa", "null", "file", "icecast")
MAIN_ZONE = "main"  # the zone of a file with only an [output] section


def _icecast_url(value: Any, _base: Path) -> str:
    from playout.output.devices import IcecastTarget

    try:
        return IcecastTarget.parse(value).url() if isinstance(value, str) else IcecastTarget.parse("").url()
    except ValueError:
        raise _Invalid("an Icecast mount such as icecast://source:PASSWORD@127.0.0.1:8000/ap-3") from None


def _zone_id(value: Any, _base: Path) -> str:
    import re

    if not isinstance(value, str) or not re.match(r"^[a-z0-9][a-z0-9_-]{0,63}$", value):
        raise _Invalid('an id of lower-case letters, digits, "-" and "_", such as "ap-3"')
    return value


# A [[zone]]: its id and name, and its output as [output] has it (or `icecast` = a mount).
ZONE_SCHEMA: dict[str, tuple[Parser, Any]] = {
    "id": (_zone_id, None),
    "name": (_text, None),
    "module": (_choice(*OUTPUT_MODULES), None),
    "device": (_optional_text, ""),
    "file": (_optional_text, ""),
    "icecast": (_icecast_url, None),
    "buffer_ms": (_integer(20, 2000), 50),
    "latency_offset_ms": (_integer(-5000, 5000), 0),
    "monitor": (_optional_text, ""),
    "codec": (_choice("mp3", "opus"), "mp3"),
    "bitrate_kbps": (_integer(16, 320), 64),
    "channels": (_integer(1, 2), 1),
    "admin_user": (_text, "admin"),
    "admin_password": (_text, "hackme"),
}


def _zones(raw: Any, base: Path, problems: list[PlayoutError]) -> tuple[ZoneConfig, ...]:
    """The [[zone]] tables, every problem in them reported."""
    if not isinstance(raw, list) or not all(isinstance(z, Mapping) for z in raw):
        problems.append(PlayoutError("config.bad_value", section="zone", key="", value=_shown(raw),
                                     expected="[[zone]] tables"))  # fmt: skip
        return ()
    zones: list[ZoneConfig] = []
    seen: set[str] = set()
    for n, body in enumerate(raw, 1):
        section = f"zone {body.get('id', n)}" if isinstance(body.get("id"), str) else f"zone {n}"
        before = len(problems)
        for key in body:
            if key not in ZONE_SCHEMA:
                problems.append(PlayoutError("config.unknown_key", section=section, key=_name(key),
                                             known=", ".join(ZONE_SCHEMA)))  # fmt: skip
        v: dict[str, Any] = {}
        for key, (parser, default) in ZONE_SCHEMA.items():
            if key not in body:
                v[key] = default
                continue
            try:
                if isinstance(body[key], str) and "\0" in body[key]:
                    raise _Invalid("a value without the NUL character (\\u0000)")
                v[key] = parser(body[key], base)
            except _Invalid as exc:
                problems.append(PlayoutError("config.bad_value", section=section, key=key,
                                             value="'…'" if key in ("icecast", "admin_password")
                                             else _shown(body[key]),
                                             expected=exc.expected))  # fmt: skip
        if "id" not in body:
            problems.append(PlayoutError("config.bad_value", section=section, key="id", value="''",
                                         expected='an id such as "ap-3"'))  # fmt: skip
        elif v.get("id") in seen:
            problems.append(PlayoutError("config.bad_value", section=section, key="id", value=_shown(v["id"]),
                                         expected="an id no other zone has"))  # fmt: skip
        if v.get("icecast") is not None:
            if v.get("module") not in (None, "icecast"):
                problems.append(PlayoutError("config.bad_value", section=section, key="module",
                                             value=_shown(v["module"]),
                                             expected='"icecast" or nothing, for a zone with an icecast URL'))  # fmt: skip
            v["module"], v["device"] = "icecast", v["icecast"]
        if v.get("module") is None and len(problems) == before:
            problems.append(PlayoutError("config.bad_value", section=section, key="module", value="''",
                                         expected="an output: module = " + ", ".join(OUTPUT_MODULES)
                                         + ', or icecast = "icecast://…"'))  # fmt: skip
        elif v.get("module") == "file" and not v.get("file"):
            problems.append(PlayoutError("config.bad_value", section=section, key="file", value="''",
                                         expected='a WAV file path when module = "file"'))  # fmt: skip
        elif v.get("module") == "icecast" and len(problems) == before:
            try:
                v["device"] = _icecast_url(v["device"], base)
            except _Invalid as exc:
                problems.append(PlayoutError("config.bad_value", section=section, key="device", value="'…'",
                                             expected=exc.expected))  # fmt: skip
        if len(problems) > before:
            continue
        seen.add(v["id"])
        output = OutputConfig(module=v["module"], device=v["device"], file=(base / v["file"]) if v["file"] else None,
                              buffer_ms=v["buffer_ms"], latency_offset_ms=v["latency_offset_ms"],
                              monitor=v["monitor"], codec=v["codec"], bitrate_kbps=v["bitrate_kbps"],
                              channels=v["channels"])  # fmt: skip
        zones.append(ZoneConfig(v["id"], v["name"] or v["id"], output, v["admin_user"], v["admin_password"]))
    return tuple(zones)


# (section, key) -> (parser, default). Defaults are raw values, parsed like the file's.
SCHEMA: dict[tuple[str, str], tuple[Parser, Any]] = {
    ("station", "name"): (_text, "Đài Truyền thanh huyện"),
    ("station", "timezone"): (_timezone, "Asia/Ho_Chi_Minh"),
    ("station", "language"): (_language, DEFAULT_LANGUAGE),
    ("station", "issuing_body"): (_line, ""),
    ("station", "parent_body"): (_line, ""),
    ("station", "place"): (_line, ""),
    ("database", "url"): (_database_url, "sqlite:///playout.db"),
    ("library", "folder"): (_folder, "audio/library"),
    ("library", "loudness_target_lufs"): (_number(-40, -5), -16.0),
    ("library", "true_peak_max_dbtp"): (_number(-9, 0), -1.0),
    ("library", "max_duration_minutes"): (_number(0.1, 24 * 60), 120),
    ("library", "silence_threshold_db"): (_number(-90, -20), -50.0),
    ("library", "min_silence_ms"): (_integer(10, 10_000), 200),
    ("schedules", "folder"): (_folder, "schedules"),
    ("output", "module"): (_choice(*OUTPUT_MODULES), "null"),
    ("output", "device"): (_optional_text, ""),
    ("output", "file"): (_optional_text, ""),
    ("output", "engine"): (_choice("stream", "libvlc"), "stream"),
    ("output", "buffer_ms"): (_integer(20, 2000), 50),
    ("output", "latency_offset_ms"): (_integer(-5000, 5000), 0),
    ("output", "monitor"): (_optional_text, ""),
    ("output", "admin_user"): (_text, "admin"),
    ("output", "admin_password"): (_text, "hackme"),
    ("daemon", "catch_up_minutes"): (_number(0, 120), 5),
    ("daemon", "lead_seconds"): (_number(1, 120), 10),
    ("daemon", "horizon_hours"): (_integer(1, 24 * 14), 48),
    ("daemon", "replan_minutes"): (_integer(1, 24 * 60), 30),
    ("daemon", "control_socket"): (_optional_file, ""),
    ("daemon", "control_group"): (_optional_text, "playout"),
    # No longer used (the control interface is a Unix socket); accepted so that older files load.
    ("daemon", "control_host"): (_host, "127.0.0.1"),
    ("daemon", "control_port"): (_integer(1, 65535), 8470),
    ("daemon", "on_stop"): (_choice("finish", "interrupt"), "finish"),
    ("daemon", "fallback_clip"): (_optional_text, ""),
    ("daemon", "nice"): (_integer(-20, 19), -10),
    ("daemon", "readiness_minutes"): (_number(0, 24 * 60), 10),
    ("daemon", "line_in"): (_optional_text, ""),
    ("reports", "partial_share"): (_number(0, 1), 0.9),
    ("reports", "title"): (_line, ""),
    ("reports", "symbol"): (_line, ""),
    ("reports", "signer"): (_line, ""),
    ("reports", "signer_title"): (_line, ""),
    ("reports", "recipients"): (_lines, []),
    ("web", "enabled"): (_boolean, True),
    ("web", "host"): (_host, "127.0.0.1"),
    ("web", "port"): (_integer(1, 65535), 8471),
    ("web", "secret_key_file"): (_optional_file, ""),
    ("web", "max_upload_mb"): (_number(1, 4096), 200),
    ("web", "session_hours"): (_number(0.1, 24 * 30), 12),
    ("web", "secure_cookies"): (_boolean, False),
    ("web", "allowed_hosts"): (_host_names, []),
    ("web", "trusted_proxy"): (_address, ""),
    ("province", "station_id"): (_station_id, ""),
    ("province", "central_url"): (_central_url, ""),
    ("province", "forward_seconds"): (_number(1, 3600), 30),
    ("province", "batch_rows"): (_integer(1, 100_000), 2000),
    ("province", "link_timeout_seconds"): (_number(2, 600), 30),
    ("speakers", "file"): (_file, "speakers.toml"),
    ("speakers", "poll_seconds"): (_number(1, 300), 5),
}


def _shown(value: Any, limit: int = 80) -> str:
    """A value as the message quotes it: its repr, cut short so a long one stays one line."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _name(name: str) -> str:
    """An unknown section or key as written, unless it would break the line or run on."""
    return name if name.isprintable() and len(name) <= 80 else _shown(name)


def _beside_database(database_url: str, base: Path, name: str) -> Path:
    """A file next to the SQLite database (or next to the configuration for another database)."""
    if database_url.startswith("sqlite:///") and database_url != "sqlite:///:memory:":
        return Path(database_url.removeprefix("sqlite:///")).parent / name
    return base / name


def env_var(section: str, key: str) -> str:
    return f"PLAYOUT_{section}_{key}".upper()


def resolve_path(explicit: Path | str | None, env: Mapping[str, str] | None = None) -> Path:
    """Which configuration file to use: --config, then $PLAYOUT_CONFIG, then ./playout.toml."""
    env = os.environ if env is None else env
    if explicit:
        return Path(explicit)
    if env.get(ENV_CONFIG):
        return Path(env[ENV_CONFIG])
    return Path(DEFAULT_CONFIG_NAME)


def load(path: Path | str, env: Mapping[str, str] | None = None) -> Config:
    """Read and validate the configuration file at `path`, applying PLAYOUT_* overrides."""
    env = os.environ if env is None else env
    path = Path(path)
    try:
        raw_bytes = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(str(path), [PlayoutError("config.missing", path=path.absolute())]) from None
    except OSError as exc:
        raise ConfigError(
            str(path), [PlayoutError("config.unreadable", path=path, detail=exc.strerror)]
        ) from None
    try:
        raw = tomllib.loads(raw_bytes.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        detail = f"not UTF-8 text (byte {exc.start})"
    except tomllib.TOMLDecodeError as exc:
        reason, line, column = toml_error(str(exc))
        detail = Said("toml.where", reason=reason, line=line, column=column) if line is not None else str(exc)
    except ValueError:  # tomllib lets int() fail on an integer of thousands of digits
        detail = "a number with too many digits"
    except RecursionError:
        detail = "arrays or tables nested too deeply"
    else:
        return parse(raw, path.resolve(), env)
    raise ConfigError(str(path), [PlayoutError("config.syntax", path=path, detail=detail)])


def parse(raw: Mapping[str, Any], path: Path, env: Mapping[str, str]) -> Config:
    """Validate an already-decoded TOML document (pure: no file or environment access)."""
    base = path.parent
    problems: list[PlayoutError] = []
    sections = sorted({s for s, _ in SCHEMA} | {"zone"})
    zones = _zones(raw["zone"], base, problems) if "zone" in raw else ()
    for section, body in raw.items():
        if section == "zone":
            continue
        if section not in sections or not isinstance(body, Mapping):
            problems.append(
                PlayoutError("config.unknown_section", section=_name(section), known=", ".join(sections))
            )
            continue
        known = sorted(k for s, k in SCHEMA if s == section)
        for key in body:
            if key not in known:
                problems.append(
                    PlayoutError("config.unknown_key", section=section, key=_name(key), known=", ".join(known))
                )

    values: dict[tuple[str, str], Any] = {}
    overrides: dict[str, str] = {}
    for (section, key), (parser, default) in SCHEMA.items():
        var = env_var(section, key)
        body = raw.get(section)
        if var in env:
            value, source = env[var], "env"
            overrides[var] = env[var]
        elif isinstance(body, Mapping) and key in body:
            value, source = body[key], "file"
        else:
            value, source = default, "default"
        try:
            if isinstance(value, str) and "\0" in value:  # no path, name or address can hold one
                raise _Invalid("a value without the NUL character (\\u0000)")
            values[section, key] = parser(value, base)
        except _Invalid as exc:
            if source == "env":
                problems.append(PlayoutError("config.bad_env", var=var, value=_shown(value), expected=exc.expected))
            else:
                problems.append(
                    PlayoutError(
                        "config.bad_value", section=section, key=key, value=_shown(value), expected=exc.expected
                    )
                )
    if values.get(("output", "module")) == "file" and not values.get(("output", "file")):
        problems.append(PlayoutError("config.bad_value", section="output", key="file", value="''",
                                     expected="a WAV file path when module = \"file\""))
    if values.get(("province", "central_url")) and not values.get(("province", "station_id")):
        problems.append(PlayoutError("config.bad_value", section="province", key="station_id", value="''",
                                     expected="this station's id in the province when central_url is set"))
    if values.get(("output", "module")) == "icecast":
        try:
            values["output", "device"] = _icecast_url(values["output", "device"], base)
        except _Invalid as exc:
            problems.append(PlayoutError("config.bad_value", section="output", key="device", value="'…'",
                                         expected=exc.expected))  # fmt: skip
    if problems:
        raise ConfigError(str(path), problems)

    config = Config(
        path=path,
        station=StationConfig(
            name=values["station", "name"],
            timezone=values["station", "timezone"],
            language=values["station", "language"],
            issuing_body=values["station", "issuing_body"] or values["station", "name"],
            parent_body=values["station", "parent_body"],
            place=values["station", "place"],
        ),
        database_url=values["database", "url"],
        library=LibraryConfig(
            folder=values["library", "folder"],
            loudness_target_lufs=values["library", "loudness_target_lufs"],
            true_peak_max_dbtp=values["library", "true_peak_max_dbtp"],
            max_duration_ms=round(values["library", "max_duration_minutes"] * 60_000),
            silence_threshold_db=values["library", "silence_threshold_db"],
            min_silence_ms=values["library", "min_silence_ms"],
        ),
        schedules_folder=values["schedules", "folder"],
        output=OutputConfig(
            module=values["output", "module"],
            device=values["output", "device"],
            file=(base / values["output", "file"]) if values["output", "file"] else None,
            engine=values["output", "engine"],
            buffer_ms=values["output", "buffer_ms"],
            latency_offset_ms=values["output", "latency_offset_ms"],
            monitor=values["output", "monitor"],
        ),
        daemon=DaemonConfig(
            catch_up_ms=round(values["daemon", "catch_up_minutes"] * 60_000),
            lead_ms=round(values["daemon", "lead_seconds"] * 1000),
            horizon_hours=values["daemon", "horizon_hours"],
            replan_minutes=values["daemon", "replan_minutes"],
            control_socket=values["daemon", "control_socket"]
            or _beside_database(values["database", "url"], base, "playout.sock"),
            control_group=values["daemon", "control_group"] or None,
            on_stop=values["daemon", "on_stop"],
            fallback_clip=values["daemon", "fallback_clip"] or None,
            nice=values["daemon", "nice"],
            readiness_ms=round(values["daemon", "readiness_minutes"] * 60_000),
            line_in=values["daemon", "line_in"] or None,
        ),
        web=WebConfig(
            enabled=values["web", "enabled"],
            host=values["web", "host"],
            port=values["web", "port"],
            secret_key_file=values["web", "secret_key_file"]
            or _beside_database(values["database", "url"], base, "playout-web.key"),
            max_upload_bytes=round(values["web", "max_upload_mb"] * 1024 * 1024),
            session_hours=values["web", "session_hours"],
            secure_cookies=values["web", "secure_cookies"],
            # The names the page answers to: its own address, the studio PC's loopback
            # names, and those configured (the proxy's public name).
            allowed_hosts=tuple(dict.fromkeys(
                [values["web", "host"].lower(), "127.0.0.1", "localhost", "::1", *values["web", "allowed_hosts"]])),
            trusted_proxy=values["web", "trusted_proxy"],
        ),
        partial_share=values["reports", "partial_share"],
        overrides=overrides,
        province=ProvinceConfig(
            station_id=values["province", "station_id"],
            central_url=values["province", "central_url"],
            forward_seconds=values["province", "forward_seconds"],
            batch_rows=values["province", "batch_rows"],
            link_timeout_seconds=values["province", "link_timeout_seconds"],
        ),
        report=ReportConfig(
            title=values["reports", "title"],
            symbol=values["reports", "symbol"],
            signer=values["reports", "signer"],
            signer_title=values["reports", "signer_title"],
            recipients=values["reports", "recipients"],
        ),
        speakers=SpeakersConfig(file=values["speakers", "file"], poll_seconds=values["speakers", "poll_seconds"]),
    )

    if not zones:  # the one output of a file without zones is the one zone
        zones = (ZoneConfig(MAIN_ZONE, config.station.name, config.output, values["output", "admin_user"],
                            values["output", "admin_password"]),)  # fmt: skip
    return dataclasses.replace(config, zones=zones)
