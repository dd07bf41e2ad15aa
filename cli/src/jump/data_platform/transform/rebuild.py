"""A transform that rebuilds what changed, as dbt sees it: which nodes to build (from
selection.py's fingerprints), what `dbt build` selects, what publishing records of the nodes it
built, and the run of a transform that found nothing to build."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb

from jump.data_platform.lakehouse import open_lakehouse
from jump.data_platform.reporting import describe_age
from jump.data_platform.settings import Settings
from jump.data_platform.transform import publish, selection
from jump.data_platform.transform.layers import LAYERS
from jump.data_platform.transform.run_record import NodeOutcome, TransformRun, utc_now
from jump.data_platform.transform.standing_warnings import standing_warnings


def built_nodes(
    results: Sequence[Any],
    graph: selection.Graph | None,
    fingerprints: Mapping[str, str],
) -> list[publish.BuiltNode]:
    """The models and snapshots dbt built, where, and from what: what publishing makes
    visible and records."""
    built: list[publish.BuiltNode] = []
    for result in results:
        node = result.node
        if node.resource_type not in ("model", "snapshot") or str(result.status) != "success":
            continue
        layer = str(node.config.get("schema") or node.schema)
        known = graph is not None and node.unique_id in graph.nodes
        built.append(
            publish.BuiltNode(
                name=node.name,
                layer=layer,
                relation=node.alias,
                schema=node.schema,
                materialized=str(node.config.materialized),
                inputs=selection.inputs_of(graph, node.unique_id, fingerprints)
                if graph is not None and known
                else {},
                project=graph.project if graph is not None and known else "",
            )
        )
    return built


def nodes_to_rebuild(
    lakehouse: Path, graph: selection.Graph | None, layers: Sequence[str], full_refresh: bool
) -> tuple[set[str] | None, dict[str, str]]:
    """The models and snapshots whose inputs changed since they were published (and those
    downstream), by dbt node name, and the source fingerprints that says so; None to build
    all of `layers` (no fingerprints yet): a full refresh, a part of the layers asked for by
    name, a project changed since its last parse (no `graph`)."""
    if full_refresh or set(layers) != set(LAYERS) or graph is None:
        return None, {}
    with open_lakehouse(lakehouse, read_only=True) as connection:
        published = publish.read_published_nodes(connection)
        fingerprints = selection.input_fingerprints(connection, graph)
    built = {
        unique_id: published[node.name].state
        for unique_id, node in graph.nodes.items()
        if node.name in published
    }
    stale = selection.nodes_to_rebuild(graph, built, fingerprints)
    return {graph.nodes[unique_id].name for unique_id in stale}, fingerprints


def nothing_changed(
    settings: Settings, lakehouse: Path, graph: selection.Graph, run: TransformRun
) -> None:
    """No input of any published model changed: nothing to build, test or publish. The run
    still says which sources are stale, and carries the published state's warnings."""
    run.layers = ()
    run.up_to_date = True
    run.warned.extend(standing_warnings(settings.standing_warnings_file, ()))
    with open_lakehouse(lakehouse, read_only=True) as connection:
        record_stale_sources(connection, graph, run)


def record_stale_sources(
    connection: duckdb.DuckDBPyConnection, graph: selection.Graph, run: TransformRun
) -> None:
    """The sources older than their `warn_after`, into `run`, as `dbt source freshness` says
    it (dbt's own command costs a second of start-up for one query per source)."""
    for source, age in selection.stale_sources(connection, graph, utc_now()):
        problem = (
            "has no row: its freshness is unknown"
            if age is None
            else f"is stale: loaded {describe_age(age)} ago"
        )
        run.stale_sources.append(NodeOutcome(source.display_name, "warn", problem))


def selection_arguments(plan: publish.BuildPlan, graph: selection.Graph) -> list[str]:
    """What `dbt build` selects. A full build: every node of the plan's layers, and a test
    only when every model it reads is selected (cautious). A partial one: the nodes to
    rebuild, the sources they read (for the sources' own tests), and every test whose models
    are rebuilt or read by what is (buildable): only the tests on what was rebuilt run."""
    if plan.full:
        selected = [f"tag:{layer}" for layer in plan.layers]
        return ["--select", *selected, "--indirect-selection", "cautious"]
    assert plan.selected is not None
    nodes = [node for node in graph.nodes.values() if node.name in plan.selected]
    sources = sorted(
        {
            graph.sources[parent].selector
            for node in nodes
            for parent in node.parents
            if parent in graph.sources
        }
    )
    names = sorted(node.name for node in nodes)
    return ["--select", *names, *sources, "--indirect-selection", "buildable"]
