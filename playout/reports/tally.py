"""`playout tally`: what actually aired in a period, per programme and kind, from the log.

Counts `aired`, and `partial` when at least `partial_share` of the clip played. Distinct
clips are what the annual report calls "52 chuyên mục" (episodes) or "10 khẩu hiệu"
(slogans); airings are each time one went out. Manual airings count and are shown apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import String, and_, case, cast, func, or_, select

from playout.config import MAIN_ZONE
from playout.db import Database
from playout.db.models import Airing
from playout.i18n import label
from playout.model import Kind, Outcome
from playout.reports.period import Period

KIND_ORDER = [Kind.SEGMENT.value, Kind.SLOGAN.value, Kind.ANNOUNCEMENT.value, Kind.CHIME.value, Kind.OTHER.value]
NOT_AIRED = [Outcome.MISSED.value, Outcome.FAILED.value, Outcome.INTERRUPTED.value, Outcome.SKIPPED.value]


@dataclass
class Line:
    kind: str
    programme: str | None
    clips: int = 0
    airings: int = 0
    airtime_ms: int = 0
    manual: int = 0
    monthly: dict[tuple[int, int], int] = field(default_factory=dict)
    not_aired: dict[str, int] = field(default_factory=dict)
    by_zone: dict[str, int] = field(default_factory=dict)  # airings in each zone (one each, per zone)

    def name(self, lang: str) -> str:
        kind = label(f"kind.{self.kind}", lang)
        return f"{self.programme} ({kind})" if self.programme else kind.capitalize()


@dataclass
class Tally:
    period: Period
    station: str
    partial_share: float
    lines: list[Line]
    months: list[tuple[int, int]]
    unassigned_not_aired: dict[str, int] = field(default_factory=dict)  # skipped rows with no clip
    zones: list[str] = field(default_factory=list)  # the zones that aired in the period, the station's order first
    zone: str | None = None  # only this zone's airings were counted
    zone_names: dict[str, str] = field(default_factory=dict)

    def total(self, attr: str) -> int:
        return sum(getattr(line, attr) for line in self.lines)

    @property
    def breakdown(self) -> bool:
        """Whether the per-zone table says anything: a station with one zone (or a tally of
        one zone) has none."""
        return len(self.zones) > 1

    def zone_label(self, zone: str) -> str:
        name = self.zone_names.get(zone)
        return f"{name} ({zone})" if name and name != zone else zone


def zone_is(zone: str) -> Any:
    """The log's rows of one zone. Rows written before zones existed have none: they went out
    on the station's one output, the zone a file with only [output] calls `main`."""
    if zone == MAIN_ZONE:
        return or_(Airing.zone == zone, Airing.zone.is_(None))
    return Airing.zone == zone


