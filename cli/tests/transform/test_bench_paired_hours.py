"""The paired comparison of two dbt projects over the same scheduled hours
(benchmarks/paired_hours.py): the differences are taken hour by hour, this side minus the other."""

from __future__ import annotations

import pytest
from benchmarks.paired_hours import Hour, main, summarise


def test_the_differences_are_paired_hour_by_hour() -> None:
    other = [Hour(wall=6.0, cpu=9.0), Hour(wall=8.0, cpu=12.0), Hour(wall=5.0, cpu=8.0)]
    this = [Hour(wall=5.5, cpu=8.0), Hour(wall=7.0, cpu=12.5), Hour(wall=5.2, cpu=7.5)]
    summary = summarise(other, this)
    assert summary["other_wall_mean"] == pytest.approx(19.0 / 3)
    assert summary["this_wall_mean"] == pytest.approx(17.7 / 3)
    assert summary["wall_difference_mean"] == pytest.approx(-1.3 / 3)
    assert summary["wall_difference_median"] == pytest.approx(-0.5)
    assert summary["cpu_difference_mean"] == pytest.approx(-1.0 / 3)
    assert summary["cpu_difference_median"] == pytest.approx(-0.5)


def test_hours_of_unequal_counts_are_refused() -> None:
    with pytest.raises(ValueError):
        summarise([Hour(1.0, 1.0)], [Hour(1.0, 1.0), Hour(2.0, 2.0)])


def test_one_hour_is_refused_before_anything_is_built(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["../dbt", "--hours", "1"])
    assert exited.value.code == 2
    assert "--hours must be 2 or more" in capsys.readouterr().err
