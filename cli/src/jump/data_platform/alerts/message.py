"""One alert: what happened, since when, the one-line error, the command to investigate.

Every text goes through `redact`: an error may quote a row, an alert never names a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from jump.data_platform.reporting import redact

FAILURE = "failure"
RECOVERY = "recovery"
WARNING = "warning"
STALE = "stale"


@dataclass(frozen=True)
class Alert:
    kind: str  # failure, recovery, warning, stale
    key: str  # what it is about: `failed:app`, `stale:crm`, `warning:<test>`
    what: str  # one sentence
    since: datetime  # aware
    error: str  # one line ("" for a recovery)
    investigate: str  # the command to run
    reminder: bool = False

    @property
    def title(self) -> str:
        prefix = "Reminder: " if self.reminder else ""
        return redact(f"[data-platform] {prefix}{self.what}")

    def text(self) -> str:
        lines = [
            self.title,
            f"Since: {self.since.astimezone(UTC):%Y-%m-%d %H:%M} UTC",
        ]
        if self.error:
            lines.append(f"Error: {self.error}")
        lines.append(f"Investigate: {self.investigate}")
        return redact("\n".join(lines))

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "key": self.key,
            "what": redact(self.what),
            "since": self.since.isoformat(),
            "error": redact(self.error),
            "investigate": self.investigate,
            "reminder": self.reminder,
        }
