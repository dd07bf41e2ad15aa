"""Which models and snapshots a transform rebuilds: those whose inputs changed since they were
last published, and everything downstream of them (docs/publishing.md#what-a-transform-rebuilds).

A node's inputs are the source tables it reads, directly or through other nodes, and the dbt
project itself. Each published node keeps, in `_publish.models` (transform/publish.py), the
fingerprint of each of its source tables and of the project as they were when it was built.
A transform compares them with today's and rebuilds a node when one differs, when the node was
never published, or when a node it reads is rebuilt. Nothing differs: nothing is rebuilt.

The fingerprint of a source table says whether what the models read of it changed:
- an application table (`sources.app__invoices`): the last load that changed a row of it
  (`platform.loads`) and its row count; a load that found nothing new leaves it as it was
  (a table `load` did not record, like any other table: its content);
- a table whose dbt source declares a `fingerprint` query in its `meta` (`{relation}` names
  the table): that query's rows, which say what the models read of it. The App's metadata
  declares its as-of month (an hour that changed no row rebuilds nothing); `platform.loads`,
  the as-of instants of the CRM's loads;
- an extraction's metadata (`sources.*__extract_metadata`, replaced at every load): its
  content, but for `_loaded_at`;
- any other table (`platform.month_closes`, ...): its content; a missing table is `absent`.

A model may also declare what it reads of a staging view (`meta.reads` in its yml: the view's
name and a query, `{relation}` naming the view as published): the calendar reads only the
months of the first and the last invoice. The query's rows then stand for that view, for the
model and everything downstream of it, in place of the view's sources: an hour of new invoices
within the same months rebuilds the view (and its tests) but not the calendar, nor the NPS
models that read the calendar. Such a view must read sources only. The query may name another
such view the model reads, by its model name in braces (`{staging__crm__extract_metadata}`):
the CRM matching takes only the users who had signed up by the CRM's extraction instant.

The graph comes from dbt's last parse of the same project (`dbt/graph.json` in the data
folder). Without it (a first transform, a changed project), every node is rebuilt.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from jump.data_platform.atomic import atomic_path
from jump.data_platform.errors import DataPlatformError
from jump.data_platform.lakehouse import quote_identifier, tables_of

GRAPH_VERSION = 3
# What the project's parse depends on (dbt's own folders; the artifacts live elsewhere).
PROJECT_FOLDERS = ("models", "macros", "tests", "snapshots", "seeds", "analyses")
PROJECT_FILES = ("dbt_project.yml", "profiles.yml", "packages.yml")
METADATA_SUFFIX = "__extract_metadata"
LOADED_AT = "_loaded_at"


def project_fingerprint(project_dir: Path) -> str:
    """A hash of every file of the dbt project that its parse reads."""
    digest = hashlib.sha256()
    paths = [project_dir / name for name in PROJECT_FILES]
    for folder in PROJECT_FOLDERS:
        paths.extend(sorted((project_dir / folder).rglob("*")))
    for path in paths:
        if path.is_file():
            digest.update(str(path.relative_to(project_dir)).encode())
            digest.update(b"\0")
            digest.update(path.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Node:
    """A model or snapshot of the dbt project, as the selection needs it."""

    unique_id: str
    name: str
    kind: str  # model or snapshot
    layer: str  # the schema it is published in (its `schema` config)
    relation: str  # its relation's name (alias)
    materialized: str
    parents: tuple[str, ...]  # models, snapshots and sources it reads
    # What it reads of some of its parents (views of sources): (parent, query) pairs.
    reads: tuple[tuple[str, str], ...] = ()

    @property
    def declared_parents(self) -> frozenset[str]:
        return frozenset(parent for parent, _ in self.reads)


def read_id(unique_id: str, parent: str) -> str:
    """The input that stands for what `unique_id` declares it reads of `parent`."""
    return f"reads:{unique_id}:{parent}"


@dataclass(frozen=True)
class Source:
    unique_id: str
    selector: str  # `source:app.invoices`
    schema: str
    identifier: str
    # Its freshness as the project configures it (None: not checked).
    loaded_at_field: str | None = None
    warn_after_seconds: float | None = None
    # What the models read of it (its `meta.fingerprint` query), when it says.
    fingerprint: str | None = None

    @property
    def display_name(self) -> str:
        """As dbt's freshness results name it: `app.invoices (sources.app__invoices)`."""
        return f"{self.selector.removeprefix('source:')} ({self.schema}.{self.identifier})"


