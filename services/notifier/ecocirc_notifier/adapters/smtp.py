"""Sending a rendered email over SMTP (aiosmtplib), with the deterministic Message-ID of its news."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate

import aiosmtplib

from ecocirc_notifier.domain.emails import RenderedEmail
from ecocirc_shared.settings import SmtpSettings, SmtpTls


def build_message(rendered: RenderedEmail, *, sender: str, to: str, message_id: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = rendered.subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = message_id
    msg.set_content(rendered.text)
    msg.add_alternative(rendered.html, subtype="html")
    # After the body: set_content drops every Content-* header already set (Content-Language).
    for name, value in rendered.headers.items():
        msg[name] = value
    return msg


class SmtpSender:
    def __init__(self, settings: SmtpSettings):
        self.settings = settings

    async def send(self, message: EmailMessage) -> None:
        s = self.settings
        await aiosmtplib.send(
            message,
            hostname=s.require(s.smtp_host, "smtp_host"),
            port=s.smtp_port,
            username=s.smtp_user,
            password=s.smtp_password.get_secret_value() if s.smtp_password else None,
            use_tls=s.smtp_tls is SmtpTls.TLS,
            start_tls=s.smtp_tls is SmtpTls.STARTTLS,
            timeout=20,
        )
