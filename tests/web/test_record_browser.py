"""Record, listen, then import or air, on the live page, end to end: Debian's Chromium
(headless, the fake microphone playing a known clip) records with MediaRecorder, plays the
recording back in the page, imports it through the library's upload with a title and a
three-day validity window, and airs it now. Checked from the outside: the clip in the
library (kind, title, window, its sound is the clip the microphone played), the journal,
the airing row and the output file (the clip found in what aired)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import wave
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import ROOT
from tests.daemon.helpers import wait_for
from tests.web.test_browser import TIMEOUT, _playwright, with_microphone
from tests.web.test_live_browser import RATE, _clip, _find, daemon  # noqa: F401  (the fixture)

pytestmark = pytest.mark.browser


def _decoded(path: Path) -> np.ndarray:
    pcm = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-ac", "1", "-ar", str(RATE), "-f", "s16le", "-"],
                         capture_output=True, check=True).stdout  # fmt: skip
    return np.frombuffer(pcm, dtype="<i2").astype(np.float64)


def test_an_announcement_recorded_on_the_page_is_listened_to_imported_for_three_days_and_aired(
        daemon, tmp_path: Path) -> None:  # noqa: ANN001  # fmt: skip
    st, d, out = daemon
    sync_playwright, expect = _playwright()
    clip = _clip(tmp_path / "said.wav")
    host, port = d.web.address
    base = f"http://{host}:{port}"
    today = d.app.clock.now().astimezone(d.tz).date()
    until = today + timedelta(days=2)  # valid today and the two days after: three days
    with sync_playwright() as p:
        browser, page = with_microphone(p, base, tmp_path / "said.wav", "--autoplay-policy=no-user-gesture-required")
        try:
            page.click("nav >> text=Phát trực tiếp")
            expect(page.locator("#record h2")).to_have_text("Ghi âm thông báo")
            page.click("#rec-start")
            expect(page.locator("#rec-status")).to_have_attribute("data-state", "recording")
            # Four seconds of the microphone, told by the page's own clock.
            page.wait_for_function("() => parseFloat(document.getElementById('rec-elapsed').textContent) >= 4",
                                   timeout=TIMEOUT)  # fmt: skip
            page.click("#rec-stop")
            expect(page.locator("#rec-status")).to_have_attribute("data-state", "ready")
            expect(page.locator("#rec-status")).to_contain_text("Đã ghi ")
            # Listened to in the page: the recording plays back.
            assert page.evaluate("document.getElementById('rec-play').src").startswith("blob:")
            assert int(page.evaluate("document.getElementById('record').dataset.bytes")) > 10_000
            page.evaluate("document.getElementById('rec-play').play()")
            page.wait_for_function("() => document.getElementById('rec-play').currentTime > 0.5", timeout=TIMEOUT)
            page.evaluate("document.getElementById('rec-play').pause()")
            page.fill("#rec-name", "Thông báo tiêm phòng")
            page.fill("#rec-from", today.isoformat())
            page.fill("#rec-until", until.isoformat())
            page.click("#rec-import")
            expect(page.locator("#rec-status")).to_have_attribute("data-state", "imported")
            expect(page.locator("#rec-clip")).to_have_text("#1 «Thông báo tiêm phòng»")
            shots = Path(os.environ.get("PLAYOUT_ARTIFACTS") or ROOT / "tests" / "artifacts")
            shots.mkdir(parents=True, exist_ok=True)
            card = page.locator("#record")
            card.screenshot(path=str(shots / "record-desk.png"))
            if os.environ.get("PLAYOUT_DOCS_SCREENSHOTS"):
                card.screenshot(path=str(Path(os.environ["PLAYOUT_DOCS_SCREENSHOTS"]) / "web-record.png"))
            # Air it now, as a priority announcement: the clip it became, not a second import.
            page.check("input[name=live-level][value=priority]")
            page.click("#rec-air")
            expect(page.locator("#rec-status")).to_have_attribute("data-state", "aired")
            # The library page lists it.
            page.click("#rec-clip")
            expect(page.locator("body")).to_contain_text("Thông báo tiêm phòng")
        finally:
            browser.close()

    con = sqlite3.connect(st.db_path, timeout=30)
    try:
        [(cid, kind, title, vf, vu, duration_ms, path)] = con.execute(
            "select id, kind, title, valid_from, valid_until, duration_ms, path from clips").fetchall()
        actions = [(a, o) for a, o in con.execute("select action, outcome from actions where actor = 'kythuat' order by id")]
    finally:
        con.close()
    assert (cid, kind, title) == (1, "announcement", "Thông báo tiêm phòng")
    assert (date.fromisoformat(vf), date.fromisoformat(vu)) == (today, until)
    assert 3000 <= duration_ms <= 6000, duration_ms
    assert ("import", "ok") in actions and ("air-now", "ok") in actions, actions
    # Its sound is what the microphone said: the clip's chirp is found in it.
    kept = _decoded(d.app.config.library.folder / path)
    _, score = _find(clip[int(1.95 * RATE): int(2.75 * RATE)], kept)
    assert score > 0.8, score

    def aired() -> tuple | None:
        con = sqlite3.connect(st.db_path, timeout=30)
        try:
            found = con.execute("select outcome, manual, level, clip_id, actor from airings").fetchall()
        finally:
            con.close()
        return found[0] if len(found) == 1 and found[0][0] not in ("pending", "in_progress") else None

    outcome, manual, level, clip_id, actor = wait_for(aired, 30, "the recording to air")
    assert (outcome, manual, level, clip_id) == ("aired", 1, "priority", 1) and actor.startswith("kythuat (web, ")
    assert [a for a, _ in actions if a in ("import", "air-now")] == ["import", "air-now"]  # imported once
    # What aired is the recording: its chirp is in the output file.
    x = np.frombuffer(out.read_bytes()[44:], dtype="<i2")
    x = x[: len(x) // 2 * 2].reshape(-1, 2)[:, 0].astype(np.float64)
    _, score = _find(clip[int(1.95 * RATE): int(2.75 * RATE)], x)
    assert score > 0.8, score
