"""Deliver one alert through each configured notifier: a webhook, e-mail over SMTP, a command.

A notifier that fails is said in one warning line and the others still run; nothing here stops
a refresh or the scheduler.
"""

from __future__ import annotations

import json
import os
import smtplib
import subprocess
import urllib.error
import urllib.request
from email.message import EmailMessage

from jump.data_platform.alerts.config import Command, Email, Notifier, Webhook
from jump.data_platform.alerts.message import Alert
from jump.data_platform.reporting import Reporter

TIMEOUT_SECONDS = 20


def deliver(alert: Alert, notifiers: tuple[Notifier, ...], reporter: Reporter) -> int:
    """Send `alert` through every notifier; the number that delivered it."""
    delivered = 0
    for notifier in notifiers:
        try:
            _send(alert, notifier)
        except (OSError, smtplib.SMTPException, subprocess.SubprocessError, ValueError) as error:
            reporter.warning(f"alert not delivered by {notifier.name}: {error}")
        else:
            delivered += 1
    return delivered


def _send(alert: Alert, notifier: Notifier) -> None:
    if isinstance(notifier, Webhook):
        _post(alert, notifier)
    elif isinstance(notifier, Email):
        _mail(alert, notifier)
    else:
        _run(alert, notifier)


def _post(alert: Alert, webhook: Webhook) -> None:
    # `text` is what Slack and Teams show; `alert` carries the same facts for a program.
    body = json.dumps({"text": alert.text(), "alert": alert.as_json()}).encode()
    request = urllib.request.Request(
        webhook.url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            response.read()
    except urllib.error.HTTPError as error:
        raise OSError(f"HTTP {error.code} {error.reason}") from error


def _mail(alert: Alert, email: Email) -> None:
    message = EmailMessage()
    message["Subject"] = alert.title
    message["From"] = email.sender
    message["To"] = ", ".join(email.recipients)
    message.set_content(alert.text())
    with smtplib.SMTP(email.host, email.port, timeout=TIMEOUT_SECONDS) as smtp:
        if email.starttls:
            smtp.starttls()
        if email.username:
            smtp.login(email.username, email.password or "")
        smtp.send_message(message)


def _run(alert: Alert, command: Command) -> None:
    variables = {f"ALERT_{key.upper()}": str(value) for key, value in alert.as_json().items()}
    result = subprocess.run(
        command.argv,
        input=alert.text(),
        text=True,
        capture_output=True,
        timeout=TIMEOUT_SECONDS,
        env={**os.environ, **variables},
        check=False,
    )
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise OSError(f"exit code {result.returncode}: {last}")
