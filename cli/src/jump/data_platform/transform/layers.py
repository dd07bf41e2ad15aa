"""The layers dbt builds, in the order data flows through them (after the loaded `sources`).

Each is one schema of the lakehouse named exactly after it (dbt/macros/generate_schema_name.sql)
and one tag of the dbt project (dbt/dbt_project.yml), by which `transform --layers` selects.
"""

from __future__ import annotations

LAYERS: tuple[str, ...] = ("staging", "intermediate", "marts")
