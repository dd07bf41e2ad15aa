"""Which figures a close freezes: read from the dbt project's `closed_marts` variable, the one
list the marts' macro (dbt/macros/closed_figures.sql) reads too."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from jump.data_platform.errors import DataPlatformError
from jump.data_platform.lakehouse import quote_identifier
from jump.data_platform.transform.dbt_project import PROJECT_FILE

VARIABLE = "closed_marts"


@dataclass(frozen=True)
class ClosedMart:
    """A monthly mart's figures: one per row key (an SQL expression) and measure."""

    name: str  # in the schema `marts`
    key: str
    measures: tuple[str, ...]


def closed_marts(project_dir: Path) -> list[ClosedMart]:
    """The monthly marts a close freezes, as the dbt project declares them."""
    path = project_dir / PROJECT_FILE
    try:
        declared = yaml.safe_load(path.read_text(encoding="utf-8"))["vars"][VARIABLE]
        return [
            ClosedMart(name, str(spec["key"]), tuple(spec["measures"]))
            for name, spec in declared.items()
        ]
    except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError) as error:
        raise DataPlatformError(
            f"{path} declares no vars.{VARIABLE} (the figures a month close freezes): {error}"
        ) from error


def figures_query(marts: list[ClosedMart]) -> str:
    """Every figure of the month `?` (one parameter per mart), as rows of
    (mart, figure_key, measure, value), read from the published marts."""
    parts = [
        f"select '{mart.name}' as mart, cast({mart.key} as varchar) as figure_key,"
        f" '{measure}' as measure, cast({quote_identifier(measure)} as decimal(18, 2)) as value"
        f" from marts.{quote_identifier(mart.name)} where month = ?"
        for mart in marts
        for measure in mart.measures
    ]
    return "\nunion all\n".join(parts)
