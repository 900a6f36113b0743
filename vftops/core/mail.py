"""Sending e-mail: one SMTP connection, absolute links under BASE_URL, templates outside a request.

Used by the daily digest (`vftops.notify`, many e-mails over one connection)
and by single e-mails sent after a change (`vftops.support.mail`). The settings are
MAIL_SERVER, MAIL_PORT, MAIL_USE_TLS (STARTTLS), MAIL_USERNAME, MAIL_PASSWORD and
MAIL_FROM; without MAIL_SERVER nothing can be sent.
"""

from __future__ import annotations

import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from flask import current_app

from vftops.core.models import utcnow
from vftops.core.urls import base_hostname

SMTP_TIMEOUT_SECONDS = 30


class MailNotConfigured(RuntimeError):
    """There is no SMTP server to send through."""


class ServerDown(Exception):
    """The SMTP server cannot be reached or will not let us in: every e-mail would fail."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def is_configured() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def mail_domain() -> str:
    return base_hostname()


def render(name: str, **context) -> str:
    """A template straight from the Jinja environment: the request's context processors
    (navigation, current user) mean nothing in an e-mail."""
    return current_app.jinja_env.get_template(name).render(**context)


def message(
    *, to_name: str, to_address: str, subject: str, text: str, html: str, kind: str
) -> EmailMessage:
    """A text + HTML e-mail from MAIL_FROM, marked as sent by a machine."""
    out = EmailMessage()
    out["Subject"] = subject
    out["From"] = current_app.config["MAIL_FROM"]
    out["To"] = Address(display_name=to_name, addr_spec=to_address.strip())
    out["Date"] = format_datetime(utcnow())
    out["Message-ID"] = make_msgid(kind, domain=mail_domain())
    out["Auto-Submitted"] = "auto-generated"
    out.set_content(text)
    out.add_alternative(html, subtype="html")
    return out


class Mailer:
    """One SMTP connection, opened on the first e-mail and reused for the next ones."""

    def __init__(self, config, *, timeout: float = SMTP_TIMEOUT_SECONDS):
        self.config = config
        self.timeout = timeout
        self.smtp: smtplib.SMTP | None = None

    @property
    def server(self) -> str:
        return f"{self.config['MAIL_SERVER']}:{self.config.get('MAIL_PORT') or 25}"

    def _connect(self) -> smtplib.SMTP:
        try:
            smtp = smtplib.SMTP(
                self.config["MAIL_SERVER"],
                int(self.config.get("MAIL_PORT") or 25),
                timeout=self.timeout,
            )
        except (smtplib.SMTPException, OSError) as error:
            raise ServerDown(f"could not reach the SMTP server {self.server}: {error}") from error
        try:
            if self.config.get("MAIL_USE_TLS"):
                smtp.starttls(context=ssl.create_default_context())
            if self.config.get("MAIL_USERNAME"):
                smtp.login(self.config["MAIL_USERNAME"], self.config.get("MAIL_PASSWORD") or "")
        except (smtplib.SMTPException, OSError) as error:
            smtp.close()
            raise ServerDown(
                f"the SMTP server {self.server} refused the connection: {describe(error)}"
            ) from error
        return smtp

    def send(self, message: EmailMessage) -> None:
        """Send one e-mail; ServerDown when no e-mail can go, SMTPException for this one."""
        for attempt in (1, 2):
            if self.smtp is None:
                self.smtp = self._connect()
            try:
                self.smtp.send_message(message)
                return
            except smtplib.SMTPServerDisconnected as error:
                self._drop()
                if attempt == 2:
                    raise ServerDown(
                        f"lost the connection to the SMTP server {self.server}: {error}"
                    ) from error
                # The server hung up between two e-mails (idle timeout): once more, fresh.
            except smtplib.SMTPException:
                raise  # refused this e-mail (SMTPException is an OSError: keep it first)
            except OSError as error:
                self._drop()
                raise ServerDown(
                    f"lost the connection to the SMTP server {self.server}: {error}"
                ) from error

    def _drop(self) -> None:
        if self.smtp is not None:
            self.smtp.close()
            self.smtp = None

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except OSError:  # SMTPException too
                self.smtp.close()
            self.smtp = None


def describe(error: smtplib.SMTPException | OSError) -> str:
    """What went wrong, in words an operator can act on."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "the SMTP server refused the address: " + "; ".join(
            f"{code} {_text(msg)}" for code, msg in error.recipients.values()
        )
    if isinstance(error, smtplib.SMTPResponseException):
        return f"the SMTP server answered {error.smtp_code} {_text(error.smtp_error)}"
    if isinstance(error, ServerDown):
        return error.reason
    return str(error) or error.__class__.__name__


def _text(value) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def send_one(message: EmailMessage, *, timeout: float = 10) -> None:
    """Send a single e-mail over a connection of its own (MailNotConfigured, ServerDown,
    SMTPException on failure). A short timeout: a person is waiting for the page."""
    if not is_configured():
        raise MailNotConfigured("MAIL_SERVER is not set")
    mailer = Mailer(current_app.config, timeout=timeout)
    try:
        mailer.send(message)
    finally:
        mailer.close()
