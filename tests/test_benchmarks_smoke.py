"""A short run of each benchmark, so they keep working; the figures are not asserted."""

from benchmarks import expand_year


def test_expand_year_smoke() -> None:
    figures = expand_year.run(n_slots=8, repeat=1)
    assert figures["occurrences"] > 8 * 50
    assert set(figures) >= {"expand_s", "reference_rrule_s", "ratio_to_reference", "plan_s"}
