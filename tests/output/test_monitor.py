"""The confidence monitor's judgement, on a real clip (decoded by ffmpeg) fed to its capture
as a sound card would deliver it: whole wherever the item falls on the capture's 10 ms
blocks, and a cut caught where it is."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from playout.output.monitor import BLOCK, RATE, Capture, analyse, load_expected
from tests.conftest import require_program

ROOT = Path(__file__).resolve().parents[2]
BASE_NS = 1_800_000_000_000_000_000  # the wall time of the capture's sample 0


def decode(name: str) -> np.ndarray:
    """A shipped clip as 48 kHz mono samples."""
    require_program("ffmpeg")
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(ROOT / "audio/examples" / name), "-ac", "1",
                          "-ar", str(RATE), "-f", "s16le", "-"], capture_output=True, check=True).stdout  # fmt: skip
    return np.frombuffer(raw, dtype="<i2")


@pytest.fixture(scope="module")
def slogan() -> np.ndarray:
    """Synthetic speech with stretches of digital silence between words, where blocks on two
    grids disagree most."""
    x = decode("khau-hieu-02-dich-vu-cong.wav")
    assert len(x) > 3 * RATE and int((x == 0).sum()) > RATE // 100  # it has silences inside
    return x


def judge(tmp_path: Path, clip: np.ndarray, lead: int, heard: np.ndarray | None = None,
          report_error_ms: float = 3.0) -> dict:  # fmt: skip
    """The clip in a session file after 1 s of other audio; the capture hears `heard` (default:
    the clip) after `lead` samples of silence; the engine reports the item's instant
    `report_error_ms` late."""
    session = tmp_path / "session.raw"
    before = np.full(RATE, 1000, dtype="<i2")
    np.stack([np.concatenate([before, clip])] * 2, axis=1).astype("<i2").tofile(session)
    exp = load_expected(str(session), RATE, len(clip), 1, 0)
    heard = clip if heard is None else heard
    signal = np.concatenate([np.zeros(3 * RATE + lead, np.int16), heard, np.zeros(2 * RATE, np.int16)])
    cap = Capture("pulse:test", stream=object())
    for k in range(len(signal) // BLOCK):
        read = (k + 1) * BLOCK
        cap.feed(signal[k * BLOCK: read].astype(np.float32) / 32768, BASE_NS + read * 1_000_000_000 // RATE, 0)
    exp.at_ns = BASE_NS + int((3 * RATE + lead) * 1e9 / RATE + report_error_ms * 1e6)
    exp.frames = len(clip)
    return analyse(cap, exp)


@pytest.mark.parametrize("name", ["khau-hieu-01-cai-cach-hanh-chinh.mp3", "khau-hieu-02-dich-vu-cong.wav",
                                  "khau-hieu-03-tong-dai-1022.ogg", "nhac-hieu.ogg"])  # fmt: skip
def test_an_item_heard_whole_is_whole_wherever_it_falls_on_the_capture_blocks(tmp_path: Path, name: str) -> None:
    # Judged on the capture's grid with the item's envelope on its own grid, an airing heard
    # bit for bit was called "heard with 10-30 ms of silence" at some offsets (37 of 357 items
    # in a two-hour soak; slogan 2 at 5.3 ms: 30 ms, not whole): a block of a few
    # milliseconds of speech before a silence lined up with a block all silence.
    clip = decode(name)
    for lead in [*range(0, BLOCK, 24), 7, 256, 479]:
        result = judge(tmp_path, clip, lead)
        assert result["heard"] and result["whole"], (lead, result)
        assert result["silent_ms"] == 0, (lead, result)
        onset = (result["onset_ns"] - BASE_NS) * RATE / 1e9
        assert abs(onset - (3 * RATE + lead)) <= 1, (lead, onset)  # the measured onset, not the report


def test_a_cut_is_caught_where_it_is(tmp_path: Path, slogan) -> None:  # noqa: ANN001
    power = (slogan.astype(np.float64) / 32768) ** 2
    for cut_ms, lead in ((30, 0), (30, 240), (40, 5), (100, 333)):
        # Silence (as an underrun leaves) over a stretch of speech at least 1 s in, loud
        # throughout (every millisecond of it above -40 dBFS).
        n = cut_ms * RATE // 1000
        ms = power[: len(power) // 48 * 48].reshape(-1, 48).mean(axis=1)
        loud = np.convolve(ms > 1e-4, np.ones(cut_ms), "valid") == cut_ms
        at = (1000 + int(np.flatnonzero(loud[1000:])[0])) * 48
        heard = slogan.copy()
        heard[at: at + n] = 0
        result = judge(tmp_path, slogan, lead, heard)
        assert result["heard"] and not result["whole"], (cut_ms, lead, result)
        assert cut_ms - 20 <= result["silent_ms"] <= cut_ms, (cut_ms, result)
        assert 0 <= result["silent_at_ms"][0] - at * 1000 / RATE <= 10, (result["silent_at_ms"], at * 1000 / RATE)


def test_an_output_that_ran_dry_is_reported_by_its_gap_not_everything_after_it(tmp_path: Path, slogan) -> None:  # noqa: ANN001
    # An underrun delays the rest of the item: in a soak, a 59 ms gap (the engine's figure)
    # was reported as "350 ms of silence", the rest compared where it should have been.
    for gap_ms, lead in ((59, 0), (59, 313), (23, 100), (250, 77)):
        at = int(1.13 * RATE)
        n = gap_ms * RATE // 1000
        heard = np.concatenate([slogan[:at], np.zeros(n, np.int16), slogan[at:]])
        result = judge(tmp_path, slogan, lead, heard)
        assert result["heard"] and not result["whole"], (gap_ms, lead, result)
        assert result["gaps_ms"] == [pytest.approx(gap_ms, abs=2)], (gap_ms, lead, result)
        assert gap_ms - 2 <= result["silent_ms"] <= gap_ms + 20, (gap_ms, lead, result)
        assert abs(result["silent_at_ms"][0] - 1130) <= 20, (gap_ms, lead, result)
    # Audio lost instead (the rest comes early): the same.
    heard = np.concatenate([slogan[:at], slogan[at + 40 * RATE // 1000:]])
    result = judge(tmp_path, slogan, 0, heard)
    assert not result["whole"] and result["gaps_ms"] == [pytest.approx(40, abs=2)], result


def test_nothing_heard_is_not_verified(tmp_path: Path, slogan) -> None:  # noqa: ANN001
    result = judge(tmp_path, slogan, 0, np.zeros_like(slogan))
    assert not result["heard"] and not result["whole"]


def test_one_read_with_an_out_of_date_latency_does_not_restart_the_timeline(tmp_path: Path) -> None:
    # In a soak on a busy machine one item in 120 went unjudged ("the monitor was still
    # starting"): a single read's latency figure 20+ ms off had restarted the timeline.
    cap = Capture("pulse:test", stream=object())
    silence = np.zeros(BLOCK, np.float32)
    for k in range(1, 301):
        latency_us = 35_000 if k == 200 else 0  # one figure out of date
        cap.feed(silence, BASE_NS + k * BLOCK * 1_000_000_000 // RATE, latency_us)
    assert cap.settled and cap.settled_read == 0
    assert cap.base_ns() == BASE_NS
    # Samples lost (the capture overflowed): the timeline moves for good, read after read.
    for k in range(301, 501):
        cap.feed(silence, BASE_NS + (k + 5) * BLOCK * 1_000_000_000 // RATE, 0)
    assert cap.settled and cap.settled_read == 300 * BLOCK
    assert abs(cap.base_ns() - (BASE_NS + 5 * BLOCK * 1_000_000_000 // RATE)) < 1000  # (float percentile)
    assert cap.restarts == 1


def test_an_item_not_judged_says_whether_the_monitor_was_starting_or_had_lost_its_time_line() -> None:
    from playout.output.monitor import Expected

    cap = Capture("pulse:test", stream=object())
    silence = np.zeros(BLOCK, np.float32)
    step = BLOCK * 1_000_000_000 // RATE
    nothing = np.zeros(0, np.float32)
    cap.feed(silence, BASE_NS + step, 0)
    assert analyse(cap, Expected(1, 0, nothing, nothing, at_ns=BASE_NS + step))["error"] == \
        "the monitor was still starting"  # fmt: skip
    for k in range(2, 301):
        cap.feed(silence, BASE_NS + k * step, 0)
    for k in range(301, 331):  # samples lost: a new time line, not settled yet
        cap.feed(silence, BASE_NS + (k + 5) * step, 0)
    result = analyse(cap, Expected(1, 0, nothing, nothing, at_ns=BASE_NS + 320 * step))
    assert result["error"] == "the monitor's capture lost its time line (samples lost) and was settling on a new one"
