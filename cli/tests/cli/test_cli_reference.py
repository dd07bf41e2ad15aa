"""docs/cli.md is generated from the commands' --help, and the check catches drift."""

from __future__ import annotations

from pathlib import Path

import pytest

from jump.data_platform.cli.main import cli
from jump.data_platform.cli.reference import main, render

CHECKED_IN = Path(__file__).parents[3] / "docs" / "cli.md"


def test_every_command_and_option_is_in_the_reference() -> None:
    page = render()
    for name, command in cli.all_commands().items():
        assert f"## data-platform {name}\n" in page
        for parameter in command.params:
            for option in getattr(parameter, "opts", []):
                if option.startswith("--"):
                    assert option in page, f"{name} {option}"


def test_the_checked_in_reference_is_current() -> None:
    assert main([str(CHECKED_IN), "--check"]) == 0


def test_check_fails_on_a_stale_reference(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stale = tmp_path / "cli.md"
    stale.write_text(render().replace("--scale", "--size"), encoding="utf-8")
    assert main([str(stale), "--check"]) == 1
    assert "is out of date: run `make cli-reference`" in capsys.readouterr().err
    assert main([str(stale)]) == 0
    assert main([str(stale), "--check"]) == 0
