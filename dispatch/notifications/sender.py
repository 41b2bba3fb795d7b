"""Send what the outbox holds: channel by channel as the person allows, with retries.

Each (notice, channel) has one delivery row. A sender claims it with a conditional UPDATE
(and commits) before it sends, and marks it sent right after, so two senders, or one sending
twice, never deliver it twice. A failure that may pass (SMTP server away, provider throttling)
is retried with exponential back-off; after ``max_attempts``, or at once for a permanent
failure, the next channel the person allows is tried. When none is left the notice is
``failed`` and shown on the coordinators' board.

A crash between the provider's "accepted" and the "sent" mark is the one gap: after the
claim's lease ends that delivery is tried again. E-mails keep one Message-ID per notice, so a
mail client can show the repeat as one message.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from datetime import time
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm import scoped_session

from dispatch.domain.kinds import Channel
from dispatch.domain.kinds import DeliveryState
from dispatch.domain.kinds import NoticeKind
from dispatch.domain.kinds import NoticeState
from dispatch.domain.lifecycle import TERMINAL
from dispatch.domain.lifecycle import RequestState
from dispatch.models import Delivery
from dispatch.models import Notice
from dispatch.models import Offer
from dispatch.models import OfferState
from dispatch.models import Person
from dispatch.models import RideRequest
from dispatch.models import Role
from dispatch.models import ShortLink
from dispatch.notifications import messages
from dispatch.notifications.channels import Outgoing
from dispatch.notifications.channels import Permanent
from dispatch.notifications.channels import Sender
from dispatch.notifications.channels import Transient
from dispatch.notifications.i18n import language_of
from dispatch.settings import Settings

log = logging.getLogger(__name__)
K = NoticeKind
D = DeliveryState
#: How long a claimed delivery stays with its sender before another may try it.
LEASE = timedelta(minutes=2)
#: Told as it happens, quiet hours or not (the person is expecting the ride right then).
URGENT = frozenset({K.ON_THE_WAY, K.WAITING, K.DROPPED_OFF, K.TIME_CHANGED, K.CANCELLED})
#: A volunteer's app shows these live: no e-mail or SMS while a socket of theirs is open.
LIVE_IN_APP = frozenset({K.OFFER, K.TIME_CHANGED, K.CANCELLED})
#: Channels when a person has chosen none.
DEFAULT_CHANNELS = (Channel.PUSH, Channel.SMS, Channel.EMAIL)
CAREGIVER_CHANNELS = (Channel.SMS, Channel.EMAIL)
SHORT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass
class Report:
    """What one pass did."""

    sent: int = 0
    retry: int = 0
    failed: int = 0
    skipped: int = 0
    deferred: int = 0

    def as_dict(self) -> dict[str, int]:
        return {f"notices_{k}": v for k, v in vars(self).items()}


@dataclass(frozen=True)
class Context:
    """What the sender needs besides the database: settings, channels, presence, the clock."""

    settings: Settings
    senders: dict[Channel, Sender]
    online: Callable[[int], bool]
    now: datetime  # naive UTC


def _local(ctx: Context) -> datetime:
    zone = ZoneInfo(ctx.settings.service.timezone)
    return ctx.now.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone).replace(tzinfo=None)


def _hm(text: str | None) -> time | None:
    try:
        hours, minutes = (int(x) for x in (text or "").split(":"))
        return time(hours, minutes)
    except ValueError:
        return None


def quiet_until(person: Person, ctx: Context) -> datetime | None:
    """The end of the person's quiet hours (naive UTC) if they are in them now, else None."""
    start, end = _hm(person.quiet_from), _hm(person.quiet_until)
    if start is None or end is None or start == end:
        return None
    local = _local(ctx)
    t = local.time()
    inside = start <= t < end if start < end else (t >= start or t < end)
    if not inside:
        return None
    ends = datetime.combine(local.date(), end)
    if ends <= local:
        ends += timedelta(days=1)
    zone = ZoneInfo(ctx.settings.service.timezone)
    return ends.replace(tzinfo=zone).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def channels_for(notice: Notice, ctx: Context) -> list[tuple[Channel, str]]:
    """The channels to try in order, each with its address (those it can reach only)."""
    person = notice.person
    if notice.to_caregiver:
        prof = person.resident
        if prof is None:
            return []
        wanted: tuple[Channel, ...] = CAREGIVER_CHANNELS
        addresses = {Channel.SMS: prof.caregiver_phone, Channel.EMAIL: prof.caregiver_email}
    else:
        chosen = [Channel(c) for c in person.notify_channels or [] if c in set(Channel)]
        wanted = tuple(chosen) or DEFAULT_CHANNELS
        addresses = {Channel.SMS: person.phone, Channel.EMAIL: person.email,
                     Channel.PUSH: f"user:{person.id}" if ctx.online(person.id) else None}
    return [(ch, str(addresses[ch])) for ch in wanted
            if ch in ctx.senders and addresses.get(ch)]


