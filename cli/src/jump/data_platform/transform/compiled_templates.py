"""Keep the Python code that Jinja compiles dbt's templates to, from one process to the next.

dbt renders every macro, hook and node from its Jinja source, and Jinja first compiles each
source to Python code: 320 templates, 0.6 to 0.75 s of CPU, for an hourly build at scale 100
in a process of its own (`data-platform transform`, `docs`), every time. dbt keeps the macros
it compiled for the life of the process only, and compiles the nodes' SQL again on every run.

Jinja's bytecode cache is made for this, but dbt builds its templates with `from_string`,
which never consults one. So, while a `compiled_templates` block runs, dbt's Jinja
environments compile through a cache of Jinja's own buckets: a bucket holds a template's
code only with the checksum of its source and the magic of the Jinja bytecode and Python
version that compiled it, and is ignored otherwise. The key also names the environment's
class (dbt's native and text environments compile the same source differently) and the
versions of dbt-common and Jinja. The cache is one file per data folder, read at once: a file
per template (Jinja's `FileSystemBytecodeCache`) made dbt's worker threads give up the
interpreter on every read, and its hits cost 1 ms each.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import marshal
import threading
from collections.abc import Callable, Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

from jinja2 import Environment
from jinja2.bccache import Bucket, BytecodeCache

from jump.data_platform.atomic import atomic_path

logger = logging.getLogger("jump.data_platform")

# Beyond this many templates, a save keeps only those its own block compiled or used: the file
# never grows with sources that are gone (a project holds about 600, parse included).
MAX_TEMPLATES = 4096


class TemplateFile(BytecodeCache):
    """Jinja's compiled templates, read from `path` at once and written back by `save`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._saved = _read(path)
        self._used: dict[str, bytes] = {}
        self._added = False
        self._lock = threading.Lock()

    def load_bytecode(self, bucket: Bucket) -> None:
        with self._lock:
            data = self._used.get(bucket.key) or self._saved.get(bucket.key)
        if data is None:
            return
        try:
            bucket.bytecode_from_string(data)  # resets itself on a wrong magic or checksum
        except Exception:  # a damaged entry (Jinja unpickles its checksum): compiled again
            bucket.reset()
            return
        if bucket.code is not None:
            with self._lock:
                self._used[bucket.key] = data

    def dump_bytecode(self, bucket: Bucket) -> None:
        data = bucket.bytecode_to_string()
        with self._lock:
            self._used[bucket.key] = data
            self._added = True

    def save(self) -> None:
        """Write the file if a template was compiled; on failure, only say so in the log."""
        with self._lock:
            if not self._added:
                return
            kept = {**self._saved, **self._used}
            if len(kept) > MAX_TEMPLATES:
                kept = dict(self._used)
        try:
            with atomic_path(self.path) as temporary:
                temporary.write_bytes(marshal.dumps(kept))
        except Exception as error:  # the cache only saves time: the build stands without it
            logger.debug("compiled templates not saved to %s: %s", self.path, error)


def _read(path: Path) -> dict[str, bytes]:
    """The saved templates, or none when the file is missing or not what `save` writes."""
    try:
        saved = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    if not isinstance(saved, dict):
        return {}
    return {
        key: data for key, data in saved.items() if isinstance(key, str) and isinstance(data, bytes)
    }


_active: TemplateFile | None = None
_installed = False


def _versions() -> str:
    return f"dbt-common {version('dbt-common')}, jinja2 {version('jinja2')}"


def _install() -> None:
    """Route the compilation of dbt's Jinja environments through the active file (once)."""
    global _installed
    if _installed:
        return
    from dbt_common.clients import jinja as dbt_jinja

    environment_class = dbt_jinja.MacroFuzzEnvironment  # dbt's native one is a subclass
    compile_source: Callable[..., Any] = environment_class.compile
    versions = _versions()

    def compile_cached(
        environment: Environment,
        source: Any,
        name: str | None = None,
        filename: str | None = None,
        raw: bool = False,
        defer_init: bool = False,
    ) -> Any:
        cache = _active
        if (
            cache is None
            or not isinstance(source, str)
            or (name, filename, raw, defer_init) != (None, None, False, False)
            or dbt_jinja.MACRO_DEBUGGING  # dbt then writes each template's code to disk
        ):
            return compile_source(environment, source, name, filename, raw, defer_init)
        kind = f"{type(environment).__module__}.{type(environment).__qualname__}"
        digest = hashlib.sha256(source.encode("utf-8")).hexdigest()
        bucket = cache.get_bucket(environment, f"{versions}, {kind}: {digest}", None, source)
        if bucket.code is None:
            bucket.code = compile_source(environment, source)
            cache.set_bucket(bucket)
        return bucket.code

    environment_class.compile = compile_cached  # type: ignore[method-assign, assignment]
    _installed = True


@contextlib.contextmanager
def compiled_templates(path: Path) -> Iterator[None]:
    """dbt's templates compiled in this block come from the file `path` when it has them, and
    those it lacked are added to it when the block ends (whether or not dbt succeeded)."""
    global _active
    _install()
    previous, _active = _active, TemplateFile(path)
    try:
        yield
    finally:
        cache, _active = _active, previous
        cache.save()
