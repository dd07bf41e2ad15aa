"""The refresh's steps with the real ones replaced: what it does when its transform found
nothing changed (the slow end-to-end sibling: test_schedule_pipeline.py)."""

from __future__ import annotations

import threading
import types
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from jump.data_platform import pipeline
from jump.data_platform.errors import DataPlatformError
from jump.data_platform.settings import Settings
from jump.data_platform.storage.writer import current_session
from jump.data_platform.transform.dbt_import import start_importing_dbt
from jump.data_platform.transform.run_record import SUCCEEDED, TransformRun


@pytest.mark.parametrize(
    ("up_to_date", "report_current", "rebuilt"),
    [(True, True, False), (True, False, True), (False, True, True)],
)
def test_the_report_is_rebuilt_only_after_a_publication(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    up_to_date: bool,
    report_current: bool,
    rebuilt: bool,
) -> None:
    """Rebuilt after a publication, or when older than the marts readers see (a killed run's
    publication released by the next writer); kept when the transform published nothing."""
    settings = Settings(data_folder=tmp_path)
    settings.report_file.parent.mkdir(parents=True)
    settings.report_file.write_text("the last report", encoding="utf-8")
    reports: list[Path] = []

    def transform(*args: Any, **kwargs: Any) -> TransformRun:
        run = TransformRun(layers=(), up_to_date=up_to_date)
        run.finish(SUCCEEDED)
        return run

    def report(settings: Settings) -> Path:
        reports.append(settings.report_file)
        return settings.report_file

    _replace_steps(monkeypatch, transform, report)
    monkeypatch.setattr(pipeline, "report_is_current", lambda settings: report_current)
    outcome = pipeline.refresh(settings, ["app"], datetime(2026, 11, 26, 10, tzinfo=UTC))
    assert outcome.succeeded, outcome.error
    assert outcome.steps == ("extract", "load", "transform", "report")
    assert reports == ([settings.report_file] if rebuilt else [])
    assert outcome.up_to_date == up_to_date  # what the schedule's log and benchmarks read


def test_the_load_of_a_refresh_starts_importing_dbt_for_the_transform(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first refresh of a scheduler imports dbt while its load writes
    (transform/dbt_import.py); the load calls `on_write` only when it writes."""
    given: list[Any] = []

    def load_sources(*args: Any, on_write: Any = None, **kwargs: Any) -> types.SimpleNamespace:
        given.append(on_write)
        return types.SimpleNamespace(changed=0)

    def transform(*args: Any, **kwargs: Any) -> TransformRun:
        run = TransformRun(layers=(), up_to_date=True)
        run.finish(SUCCEEDED)
        return run

    monkeypatch.setattr(pipeline, "extract_step", lambda *args, **kwargs: None)
    monkeypatch.setattr(pipeline, "load_sources", load_sources)
    monkeypatch.setattr(pipeline, "check_sources", lambda *args, **kwargs: None)
    monkeypatch.setattr(pipeline, "_with_unloaded", lambda settings, selected: selected)
    monkeypatch.setattr(pipeline, "run_transform", transform)
    monkeypatch.setattr(pipeline, "report_is_current", lambda settings: True)
    outcome = pipeline.refresh(
        Settings(data_folder=tmp_path), ["app"], datetime(2026, 11, 26, 10, tzinfo=UTC)
    )
    assert outcome.succeeded, outcome.error
    assert given == [start_importing_dbt]


@pytest.mark.parametrize("archive_fails", [False, True])
def test_the_report_is_written_while_the_publication_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, archive_fails: bool
) -> None:
    """The transform leaves its archive running in the writer's session
    (storage.publish.hand_over); the report, which reads the readers' file, runs meanwhile,
    and the refresh ends once the archive has: a failed archive fails it at its transform."""
    settings = Settings(data_folder=tmp_path)
    report_written = threading.Event()
    seen_while_archiving: list[bool] = []

    def archive() -> None:
        assert report_written.wait(20), "the report waited for the archive"
        if archive_fails:
            raise DataPlatformError("cannot keep publication 1: No space left on device")

    def transform(*args: Any, **kwargs: Any) -> TransformRun:
        session = current_session(settings)
        assert session is not None
        pool = ThreadPoolExecutor(max_workers=1)
        session.background = pool.submit(archive)
        pool.shutdown(wait=False)
        run = TransformRun(layers=("marts",))
        run.finish(SUCCEEDED)
        return run

    def report(settings: Settings) -> Path:
        session = current_session(settings)
        assert session is not None
        assert session.background is not None
        seen_while_archiving.append(not session.background.done())
        report_written.set()
        return settings.report_file

    _replace_steps(monkeypatch, transform, report)
    outcome = pipeline.refresh(settings, ["app"], datetime(2026, 11, 26, 10, tzinfo=UTC))
    assert seen_while_archiving == [True]
    assert outcome.steps == ("extract", "load", "transform", "report")
    if archive_fails:
        assert outcome.failed_step == "transform"
        assert outcome.error == "cannot keep publication 1: No space left on device"
    else:
        assert outcome.succeeded, outcome.error


def _replace_steps(
    monkeypatch: pytest.MonkeyPatch,
    transform: Callable[..., TransformRun],
    report: Callable[[Settings], Path],
) -> None:
    """A refresh whose extract and load do nothing, with `transform` and `report` as its
    transform and report."""
    monkeypatch.setattr(pipeline, "extract_step", lambda *args, **kwargs: None)
    monkeypatch.setattr(
        pipeline, "load_sources", lambda *args, **kwargs: types.SimpleNamespace(changed=0)
    )
    monkeypatch.setattr(pipeline, "check_sources", lambda *args, **kwargs: None)
    monkeypatch.setattr(pipeline, "_with_unloaded", lambda settings, selected: selected)
    monkeypatch.setattr(pipeline, "run_transform", transform)
    monkeypatch.setattr(pipeline, "build_report", report)
