"""What a transform rebuilds (transform/selection.py): the nodes whose inputs changed, and what
is downstream of them; nothing when nothing changed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest
import yaml

from jump.data_platform.errors import DataPlatformError
from jump.data_platform.transform.dbt_project import find_dbt_project
from jump.data_platform.transform.selection import (
    BuiltState,
    Graph,
    Node,
    Source,
    graph_of_manifest,
    load_graph,
    nodes_to_rebuild,
    project_fingerprint,
    read_fingerprints,
    read_id,
    save_graph,
    source_fingerprints,
    stale_sources,
)

APP_INVOICES = Source("source.p.app.invoices", "source:app.invoices", "sources", "app__invoices")
CRM_CUSTOMERS = Source(
    "source.p.crm.customers", "source:crm.customers", "sources", "crm__customers"
)
APP_METADATA = Source(
    "source.p.app.extract_metadata",
    "source:app.extract_metadata",
    "sources",
    "app__extract_metadata",
)
LOADS = Source("source.p.platform.loads", "source:platform.loads", "platform", "loads")


def _declared(source: Source, yml: str) -> Source:
    """`source` with the fingerprint the dbt project declares for it in `yml`."""
    project = yaml.safe_load((find_dbt_project() / "models" / "staging" / yml).read_text())
    name, table = source.selector.removeprefix("source:").split(".")
    (declared,) = [
        t
        for s in project["sources"]
        if s["name"] == name
        for t in s["tables"]
        if t["name"] == table
    ]
    return Source(**{**vars(source), "fingerprint": declared["config"]["meta"]["fingerprint"]})


def _model(name: str, *parents: str) -> Node:
    layer = name.split("__")[0]
    return Node(f"model.p.{name}", name, "model", layer, name.split("__", 1)[1], "table", parents)


def _graph(project: str = "p1") -> Graph:
    nodes = [
        _model("staging__invoices", APP_INVOICES.unique_id),
        _model("staging__customers", CRM_CUSTOMERS.unique_id),
        _model("intermediate__months", "model.p.staging__invoices", APP_METADATA.unique_id),
        _model("marts__turnover", "model.p.intermediate__months", "model.p.staging__invoices"),
        _model("marts__nps", "model.p.staging__customers", LOADS.unique_id),
    ]
    sources = [APP_INVOICES, CRM_CUSTOMERS, APP_METADATA, LOADS]
    return Graph(
        project=project,
        nodes={node.unique_id: node for node in nodes},
        sources={source.unique_id: source for source in sources},
    )


FINGERPRINTS = {
    APP_INVOICES.unique_id: "load 1",
    CRM_CUSTOMERS.unique_id: "load 1",
    APP_METADATA.unique_id: "rows 1 hash 1",
    LOADS.unique_id: "rows 2 hash 2",
}


def _built(graph: Graph, fingerprints: dict[str, str]) -> dict[str, BuiltState]:
    return {
        unique_id: BuiltState(
            graph.project,
            {source: fingerprints[source] for source in graph.upstream_sources(unique_id)},
        )
        for unique_id in graph.nodes
    }


def _names(unique_ids: set[str]) -> list[str]:
    return sorted(unique_id.split(".")[-1] for unique_id in unique_ids)


def test_nothing_is_rebuilt_when_nothing_changed() -> None:
    graph = _graph()
    assert nodes_to_rebuild(graph, _built(graph, FINGERPRINTS), FINGERPRINTS) == set()


def test_a_changed_source_rebuilds_what_reads_it_and_nothing_else() -> None:
    graph = _graph()
    built = _built(graph, FINGERPRINTS)
    crm = {**FINGERPRINTS, CRM_CUSTOMERS.unique_id: "load 2"}
    assert _names(nodes_to_rebuild(graph, built, crm)) == ["marts__nps", "staging__customers"]
    app = {**FINGERPRINTS, APP_INVOICES.unique_id: "load 2"}
    assert _names(nodes_to_rebuild(graph, built, app)) == [
        "intermediate__months",
        "marts__turnover",
        "staging__invoices",
    ]
    as_of = {**FINGERPRINTS, APP_METADATA.unique_id: "rows 1 hash 9"}
    assert _names(nodes_to_rebuild(graph, built, as_of)) == [
        "intermediate__months",
        "marts__turnover",
    ]


def test_a_node_never_published_or_of_another_project_is_rebuilt_with_what_is_downstream() -> None:
    graph = _graph()
    built = _built(graph, FINGERPRINTS)
    del built["model.p.intermediate__months"]
    assert _names(nodes_to_rebuild(graph, built, FINGERPRINTS)) == [
        "intermediate__months",
        "marts__turnover",
    ]
    assert len(nodes_to_rebuild(_graph("p2"), _built(graph, FINGERPRINTS), FINGERPRINTS)) == 5


def _lakehouse(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(str(tmp_path / "lakehouse.duckdb"))
    connection.execute("create schema sources; create schema platform")
    connection.execute(
        "create table platform.loads (load_id bigint, source varchar, as_of varchar,"
        " table_name varchar, mode varchar, rows_inserted bigint, rows_updated bigint,"
        " rows_deleted bigint)"
    )
    connection.execute("create table sources.app__invoices (id bigint, _loaded_at timestamp)")
    connection.execute(
        "create table sources.app__extract_metadata"
        " (as_of varchar, extracted_at varchar, _loaded_at timestamp)"
    )
    return connection


def _load(connection: duckdb.DuckDBPyConnection, load_id: int, changed: int, as_of: str) -> None:
    """One load: the invoices (`changed` rows) and the metadata, replaced whole."""
    connection.execute(
        "insert into platform.loads values (?, 'app', ?, 'app__invoices', ?, ?, 0, 0),"
        " (?, 'app', ?, 'app__extract_metadata', 'full', 1, 0, 1)",
        [load_id, as_of, "full" if load_id == 1 else "incremental", changed, load_id, as_of],
    )
    connection.execute("delete from sources.app__extract_metadata")
    connection.execute(
        "insert into sources.app__extract_metadata values (?, ?, now()::timestamp)", [as_of, as_of]
    )


def test_a_load_that_found_nothing_new_changes_no_fingerprint(tmp_path: Path) -> None:
    connection = _lakehouse(tmp_path)
    sources = [APP_INVOICES, APP_METADATA, _declared(LOADS, "_platform.yml"), CRM_CUSTOMERS]
    _load(connection, 1, 10, "2026-01-01T10:00:00+01:00")
    first = source_fingerprints(connection, sources)
    assert first[APP_INVOICES.unique_id] == "load 1 rows 0"
    assert first[CRM_CUSTOMERS.unique_id] == "absent"
    # The same extract loaded again: nothing changed, though the metadata was replaced.
    _load(connection, 2, 0, "2026-01-01T10:00:00+01:00")
    assert source_fingerprints(connection, sources) == first
    # A row written by hand, outside `load`.
    connection.execute("insert into sources.app__invoices values (1, now()::timestamp)")
    by_hand = source_fingerprints(connection, sources)
    assert by_hand[APP_INVOICES.unique_id] == "load 1 rows 1"
    # A later extract: new rows, a new as-of (the loads' record: only the CRM's as-ofs count).
    _load(connection, 3, 5, "2026-01-01T11:00:00+01:00")
    later = source_fingerprints(connection, sources)
    assert {key for key in first if first[key] != later[key]} == {
        APP_INVOICES.unique_id,
        APP_METADATA.unique_id,
    }


def test_the_graph_is_kept_for_its_project_only(tmp_path: Path) -> None:
    path = tmp_path / "graph.json"
    save_graph(path, _graph("p1"))
    assert load_graph(path, "p1") == _graph("p1")
    assert load_graph(path, "p2") is None
    path.write_text("{", encoding="utf-8")
    assert load_graph(path, "p1") is None


def test_the_project_fingerprint_follows_every_file_of_the_project(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "dbt_project.yml").write_text("name: p\n", encoding="utf-8")
    (tmp_path / "models" / "a.sql").write_text("select 1", encoding="utf-8")
    before = project_fingerprint(tmp_path)
    assert project_fingerprint(tmp_path) == before
    (tmp_path / "models" / "a.sql").write_text("select 2", encoding="utf-8")
    assert project_fingerprint(tmp_path) != before


def test_a_source_older_than_its_warn_after_is_stale(tmp_path: Path) -> None:
    connection = _lakehouse(tmp_path)
    connection.execute("insert into sources.app__invoices values (1, '2026-01-01 10:00:00')")
    fresh = Source(
        **{**vars(APP_INVOICES), "loaded_at_field": "_loaded_at", "warn_after_seconds": 86400.0}
    )
    graph = Graph("p", {}, {fresh.unique_id: fresh})
    assert stale_sources(connection, graph, dt.datetime(2026, 1, 2, 9)) == []
    assert stale_sources(connection, graph, dt.datetime(2026, 1, 3, 10)) == [
        (fresh, dt.timedelta(days=2))
    ]
    connection.execute("delete from sources.app__invoices")
    assert stale_sources(connection, graph, dt.datetime(2026, 1, 3)) == [(fresh, None)]


def test_an_hour_that_changed_no_row_changes_no_fingerprint(tmp_path: Path) -> None:
    """The models read the App's as-of month and the CRM's as-of instants: a night hour (a new
    App as-of, no row changed) rebuilds nothing; a new month, or a CRM load, does."""
    connection = _lakehouse(tmp_path)
    app_metadata = _declared(APP_METADATA, "_sources.yml")
    loads = _declared(LOADS, "_platform.yml")
    sources = [APP_INVOICES, app_metadata, loads]
    _load(connection, 1, 10, "2026-01-31T22:00:00+01:00")
    first = source_fingerprints(connection, sources)
    _load(connection, 2, 0, "2026-01-31T23:00:00+01:00")
    assert source_fingerprints(connection, sources) == first
    _load(connection, 3, 0, "2026-02-01T00:00:00+01:00")
    next_month = source_fingerprints(connection, sources)
    assert {key for key in first if first[key] != next_month[key]} == {app_metadata.unique_id}
    connection.execute(
        "insert into platform.loads values (4, 'crm', '2026-02-01T01:00:00+01:00',"
        " 'crm__customers', 'incremental', 0, 0, 0)"
    )
    assert source_fingerprints(connection, sources)[loads.unique_id] != next_month[loads.unique_id]


MONTHS_READ = "select min(issue_date) from {relation}"


def _graph_with_a_declared_read() -> Graph:
    """The calendar declares what it reads of the invoices' staging view (meta.reads)."""
    graph = _graph()
    months = graph.nodes["model.p.intermediate__months"]
    reads = (("model.p.staging__invoices", MONTHS_READ),)
    nodes = {**graph.nodes, months.unique_id: Node(**{**vars(months), "reads": reads})}
    return Graph(graph.project, nodes, graph.sources)


