"""User-facing errors: each carries one line that names the problem and the file."""


class DataPlatformError(Exception):
    """An error the user can fix (bad input, missing file, locked lakehouse).

    The CLI prints its message on one line and exits with `exit_code`, without a traceback.
    """

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def first_line(error: BaseException) -> str:
    """The first line of an error's message: DuckDB's, SQLite's and Arrow's messages span lines
    (the statement, a caret, hints), and a user error is one line."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def message_with_hints(error: BaseException) -> str:
    """The error's message and the hints that follow it on one line (DuckDB's `Candidate
    bindings: ...`, `Did you mean ...?`), without the echoed statement and its caret."""
    text = str(error).strip()
    kept: list[str] = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("LINE "):
            break
        kept.append(line.strip())
    return " ".join(kept) if kept else first_line(error)
