"""docs/usage.md's examples: written under their markers, checked with the volatile parts
(instants, ages, durations, rates) masked and everything else exact."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from jump.data_platform.cli import usage_examples

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
