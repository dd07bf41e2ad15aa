"""Where each model is built, set on dbt's parsed project (transform/node_schemas.py): as the
project's generate_schema_name would set it from the plan's environment."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from jump.data_platform.errors import DataPlatformError
from jump.data_platform.transform.layers import LAYERS
from jump.data_platform.transform.node_schemas import (
    UNASSIGNED_PREFIX,
    assign_schemas,
    parse_environment,
)
from jump.data_platform.transform.publish import BuildPlan, schema_variable


def _node(name: str, kind: str = "model", schema: str | None = None) -> Any:
    layer = schema or name.split("__")[0]
    return SimpleNamespace(
        name=name,
        resource_type=kind,
        database="lakehouse",
        alias=name.split("__", 1)[1],
        schema=f"{UNASSIGNED_PREFIX}{layer}",
        relation_name=None,
        config=SimpleNamespace(schema=layer),
    )


class _Manifest:
    def __init__(self, *nodes: Any) -> None:
        self.nodes = {f"{node.resource_type}.p.{node.name}": node for node in nodes}
        self.flat_graph_built = False

    def build_flat_graph(self) -> None:
        self.flat_graph_built = True


def test_each_model_gets_its_slot_and_a_new_one_its_layers_default() -> None:
    plan = BuildPlan(
        layers=("marts",),
        schemas={"marts__nps": "marts__slot_b", "staging__users": "staging__slot_a"},
        defaults={"marts": "marts__slot_a"},
    )
    nps, new, users = _node("marts__nps"), _node("marts__new"), _node("staging__users")
    test = SimpleNamespace(name="unique_x", resource_type="test", schema="t", config=None)
    manifest = _Manifest(nps, new, users, test)
    assign_schemas(manifest, plan)
    assert (nps.schema, new.schema, users.schema) == (
        "marts__slot_b",
        "marts__slot_a",
        "staging__slot_a",
    )
    assert nps.relation_name == '"lakehouse"."marts__slot_b"."nps"'
    assert test.schema == "t" and manifest.flat_graph_built


def test_a_model_the_plan_cannot_place_stops_the_build() -> None:
    plan = BuildPlan(layers=(), schemas={}, defaults={"staging": "_unassigned_staging"})
    with pytest.raises(DataPlatformError, match="no schema to build staging__users"):
        assign_schemas(_Manifest(_node("staging__users")), plan)


def test_the_parse_places_no_model_where_readers_read() -> None:
    """Parsed with the fixed environment, a model not placed by the plan would be built in a
    placeholder schema, never in a published one (the layer's name)."""
    environment = parse_environment()
    assert environment["DATA_PLATFORM_MODEL_SCHEMAS"] == "{}"
    for layer in LAYERS:
        assert environment[schema_variable(layer)] == f"{UNASSIGNED_PREFIX}{layer}"