@dataclass(frozen=True)
class Graph:
    """The dbt project's models, snapshots and sources, for one project fingerprint."""

    project: str
    nodes: Mapping[str, Node]
    sources: Mapping[str, Source]
    _upstream: dict[str, frozenset[str]] = field(default_factory=dict, compare=False)

    def upstream_sources(self, unique_id: str) -> frozenset[str]:
        """The source tables `unique_id` reads, directly or through other nodes."""
        if unique_id in self._upstream:
            return self._upstream[unique_id]
        node = self.nodes[unique_id]
        found: set[str] = set()
        for parent in node.parents:
            if parent in node.declared_parents:
                found.add(read_id(unique_id, parent))
            elif parent in self.sources:
                found.add(parent)
            elif parent in self.nodes:
                found |= self.upstream_sources(parent)
        self._upstream[unique_id] = frozenset(found)
        return self._upstream[unique_id]

    def to_json(self) -> str:
        return json.dumps(
            {
                "version": GRAPH_VERSION,
                "project": self.project,
                "nodes": [vars(node) for node in self.nodes.values()],
                "sources": [vars(source) for source in self.sources.values()],
            },
            indent=1,
        )

    @classmethod
    def from_json(cls, text: str) -> Graph:
        data = json.loads(text)
        if data.get("version") != GRAPH_VERSION:
            raise ValueError("another version of the graph")
        nodes = {
            item["unique_id"]: Node(
                **{
                    **item,
                    "parents": tuple(item["parents"]),
                    "reads": tuple((parent, query) for parent, query in item["reads"]),
                }
            )
            for item in data["nodes"]
        }
        sources = {item["unique_id"]: Source(**item) for item in data["sources"]}
        return cls(project=str(data["project"]), nodes=nodes, sources=sources)


def graph_of_manifest(manifest: Any, project: str) -> Graph:
    """The graph of a parsed dbt manifest (the `result` of `dbt parse`)."""
    nodes: dict[str, Node] = {}
    for unique_id, node in manifest.nodes.items():
        if node.resource_type not in ("model", "snapshot") or not node.config.enabled:
            continue
        nodes[unique_id] = Node(
            unique_id=unique_id,
            name=node.name,
            kind=str(node.resource_type),
            layer=str(node.config.schema or node.schema),
            relation=str(node.alias),
            materialized=str(node.config.materialized),
            parents=tuple(node.depends_on.nodes),
            reads=_declared_reads(manifest, node),
        )
    sources = {
        unique_id: Source(
            unique_id=unique_id,
            selector=f"source:{source.source_name}.{source.name}",
            schema=str(source.schema),
            identifier=str(source.identifier),
            loaded_at_field=getattr(source, "loaded_at_field", None),
            warn_after_seconds=_warn_after_seconds(source),
            fingerprint=(getattr(source, "meta", None) or {}).get("fingerprint"),
        )
        for unique_id, source in manifest.sources.items()
    }
    return Graph(project=project, nodes=nodes, sources=sources)


def _declared_reads(manifest: Any, node: Any) -> tuple[tuple[str, str], ...]:
    """A node's `meta.reads`, by parent unique id. Each named parent, and each view its query
    names in braces, must be a view of sources only that the node reads, so that the query's
    rows say all the node takes from it."""
    declared = (node.config.meta or {}).get("reads") or {}
    parents = {manifest.nodes[p].name: p for p in node.depends_on.nodes if p in manifest.nodes}

    def view_of_sources(name: str) -> Any:
        parent = manifest.nodes.get(parents.get(name, ""))
        if (
            parent is None
            or str(parent.config.materialized) != "view"
            or not all(p in manifest.sources for p in parent.depends_on.nodes)
        ):
            raise DataPlatformError(
                f"dbt model {node.name} declares what it reads of {name} (meta.reads in"
                f" {node.original_file_path}), which is not a view of sources it reads"
            )
        return parent

    reads: list[tuple[str, str]] = []
    for name, query in sorted(declared.items()):
        parent = view_of_sources(name)
        for other in _named_views(str(query)):
            view_of_sources(other)
        reads.append((parent.unique_id, str(query)))
    return tuple(reads)


