"""Real servers on loopback for the notice tests: an SMTP server (aiosmtpd) and a recorder of
what Twilio's Messages API would receive."""

from __future__ import annotations

import base64
import dataclasses
import email
import email.policy
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from email.message import Message
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from aiosmtpd.controller import Controller
from flask import Flask

from dispatch.settings import NotifySettings
from tests.live import free_port


@dataclass
class Mailbox:
    """What the SMTP server received: envelope and parsed message of each mail."""

    mails: list[tuple[str, list[str], Message]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        msg = email.message_from_bytes(envelope.original_content or envelope.content,
                                       policy=email.policy.default)
        with self.lock:
            self.mails.append((envelope.mail_from, list(envelope.rcpt_tos), msg))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Message]:
        with self.lock:
            return [m for _, rcpts, m in self.mails if address in rcpts]


class SmtpServer:
    """aiosmtpd on a fixed loopback port; ``stop()`` and ``start()`` keep port and mailbox."""

    def __init__(self) -> None:
        self.port = free_port()
        self.box = Mailbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.box, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@dataclass
class SmsCall:
    """One HTTP request exactly as the provider would receive it."""

    method: str
    path: str
    authorization: str
    content_type: str
    form: dict[str, list[str]]

    @property
    def to(self) -> str:
        return self.form["To"][0]

    @property
    def body(self) -> str:
        return self.form["Body"][0]

    def basic_auth(self) -> tuple[str, str]:
        user, _, password = base64.b64decode(self.authorization.split()[1]).decode().partition(":")
        return user, password


class SmsRecorder:
    """Stands in for Twilio on loopback: records every request and answers like Twilio does
    (201 with a message sid; 400 with code 21211 for a number listed in ``invalid``)."""

    def __init__(self) -> None:
        self.calls: list[SmsCall] = []
        self.invalid: set[str] = set()
        self.lock = threading.Lock()
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                call = SmsCall("POST", self.path, self.headers.get("Authorization", ""),
                               self.headers.get("Content-Type", ""), parse_qs(raw))
                with recorder.lock:
                    recorder.calls.append(call)
                    n = len(recorder.calls)
                if call.form.get("To", [""])[0] in recorder.invalid:
                    self._answer(400, {"code": 21211, "message": "Invalid 'To' Phone Number",
                                       "status": 400})
                else:
                    self._answer(201, {"sid": f"SM{n:032d}", "status": "queued"})

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def to(self, number: str) -> list[SmsCall]:
        with self.lock:
            return [c for c in self.calls if c.to == number]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def sms() -> Iterator[SmsRecorder]:
    rec = SmsRecorder()
    yield rec
    rec.close()


ACCOUNT = "AC" + "0" * 31 + "1"


def notify_settings(smtp: SmtpServer, sms: SmsRecorder, **extra: Any) -> NotifySettings:
    """SMTP and SMS pointed at the loopback servers; reminders only when a test asks."""
    values: dict[str, Any] = {
        "mail_server": "127.0.0.1", "mail_port": smtp.port,
        "mail_default_sender": "Fahrdienst Eving <fahrdienst@example.org>",
        "sms_base_url": sms.url, "sms_account_sid": ACCOUNT, "sms_auth_token": "token-123",
        "sms_from": "+4923100000", "public_url": "http://127.0.0.1:5000",
        "retry_base_s": 30.0, "max_attempts": 4, "reminder_hour": 24}
    values.update(extra)
    return NotifySettings(**values)


def configure(app: Flask, notify: NotifySettings, **settings: Any) -> None:
    """Point the app's (and so the job's) notices at the loopback servers."""
    app.config["SETTINGS"] = dataclasses.replace(app.config["SETTINGS"], notify=notify,
                                                 **settings)
