"""A real HTTP server and a real SMTP server on 127.0.0.1, started by the tests."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller


@dataclass
class Webhook:
    url: str
    posts: list[dict[str, Any]] = field(default_factory=list)

    def texts(self) -> list[str]:
        return [str(post["text"]) for post in self.posts]


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    received = Webhook("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            assert self.headers["Content-Type"] == "application/json"
            received.posts.append(json.loads(self.rfile.read(length)))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    received.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/T000/B000/secret"
    yield received
    server.shutdown()
    server.server_close()


@dataclass
class Mailbox:
    port: int
    messages: list[Message] = field(default_factory=list)

    def subjects(self) -> list[str]:
        return [str(message["Subject"]).strip() for message in self.messages]


class _Collect:
    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.mailbox.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[Mailbox]:
    mailbox = Mailbox(_free_port())
    controller = Controller(_Collect(mailbox), hostname="127.0.0.1", port=mailbox.port)
    controller.start()
    yield mailbox
    controller.stop()
