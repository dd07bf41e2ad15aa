"""The one way tests call the CLI: the real entry point, in this process, output captured."""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from pathlib import Path

from jump.data_platform.cli.main import main
from jump.data_platform.settings import Settings


@dataclass(frozen=True)
class Run:
    """One `data-platform` invocation: its data folder, exit code and what it printed."""

    data_folder: Path
    exit_code: int
    stdout: str
    stderr: str

    @property
    def settings(self) -> Settings:
        return Settings(data_folder=self.data_folder)

    @property
    def lakehouse(self) -> Path:
        return self.settings.lakehouse_file


def run_cli(data_folder: Path, *args: str) -> Run:
    """`data-platform --data-folder <data_folder> <args>`, capturing stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--data-folder", str(data_folder), *args])
    return Run(data_folder, code, out.getvalue(), err.getvalue())