def _named_views(query: str) -> set[str]:
    """The views a declared read's query names in braces, besides `{relation}` (its own)."""
    return {field for _, field, _, _ in string.Formatter().parse(query) if field} - {"relation"}


_PERIOD_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


def _warn_after_seconds(source: Any) -> float | None:
    threshold = getattr(getattr(source, "freshness", None), "warn_after", None)
    count, period = getattr(threshold, "count", None), getattr(threshold, "period", None)
    if not count or period is None:
        return None
    return float(count) * _PERIOD_SECONDS[str(getattr(period, "value", period))]


def stale_sources(
    connection: duckdb.DuckDBPyConnection, graph: Graph, now: dt.datetime
) -> list[tuple[Source, dt.timedelta | None]]:
    """The sources older than their `warn_after` (`now` and `_loaded_at` in naive UTC), with
    their age (None: the table has no row), as `dbt source freshness` finds them."""
    found: list[tuple[Source, dt.timedelta | None]] = []
    tables = tables_of(connection)
    for source in sorted(graph.sources.values(), key=lambda s: s.display_name):
        if source.warn_after_seconds is None or not source.loaded_at_field:
            continue
        if (source.schema, source.identifier) not in tables:
            continue
        row = connection.execute(
            f"select max({quote_identifier(source.loaded_at_field)}) from"
            f" {quote_identifier(source.schema)}.{quote_identifier(source.identifier)}"
        ).fetchone()
        loaded_at = row[0] if row else None
        if loaded_at is None:
            found.append((source, None))
        elif (now - loaded_at).total_seconds() > source.warn_after_seconds:
            found.append((source, now - loaded_at))
    return found


def save_graph(path: Path, graph: Graph) -> None:
    with atomic_path(path) as temporary:
        temporary.write_text(graph.to_json(), encoding="utf-8")


def load_graph(path: Path, project: str | None) -> Graph | None:
    """The graph saved by the last parse, if it was of this very project (any project when
    None)."""
    try:
        graph = Graph.from_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return graph if project is None or graph.project == project else None


def incremental_models(graph: Graph | None) -> set[str]:
    """The names of the incremental models: dbt updates them where they are."""
    if graph is None:
        return set()
    return {node.name for node in graph.nodes.values() if node.materialized == "incremental"}


def source_fingerprints(
    connection: duckdb.DuckDBPyConnection, sources: Iterable[Source]
) -> dict[str, str]:
    """Each source table's fingerprint, by unique id (see the module's docstring)."""
    last_change: dict[str, int] = {}
    tables = tables_of(connection)
    if ("platform", "loads") in tables:
        try:
            rows = connection.execute(
                "select table_name, max(load_id) from platform.loads"
                " where mode = 'full' or rows_inserted + rows_updated + rows_deleted > 0"
                " group by table_name"
            ).fetchall()
        except duckdb.BinderException:  # a record not written by `load`: read the tables
            rows = []
        last_change = {str(name): int(load) for name, load in rows}
    fingerprints: dict[str, str] = {}
    for source in sources:
        relation = f"{source.schema}.{source.identifier}"
        if (source.schema, source.identifier) not in tables:
            fingerprints[source.unique_id] = "absent"
        elif source.identifier in last_change and not source.identifier.endswith(METADATA_SUFFIX):
            # Its row count too (DuckDB knows it without a scan): a table emptied or filled
            # by hand, outside `load`, is seen as changed.
            counted = connection.execute(
                f"select count(*) from {quote_identifier(source.schema)}."
                f"{quote_identifier(source.identifier)}"
            ).fetchone()
            count = counted[0] if counted else 0
            fingerprints[source.unique_id] = f"load {last_change[source.identifier]} rows {count}"
        elif source.fingerprint:
            fingerprints[source.unique_id] = _declared_content(connection, source, relation)
        else:
            fingerprints[source.unique_id] = _content(connection, relation, exclude=LOADED_AT)
    return fingerprints


def input_fingerprints(connection: duckdb.DuckDBPyConnection, graph: Graph) -> dict[str, str]:
    """The fingerprint of every input of the graph's nodes, as published: its sources, and
    what a node declares it reads of a view (read_fingerprints)."""
    return {
        **source_fingerprints(connection, graph.sources.values()),
        **read_fingerprints(connection, graph),
    }


