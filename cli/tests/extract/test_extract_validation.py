"""Options out of what the simulation supports: one line, exit 2, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.cli import run_cli


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["extract", "--as-of", "0001-01-01"],
            "Error: Invalid value for '--as-of': 0001-01-01 is outside 2024-01-01 to 2099-12-31: "
            "the simulated company opens on its first day",
        ),
        (["extract", "--as-of", "2023-12-31"], "2023-12-31 is outside 2024-01-01 to 2099-12-31"),
        (["extract", "--as-of", "9999-12-31"], "9999-12-31 is outside 2024-01-01 to 2099-12-31"),
        (
            ["--random-seed", str(2**70), "extract"],
            f"Error: Invalid value for '--random-seed': {2**70} is not in the range "
            f"0<=x<={2**63 - 1}.",
        ),
        # 42 + 2**64 would be drawn as seed 42: refused rather than silently the same data.
        (["--random-seed", str(42 + 2**64), "extract"], f"not in the range 0<=x<={2**63 - 1}"),
        (["--random-seed", "-1", "extract"], "'--random-seed': -1 is not in the range"),
        (
            ["extract", "--scale", "1000000000"],
            "Error: Invalid value for '--scale': 1000000000 is not in the range 1<=x<=10000.",
        ),
    ],
)
def test_out_of_range_options_are_one_line(
    tmp_path: Path, arguments: list[str], message: str
) -> None:
    run = run_cli(tmp_path / "data", *arguments)
    assert run.exit_code == 2
    assert run.stderr.count("\n") == 1 and message in run.stderr, run.stderr
    assert not (tmp_path / "data" / "sources").exists()


def test_the_largest_seed_is_accepted(tmp_path: Path) -> None:
    run = run_cli(tmp_path, "-q", "--random-seed", str(2**63 - 1), "extract", "--sources", "crm")
    assert run.exit_code == 0, run.stderr
    assert (tmp_path / "sources" / "crm.sqlite").is_file()


def test_empty_and_file_data_folders_get_exact_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from jump.data_platform.cli.main import main

    monkeypatch.chdir(tmp_path)
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a folder", encoding="utf-8")
    assert main(["--data-folder", "", "status"]) == 2
    assert main(["--data-folder", str(a_file), "status"]) == 2
    monkeypatch.setenv("DATA_PLATFORM_DATA_FOLDER", str(a_file))
    assert main(["status"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "Error: --data-folder is empty: give the path of the data folder",
        f"Error: --data-folder names {a_file}, which is a file: the data folder must be a folder",
        "Error: the environment variable DATA_PLATFORM_DATA_FOLDER names "
        f"{a_file}, which is a file: the data folder must be a folder",
    ]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["notes.txt"]
