"""dbt's artifacts of a build, written by the platform rather than by `dbt build` itself.

dbt writes `manifest.json` (every node, macro and source of the project: 0.3 s of Python for
this project, after the last node and before the publication) and `run_results.json` on every
build. The build runs with `--no-write-json` and the platform writes:
- `run_results.json` every time (small; `status` and the redaction read it);
- `manifest.json` only when it describes something new: the first build, a build of a changed
  project, or when the file is missing. Between two builds of the same project, dbt's manifest
  differs only in its run's id and time and in the SQL it compiled, which `target/compiled/`
  and `target/run/` keep for every build.

(Writing the manifest in a thread during the publication was measured and saves nothing: the
thread's Python slows the publication's own by as much.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

MANIFEST_FILE = "manifest.json"


def write_run_results(result: Any, path: Path) -> None:
    """dbt's `run_results.json` of a build (the result `dbtRunner` returned), if it has one."""
    if result is not None and hasattr(result, "write"):
        result.write(str(path))


def write_manifest_if_new(manifest: Any, target_folder: Path, project_changed: bool) -> bool:
    """Write dbt's `manifest.json` (and `semantic_manifest.json`) of a build when the project
    changed since the last build or the file is missing; True when written."""
    if not project_changed and (target_folder / MANIFEST_FILE).is_file():
        return False
    from dbt.parser.manifest import write_manifest  # imported already: the build just ran

    write_manifest(manifest, str(target_folder))
    return True
