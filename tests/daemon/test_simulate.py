"""`playout simulate`: a year of the shipped example with the daemon's own code, checked
against the schedule's arithmetic."""

from __future__ import annotations

import sqlite3
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from tests.conftest import Station


def weekdays_in(year: int, weekday: int) -> int:
    d, n = date(year, 1, 1), 0
    while d.year == year:
        n += d.weekday() == weekday
        d += timedelta(days=1)
    return n


def test_a_year_of_the_example(example_station: Station, tmp_path: Path) -> None:
    db = tmp_path / "nam-2027.db"
    r = example_station.cli("simulate", "--from", "2027-01-01", "--to", "2027-12-31", "--db", str(db))
    assert r.exit_code == 0, r.output
    assert "Đã mô phỏng 365 ngày (730 lần phát" in r.stdout
    con = sqlite3.connect(db)
    rows = con.execute("select occurrence, kind, programme, title, outcome, reason from airings").fetchall()
    assert len({r[0] for r in rows}) == 730  # two sessions a day
    aired = [r for r in rows if r[4] == "aired"]
    assert sum(1 for r in aired if r[1] == "chime") == 730
    slogans = Counter(r[3] for r in aired if r[1] == "slogan")
    assert sum(slogans.values()) == 730 * 2 and len(slogans) == 3
    assert max(slogans.values()) - min(slogans.values()) <= 1  # fair rotation
    cchc = [r for r in aired if r[2] == "CCHC"]
    mondays, thursdays = weekdays_in(2027, 0), weekdays_in(2027, 3)
    premieres = [r for r in cchc if r[0].startswith("phien-sang")]
    rebroadcasts = [r for r in cchc if r[0].startswith("phien-chieu")]
    # No new CCHC episode is loaded during 2027: the first Monday premieres the latest one,
    # the other Mondays skip (if_no_new = "skip") and say why; Thursdays rebroadcast it.
    assert len(premieres) == 1 and len(rebroadcasts) == thursdays
    skipped = [r for r in rows if r[4] == "skipped" and r[0].startswith("phien-sang") and "no new episode" in r[5]]
    assert len(skipped) == mondays - 1
    dhcnd = [r for r in aired if r[2] == "Đồng hành cùng Nhân dân"]
    assert len(dhcnd) == 12 and all(r[0].startswith("phien-chieu") for r in dhcnd)
    assert not [r for r in rows if r[4] in ("pending", "in_progress", "failed", "missed")]


def test_simulate_rejects_a_reversed_period(example_station: Station, tmp_path: Path) -> None:
    r = example_station.cli("simulate", "--from", "2027-12-31", "--to", "2027-01-01", "--db", str(tmp_path / "x.db"))
    assert r.exit_code == 2 and "--from 2027-12-31 sau --to 2027-01-01." in r.output