def test_a_declared_read_stands_for_the_view_downstream() -> None:
    graph = _graph_with_a_declared_read()
    read = read_id("model.p.intermediate__months", "model.p.staging__invoices")
    assert graph.upstream_sources("model.p.intermediate__months") == {
        read,
        APP_METADATA.unique_id,
    }
    fingerprints = {**FINGERPRINTS, read: "rows 1 hash 1"}
    built = _built(graph, fingerprints)
    # New invoices, the same first date: the view and what reads it whole are rebuilt, not the
    # calendar.
    new_invoices = {**fingerprints, APP_INVOICES.unique_id: "load 2"}
    assert _names(nodes_to_rebuild(graph, built, new_invoices)) == [
        "marts__turnover",
        "staging__invoices",
    ]
    moved = {**new_invoices, read: "rows 1 hash 2"}
    assert _names(nodes_to_rebuild(graph, built, moved)) == [
        "intermediate__months",
        "marts__turnover",
        "staging__invoices",
    ]
    assert Graph.from_json(graph.to_json()) == graph  # kept for the next transform


def test_a_declared_read_runs_on_the_view_where_it_is(tmp_path: Path) -> None:
    graph = _graph_with_a_declared_read()
    read = read_id("model.p.intermediate__months", "model.p.staging__invoices")
    connection = duckdb.connect(str(tmp_path / "lakehouse.duckdb"))
    assert read_fingerprints(connection, graph) == {read: "absent"}  # never published
    connection.execute("create schema staging; create schema staging_b")
    connection.execute("create view staging.invoices as select date '2024-01-05' as issue_date")
    connection.execute("create view staging_b.invoices as select date '2024-02-01' as issue_date")
    published = read_fingerprints(connection, graph)[read]
    assert published.startswith("rows 1 hash ")
    assert read_fingerprints(connection, graph, lambda layer, name: "staging_b") != {
        read: published
    }


