"""Write a file under a temporary name and rename it into place only when it is complete."""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
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
    remove_leftovers(target)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    try:
        yield temporary
        temporary.replace(target)
    finally:
        temporary.unlink(missing_ok=True)


def remove_leftovers(target: Path) -> None:
    """Remove the temporary files (and scratch folders) that a killed run writing `target` left.

    Their names carry the writer's PID, `.<name>.<pid>.tmp...`: only those of processes no
    longer alive are removed, so a run writing the same file beside this one is left alone.
    """
    name = re.compile(re.escape(f".{target.name}.") + r"(?P<pid>\d+)\.tmp")
    for path in target.parent.glob(f".{glob.escape(target.name)}.*.tmp*"):
        found = name.match(path.name)
        if found is None or _alive(int(found["pid"])):
            continue
        with contextlib.suppress(OSError):  # best effort: another run may be cleaning too
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True