def _stale(session: Session, notice: Notice, ctx: Context) -> str | None:
    """Why the notice need not go out any more (None: it must)."""
    kind = K(notice.kind)
    if kind == K.OFFER:
        offer = session.get(Offer, notice.params.get("offer_id"))
        if offer is None or offer.state != OfferState.OPEN.value:
            return "offer no longer open"
    req = session.get(RideRequest, notice.request_id) if notice.request_id else None
    if req is not None and kind not in (K.CANCELLED, K.DROPPED_OFF, K.UNSERVABLE) and \
            RequestState(req.state) in TERMINAL and RequestState(req.state) != \
            RequestState.COMPLETED:
        return f"request {req.state}"
    if kind == K.UNSERVABLE and req is not None and req.state != RequestState.UNSERVABLE:
        return "request servable again"
    if kind in (K.REMINDER, K.BOOKED, K.ACCEPTED, K.OFFER) and req is not None and \
            req.window_end < _local(ctx):
        return "ride over"  # held by quiet hours or a long outage past the ride itself
    return None


def _audience(notice: Notice) -> str:
    return str(notice.params.get("audience", "resident"))


def _short_code(session: Session, req: RideRequest) -> str:
    for _ in range(5):
        code = "".join(secrets.choice(SHORT_ALPHABET) for _ in range(10))
        if session.get(ShortLink, code) is None:
            session.add(ShortLink(code=code, request_id=req.id,
                                  expires_at=req.window_end + timedelta(hours=2)))
            return code
    raise RuntimeError("no free short code")  # 32**10 codes: never happens


def _links(session: Session, notice: Notice, ctx: Context) -> messages.Links | None:
    from dispatch.services.links import make_token

    if K(notice.kind) != K.REMINDER or notice.request_id is None:
        return None
    req = session.get(RideRequest, notice.request_id)
    if req is None:
        return None
    if "short" not in notice.params:
        notice.params = {**notice.params, "short": _short_code(session, req)}
    base = ctx.settings.notify.public_url.rstrip("/")
    token = {a: make_token(ctx.settings, req.id, a) for a in ("confirm", "cancel", "callback")}
    return messages.Links(confirm=f"{base}/link/{token['confirm']}",
                          cancel=f"{base}/link/{token['cancel']}",
                          callback=f"{base}/link/{token['callback']}",
                          short=f"{base}/l/{notice.params['short']}")


def facts(session: Session, notice: Notice, ctx: Context) -> messages.Facts:
    """The text's facts: the notice's params, the recipient's name and language, links."""
    p = notice.params
    person = notice.person
    prof = person.resident
    name = (prof.caregiver_name or "") if notice.to_caregiver and prof else person.first_name
    office = phone = ""
    if notice.quarter_slug:
        try:
            q = ctx.settings.quarter(notice.quarter_slug)
            office, phone = q.office.name, q.office.phone
        except KeyError:
            pass
    audience = _audience(notice)
    base = ctx.settings.notify.public_url.rstrip("/")
    return messages.Facts(
        kind=K(notice.kind), audience=audience, lang=language_of(person.ui_language),
        name=name, caregiver=notice.to_caregiver,
        pickup=datetime.fromisoformat(p["pickup"]) if p.get("pickup") else None,
        old_pickup=datetime.fromisoformat(p["old_pickup"]) if p.get("old_pickup") else None,
        volunteer=p.get("volunteer"), car=p.get("car"), resident=p.get("resident"),
        request_id=p.get("request_id"), reason=p.get("reason"), office=office,
        office_phone=phone,
        app_url=f"{base}/app/{'board' if audience == 'coordinator' else 'volunteer'}",
        links=_links(session, notice, ctx))


def outgoing(session: Session, notice: Notice, channel: Channel, address: str,
             ctx: Context) -> Outgoing:
    """The message of a notice on one channel."""
    f = facts(session, notice, ctx)
    mid = f"<notice-{notice.id}.{channel.value}@dispatch.invalid>"
    payload = {"id": notice.id, "kind": notice.kind, "request_id": notice.request_id}
    if channel == Channel.EMAIL:
        mail = messages.email(f)
        return Outgoing(channel, address, mail.body, mail.subject, f.lang, mid, payload)
    return Outgoing(channel, address, messages.sms(f), "", f.lang, mid, payload)


def _finish(session: Session, notice: Notice, state: NoticeState, detail: str | None,
            ctx: Context) -> None:
    notice.state = state.value
    notice.detail = detail[:300] if detail else None
    notice.done_at = ctx.now
    session.commit()


def _delivery(session: Session, notice: Notice, channel: Channel, address: str,
              ctx: Context) -> Delivery:
    found = session.scalar(select(Delivery).where(Delivery.notice_id == notice.id,
                                                  Delivery.channel == channel.value))
    if found is not None:
        return found
    row = Delivery(notice_id=notice.id, channel=channel.value, address=address[:200],
                   next_try_at=ctx.now)
    session.add(row)
    try:
        session.commit()
    except IntegrityError:  # another sender made it a moment ago
        session.rollback()
        return session.scalars(select(Delivery).where(
            Delivery.notice_id == notice.id, Delivery.channel == channel.value)).one()
    return row


