"""What `transform` and `schedule --once` show while dbt builds: nodes done out of the total,
models and tests apart, the elapsed time and the node running now (in a terminal only)."""

from __future__ import annotations

import io
import os
import pty
import re
import select
import shutil
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from rich.console import Console

from jump.data_platform.reporting import Reporter
from jump.data_platform.settings import Settings
from jump.data_platform.transform.progress import BuildTracker, build_progress
from transform.handmade_lakehouse import build_lakehouse

ANSI = re.compile(r"\x1b\[[0-9;?]*[a-zA-Z]")
LINE = re.compile(r"transform (\d+)/(\d+) \d+:\d\d (.*) done")


def event(name: str, unique_id: str, resource_type: str, total: int = 3) -> SimpleNamespace:
    node = SimpleNamespace(
        unique_id=unique_id, node_name=unique_id.split(".")[-1], resource_type=resource_type
    )
    return SimpleNamespace(
        info=SimpleNamespace(name=name), data=SimpleNamespace(node_info=node, total=total)
    )


def test_the_tracker_counts_models_and_tests_apart_and_names_the_running_node() -> None:
    tracker = BuildTracker()
    tracker(event("LogStartLine", "model.jump.marts__nps", "model"))
    assert (tracker.total, tracker.completed) == (3, 0)
    assert tracker.describe() == "starting done; now marts__nps"
    tracker(event("NodeFinished", "model.jump.marts__nps", "model"))
    tracker(event("LogStartLine", "test.jump.not_null_nps", "test"))
    tracker(event("NodeFinished", "test.jump.not_null_nps", "test"))
    tracker(event("LogStartLine", "model.jump.marts__monthly", "model"))
    tracker(event("MainReportVersion", "", ""))  # other events are ignored
    assert tracker.completed == 2
    assert tracker.describe() == "1 models, 1 tests done; now marts__monthly"


def test_no_live_line_when_quiet_or_not_a_terminal() -> None:
    for reporter in (
        Reporter(console=Console(file=io.StringIO(), force_terminal=False)),
        Reporter(quiet=True, console=Console(file=io.StringIO(), force_terminal=True)),
    ):
        with build_progress(reporter, "Transforming") as on_event:
            assert on_event is None
    live = Reporter(quiet=True, live=True, console=Console(file=io.StringIO(), force_terminal=True))
    with build_progress(live, "Transforming") as on_event:
        assert on_event is not None


def in_a_terminal(folder: Path, *args: str) -> tuple[int, list[str]]:
    """Run `data-platform` with a pseudo-terminal as its output; the screen's successive lines."""
    executable = shutil.which("data-platform", path=str(Path(sys.executable).parent))
    assert executable
    pid, fd = pty.fork()
    if pid == 0:  # the child: the real entry point, 100 columns wide
        os.environ["COLUMNS"] = "100"
        os.execv(executable, [executable, "--data-folder", str(folder), *args])
    output = b""
    while select.select([fd], [], [], 300)[0]:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
    _, status = os.waitpid(pid, 0)
    text = ANSI.sub("", output.decode("utf-8", "replace"))
    return os.waitstatus_to_exitcode(status), [line for line in re.split(r"[\r\n]", text) if line]


def assert_progress(lines: list[str]) -> None:
    shown = [match for line in lines if (match := LINE.search(line))]
    assert shown, lines
    done = [int(match[1]) for match in shown]
    assert done == sorted(done) and len(set(done)) > 2  # it moved, never backwards
    assert {int(match[2]) for match in shown} == {int(shown[-1][2])}  # one total
    assert any("models" in match[3] and "tests" in match[3] for match in shown)
    assert any("; now " in line for line in lines)


@pytest.mark.slow
def test_transform_shows_its_progress_in_a_terminal(tmp_path: Path) -> None:
    build_lakehouse(Settings(data_folder=tmp_path).lakehouse_file)
    code, lines = in_a_terminal(tmp_path, "transform")
    assert code == 0, lines
    assert_progress(lines)
    assert any(line.startswith("Transforming ") and "done in" in line for line in lines)


@pytest.mark.slow
def test_schedule_once_shows_the_transforms_progress_in_a_terminal(tmp_path: Path) -> None:
    code, lines = in_a_terminal(tmp_path, "schedule", "--once")
    assert code == 0, lines
    assert_progress(lines)
