"""The helper processes the CLI's libraries start, ended before the command returns.

dbt creates its locks from multiprocessing's spawn context, which starts the resource tracker:
a child Python process that lives until its parent exits, then ends on its own. Left to that,
it outlives the command for a moment, and in a container whose first process reaps no child it
stays as a zombie. Ending it here, and waiting for it, leaves no process behind.
"""

from __future__ import annotations

import contextlib
import sys


def resource_tracker_pid() -> int | None:
    """The running resource tracker's process id, if this process started one."""
    module = sys.modules.get("multiprocessing.resource_tracker")
    tracker = getattr(module, "_resource_tracker", None)
    pid = getattr(tracker, "_pid", None)
    return int(pid) if pid is not None else None


def stop_helper_processes() -> None:
    """End and reap the resource tracker, if one runs (it starts again if needed)."""
    module = sys.modules.get("multiprocessing.resource_tracker")
    tracker = getattr(module, "_resource_tracker", None)
    if tracker is None:
        return
    # `_stop` is the standard library's own way to end it (closes its pipe, waits for it).
    with contextlib.suppress(Exception):
        tracker._stop()