def _claim(session: Session, d: Delivery, ctx: Context) -> bool:
    """Take the delivery for this sender (one conditional UPDATE, committed)."""
    res = session.execute(
        update(Delivery).where(
            Delivery.id == d.id, Delivery.attempts == d.attempts,
            ((Delivery.state == D.PENDING.value) & (Delivery.next_try_at <= ctx.now))
            | ((Delivery.state == D.SENDING.value) & (Delivery.claimed_until < ctx.now)))
        .values(state=D.SENDING.value, attempts=Delivery.attempts + 1,
                claimed_until=ctx.now + LEASE)
        .execution_options(synchronize_session=False))
    session.commit()
    session.expire_all()
    return res.rowcount == 1  # type: ignore[attr-defined]


def process(session: Session, notice_id: int, ctx: Context, report: Report) -> None:
    """Take one notice as far as it goes now."""
    notice = session.get(Notice, notice_id)
    if notice is None or notice.state != NoticeState.PENDING.value or notice.not_before > ctx.now:
        return None
    why = _stale(session, notice, ctx)
    if why is not None:
        report.skipped += 1
        return _finish(session, notice, NoticeState.SKIPPED, why, ctx)
    person = notice.person
    kind = K(notice.kind)
    if not notice.to_caregiver and person.role == Role.VOLUNTEER and kind in LIVE_IN_APP \
            and ctx.online(person.id):
        report.skipped += 1
        return _finish(session, notice, NoticeState.SKIPPED, "seen live in the app", ctx)
    if kind not in URGENT and not notice.to_caregiver:
        until = quiet_until(person, ctx)
        if until is not None:
            notice.not_before = until
            session.commit()
            report.deferred += 1
            return None
    errors: list[str] = []
    ways = channels_for(notice, ctx)
    if not ways:  # no number, no address, app closed: nothing to try, nothing to report
        report.skipped += 1
        _finish(session, notice, NoticeState.SKIPPED, "keine Kontaktmöglichkeit", ctx)
        return None
    for channel, address in ways:
        d = _delivery(session, notice, channel, address, ctx)
        if d.state == D.SENT.value:
            report.sent += 1
            return _finish(session, notice, NoticeState.SENT, None, ctx)
        if d.state == D.FAILED.value:
            errors.append(f"{channel.value}: {d.last_error}")
            continue
        if d.state == D.SENDING.value and d.claimed_until and d.claimed_until >= ctx.now:
            return None  # another sender is at it
        if d.next_try_at > ctx.now:
            report.retry += 1
            return None  # waiting for its next try
        if not _claim(session, d, ctx):
            return None
        d = session.get_one(Delivery, d.id)
        notice = session.get_one(Notice, notice_id)
        out = outgoing(session, notice, channel, d.address, ctx)
        try:
            provider_id = ctx.senders[channel].send(out)
        except Permanent as exc:
            d.state, d.last_error, d.claimed_until = D.FAILED.value, str(exc)[:300], None
            session.commit()
            errors.append(f"{channel.value}: {exc}")
            log.info("notice %s: %s failed for good: %s", notice_id, channel.value, exc)
            continue
        except Transient as exc:
            d.last_error, d.claimed_until = str(exc)[:300], None
            if d.attempts >= ctx.settings.notify.max_attempts:
                d.state = D.FAILED.value
                session.commit()
                errors.append(f"{channel.value}: {exc}")
                log.info("notice %s: %s given up after %d tries", notice_id, channel.value,
                         d.attempts)
                continue
            d.state = D.PENDING.value
            d.next_try_at = ctx.now + timedelta(
                seconds=ctx.settings.notify.retry_base_s * 2 ** (d.attempts - 1))
            session.commit()
            report.retry += 1
            return None
        d.state, d.sent_at, d.claimed_until = D.SENT.value, ctx.now, None
        d.provider_id = provider_id[:120] if provider_id else None
        d.last_error = None
        report.sent += 1
        return _finish(session, notice, NoticeState.SENT, None, ctx)
    report.failed += 1
    return _finish(session, notice, NoticeState.FAILED, "; ".join(errors), ctx)


def send_due(session: Session | scoped_session[Any], ctx: Context, *, limit: int = 500) -> Report:
    """One pass over the notices that are due (oldest first)."""
    report = Report()
    ids = session.scalars(select(Notice.id).where(
        Notice.state == NoticeState.PENDING.value, Notice.not_before <= ctx.now)
        .order_by(Notice.id).limit(limit)).all()
    session.rollback()
    for notice_id in ids:
        try:
            process(session, notice_id, ctx, report)  # type: ignore[arg-type]
        except Exception:  # noqa: BLE001 - one broken notice must not stop the others
            session.rollback()
            log.exception("notice %s could not be processed", notice_id)
    return report
