"""The ways out: e-mail over SMTP (``smtplib``), SMS through Twilio's Messages API, the PWA push.

Each channel's ``send`` returns the provider's id of the message or raises :class:`Transient`
(try again later: connection refused, timeout, 4xx of SMTP, 429/5xx of the provider) or
:class:`Permanent` (this address will never work: refused recipient, invalid number).
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from email.message import EmailMessage
from email.utils import formatdate
from email.utils import make_msgid
from typing import Any
from typing import Protocol

import requests

from dispatch.domain.kinds import Channel
from dispatch.settings import NotifySettings


class DeliveryError(Exception):
    """Sending failed."""


class Transient(DeliveryError):
    """Sending failed this time; a retry may work."""


class Permanent(DeliveryError):
    """This channel will never reach this address; go on to the next channel."""


@dataclass(frozen=True)
class Outgoing:
    """One notice on one channel, ready to go."""

    channel: Channel
    address: str  # e-mail address, phone number (E.164) or the user room
    text: str
    subject: str = ""
    lang: str = "de"
    #: stable for a (notice, channel): the receiver can tell a repeat from a new message
    message_id: str = ""
    payload: dict[str, Any] = field(default_factory=dict)


class Sender(Protocol):
    def send(self, out: Outgoing) -> str: ...


class SmtpMailer:
    """Plain-text e-mail over SMTP (STARTTLS or TLS and log-in when configured)."""

    def __init__(self, cfg: NotifySettings, *, timeout_s: float = 10.0) -> None:
        self.cfg = cfg
        self.timeout_s = timeout_s

    def message(self, out: Outgoing) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = self.cfg.mail_default_sender
        msg["To"] = out.address
        msg["Subject"] = out.subject
        msg["Date"] = formatdate(localtime=False, usegmt=True)
        msg["Message-ID"] = out.message_id or make_msgid(domain="dispatch.invalid")
        msg["Auto-Submitted"] = "auto-generated"
        msg.set_content(out.text)
        msg["Content-Language"] = out.lang  # after set_content, which clears Content-*
        return msg

    def send(self, out: Outgoing) -> str:
        msg = self.message(out)
        cfg = self.cfg
        try:
            if cfg.mail_use_ssl:
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(cfg.mail_server, cfg.mail_port,
                                                      timeout=self.timeout_s,
                                                      context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(cfg.mail_server, cfg.mail_port, timeout=self.timeout_s)
            with smtp:
                if cfg.mail_use_tls and not cfg.mail_use_ssl:
                    smtp.starttls(context=ssl.create_default_context())
                if cfg.mail_username:
                    smtp.login(cfg.mail_username, cfg.mail_password)
                smtp.send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:
            raise Permanent(f"SMTP: recipient refused {list(exc.recipients)}") from None
        except smtplib.SMTPResponseException as exc:
            text = f"SMTP {exc.smtp_code}: {exc.smtp_error!r}"[:250]
            if 500 <= exc.smtp_code < 600 and exc.smtp_code not in (530, 535):
                raise Permanent(text) from None
            raise Transient(text) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise Transient(f"SMTP: {type(exc).__name__}: {exc}"[:250]) from None
        return str(msg["Message-ID"])


class TwilioSms:
    """SMS through Twilio's Messages API (``POST /2010-04-01/Accounts/<sid>/Messages.json``).

    The base URL is configurable (``SMS_BASE_URL``), so a test points it at a recorder on
    loopback and sees exactly what Twilio would receive.
    """

    def __init__(self, cfg: NotifySettings, *, timeout_s: float = 10.0) -> None:
        self.cfg = cfg
        self.timeout_s = timeout_s

    def url(self) -> str:
        return (f"{self.cfg.sms_base_url.rstrip('/')}/2010-04-01/Accounts/"
                f"{self.cfg.sms_account_sid}/Messages.json")

    def send(self, out: Outgoing) -> str:
        try:
            res = requests.post(self.url(), data={"To": out.address, "From": self.cfg.sms_from,
                                                  "Body": out.text},
                                auth=(self.cfg.sms_account_sid, self.cfg.sms_auth_token),
                                timeout=self.timeout_s)
        except requests.RequestException as exc:
            raise Transient(f"SMS: {type(exc).__name__}") from None
        if res.status_code in (200, 201):
            return str(res.json().get("sid", ""))
        detail = f"SMS {res.status_code}: {res.text[:200]}"
        if res.status_code == 429 or res.status_code >= 500 or res.status_code in (401, 403):
            raise Transient(detail)  # throttled, provider trouble, or credentials being fixed
        raise Permanent(detail)  # e.g. 400 with code 21211: not a valid phone number


class SocketPush:
    """The PWA's live push: a ``notice`` event to the person's room (only worth it while a
    socket of theirs is open; the sender checks that)."""

    def __init__(self, emit: Callable[[str, dict[str, Any], str], None]) -> None:
        self.emit = emit

    def send(self, out: Outgoing) -> str:
        try:
            self.emit("notice", {**out.payload, "text": out.text}, out.address)
        except Exception as exc:  # noqa: BLE001 - a broken queue is worth a retry
            raise Transient(f"push: {type(exc).__name__}") from None
        return out.address


def configured(cfg: NotifySettings, emit: Callable[[str, dict[str, Any], str], None] | None
               ) -> dict[Channel, Sender]:
    """The channels this installation can use (a channel without settings is left out)."""
    out: dict[Channel, Sender] = {}
    if emit is not None:
        out[Channel.PUSH] = SocketPush(emit)
    if cfg.mail_server:
        out[Channel.EMAIL] = SmtpMailer(cfg)
    if cfg.sms_account_sid and cfg.sms_provider == "twilio":
        out[Channel.SMS] = TwilioSms(cfg)
    return out
