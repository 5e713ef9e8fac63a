"""E-mail over SMTP (aiosmtplib: asynchronous, STARTTLS before AUTH, certificates checked)."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import aiosmtplib

from tncam_registry.domain.notify import HEADER_NOTICE_ID


class DeliveryError(Exception):
    """A try that failed; the message names the cause without any secret."""


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to send (the password comes from settings or a secret file)."""

    host: str
    port: int
    tls: str  # "starttls", "tls" or "none"
    sender: str
    username: str = ""
    password: str = ""
    ca_file: str = ""
    timeout_s: float = 15.0


class Mailer:
    """Sends one notice as one e-mail."""

    def __init__(self, config: SmtpConfig) -> None:
        self._c = config
        self._tls = ssl.create_default_context(cafile=config.ca_file or None)

    async def send(self, notice_id: str, to: str, subject: str, body: str) -> None:
        """Send, or raise DeliveryError."""
        c = self._c
        if not c.host:
            raise DeliveryError("no SMTP server configured (TNCAM_REGISTRY_SMTP_HOST)")
        msg = EmailMessage()
        msg["From"] = c.sender
        msg["To"] = to
        msg["Subject"] = subject
        msg["Date"] = formatdate(localtime=False)
        # The same id on every try: a receiving system can drop a duplicate.
        msg["Message-ID"] = make_msgid(idstring=notice_id, domain="tncam")
        msg[HEADER_NOTICE_ID] = notice_id
        msg.set_content(body, charset="utf-8")
        try:
            await aiosmtplib.send(
                msg,
                hostname=c.host,
                port=c.port,
                username=c.username or None,
                password=c.password or None,
                use_tls=c.tls == "tls",
                start_tls=c.tls == "starttls",
                tls_context=self._tls if c.tls != "none" else None,
                timeout=c.timeout_s,
            )
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as e:
            # aiosmtplib's messages carry server replies, never the password.
            raise DeliveryError(f"smtp: {type(e).__name__}: {e}"[:300]) from e
