"""The examples of docs/usage.md, generated from real runs.

`python -m jump.data_platform.cli.usage_examples docs/usage.md` builds a scale-1 lakehouse as of a
fixed day in a temporary data folder, runs each example command through the real entry point
and writes its output under the example's marker (`<!-- example: NAME -->`, then a fenced block).
The fast tests run the examples on the scale-1 lakehouse they build once (the same day, scale
and seed) and fail when the page differs (`drift`), instants, ages, durations and rates aside
(they change every run): they catch an example that drifted from what the commands print.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import io
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from jump.data_platform.cli.main import main as cli_main
from jump.data_platform.transform.dbt_project import find_dbt_project

# The day every example's data is extracted as of (its last second): the same rows every run.
AS_OF = "2026-11-25"
# Built once before the examples; their output is not shown.
SETUP: tuple[tuple[str, ...], ...] = (("extract", "--as-of", AS_OF), ("load",), ("transform",))
# Each example: its name (the marker in the page), the arguments after the data folder, and
# whether stderr is shown (a step's progress and summary) besides stdout.
EXAMPLES: dict[str, tuple[tuple[str, ...], bool]] = {
    "status": (("status",), False),
    "query": (
        (
            "query",
            "select month, turnover from marts.monthly_turnover order by month desc limit 3",
        ),
        True,
    ),
    "export": (("export", "marts.turnover_by_cohort", "--output", "cohorts.xlsx"), True),
    "docs": (("docs",), True),
    "query-hint": (("query", "select turnovr from marts.monthly_turnover"), True),
}
# The marker, then a fenced block whose lines never start a new fence.
_MARKER = re.compile(r"<!-- example: (?P<name>[\w-]+) -->\n```\n(?:(?!```)[^\n]*\n)*```\n")
# What changes from one run to the next, masked when checking.
_VOLATILE = (
    re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)? (CET|CEST|UTC)"),
    re.compile(r"\d+(\.\d+)? (s|min|hours?|days?)\b"),
    re.compile(r"\([\d,]+ [\w ]+/s\)"),
    re.compile(r"PID \d+"),
)
_WIDTH = "100"


@contextlib.contextmanager
def _environment() -> Iterator[None]:
    """A fixed width and no colour, so the output does not depend on the terminal."""
    saved = {name: os.environ.get(name) for name in ("COLUMNS", "NO_COLOR", "TERM")}
    os.environ.update(COLUMNS=_WIDTH, NO_COLOR="1", TERM="dumb")
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _run(folder: Path, arguments: tuple[str, ...], with_stderr: bool) -> str:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        cli_main(["--data-folder", str(folder), *arguments])
    text = out.getvalue() + (err.getvalue() if with_stderr else "")
    # The page names no path of the machine that generated it (an export's output is shown
    # where it was typed: beside the data folder).
    return (
        text.replace(str(folder), "data")
        .replace(f"{folder.parent}{os.sep}", "")
        .replace(str(find_dbt_project()), "dbt")
    )


def run_examples(built: Path | None = None) -> dict[str, str]:
    """Each example's block: the command as typed, then what it printed. The examples run on a
    copy of `built`, a data folder as SETUP leaves it, or on a folder SETUP builds."""
    with tempfile.TemporaryDirectory(prefix="usage-examples-") as scratch, _environment():
        folder = Path(scratch) / "data"
        previous = Path.cwd()
        os.chdir(scratch)  # `export --output cohorts.xlsx` writes beside the data folder
        try:
            if built is not None:
                shutil.copytree(built, folder)
            else:
                for step in SETUP:
                    _run(folder, ("--quiet", *step), with_stderr=False)
            blocks = {}
            for name, (arguments, with_stderr) in EXAMPLES.items():
                shown = " ".join(f'"{a}"' if " " in a else a for a in arguments)
                output = _run(folder, arguments, with_stderr)
                lines = [line.rstrip() for line in output.splitlines()]
                blocks[name] = "\n".join([f"$ data-platform {shown}", *lines]).rstrip()
        finally:
            os.chdir(previous)
    return blocks


def render(page: str, blocks: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match["name"]
        if name not in blocks:
            raise SystemExit(f"Error: docs/usage.md names an unknown example {name}")
        return f"<!-- example: {name} -->\n```\n{blocks[name]}\n```\n"

    return _MARKER.sub(replace, page)


def masked(text: str) -> str:
    for pattern in _VOLATILE:
        text = pattern.sub("…", text)
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", type=Path, help="the markdown page to write")
    arguments = parser.parse_args(argv)
    current = arguments.path.read_text(encoding="utf-8")
    arguments.path.write_text(render(current, run_examples()), encoding="utf-8")
    return 0


def drift(current: str, expected: str) -> str:
    """The differences of the page from what real runs print, volatile parts masked; empty
    when there are none."""
    diff = difflib.unified_diff(
        masked(current).splitlines(),
        masked(expected).splitlines(),
        "checked in",
        "from real runs",
        lineterm="",
    )
    return "\n".join(diff)


if __name__ == "__main__":
    sys.exit(main())
