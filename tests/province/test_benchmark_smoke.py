"""A short run of the province benchmark so that it keeps working (figures not asserted)."""

from benchmarks import province
from benchmarks.postgres import binaries
from tests.conftest import IN_CI

import pytest


def test_province_benchmark_smoke() -> None:
    if binaries() is None:
        if IN_CI:
            pytest.fail("PostgreSQL is not installed; CI must have every real component")
        pytest.skip("PostgreSQL is not installed")
    r = province.run(stations=2, rows=2000, workers=1, idle_seconds=2, interval=1, province_stations=4, grow_log=True)
    assert r["tally_counts_every_row"] and r["tally_airings"] == 4 * 2000
    assert r["rows_per_s"] > 0 and r["reference_copy_rows_per_s"] > 0 and r["idle"]["rss_mb"] > 0
