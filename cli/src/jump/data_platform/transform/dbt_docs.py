"""Generate dbt's documentation site into `<data-folder>/docs` and serve it on localhost.

The site is dbt's single `index.html` with the manifest and the catalog inlined (`--static`): it
opens from the file system or any web server, and fetches nothing from the network (dbt's usage
tracking, its only remote script, is off: `send_anonymous_usage_stats` is false).
"""

from __future__ import annotations

import errno
import http.server
import json
import logging
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from jump.data_platform.errors import DataPlatformError
from jump.data_platform.lakehouse import connect, lock_error
from jump.data_platform.settings import Settings
from jump.data_platform.transform.compiled_templates import compiled_templates
from jump.data_platform.transform.dbt_runner import (
    LAKEHOUSE_ENV_VAR,
    close_duckdb,
    dbt_arguments,
    environment_variable,
    one_line,
    parse_project,
    redacting_dbt_files,
)
from jump.data_platform.transform.node_schemas import assign_published_schemas

logger = logging.getLogger("jump.data_platform")

# The files of the site: the page (with everything inlined) and dbt's artifacts, kept for tools.
SITE_FILES = {
    "static_index.html": "index.html",
    "manifest.json": "manifest.json",
    "catalog.json": "catalog.json",
}


@dataclass(frozen=True)
class DocsSite:
    folder: Path
    models: int
    sources: int
    tests: int
    catalogued: int  # relations of the lakehouse described in the catalog (columns, types)


def generate_docs(settings: Settings, project_dir: Path) -> DocsSite:
    """`dbt docs generate` in this process; the new site replaces the old one only when complete.

    dbt writes into a scratch target folder, not the transform's: docs generation compiles the
    project and would otherwise overwrite the last transform's `run_results.json`. The project
    is parsed as the transform parses it, from a copy of the transform's partial parse (a tenth
    of a whole parse: seconds), then each model is documented where readers see it.
    """
    from dbt.cli.main import dbtRunner  # dbt is slow to import: only when generating

    lakehouse = settings.lakehouse_file.resolve()
    # The same one-line errors as every command for a missing or locked lakehouse, before dbt
    # (which would print its own, longer ones).
    connect(lakehouse, read_only=True).close()
    docs = settings.docs_folder.resolve()
    scratch = docs.with_name(f".{docs.name}.{os.getpid()}.build")
    shutil.rmtree(scratch, ignore_errors=True)
    common = dbt_arguments(project_dir, scratch / "target", settings.dbt_logs_folder)
    try:
        _seed_partial_parse(settings, scratch / "target")
        with (
            redacting_dbt_files(settings),
            compiled_templates(settings.dbt_compiled_templates_file),
        ):
            manifest = parse_project(common, "docs generate")
            assign_published_schemas(manifest)
            with environment_variable(LAKEHOUSE_ENV_VAR, str(lakehouse)):
                result = dbtRunner(manifest=manifest).invoke(
                    [
                        "docs",
                        "generate",
                        "--static",
                        *common,
                        "--no-send-anonymous-usage-stats",
                        # No worker threads: after a failed compilation dbt returns at once,
                        # and threads still compiling would go on writing into the scratch
                        # folder.
                        "--single-threaded",
                    ]
                )
        if result.exception is not None:
            # dbt opens the lakehouse for writing: a reader in another process (a `query`
            # shell left open) is enough to lock it out.
            raise lock_error(lakehouse, str(result.exception)) or DataPlatformError(
                f"dbt docs generate failed: {one_line(result.exception)}"
            )
        if not result.success:
            raise DataPlatformError(
                f"dbt docs generate failed for {project_dir}: {_failure(result.result)} "
                f"(dbt's log is in {settings.dbt_logs_folder})"
            )
        site = _assemble(scratch, docs)
        return _describe(site, result.result)
    finally:
        close_duckdb()
        shutil.rmtree(scratch, ignore_errors=True)


def _seed_partial_parse(settings: Settings, target: Path) -> None:
    """The last transform's parse, where this parse looks for it. dbt parses everything again
    when the copy is missing, damaged or of another project or dbt version."""
    saved = settings.dbt_partial_parse_file
    target.mkdir(parents=True)
    if saved.is_file():
        shutil.copyfile(saved, target / saved.name)


def _failure(catalog: Any) -> str:
    """The first reason dbt gives: a catalog query's error, or a model that did not compile."""
    for error in getattr(catalog, "errors", None) or ():
        return one_line(error)
    compiled = getattr(catalog, "_compile_results", None)
    for node in getattr(compiled, "results", None) or ():
        if str(node.status) == "error":
            return f"{node.node.name} did not compile: {one_line(node.message)}"
    return "no reason given"


def _assemble(scratch: Path, docs: Path) -> Path:
    """Move the site's files into a fresh folder, then swap it with the previous site."""
    fresh = scratch / "site"
    fresh.mkdir()
    for name, target in SITE_FILES.items():
        source = scratch / "target" / name
        if not source.is_file():
            raise DataPlatformError(f"dbt docs generate did not write {source}")
        source.replace(fresh / target)
    previous = scratch / "previous"
    try:
        if docs.exists():
            docs.replace(previous)
        fresh.replace(docs)
    except OSError as error:
        raise DataPlatformError(f"cannot write the docs to {docs}: {error.strerror}") from error
    return docs


def _describe(folder: Path, catalog: Any) -> DocsSite:
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    nodes = manifest.get("nodes", {}).values()
    return DocsSite(
        folder=folder,
        models=sum(1 for node in nodes if node.get("resource_type") == "model"),
        sources=len(manifest.get("sources", {})),
        tests=sum(1 for node in nodes if node.get("resource_type") == "test")
        + len(manifest.get("unit_tests", {})),
        catalogued=len(getattr(catalog, "nodes", {}) or {})
        + len(getattr(catalog, "sources", {}) or {}),
    )


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves one folder; requests go to the log, not the terminal."""

    timeout = 30  # a client that stops talking cannot hold a thread forever

    def log_message(self, format: str, *args: Any) -> None:
        logger.info("docs server: %s", format % args)


def serve_docs(folder: Path, port: int, on_ready: Callable[[str], None]) -> None:
    """Serve `folder` on 127.0.0.1 only, until Ctrl-C (or SIGTERM handled by the caller).

    `on_ready` receives the URL once the server listens (with port 0, the port chosen).
    """
    if not (folder / "index.html").is_file():
        raise DataPlatformError(
            f"no documentation in {folder}: generate it with `data-platform docs`"
        )
    handler = partial(_QuietHandler, directory=str(folder))
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    except OSError as error:
        reason = "already in use" if error.errno == errno.EADDRINUSE else error.strerror
        raise DataPlatformError(
            f"cannot serve the docs on port {port}: {reason}; choose another with --port"
        ) from error
    # Ctrl-C stops at once: a browser's idle keep-alive connection would otherwise hold the
    # shutdown for the handler's timeout (the server joins its request threads on close).
    server.daemon_threads = True
    server.block_on_close = False
    with server:
        on_ready(f"http://127.0.0.1:{server.server_address[1]}/")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            logger.info("docs server stopped")
