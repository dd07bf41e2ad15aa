"""docs/usage.md's examples: written under their markers, checked with the volatile parts
(instants, ages, durations, rates) masked and everything else exact."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from jump.data_platform.cli import usage_examples
from jump.data_platform.sources.as_of import parse_as_of
from support.cli import Run
from support.constants import AS_OF

PAGE = """# Usage
<!-- example: status -->
```
$ data-platform status
old output
```
text after
"""


def test_the_blocks_are_written_under_their_markers() -> None:
    page = usage_examples.render(PAGE, {"status": "$ data-platform status\nFresh: yes"})
    assert "```\n$ data-platform status\nFresh: yes\n```\ntext after" in page
    with pytest.raises(SystemExit):
        usage_examples.render(PAGE.replace("status -->", "nope -->"), {})


def test_the_check_ignores_instants_and_durations_but_not_counts() -> None:
    shown = "Last refresh at 2026-12-04 07:26 CET (5 min ago), 21.0 s: 21 models built"
    rerun = "Last refresh at 2026-12-05 08:00 CET (2 hours ago), 19.3 s: 21 models built"
    assert usage_examples.masked(shown) == usage_examples.masked(rerun)
    drifted = rerun.replace("21 models", "18 models")
    assert usage_examples.masked(shown) != usage_examples.masked(drifted)


def test_the_page_has_every_example_and_names_no_machine_path() -> None:
    repository = Path(__file__).resolve().parents[3]
    page = (repository / "docs" / "usage.md").read_text(encoding="utf-8")
    for name in usage_examples.EXAMPLES:
        assert f"<!-- example: {name} -->" in page
    assert str(repository) not in page and tempfile.gettempdir() + "/" not in page


def test_the_page_shows_what_the_commands_print(scale_one_run: Run) -> None:
    """docs/usage.md against real runs, on the scale-1 lakehouse the tests build once: the
    same day, scale and seed as the examples' own build (`make usage-examples` writes them)."""
    assert scale_one_run.exit_code == 0, scale_one_run.stderr
    assert parse_as_of(usage_examples.AS_OF) == AS_OF
    page = (Path(__file__).resolve().parents[3] / "docs" / "usage.md").read_text(encoding="utf-8")
    expected = usage_examples.render(page, usage_examples.run_examples(scale_one_run.data_folder))
    found = usage_examples.drift(page, expected)
    assert not found, f"docs/usage.md is out of date: run `make usage-examples`\n{found}"
