"""Ctrl-C as one line: which step was stopped and what it left intact, exit code 130."""

from __future__ import annotations

import functools
import importlib
import signal
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, nullcontext
from types import FrameType
from typing import Any

import click
import duckdb

from jump.data_platform.errors import DataPlatformError

# What each command leaves when stopped half-way: files are renamed into place only when
# complete, or written in one transaction (SQLite's, the lakehouse's), so a stop never leaves
# half a file.
LEFT_INTACT = {
    "extract": (
        "the source files are as they were (a file is renamed into place only when complete, "
        "or brought forward in one SQLite transaction)"
    ),
    "load": "the lakehouse is as it was before this load (one transaction)",
    "transform": "the sources are intact; run `data-platform transform` again to rebuild the layers",
    "export": "the output file is as it was (it is renamed into place only when complete)",
    "docs": "the docs folder is as it was",
}


# The steps that write, watched for a SIGINT a library swallows. Not `query` (its built-in shell
# takes Ctrl-C as "drop the line being typed") nor `docs` (Ctrl-C is how its server stops).
WATCHED = frozenset({"extract", "load", "transform", "export"})


class StepInterruptedError(DataPlatformError):
    """The user pressed Ctrl-C (SIGINT) during `command`."""

    exit_code = 130

    def __init__(self, command: str) -> None:
        intact = LEFT_INTACT.get(command, "nothing was written")
        super().__init__(f"interrupted during {command}: {intact}")


def caused_by_interrupt(error: BaseException) -> bool:
    """Whether Ctrl-C is behind `error`: libraries turn it into their own errors (ADBC's
    cancel raises NOT_IMPLEMENTED, DuckDB raises InterruptException, a step words either)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, KeyboardInterrupt | duckdb.InterruptException):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


class _Watch:
    """Whether SIGINT arrived during the step, even if a library swallowed the KeyboardInterrupt
    (dbt cancels its run and returns a failure that names a closed connection instead)."""

    interrupted = False


@contextmanager
def _watching_sigint() -> Iterator[_Watch]:
    watch = _Watch()

    def on_sigint(signum: int, frame: FrameType | None) -> None:
        watch.interrupted = True
        signal.default_int_handler(signum, frame)  # KeyboardInterrupt, as Python does

    try:
        previous = signal.signal(signal.SIGINT, on_sigint)
    except ValueError:  # not the main thread: nothing to watch
        yield watch
        return
    try:
        yield watch
    finally:
        signal.signal(signal.SIGINT, previous)


class StepGroup(click.Group):
    """A group whose every command turns an interrupt, however wrapped, into `StepInterruptedError`
    (before click would turn it into a bare `Abort`).

    `lazy_commands` (name -> module holding a command of that name) are imported when first
    asked for: `data-platform load` does not import the simulation, dbt's runner or the report,
    which saves a third of a second at every call."""

    def __init__(
        self, *args: Any, lazy_commands: Mapping[str, str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy_commands:
            module = importlib.import_module(self.lazy_commands[cmd_name])
            self.add_command(getattr(module, cmd_name), cmd_name)
        return self.commands.get(cmd_name)

    def all_commands(self) -> dict[str, click.Command]:
        """Every command, imported: for the reference page and its checks."""
        context = click.Context(self)
        found = {name: self.get_command(context, name) for name in self.list_commands(context)}
        return {name: command for name, command in found.items() if command is not None}

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        callback = cmd.callback
        if callback is not None:
            command_name = name or cmd.name or "data-platform"

            @functools.wraps(callback)
            def interruptible(*args: Any, **kwargs: Any) -> Any:
                watching = _watching_sigint() if command_name in WATCHED else nullcontext(_Watch())
                with watching as watch:
                    try:
                        result = callback(*args, **kwargs)
                    except StepInterruptedError:
                        raise
                    except BaseException as error:
                        if watch.interrupted or caused_by_interrupt(error):
                            raise StepInterruptedError(command_name) from error
                        raise
                if watch.interrupted:  # swallowed, yet the user asked to stop: no next step
                    raise StepInterruptedError(command_name)
                return result

            cmd.callback = interruptible
        super().add_command(cmd, name)