def _manifest(
    materialized: str, view_parents: list[str], query: str = MONTHS_READ
) -> SimpleNamespace:
    """A parsed dbt manifest as graph_of_manifest reads it: a view and a model reading it."""

    def node(name: str, parents: list[str], materialized: str, meta: dict[str, object]) -> object:
        return SimpleNamespace(
            unique_id=f"model.p.{name}",
            name=name,
            resource_type="model",
            schema=name.split("__")[0],
            alias=name.split("__", 1)[1],
            original_file_path=f"models/{name}.sql",
            depends_on=SimpleNamespace(nodes=parents),
            config=SimpleNamespace(
                enabled=True, schema=name.split("__")[0], materialized=materialized, meta=meta
            ),
        )

    view = node("staging__invoices", view_parents, materialized, {})
    months = node(
        "intermediate__months",
        ["model.p.staging__invoices"],
        "table",
        {"reads": {"staging__invoices": query}},
    )
    source = SimpleNamespace(
        source_name="app", name="invoices", schema="sources", identifier="app__invoices", meta={}
    )
    return SimpleNamespace(
        nodes={n.unique_id: n for n in (view, months)},  # type: ignore[attr-defined]
        sources={APP_INVOICES.unique_id: source},
    )


def test_a_declared_read_is_of_a_view_of_sources_only() -> None:
    graph = graph_of_manifest(_manifest("view", [APP_INVOICES.unique_id]), "p")
    months = graph.nodes["model.p.intermediate__months"]
    assert months.reads == (("model.p.staging__invoices", MONTHS_READ),)
    with pytest.raises(DataPlatformError, match="intermediate__months declares what it reads"):
        graph_of_manifest(_manifest("table", [APP_INVOICES.unique_id]), "p")


