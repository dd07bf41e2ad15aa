"""Where each model is built, set on dbt's parsed project rather than parsed into it.

A transform builds each model it rebuilds into a slot readers do not see (publish.BuildPlan).
dbt fixes a node's schema when it parses (generate_schema_name), and parses the whole project
again whenever an environment variable that macro reads changes: with one combination of slots
per set of rebuilt models, nearly every partial transform paid a full parse (3 to 6 s at scale
100). So the transform parses with one fixed environment, in which every layer's schema is a
placeholder (`_unassigned_<layer>`), keeps dbt's partial parse valid from run to run, and sets
each model's schema on the parsed manifest as generate_schema_name would from the plan's
environment (which dbt run by hand, or by Dagster, still reads). A node left with a
placeholder stops the transform before dbt builds anything.
"""

from __future__ import annotations

import json
from typing import Any

from jump.data_platform.errors import DataPlatformError
from jump.data_platform.transform.layers import LAYERS
from jump.data_platform.transform.publish import (
    MODEL_SCHEMAS_VARIABLE,
    BuildPlan,
    schema_variable,
)

UNASSIGNED_PREFIX = "_unassigned_"
BUILT_KINDS = ("model", "snapshot")


def parse_environment() -> dict[str, str]:
    """The variables of generate_schema_name for the parse: the same at every transform."""
    return {
        MODEL_SCHEMAS_VARIABLE: json.dumps({}),
        **{schema_variable(layer): f"{UNASSIGNED_PREFIX}{layer}" for layer in LAYERS},
    }


def schema_in_plan(plan: BuildPlan, name: str, layer: str) -> str:
    """generate_schema_name with the plan's environment: the model's own schema, else the
    layer's schema for a model never published, else the layer's name."""
    return plan.schemas.get(name, plan.defaults.get(layer, layer))


def assign_schemas(manifest: Any, plan: BuildPlan) -> None:
    """Set on every model and snapshot of a parsed manifest the schema the plan gives it."""
    for node in manifest.nodes.values():
        if node.resource_type not in BUILT_KINDS or not node.config.schema:
            continue
        schema = schema_in_plan(plan, node.name, str(node.config.schema).strip())
        node.schema = schema
        node.relation_name = ".".join(
            f'"{part}"' for part in (node.database, schema, node.alias) if part
        )
        if schema.startswith(UNASSIGNED_PREFIX):
            raise DataPlatformError(f"no schema to build {node.name} into: the plan names none")
    # The `graph` of dbt's Jinja context is a copy of the nodes made at parse time.
    manifest.build_flat_graph()


def assign_published_schemas(manifest: Any) -> None:
    """Set on every model and snapshot the schema readers see it in: its layer's (the views of
    the published slot), as generate_schema_name gives without the transform's environment."""
    assign_schemas(manifest, BuildPlan(layers=(), schemas={}, defaults={}))
