"""A file as the file system knows it, to tell that nobody wrote it since it was last seen."""

from __future__ import annotations

from pathlib import Path


def file_identity(path: Path) -> str:
    """Its path, size, modification and change times and inode, as `git` knows the files of
    its index: any write moves the change time, which no tool can set back (a copy that keeps
    the modification time, like `cp -p`, still gets a new one). Empty when it cannot be read:
    never equal to a file's."""
    try:
        found = path.stat()
    except OSError:
        return ""
    return (
        f"{path.resolve()}|{found.st_size}|{found.st_mtime_ns}|{found.st_ctime_ns}|{found.st_ino}"
    )