def compute(db: Database, period: Period, station: str, partial_share: float = 0.9,
            programme: str | None = None, zone: str | None = None,
            zones: dict[str, str] | None = None) -> Tally:  # fmt: skip
    """The tally of a period. `zone`: only what aired in that zone; `zones`: the station's
    zones (id -> name) in the configuration's order, for the per-zone table."""
    counted = or_(
        Airing.outcome == Outcome.AIRED.value,
        and_(Airing.outcome == Outcome.PARTIAL.value, Airing.played_ms >= partial_share * Airing.duration_ms),
    )
    # An item aired to several zones is one airing of it: counted once per occurrence and position.
    airings = func.count(func.distinct(Airing.occurrence + "/" + cast(Airing.position, String)))
    in_period = and_(Airing.scheduled_at >= period.utc_start, Airing.scheduled_at < period.utc_end)
    scope = [in_period] + ([Airing.programme == programme] if programme else []) + ([zone_is(zone)] if zone else [])
    lines: dict[tuple[str, str | None], Line] = {}

    def line(kind: str | None, prog: str | None) -> Line:
        key = (kind or Kind.OTHER.value, prog)
        if key not in lines:
            lines[key] = Line(*key)
        return lines[key]

    with db.engine.connect() as conn, conn.begin():  # one consistent snapshot
        for kind, prog, clips, n, ms, manual in conn.execute(
            select(Airing.kind, Airing.programme, func.count(func.distinct(Airing.clip_id)), airings,
                   func.coalesce(func.sum(Airing.played_ms), 0), func.sum(case((Airing.manual, 1), else_=0)))
            .where(*scope, counted, Airing.clip_id.is_not(None))
            .group_by(Airing.kind, Airing.programme)
        ):  # fmt: skip
            ln = line(kind, prog)
            ln.clips, ln.airings = clips, n
        # Airtime and manual airings once per item too: an item aired to three zones at once
        # took its length of air time once (its longest run among them), by hand once.
        item = (select(Airing.kind, Airing.programme, func.max(Airing.played_ms).label("ms"),
                       func.max(case((Airing.manual, 1), else_=0)).label("manual"))
                .where(*scope, counted, Airing.clip_id.is_not(None))
                .group_by(Airing.kind, Airing.programme, Airing.occurrence, Airing.position)).subquery()  # fmt: skip
        for kind, prog, ms, manual in conn.execute(
            select(item.c.kind, item.c.programme, func.coalesce(func.sum(item.c.ms), 0), func.sum(item.c.manual))
            .group_by(item.c.kind, item.c.programme)
        ):  # fmt: skip
            ln = line(kind, prog)
            ln.airtime_ms, ln.manual = int(ms), int(manual or 0)
        months = [(year, month) for year, month, _, _ in period.months()]
        offset = period.constant_offset_minutes()
        if db.engine.dialect.name == "sqlite" and offset is not None:
            # One pass: SQLite buckets by local month itself (the offset is fixed in the period).
            month = func.strftime("%Y-%m", Airing.scheduled_at, f"{offset:+d} minutes")
            for kind, prog, ym, n in conn.execute(
                select(Airing.kind, Airing.programme, month, airings)
                .where(*scope, counted, Airing.clip_id.is_not(None))
                .group_by(Airing.kind, Airing.programme, month)
            ):  # fmt: skip
                y, m = map(int, ym.split("-"))
                line(kind, prog).monthly[(y, m)] = n
        else:
            for year, mon, start, end in period.months():
                for kind, prog, n in conn.execute(
                    select(Airing.kind, Airing.programme, airings)
                    .where(*scope, counted, Airing.clip_id.is_not(None), Airing.scheduled_at >= start,
                           Airing.scheduled_at < end)
                    .group_by(Airing.kind, Airing.programme)
                ):  # fmt: skip
                    line(kind, prog).monthly[(year, mon)] = n
        # Per zone: each zone's row of an item is that zone's airing of it.
        seen: set[str] = set()
        for kind, prog, where, n in conn.execute(
            select(Airing.kind, Airing.programme, func.coalesce(Airing.zone, MAIN_ZONE), airings)
            .where(*scope, counted, Airing.clip_id.is_not(None))
            .group_by(Airing.kind, Airing.programme, func.coalesce(Airing.zone, MAIN_ZONE))
        ):  # fmt: skip
            line(kind, prog).by_zone[where] = n
            seen.add(where)
        short = and_(Airing.outcome == Outcome.PARTIAL.value, Airing.played_ms < partial_share * Airing.duration_ms)
        unassigned: dict[str, int] = {}
        # What did not air, once per item and way it failed: an item interrupted in two zones
        # is one item interrupted; one that aired in two zones and failed in a third is one
        # airing and one failure on record.
        missed = (select(Airing.kind, Airing.programme, Airing.outcome, short.label("short"))
                  .where(*scope, or_(Airing.outcome.in_(NOT_AIRED), short))
                  .group_by(Airing.kind, Airing.programme, Airing.outcome, short, Airing.occurrence,
                            Airing.position)).subquery()  # fmt: skip
        for kind, prog, outcome, is_short, n in conn.execute(
            select(missed.c.kind, missed.c.programme, missed.c.outcome, missed.c.short, func.count())
            .group_by(missed.c.kind, missed.c.programme, missed.c.outcome, missed.c.short)
        ):  # fmt: skip
            name = "partial" if is_short else outcome
            if kind is None:
                unassigned[name] = unassigned.get(name, 0) + n
            else:
                ln = line(kind, prog)
                ln.not_aired[name] = ln.not_aired.get(name, 0) + n
    ordered = sorted(lines.values(), key=lambda ln: (KIND_ORDER.index(ln.kind) if ln.kind in KIND_ORDER else 99,
                                                     ln.programme is None, ln.programme or ""))  # fmt: skip
    order = list(zones or {})
    shown = [z for z in order if z in seen] + sorted(seen - set(order))
    return Tally(period, station, partial_share, ordered, months, unassigned, shown, zone, dict(zones or {}))


def number(n: int, lang: str) -> str:
    text = f"{n:,}"
    return text.replace(",", ".") if lang == "vi" else text


def airtime(ms: int) -> str:
    total = (ms + 500) // 1000
    return f"{total // 3600}:{total % 3600 // 60:02d}:{total % 60:02d}"


def summary(t: Tally, lang: str) -> list[str]:
    """One sentence per programme and kind, in the style of the station's annual report."""
    out = []
    for ln in t.lines:
        if not ln.airings:
            continue
        n, k = number(ln.clips, lang), number(ln.airings, lang)
        prog = f" {ln.programme}" if ln.programme else ""
        if lang == "vi":
            if ln.kind == Kind.SEGMENT.value:
                s = f"Thực hiện {n} chuyên mục{prog} phát sóng trên {t.station} ({k} lượt phát)."
            elif ln.kind == Kind.SLOGAN.value:
                s = f"Tuyên truyền {n} khẩu hiệu{prog} trên hệ thống truyền thanh ({k} lượt phát)."
            else:
                s = f"Phát {n} {label(f'kind.{ln.kind}', 'vi')}{prog} ({k} lượt phát)."
        else:
            noun = label(f"kind.{ln.kind}", "en") + ("s" if ln.clips != 1 else "")
            where = f" on {t.station}" if ln.kind == Kind.SEGMENT.value else ""
            s = f"Aired {n}{prog} {noun}{where} ({k} airings)."
        if ln.manual:
            s = s[:-2] + (f", trong đó {number(ln.manual, lang)} lượt phát tay)." if lang == "vi"
                          else f", {number(ln.manual, lang)} of them manual).")  # fmt: skip
        out.append(s)
    return out


