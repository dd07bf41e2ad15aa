"""Python's garbage collector in a process that holds dbt.

A transform keeps until its process ends about 200,000 objects: dbt's modules, its parsed
project, the compiled templates. Python's collector walks every one of them at each full
collection: a transform of an hourly refresh at scale 100 ran three to five of them (0.24 to
0.42 s in all, up to 0.14 s each, holding the interpreter's lock, so every dbt thread waited).

- `freeze` moves what is alive into the collector's permanent generation, which its
  collections skip: once dbt is imported (transform/dbt_import.py) and once the project is
  parsed (transform/dbt_runner.py). Only what the build allocates is walked after that.
- `settle`, in the long-running scheduler while it waits for the next fire time, runs one full
  collection and freezes what survives: the next refresh's collections skip what the process
  keeps from one refresh to the next.

A frozen object is still freed as soon as its last reference goes; one caught in a reference
cycle is freed by the next `settle`, which first returns the frozen objects to the collector
(in a one-shot command, by the process's end, whose own last collection is skipped:
`skip_final_collection`).
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


def freeze() -> None:
    """Freeze what is alive now (dbt's modules once imported, its manifest once parsed): objects
    the process keeps until it ends or until the next `settle`, which later collections need
    not walk."""
    gc.freeze()


def skip_final_collection() -> None:
    """Spare the interpreter's last searches for garbage cycles, for the very end of the
    process only. After a transform the heap holds dbt's parsed project and its results:
    finalising it, Python searched them for cycles for 0.55 to 0.65 s of a 9 to 13 s hourly
    transform at scale 100, to free memory the process's exit returns anyway. Frozen objects
    are still released when their last reference goes; what the CLI writes is flushed and
    closed before this point (files are written whole and renamed, connections closed)."""
    gc.freeze()
