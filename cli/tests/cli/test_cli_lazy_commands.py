"""Each command's module is imported only when the command runs: a `load` or a `status` does
not pay for importing the simulation, dbt's runner or the report page."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from jump.data_platform.cli.main import COMMANDS, cli

HEAVY = ("jump.data_platform.sources.app.app", "jump.data_platform.transform.dbt_runner", "jinja2")


def _imported_after(tmp_path: Path, *arguments: str) -> set[str]:
    """The heavy modules a fresh interpreter holds after running the CLI with `arguments`."""
    script = (
        "import sys\n"
        "from jump.data_platform.cli.main import main\n"
        f"code = main({list(arguments)!r})\n"
        f"print(' '.join(name for name in {HEAVY!r} if name in sys.modules))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    return set(run.stdout.split())


def test_a_load_imports_neither_the_simulation_nor_dbt(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    assert _imported_after(
        tmp_path, "--data-folder", data, "-q", "extract", "--sources", "crm"
    ) == {"jump.data_platform.sources.app.app"}
    assert _imported_after(tmp_path, "--data-folder", data, "-q", "load") == set()


def test_every_command_is_found_by_name() -> None:
    commands = cli.all_commands()
    assert sorted(commands) == sorted(COMMANDS)
    assert all(command.name == name for name, command in commands.items())