def headers(lang: str) -> list[str]:
    return [label(k, lang) for k in ("tally.what", "tally.clips", "tally.airings", "tally.airtime", "tally.manual",
                                     "tally.not_aired")]  # fmt: skip


def not_aired_text(counts: dict[str, int], lang: str) -> str:
    return ", ".join(f"{label(f'outcome.{k}', lang)} {number(v, lang)}" for k, v in sorted(counts.items()))


def table(t: Tally, lang: str) -> list[list[str]]:
    return [[ln.name(lang), number(ln.clips, lang), number(ln.airings, lang), airtime(ln.airtime_ms),
             number(ln.manual, lang), not_aired_text(ln.not_aired, lang)] for ln in t.lines]  # fmt: skip


def zone_headers(t: Tally, lang: str) -> list[str]:
    return [label("tally.what", lang), *(t.zone_label(z) for z in t.zones)]


def zone_table(t: Tally, lang: str) -> list[list[str]]:
    """Programme x zone: how many times each zone aired each line (an item aired to three
    zones is one airing in the main table and one in each of the three zones here)."""
    return [[ln.name(lang), *(number(ln.by_zone.get(z, 0), lang) for z in t.zones)] for ln in t.lines if ln.airings]


def period_line(t: Tally, lang: str) -> str:
    text = f"{label('tally.period', lang)}: {t.period.label()}"
    if t.zone:
        text += f"; {label('tally.zone', lang)}: {t.zone_label(t.zone)}"
    return text


def month_label(year: int, month: int) -> str:
    return f"{month:02d}/{year}"


def markdown(t: Tally, lang: str) -> str:
    lines = [f"# {label('tally.heading', lang)} — {t.station}", "", period_line(t, lang), ""]
    lines += summary(t, lang) or [label("tally.nothing", lang)]
    lines += ["", "| " + " | ".join(headers(lang)) + " |", "|" + "---|" * len(headers(lang))]
    lines += ["| " + " | ".join(row) + " |" for row in table(t, lang)]
    lines += ["", f"## {label('tally.by_month', lang)}", ""]
    months = [month_label(y, m) for y, m in t.months]
    lines += ["| " + " | ".join([label("tally.what", lang), *months]) + " |", "|" + "---|" * (len(months) + 1)]
    for ln in t.lines:
        lines.append("| " + " | ".join([ln.name(lang), *(number(ln.monthly.get(m, 0), lang) for m in t.months)]) + " |")
    if t.breakdown:
        zone_head = zone_headers(t, lang)
        lines += ["", f"## {label('tally.by_zone', lang)}", "", "| " + " | ".join(zone_head) + " |",
                  "|" + "---|" * len(zone_head)]  # fmt: skip
        lines += ["| " + " | ".join(row) + " |" for row in zone_table(t, lang)]
    if t.unassigned_not_aired:
        lines += ["", f"{label('tally.unassigned', lang)}: {not_aired_text(t.unassigned_not_aired, lang)}"]
    share = round(t.partial_share * 100)
    lines += ["", label("tally.rule", lang).format(share=share)]
    return "\n".join(lines) + "\n"


def csv_rows(t: Tally, lang: str) -> list[list[str]]:
    from playout.reports.export import neutral

    months = [month_label(y, m) for y, m in t.months]
    # The per-zone counts, where there is more than one zone, as columns after the months.
    zones = [neutral(f"{label('tally.zone', lang)} {t.zone_label(z)}") for z in t.zones] if t.breakdown else []
    rows = [[*headers(lang), *months, *zones]]
    for ln, row in zip(t.lines, table(t, lang), strict=True):
        # The programme's name can be anything a person typed: never a formula in Excel.
        rows.append([neutral(row[0]), *row[1:], *(str(ln.monthly.get(m, 0)) for m in t.months),
                     *(str(ln.by_zone.get(z, 0)) for z in (t.zones if t.breakdown else []))])  # fmt: skip
    return rows


# The chart's colours, the same in the XLSX, the PDF and on the web page.
CHART_COLOURS = ("#1F4E79", "#C0504D", "#9BBB59", "#8064A2", "#F79646", "#4BACC6")


def chart_axis(peak: int) -> tuple[int, int]:
    """The top of a count axis (1, 2 or 5 times a power of ten, at least `peak`) and a
    whole-number step between gridlines: a count of airings has no halves."""
    top = 1
    while not any(f * top >= peak for f in (1, 2, 5)):
        top *= 10
    top = next(f * top for f in (1, 2, 5) if f * top >= peak)
    parts = next(n for n in (5, 4, 2, 1) if top % n == 0)
    return top, top // parts


def chart_series(t: Tally, lang: str) -> list[tuple[str, list[int]]]:
    """Monthly airings of every line of the tally that aired (segments by programme; slogans,
    announcements and the chime as one series each): the chart shows what the tables show."""
    return [(ln.name(lang), [ln.monthly.get(m, 0) for m in t.months]) for ln in t.lines if ln.airings]
