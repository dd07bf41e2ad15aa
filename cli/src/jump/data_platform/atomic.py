"""Write a file under a temporary name and rename it into place only when it is complete."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from jump.data_platform.errors import DataPlatformError


def create_folder(folder: Path) -> None:
    """Create `folder` and its parents, or say in one line why it cannot be."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DataPlatformError(
            f"cannot create folder {folder}: {error.strerror or error}"
        ) from error


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside `target`; rename it onto `target` if the block succeeds.

    A crash or an exception leaves `target` as it was (or absent) and removes the partial file.
    """
    create_folder(target.parent)
    if not os.access(target.parent, os.W_OK):
        raise DataPlatformError(f"cannot write to folder {target.parent}: permission denied")
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    try:
        yield temporary
        temporary.replace(target)
    finally:
        temporary.unlink(missing_ok=True)
