"""Issue 21, item 1: a re-answer with an unchanged score is an answer. Seed 7, freelancer 395:
CRM row 509 scored 10 on 2025-10-05, row 426 scored 3 on 2026-01-13, row 509 answered 10 again
on 2026-09-08 10:08:54. A lakehouse that saw both versions of row 509 must count the 10."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from support.cli import run_cli

pytestmark = pytest.mark.slow


def _nps(folder: Path, *as_ofs: str) -> tuple[object, ...]:
    for as_of in as_ofs:
        run = run_cli(
            folder,
            "--quiet",
            "--random-seed",
            "7",
            "extract",
            "--as-of",
            as_of,
            "load",
            "transform",
        )
        assert run.exit_code == 0, run.stderr
    with duckdb.connect(str(run.lakehouse), read_only=True) as connection:
        row = connection.execute("select nps, promoters, detractors from marts.nps").fetchone()
        latest = connection.execute(
            "select satisfaction_score from intermediate.survey_answers where freelancer_id = 395"
            " order by answered_at desc, crm_customer_id desc limit 1"
        ).fetchone()
    assert row is not None and latest is not None
    return (*row, latest[0])


def test_a_re_answer_with_the_same_score_counts_after_two_loads(tmp_path: Path) -> None:
    stepwise = _nps(tmp_path / "a", "2026-09-07", "2026-09-08")
    at_once = _nps(tmp_path / "b", "2026-09-08")
    assert at_once[3] == 10  # freelancer 395's latest answer, seen by one load
    assert stepwise == at_once
