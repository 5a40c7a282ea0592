"""A short run of the benchmarks, so they keep working; their figures are not asserted here
(timing belongs in `make bench`, on a quiet machine, as ratios)."""

from benchmarks import expand_year, export_scale, footprint, import_speed, web_live
from tests.conftest import require_program


def test_expand_year_smoke() -> None:
    figures = expand_year.run(n_slots=8, repeat=1)
    assert figures["occurrences"] > 8 * 50
    assert set(figures) >= {"expand_s", "reference_rrule_s", "ratio_to_reference", "plan_s"}


def test_import_speed_smoke() -> None:
    require_program("ffmpeg")
    figures = import_speed.run(n_files=2, seconds=3)
    assert figures["import_s"] > 0 and figures["reference_ffmpeg_two_pass_s"] > 0


def test_export_scale_smoke() -> None:
    require_program("sqlite3")
    figures = export_scale.run(n_rows=3_000)
    assert figures["tally_year_airings"] > 0 and figures["xlsx_peak_mb"] > 0


def test_footprint_smoke() -> None:
    figures = footprint.run(clips=200, slots=10, seconds=1)
    assert figures["rss_mb"] > 0 and figures["startup_to_ready_s"] > 0
    assert "Đã mô phỏng 2 ngày" in footprint.simulate_200_slots(days=2, clips=100)["output"]


def test_web_live_smoke() -> None:
    require_program("ffmpeg")
    figures = web_live.run(clients=2, seconds=2)
    assert figures["live_latency_ms"]["n"] >= 2 and figures["outcome_under_load"] == "aired"
    assert figures["outcome_quiet"] == "aired"


def test_icecast_listeners_smoke() -> None:
    """Four speakers on a real icecast2, a 4 s clip: each holds the clip whole, byte for byte
    the reference client's, whose decoded sound is the clip."""
    from benchmarks import icecast_listeners

    require_program("ffmpeg")
    require_program("icecast2")
    r = icecast_listeners.run(clients=4, seconds=4, workers=1, ffmpeg_listeners=1, relay=False)
    d = r["direct"]
    assert d["whole"] == 4 and d["heard_delay_ms"]["n"] == 4, d
    assert d["reference_client"]["alike"] > 0.97 and d["independent_listeners"][0]["alike"] > 0.97, d
    assert d["airing_log"]["loa-ip"]["outcome"] == "aired" and set(r["checks"]) >= {"direct: heard delay p99 <= 3 s"}
