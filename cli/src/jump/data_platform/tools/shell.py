"""An interactive SQL shell on the lakehouse, read-only.

DuckDB's own shell (the pinned `duckdb-cli` package, in the dev extras and the Docker image) is
the better tool: completion, history, dot-commands. Without it, a small read-only loop in Python
reads statements ending with `;` and prints each result as a table.
"""

from __future__ import annotations

import importlib.util
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO

import duckdb
from rich.console import Console

from jump.data_platform.errors import DataPlatformError, first_line
from jump.data_platform.lakehouse import SHELL_SANDBOX, SHELL_SANDBOX_NOISE, connect
from jump.data_platform.reporting import printable
from jump.data_platform.tools.query import execute_one, fetch_batches, render_table

SHELL_MAX_ROWS = 1_000
_QUIT = frozenset({".quit", ".exit", "quit", "exit", r"\q"})
_DOT_COMMAND_REFUSED = (
    "Error: {command} is not available: this shell only reads the lakehouse "
    "(SQL statements, and .quit to leave)"
)


def duckdb_cli_binary() -> Path | None:
    """The DuckDB shell bundled in the `duckdb-cli` package, if that package is installed.

    Only the bundled binary is used: its version is pinned with the `duckdb` library, so it
    reads the lakehouse's storage format, and using it never triggers a download.
    """
    spec = importlib.util.find_spec("duckdb_cli")
    if spec is None or spec.origin is None:
        return None
    binary = Path(spec.origin).parent / "duckdb"
    return binary if binary.is_file() else None


def run_duckdb_shell(binary: Path, lakehouse: Path) -> int:
    """Run DuckDB's shell read-only and in safe mode on the lakehouse; return its exit code.

    Safe mode refuses the dot commands that reach beyond the lakehouse (`.open`, `.system`,
    `.shell`, `.output`, `.read`, `.import`, ...) and locks the configuration; before it, the
    lakehouse's sandbox for this shell (`SHELL_SANDBOX`) switches its file system off, so that
    no statement can write a file, not even the lakehouse DuckDB allows itself.
    """
    command = [str(binary), "-readonly"]
    for line in SHELL_SANDBOX:
        command += ["-cmd", line]
    command.append(str(lakehouse))
    # Ctrl-C belongs to the shell (it cancels the running query); this process waits it out.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        child = subprocess.Popen(command, stderr=subprocess.PIPE)
    except OSError as error:
        signal.signal(signal.SIGINT, previous)
        raise DataPlatformError(f"cannot start the DuckDB shell {binary}: {error}") from error
    try:
        assert child.stderr is not None
        relay = threading.Thread(target=_relay_errors, args=(child.stderr,), daemon=True)
        relay.start()
        code = child.wait()
        relay.join(timeout=5)
        return code
    finally:
        signal.signal(signal.SIGINT, previous)


def _relay_errors(stream: IO[bytes]) -> None:
    """The shell's stderr, as it comes, but for the sandbox's one known line of noise."""
    noise = SHELL_SANDBOX_NOISE.encode()
    for line in iter(stream.readline, b""):
        if not line.startswith(noise):
            sys.stderr.write(line.decode(errors="replace"))
            sys.stderr.flush()


def run_builtin_shell(
    connection: duckdb.DuckDBPyConnection,
    lakehouse: Path,
    console: Console,
    read_line: Callable[[str], str] = input,
) -> None:
    """Read statements (ending with `;`) until `.quit` or end of input; print each result."""
    console.print(
        f"Lakehouse {lakehouse} (read-only). End statements with ';'. .quit to leave.",
        markup=False,
        highlight=False,
    )
    lines: list[str] = []
    while True:
        try:
            line = read_line("lakehouse> " if not lines else "       ...> ")
        except EOFError:
            break
        except KeyboardInterrupt:  # drop the statement being typed, like most SQL shells
            lines.clear()
            console.print()
            continue
        if not lines and line.strip() in _QUIT:
            break
        if not lines and not line.strip():
            continue
        if not lines and line.lstrip().startswith("."):
            # DuckDB's shell's dot commands (.open, .system, .shell, ...) are not SQL: say so.
            command = line.split()[0]
            console.print(
                _DOT_COMMAND_REFUSED.format(command=command),
                style="red",
                markup=False,
                highlight=False,
            )
            continue
        lines.append(line)
        if line.rstrip().endswith(";"):
            _run_text(connection, lakehouse, console, "\n".join(lines))
            lines.clear()
    if lines:
        _run_text(connection, lakehouse, console, "\n".join(lines))


def _run_text(
    connection: duckdb.DuckDBPyConnection, lakehouse: Path, console: Console, text: str
) -> None:
    try:
        statements = connection.extract_statements(text)
    except duckdb.Error as error:
        console.print(
            f"Error: {printable(first_line(error))}", style="red", markup=False, highlight=False
        )
        return
    for statement in statements:
        try:
            columns = execute_one(connection, statement.query, lakehouse)
            if columns is None:
                continue
            rows = [
                row
                for batch in fetch_batches(connection, lakehouse, SHELL_MAX_ROWS + 1)
                for row in batch
            ]
        except DataPlatformError as error:
            console.print(
                f"Error: {printable(str(error))}", style="red", markup=False, highlight=False
            )
            return
        render_table(columns, rows[:SHELL_MAX_ROWS], console)
        shown = f"first {SHELL_MAX_ROWS} rows shown" if len(rows) > SHELL_MAX_ROWS else None
        console.print(shown or f"{len(rows)} row{'s' * (len(rows) != 1)}", style="dim")


def open_shell(lakehouse: Path, console: Console) -> int:
    """The interactive shell: DuckDB's if installed, else the built-in one. Returns an exit code."""
    # Opening first gives the same one-line errors (missing, locked) as every other command.
    connection = connect(lakehouse, read_only=True)
    binary = duckdb_cli_binary()
    if binary is not None:
        connection.close()
        return run_duckdb_shell(binary, lakehouse)
    try:
        run_builtin_shell(connection, lakehouse, console)
    finally:
        connection.close()
    return 0
