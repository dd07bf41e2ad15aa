"""The end of the CLI's process: the helper processes its libraries start, ended before the
command returns (the interpreter's last collection of garbage cycles is spared by
heap.skip_final_collection).

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
    """End and reap the resource tracker, if one runs. For the very end of the process only:
    first what the interpreter's exit would run (multiprocessing's exit function, which
    releases dbt's semaphores; stopped before that, the tracker would find them leaked and
    warn), then the tracker's own stop, which closes its pipe and waits for it."""
    module = sys.modules.get("multiprocessing.resource_tracker")
    tracker = getattr(module, "_resource_tracker", None)
    if tracker is None or getattr(tracker, "_pid", None) is None:
        return
    with contextlib.suppress(Exception):
        util = sys.modules.get("multiprocessing.util")
        if util is not None:
            util._exit_function()
        tracker._stop()
