"""What a transform tells its user: the summary table, warnings, and the one-line failure."""

from __future__ import annotations

from jump.data_platform.reporting import Reporter
from jump.data_platform.transform.run_record import NodeOutcome, TransformRun


def print_summary(reporter: Reporter, summary: TransformRun) -> None:
    """The summary table, then one line per stale source, warning and failure."""
    reporter.table(
        "Transformed",
        ["models built", "tests passed", "warned", "failed", "skipped", "seconds"],
        [
            (
                summary.models_built,
                summary.tests_passed,
                len(summary.warned),
                len(summary.failed),
                summary.skipped,
                f"{summary.seconds or 0:.2f}",
            )
        ],
    )
    for source in summary.stale_sources:
        reporter.warning(f"source {source.name} {source.message}")
    for test in summary.warned:
        reporter.warning(_describe(test))
    failed = summary.failed
    if len(failed) > 1:  # a single failure is described by the error line itself
        for node in failed:
            reporter.console.print(f"Failed: {_describe(node)}", markup=False, soft_wrap=True)


def failure_message(summary: TransformRun) -> str:
    """What failed, for the one-line error: the failure itself when it is alone, else the names
    (each then has its own `Failed:` line above)."""
    failed = summary.failed
    if len(failed) == 1:
        return _describe(failed[0])
    names = ", ".join(node.name for node in failed)
    return f"{len(failed)} model(s) or test(s) failed ({names})"


def _describe(outcome: NodeOutcome) -> str:
    text = f"{outcome.name} ({outcome.status}): {outcome.message}"
    if outcome.sample:
        text += "; first rows: " + " | ".join(outcome.sample)
    return text
