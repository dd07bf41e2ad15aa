"""`data-platform docs`: dbt's documentation site of the lakehouse, generated offline."""

from __future__ import annotations

from pathlib import Path

import click

from jump.data_platform.cli.context import RunContext, pass_run_context
from jump.data_platform.cli.options import project_dir_option
from jump.data_platform.transform.dbt_docs import generate_docs, serve_docs
from jump.data_platform.transform.dbt_project import find_dbt_project


@click.command()
@click.option("--serve", is_flag=True, help="Then serve the site on localhost until Ctrl-C.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8080,
    show_default=True,
    help="Port of --serve (0: any free port).",
)
@click.option(
    "--generate/--no-generate",
    default=True,
    show_default=True,
    help="--no-generate serves the site generated before, without running dbt.",
)
@project_dir_option
@pass_run_context
def docs(run: RunContext, serve: bool, port: int, generate: bool, project_dir: Path | None) -> None:
    """Generate dbt's documentation (models, columns, tests, lineage) into <data-folder>/docs.

    The site is one self-contained index.html: open it in a browser, or use --serve.
    """
    run.require_duckdb("docs")
    folder = run.settings.docs_folder
    if generate:
        project = find_dbt_project(project_dir)
        with run.reporter.step(f"Generating the documentation of {project} with dbt"):
            site = generate_docs(run.settings, project)
        run.reporter.info(
            f"Documented {site.models} models, {site.sources} sources and {site.tests} tests "
            f"({site.catalogued} relations catalogued) in {folder / 'index.html'}"
        )
    if serve:

        def announce(url: str) -> None:
            # The address is the result a user (or a script) waits for: stdout, even when quiet.
            click.echo(f"Serving {folder} at {url} (Ctrl-C to stop)")

        serve_docs(folder, port, announce)
