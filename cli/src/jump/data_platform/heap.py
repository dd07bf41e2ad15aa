"""Python's garbage collector in a process that refreshes the lakehouse again and again.

After its first refresh, the scheduler's process holds about 200,000 objects that live as long
as it does: dbt's modules, its parsed project, the compiled templates. Python's collector walks
every one of them at each full collection, and a published hour at scale 100 ran one or two
of those (0.10 to 0.13 s each, holding the interpreter's lock, so every dbt thread waited).

`settle` runs one full collection when the scheduler has nothing to do, after a refresh, and
moves what survives into the collector's permanent generation, which its collections skip: the
next refresh's collections walk only what that refresh allocates. A frozen object is still freed
as soon as its last reference goes; one caught in a reference cycle is freed by the next
`settle`, which first returns the frozen objects to the collector.
"""

from __future__ import annotations

import gc
import time


def settle() -> float:
    """Collect every garbage cycle, then freeze what is left; the seconds it took."""
    started = time.perf_counter()
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    return time.perf_counter() - started
