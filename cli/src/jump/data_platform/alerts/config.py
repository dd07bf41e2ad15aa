"""The alerts' configuration: `<data-folder>/alerts.toml`, secrets from environment variables.

A file rather than environment variables alone: several notifiers with several fields each
(an SMTP server, its sender and recipients) read and review better as one TOML file, it lives
beside the data it watches (the container already mounts the data folder), and stdlib `tomllib`
reads it. Secrets (an SMTP password, a webhook URL that is itself a secret) are never written in
it: the file names the environment variable that holds them.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from jump.data_platform.errors import DataPlatformError
from jump.data_platform.settings import Settings

CONFIG_ENV_VAR = "DATA_PLATFORM_ALERTS_CONFIG"
DEFAULT_REMINDER = timedelta(hours=24)
# The specification's cadence with slack: the App refreshes hourly, the CRM daily.
DEFAULT_STALE_AFTER = {"app": timedelta(hours=3), "crm": timedelta(days=2)}


@dataclass(frozen=True)
class Webhook:
    """POST `{"text": ...}`: what Slack's and Teams' incoming webhooks accept."""

    url: str

    @property
    def name(self) -> str:  # the host only: a webhook's path is its secret
        return "webhook " + self.url.split("/")[2] if "://" in self.url else "webhook"


@dataclass(frozen=True)
class Email:
    host: str
    port: int
    sender: str
    recipients: tuple[str, ...]
    starttls: bool = False
    username: str | None = None
    password: str | None = None

    @property
    def name(self) -> str:
        return f"e-mail via {self.host}:{self.port}"


@dataclass(frozen=True)
class Command:
    """A program run with the message on stdin and ALERT_* variables (a pager's CLI)."""

    argv: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"command {self.argv[0]}"


Notifier = Webhook | Email | Command


@dataclass(frozen=True)
class AlertConfig:
    notifiers: tuple[Notifier, ...] = ()
    reminder: timedelta = DEFAULT_REMINDER
    stale_after: dict[str, timedelta] = field(default_factory=lambda: dict(DEFAULT_STALE_AFTER))
    path: Path | None = None


def config_path(settings: Settings) -> Path:
    explicit = os.environ.get(CONFIG_ENV_VAR)
    return Path(explicit) if explicit else settings.alerts_config_file


def load_config(settings: Settings) -> AlertConfig:
    """The configuration; no notifiers (alerts off) when the file does not exist."""
    path = config_path(settings)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return AlertConfig()
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise DataPlatformError(f"cannot read the alerts' configuration {path}: {error}") from error
    try:
        return _parse(document, path)
    except (KeyError, TypeError, ValueError) as error:
        raise DataPlatformError(
            f"the alerts' configuration {path} is invalid: {error} (docs/alerts.md)"
        ) from error


def _secret(table: dict[str, Any], key: str, path: Path) -> str | None:
    """`key`, or the environment variable named by `key_env` (a secret kept out of the file)."""
    if f"{key}_env" in table:
        name = str(table[f"{key}_env"])
        value = os.environ.get(name)
        if value is None:
            raise DataPlatformError(
                f"the alerts' configuration {path} takes {key} from the environment variable "
                f"{name}, which is not set"
            )
        return value
    return None if table.get(key) is None else str(table[key])


def _parse(document: dict[str, Any], path: Path) -> AlertConfig:
    notifiers: list[Notifier] = []
    for table in document.get("webhook", []):
        url = _secret(table, "url", path)
        if not url or not url.startswith(("http://", "https://")):
            raise ValueError(f"a [[webhook]] needs an http(s) url (got {url!r})")
        notifiers.append(Webhook(url))
    for table in document.get("email", []):
        recipients = table["to"]
        notifiers.append(
            Email(
                host=str(table["host"]),
                port=int(table.get("port", 25)),
                sender=str(table["from"]),
                recipients=tuple([recipients] if isinstance(recipients, str) else recipients),
                starttls=bool(table.get("starttls", False)),
                username=table.get("username"),
                password=_secret(table, "password", path),
            )
        )
    for table in document.get("command", []):
        argv = table["run"]
        if not isinstance(argv, list) or not argv:
            raise ValueError('a [[command]] needs run = ["program", "argument", ...]')
        notifiers.append(Command(tuple(str(part) for part in argv)))
    stale = dict(DEFAULT_STALE_AFTER)
    for source, hours in document.get("stale_after_hours", {}).items():
        stale[source] = timedelta(hours=float(hours))
    reminder = timedelta(hours=float(document.get("reminder_hours", 24)))
    unknown = set(document) - {"webhook", "email", "command", "stale_after_hours", "reminder_hours"}
    if unknown:
        raise ValueError(f"unknown setting {sorted(unknown)[0]!r}")
    return AlertConfig(tuple(notifiers), reminder, stale, path)
