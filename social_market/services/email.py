"""Outgoing email: SMTP when configured, otherwise .eml files in the outbox folder.

Messages are handed to a small thread pool after the transaction commits, so the
time a request takes never depends on whether an email was sent (which would
reveal whether an address is registered).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from email.message import EmailMessage
from email.utils import make_msgid

from sqlalchemy.orm import Session

from social_market.services.after_commit import on_commit
from social_market.settings import get_settings

log = logging.getLogger(__name__)
_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="email")
_pending: list[Future] = []


def build_message(*, to: str, subject: str, body: str) -> EmailMessage:
    settings = get_settings()
    msg = EmailMessage()
    msg["From"] = settings.smtp_from
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="social-market.local")
    msg.set_content(body)
    return msg


def deliver(msg: EmailMessage) -> None:
    """Send now, on this thread."""
    settings = get_settings()
    if settings.smtp_host:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=20) as smtp:
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(msg)
        return
    settings.outbox_dir.mkdir(parents=True, exist_ok=True)
    path = settings.outbox_dir / f"{uuid.uuid4().hex}.eml"
    path.write_bytes(bytes(msg))
    log.info("email written to %s (no SMTP_HOST set)", path)


def _deliver_logged(msg: EmailMessage) -> None:
    try:
        deliver(msg)
    except Exception:
        log.exception("could not send email %r", msg["Subject"])


def send_after_commit(session: Session, *, to: str, subject: str, body: str) -> None:
    """Queue an email that leaves only if the current transaction commits."""
    msg = build_message(to=to, subject=subject, body=body)

    def _submit() -> None:
        _pending.append(_pool.submit(_deliver_logged, msg))
        _pending[:] = [f for f in _pending if not f.done()]

    on_commit(session, _submit)


def wait_for_outgoing(timeout: float = 10.0) -> None:
    """Block until queued emails have been handed over (tests and CLI tools)."""
    for fut in list(_pending):
        fut.result(timeout=timeout)
