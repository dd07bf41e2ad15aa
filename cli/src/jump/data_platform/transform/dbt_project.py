"""Find the dbt project: an explicit folder, else the nearest `dbt/` of the checkout or image."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from jump.data_platform.errors import DataPlatformError

PROJECT_ENV_VAR = "DATA_PLATFORM_DBT_PROJECT"
PROJECT_FILE = "dbt_project.yml"
# Where the Docker image copies the project (its Dockerfile also sets PROJECT_ENV_VAR).
IMAGE_PROJECT_DIR = Path("/app/dbt")


def _candidates(start: Path) -> Iterable[Path]:
    """`start` itself when it is the project, then `<folder>/dbt` for start and each parent."""
    yield start
    for folder in (start, *start.parents):
        yield folder / "dbt"


def find_dbt_project(explicit: Path | None = None, cwd: Path | None = None) -> Path:
    """The folder holding `dbt_project.yml`, absolute.

    `explicit` (the `--project-dir` option or the environment variable) must be a project. Else the
    first `dbt/dbt_project.yml` found walking up from the current folder, then from this package's
    location (a checkout with an editable install), then the Docker image's folder.
    """
    if explicit is not None:
        if not (explicit / PROJECT_FILE).is_file():
            raise DataPlatformError(f"no dbt project in {explicit}: {PROJECT_FILE} is missing")
        return explicit.resolve()
    starts = [(cwd or Path.cwd()).resolve(), Path(__file__).resolve().parent]
    for start in starts:
        for candidate in _candidates(start):
            if (candidate / PROJECT_FILE).is_file():
                return candidate
    if (IMAGE_PROJECT_DIR / PROJECT_FILE).is_file():
        return IMAGE_PROJECT_DIR
    raise DataPlatformError(
        f"no dbt project found (no dbt/{PROJECT_FILE} above {starts[0]}): "
        f"pass --project-dir or set {PROJECT_ENV_VAR}"
    )
