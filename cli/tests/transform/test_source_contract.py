"""The dbt project declares the same source tables as the platform's source contract."""

from __future__ import annotations

import yaml

from jump.data_platform.sources.contract import (
    LOADED_AT,
    SOURCE_NAMES,
    SOURCES_SCHEMA,
    source_tables,
)
from jump.data_platform.transform.dbt_project import find_dbt_project


def test_sources_yml_declares_exactly_the_contract_tables() -> None:
    document = yaml.safe_load(
        (find_dbt_project() / "models" / "staging" / "_sources.yml").read_text()
    )
    declared = {
        source["name"]: {
            table["name"]: table.get("identifier", table["name"]) for table in source["tables"]
        }
        for source in document["sources"]
    }
    assert sorted(declared) == sorted(SOURCE_NAMES)
    for source in document["sources"]:
        assert source["schema"] == SOURCES_SCHEMA
        assert source["config"]["loaded_at_field"] == LOADED_AT
    for name in SOURCE_NAMES:
        assert declared[name] == {table.name: table.lakehouse_name for table in source_tables(name)}


def test_the_contract_reads_every_column_of_the_ddl() -> None:
    invoices = next(table for table in source_tables("app") if table.name == "invoices")
    assert invoices.columns == (
        "id",
        "reference",
        "job_contract_id",
        "client_id",
        "issue_date",
        "amount",
        "created_at",
        "updated_at",
    )
    assert invoices.lakehouse_name == "app__invoices"
