"""The longest chain of a dbt build: a wall time no number of threads or cores can beat.

`dbt build` starts a node once its parents are built and the tests on them have passed (dbt's
test edges). Each node's own time is in `run_results.json`; the longest chain of those times,
from a first node to a last, bounds the build's wall time from below. A build whose chain is
3 s cannot end in 1 s, however its nodes are spread over threads.

    cd cli && ../.venv/bin/python -m benchmarks.critical_path <data-folder>/dbt/target
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class CriticalPath:
    nodes: int  # nodes the build ran
    summed: float  # their own times added up, seconds
    elapsed: float  # the build's wall time, seconds
    chain: tuple[tuple[str, float], ...]  # the longest chain, first node first

    @property
    def seconds(self) -> float:
        return sum(seconds for _, seconds in self.chain)


def critical_path(run_results: dict[str, Any], manifest: dict[str, Any]) -> CriticalPath:
    """The longest chain of the nodes `run_results` ran, on the graph `manifest` describes."""
    own = {  # the project's on-run-end hook ("operation.") runs after every node
        result["unique_id"]: float(result["execution_time"])
        for result in run_results["results"]
        if not result["unique_id"].startswith("operation.")
    }
    graph = {**manifest.get("nodes", {}), **manifest.get("sources", {})}

    def parents_of(node: str) -> list[str]:
        return list(graph.get(node, {}).get("depends_on", {}).get("nodes", []))

    @cache
    def ancestors(node: str) -> frozenset[str]:
        found: set[str] = set()
        for parent in parents_of(node):
            found |= {parent, *ancestors(parent)}
        return frozenset(found)

    waits_for = {node: [p for p in parents_of(node) if p in own] for node in own}
    tests = [node for node in own if node.startswith("test.")]
    for test in tests:  # dbt's test edges: a child waits for a test all of whose parents it reads
        for parent in parents_of(test):
            for child in own:
                reads = ancestors(child)
                if child.startswith("test.") or parent not in reads:
                    continue
                if set(parents_of(test)) <= reads and test not in waits_for[child]:
                    waits_for[child].append(test)

    @cache
    def finish(node: str) -> float:
        return own[node] + max((finish(parent) for parent in waits_for[node]), default=0.0)

    chain: list[str] = []
    if own:
        chain.append(max(own, key=finish))
        while waits_for[chain[-1]]:
            chain.append(max(waits_for[chain[-1]], key=finish))
    return CriticalPath(
        nodes=len(own),
        summed=sum(own.values()),
        elapsed=float(run_results.get("elapsed_time", 0.0)),
        chain=tuple((node, own[node]) for node in reversed(chain)),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", type=Path, help="dbt's target folder of the build")
    target = parser.parse_args().target
    path = critical_path(
        json.loads((target / "run_results.json").read_text(encoding="utf-8")),
        json.loads((target / "manifest.json").read_text(encoding="utf-8")),
    )
    print(
        f"{path.nodes} nodes, {path.summed:.2f} s of node time, the build {path.elapsed:.2f} s; "
        f"longest chain {path.seconds:.2f} s:"
    )
    for node, seconds in path.chain:
        print(f"  {seconds:6.2f} s  {node}")


if __name__ == "__main__":
    main()
