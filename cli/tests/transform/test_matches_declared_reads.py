"""What the CRM matching takes of the users, declared in its `meta.reads`
(docs/publishing.md#what-a-transform-rebuilds): the users who had signed up by the CRM's
extraction instant.

A user who signs up after it rebuilds the users' models but no NPS model, and matches nobody
yet; once the CRM is extracted again, they are matched. Either way the lakehouse holds what a
full build of the same sources gives. The slow sibling, on an extracted history, is
test_transform_partial.py."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import duckdb

from jump.data_platform.settings import Settings
from support.cli import run_cli
from support.dbt_results import rebuilt_models

NPS_MODELS = {
    "intermediate__freelancer_matches",
    "intermediate__survey_answers",
    "marts__nps",
    "marts__nps_monthly",
}
# The hand-made CRM was extracted at 2024-06-15 23:59:59; its prospect Luc Petit (7/10)
# signs up in the App the next morning, with the email the CRM knows.
SIGN_UP = (
    "insert into sources.app__users (id, first_name, last_name, email, created_at, updated_at)"
    " values (8, 'Luc', 'Petit', 'luc.petit@mail.example', '2024-06-16 09:00:00',"
    " '2024-06-16 09:00:00')"
)
CRM_EXTRACTED_AGAIN = (
    "update sources.crm__extract_metadata"
    " set as_of = '2024-06-16', extracted_at = '2024-06-16 23:59:59'"
)
COMPARED = ("intermediate.freelancer_matches", "marts.nps", "marts.nps_monthly")


def _transform(folder: Path, *options: str) -> None:
    run = run_cli(folder, "--quiet", "transform", *options)
    assert run.exit_code == 0, run.stderr


def _edit_sources(settings: Settings, statement: str) -> None:
    with duckdb.connect(str(settings.writer_lakehouse_file)) as connection:
        connection.execute(statement)


def _published(settings: Settings) -> dict[str, list[tuple[Any, ...]]]:
    with duckdb.connect(str(settings.lakehouse_file), read_only=True) as connection:
        return {
            name: connection.execute(f"select * from {name} order by all").fetchall()
            for name in COMPARED
        }


def _as_a_full_build_gives(settings: Settings, folder: Path) -> None:
    """The same sources rebuilt whole publish what the partial run published."""
    shutil.copytree(settings.data_folder, folder)
    _transform(folder, "--full-refresh")
    assert _published(Settings(data_folder=folder)) == _published(settings)


def test_a_sign_up_after_the_crm_extraction_waits_for_the_next(
    built: Settings, tmp_path: Path
) -> None:
    before = _published(built)
    _edit_sources(built, SIGN_UP)
    _transform(built.data_folder)
    rebuilt = rebuilt_models(built)
    assert {"staging__app__users", "intermediate__freelancer_cohorts"} <= rebuilt
    assert not rebuilt & NPS_MODELS
    assert _published(built) == before
    _as_a_full_build_gives(built, tmp_path / "full_after_sign_up")

    # The next CRM extraction: the new freelancer is matched by email, and answered 7.
    _edit_sources(built, CRM_EXTRACTED_AGAIN)
    _transform(built.data_folder)
    assert rebuilt_models(built) >= NPS_MODELS
    matches = _published(built)["intermediate.freelancer_matches"]
    assert (8, "luc.petit@mail.example", 6, "email") in matches
    (nps,) = _published(built)["marts.nps"]
    (earlier,) = before["marts.nps"]
    assert nps != earlier
    _as_a_full_build_gives(built, tmp_path / "full_after_crm")


def test_a_change_to_a_user_known_to_the_crm_rebuilds_the_matching(built: Settings) -> None:
    # User 2 (matched by email) changes email: the CRM's Jean Martin record 5 loses its match.
    _edit_sources(built, "update sources.app__users set email = 'jean@other.example' where id = 2")
    _transform(built.data_folder)
    assert rebuilt_models(built) >= NPS_MODELS
    matches = _published(built)["intermediate.freelancer_matches"]
    assert all(row[0] != 2 or row[3] != "email" for row in matches)