def test_a_declared_read_names_only_views_of_sources_it_reads() -> None:
    # `{staging__invoices}` names its own view again: allowed; a view it does not read is not.
    again = f"{MONTHS_READ} where issue_date <= (select max(issue_date) from {{staging__invoices}})"
    graph = graph_of_manifest(_manifest("view", [APP_INVOICES.unique_id], again), "p")
    assert graph.nodes["model.p.intermediate__months"].reads[0][1] == again
    unread = f"{MONTHS_READ} where issue_date <= (select max(day) from {{staging__calendar}})"
    with pytest.raises(DataPlatformError, match="reads of staging__calendar"):
        graph_of_manifest(_manifest("view", [APP_INVOICES.unique_id], unread), "p")


CUT_READ = (
    "select issue_date from {relation}"
    " where issue_date <= (select max(extracted_on) from {staging__customers})"
)


def test_a_declared_read_may_name_another_view_the_model_reads(tmp_path: Path) -> None:
    """The CRM matching's form: what a model takes of one view depends on another view it
    reads (the users signed up by the CRM's extraction); both are read where they are."""
    graph = _graph()
    months = graph.nodes["model.p.intermediate__months"]
    reads = (("model.p.staging__invoices", CUT_READ),)
    parents = (*months.parents, "model.p.staging__customers")
    months = Node(**{**vars(months), "parents": parents, "reads": reads})
    graph = Graph(graph.project, {**graph.nodes, months.unique_id: months}, graph.sources)
    read = read_id("model.p.intermediate__months", "model.p.staging__invoices")
    connection = duckdb.connect(str(tmp_path / "lakehouse.duckdb"))
    for schema, cut in (("staging", "2024-01-31"), ("staging_b", "2024-01-01")):
        connection.execute(f"create schema {schema}")
        connection.execute(
            f"create view {schema}.invoices as"
            " select * from (values (date '2024-01-05'), (date '2023-12-01')) as t(issue_date)"
        )
        connection.execute(f"create view {schema}.customers as select date '{cut}' as extracted_on")
    assert read_fingerprints(connection, graph)[read].startswith("rows 2 hash ")
    # Only the customers' view differs in staging_b, and the read follows it there.
    elsewhere = read_fingerprints(connection, graph, lambda layer, name: "staging_b")[read]
    assert elsewhere.startswith("rows 1 hash ")
    # The customers' view is still an input of its own: a change to it rebuilds the calendar.
    assert CRM_CUSTOMERS.unique_id in graph.upstream_sources(months.unique_id)
