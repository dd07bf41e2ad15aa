"""What publishing costs since readers have their own file (docs/publishing.md), at each scale:

- the transform as the real CLI (`transform --full-refresh`, wall seconds, median of the runs):
  a build that rebuilds and publishes every time (a plain `transform` of the same load
  rebuilds nothing);
- its publication steps alone, in this process: keeping every mart as Parquet (`archive`) and
  handing the writer's file to readers (`release`: checkpoint, copy, fsync, rename), and their
  share of the transform;
- the disk: the writer's file, the readers' copy, one kept publication;
- a reader's first query (`query` as the real CLI) with no refresh running, and while a
  transform runs in another process.

    cd cli && ../.venv/bin/python -m benchmarks.storage_bench --max-scale 10
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from benchmarks.measure import CLI, median_of, run_step
from jump.data_platform.settings import Settings
from jump.data_platform.storage import publish
from jump.data_platform.storage.writer import read_writer, writer_session

SCALES = (1, 10, 100)
QUERY = "select count(*), sum(turnover) from marts.monthly_turnover"


def _mib(path: Path) -> float:
    if path.is_dir():
        return sum(item.stat().st_size for item in path.rglob("*") if item.is_file()) / 2**20
    return path.stat().st_size / 2**20


def _query_seconds(folder: Path) -> float:
    return run_step(folder, "query", QUERY).seconds


def _query_during_transform(folder: Path) -> float:
    """A reader's first query once a transform in another process holds the writer's lock."""
    transform = subprocess.Popen(
        [*CLI, "--quiet", "--data-folder", str(folder), "transform", "--full-refresh"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        settings = Settings(data_folder=folder)
        while read_writer(settings) is None and transform.poll() is None:
            time.sleep(0.05)
        return _query_seconds(folder)
    finally:
        transform.wait()


def bench_scale(scale: int, folder: Path, repeats: int) -> list[str]:
    settings = Settings(data_folder=folder)
    run_step(folder, "extract", "--scale", str(scale), "load", "transform")
    transform = median_of(repeats, lambda: run_step(folder, "transform", "--full-refresh"))
    with writer_session(settings, "benchmark") as session:
        current = publish.readers_publication_id(settings)
        assert current is not None
        kept = settings.publication_folder(current)
        archives, releases = [], []
        for _ in range(repeats):
            # Every kept version removed: the marts are all written (none shared by a link
            # with an earlier version of the same rows, as a transform of the same load would).
            shutil.rmtree(settings.publications_folder)
            started = time.perf_counter()
            publish.archive(settings, current)
            archives.append(time.perf_counter() - started)
            started = time.perf_counter()
            publish.release(session)
            releases.append(time.perf_counter() - started)
    archive, release = sorted(archives)[len(archives) // 2], sorted(releases)[len(releases) // 2]
    idle = median_of(repeats, lambda: run_step(folder, "query", QUERY)).seconds
    busy = sorted(_query_during_transform(folder) for _ in range(repeats))[repeats // 2]
    share = 100 * (archive + release) / transform.seconds
    return [
        f"| {scale} | {transform.seconds:.2f} | {archive:.2f} | {release:.2f} | {share:.1f} % "
        f"| {_mib(settings.writer_lakehouse_file):.0f} | {_mib(settings.lakehouse_file):.0f} "
        f"| {_mib(kept):.1f} | {idle:.2f} | {busy:.2f} |"
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-scale", type=int, default=100)
    parser.add_argument(
        "--scales", type=int, nargs="*", help="default: 1, 10, 100 up to --max-scale"
    )
    parser.add_argument("--repeats", type=int, default=3)
    arguments, _ = parser.parse_known_args()  # `make bench` passes bench.py's options too
    lines = [
        "| scale | transform s | archive s | release s | publish share | writer MiB "
        "| readers MiB | one publication MiB | query s (idle) | query s (during a transform) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for scale in arguments.scales or [s for s in SCALES if s <= arguments.max_scale]:
        with tempfile.TemporaryDirectory(prefix="storage-bench-") as folder:
            lines += bench_scale(scale, Path(folder) / "data", arguments.repeats)
        print(lines[-1], flush=True)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