def read_fingerprints(
    connection: duckdb.DuckDBPyConnection,
    graph: Graph,
    schema_for: Callable[[str, str], str] | None = None,
) -> dict[str, str]:
    """What each node declares it reads of a view: the rows of its query on the view (and on
    any other view it names), in the schema `schema_for(layer, relation)` names (default: the
    published one); `absent` when the query cannot run (no such view yet)."""

    def relation_of(view: Node) -> str:
        schema = schema_for(view.layer, view.relation) if schema_for else view.layer
        return f"{quote_identifier(schema)}.{quote_identifier(view.relation)}"

    fingerprints: dict[str, str] = {}
    for unique_id, node in graph.nodes.items():
        for parent, query in node.reads:
            views = {
                graph.nodes[other].name: relation_of(graph.nodes[other])
                for other in node.parents
                if other in graph.nodes
            }
            statement = query.format(**views, relation=relation_of(graph.nodes[parent]))
            try:
                content = _content(connection, f"({statement})")
            except duckdb.Error:
                content = "absent"
            fingerprints[read_id(unique_id, parent)] = content
    return fingerprints


def _declared_content(connection: duckdb.DuckDBPyConnection, source: Source, relation: str) -> str:
    """The content of what the source's `fingerprint` query reads; its whole content should
    the query not apply (a table made by hand, without the columns it names)."""
    assert source.fingerprint is not None
    quoted = f"{quote_identifier(source.schema)}.{quote_identifier(source.identifier)}"
    try:
        return _content(connection, f"({source.fingerprint.format(relation=quoted)})")
    except duckdb.Error:
        return _content(connection, relation, exclude=LOADED_AT)


def _content(connection: duckdb.DuckDBPyConnection, relation: str, exclude: str = "") -> str:
    """Rows and a hash of their content, whatever their order (`exclude`: a column left out
    when the relation has it)."""
    if not relation.startswith("("):
        schema, name = relation.split(".", 1)
        relation = f"{quote_identifier(schema)}.{quote_identifier(name)}"
    query = "select count(*), coalesce(sum(hash(t)), 0)::varchar from {} as t"
    try:
        row = connection.execute(
            query.format(f"(select * exclude ({quote_identifier(exclude)}) from {relation})")
            if exclude
            else query.format(relation)
        ).fetchone()
    except duckdb.BinderException:  # no such column to leave out
        row = connection.execute(query.format(relation)).fetchone()
    assert row is not None
    return f"rows {row[0]} hash {row[1]}"


@dataclass(frozen=True)
class BuiltState:
    """What a published node was built from."""

    project: str
    inputs: Mapping[str, str]  # source unique id -> fingerprint


def nodes_to_rebuild(
    graph: Graph,
    built: Mapping[str, BuiltState],
    fingerprints: Mapping[str, str],
    candidates: Iterable[str] | None = None,
) -> set[str]:
    """The nodes (of `candidates`, default all) whose inputs changed since they were built,
    and every node downstream of one."""
    memo: dict[str, bool] = {}

    def stale(unique_id: str) -> bool:
        if unique_id in memo:
            return memo[unique_id]
        memo[unique_id] = False  # a cycle cannot happen in dbt; this ends it anyway
        state = built.get(unique_id)
        result = (
            state is None
            or state.project != graph.project
            or any(
                state.inputs.get(source) != fingerprints.get(source)
                for source in graph.upstream_sources(unique_id)
            )
            or any(
                stale(parent)
                for parent in graph.nodes[unique_id].parents
                if parent in graph.nodes and parent not in graph.nodes[unique_id].declared_parents
            )
        )
        memo[unique_id] = result
        return result

    pool = graph.nodes if candidates is None else [c for c in candidates if c in graph.nodes]
    return {unique_id for unique_id in pool if stale(unique_id)}


def inputs_of(graph: Graph, unique_id: str, fingerprints: Mapping[str, str]) -> dict[str, str]:
    """The fingerprints a node is built from, to record when it is published."""
    return {
        source: fingerprints.get(source, "absent")
        for source in sorted(graph.upstream_sources(unique_id))
    }
