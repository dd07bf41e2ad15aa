"""`data-platform report`: the dashboard of the marts, one self-contained HTML file."""

from __future__ import annotations

import webbrowser
from datetime import datetime

import click

from jump.data_platform.cli.context import RunContext, pass_run_context
from jump.data_platform.cli.options import published_at_option
from jump.data_platform.errors import DataPlatformError
from jump.data_platform.reporting import Reporter
from jump.data_platform.settings import Settings
from jump.data_platform.tools.report import BuiltReport, write_report


@click.command()
@click.option("--open", "open_page", is_flag=True, help="Then open it in your web browser.")
@published_at_option
@pass_run_context
def report(run: RunContext, open_page: bool, published_at: int | datetime | None) -> None:
    """Write the dashboard of the marts (CFO, Care team, Auditor) to
    <data-folder>/reports/index.html: one file that opens from disk, with no server and no
    network. With --published-at, the dashboard of that kept publication, written to
    <data-folder>/reports/publication-<id>.html."""
    run.require_duckdb("report")
    built = write_report(run.settings, published_at)
    _announce(run.reporter, built)
    # The page's path is this command's result: on stdout, even with --quiet.
    click.echo(str(built.path))
    if open_page and not webbrowser.open(built.path.resolve().as_uri()):
        run.reporter.warning(f"no web browser found: open {built.path} yourself")


def refresh_report(settings: Settings, reporter: Reporter) -> None:
    """After a successful transform: rewrite the report. A report that cannot be written is a
    warning, never a failed transform (the lakehouse itself is fine)."""
    try:
        built = write_report(settings)
    except DataPlatformError as error:
        reporter.warning(f"the report was not regenerated: {error.message}")
        return
    _announce(reporter, built)


def _announce(reporter: Reporter, built: BuiltReport) -> None:
    reporter.info(
        f"Report written to {built.path} ({built.bytes / 1_000_000:.1f} MB, {built.seconds:.2f} s)"
    )
