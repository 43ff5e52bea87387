"""Sending the digest by SMTP, for machines without a local mailer.

Settings come from the environment (MINICRM_SMTP_HOST, _PORT, _SECURITY, _USER, _PASSWORD,
_FROM), else from the ``[smtp]`` table of the config file; never from the command line,
so a password cannot leak into shell history or ``ps``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from email.message import EmailMessage

from minicrm.core import validate
from minicrm.core.errors import DeliveryFailed, InvalidInput

SECURITY = ("starttls", "ssl", "none")
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str
    user: str | None
    password: str | None
    sender: str


def settings() -> SmtpSettings:
    """Environment first, then the config file's [smtp] table."""
    from minicrm.core.config import load_config  # lazy: start-up

    table = load_config().smtp

    def get(name: str) -> str | None:
        value: object = os.environ.get(f"MINICRM_SMTP_{name.upper()}") or None  # empty: unset
        if value is None:
            value = table.get(name)
        return None if value is None else str(value)

    host = get("host")
    if not host:
        raise InvalidInput(
            "no SMTP server is configured",
            hint="set MINICRM_SMTP_HOST (and _PORT, _SECURITY, _USER, _PASSWORD, _FROM) "
            "or an [smtp] table in the config file",
        )
    security = (get("security") or "starttls").lower()
    if security not in SECURITY:
        raise InvalidInput(f"unknown SMTP security {security!r}", hint="starttls, ssl or none")
    port_text = get("port")
    try:
        port = int(port_text) if port_text else DEFAULT_PORTS[security]
    except ValueError:
        raise InvalidInput(f"SMTP port is not a number: {port_text!r}", hint="e.g. 587") from None
    if not 0 < port < 65536:
        raise InvalidInput(f"SMTP port {port} is out of range", hint="1 to 65535")
    user = get("user") or None
    sender = get("from") or (user if user and "@" in user else None)
    if not sender:
        raise InvalidInput(
            "no sender address for the digest", hint="set MINICRM_SMTP_FROM or [smtp] from"
        )
    return SmtpSettings(host, port, security, user, get("password"), validate.mailbox(sender))


def build_message(
    sender: str, recipients: list[str], subject: str, text: str, html: str
) -> EmailMessage:
    """A multipart/alternative message: the plain text first, the HTML second."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def send(message: EmailMessage, config: SmtpSettings) -> None:
    """Deliver, or raise DeliveryFailed with the server's reason."""
    import smtplib
    import ssl

    try:
        if config.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                config.host,
                config.port,
                timeout=TIMEOUT_SECONDS,
                context=ssl.create_default_context(),
            )
        else:
            client = smtplib.SMTP(config.host, config.port, timeout=TIMEOUT_SECONDS)
        with client:
            client.ehlo()
            if config.security == "starttls":
                client.starttls(context=ssl.create_default_context())
                client.ehlo()
            if config.user:
                client.login(config.user, config.password or "")
            refused = client.send_message(message)
        if refused:
            reasons = "; ".join(
                f"{rcpt}: {code} {reason.decode(errors='replace')}"
                for rcpt, (code, reason) in refused.items()
            )
            raise DeliveryFailed(f"the SMTP server refused some recipients: {reasons}")
    except smtplib.SMTPRecipientsRefused as exc:
        reasons = "; ".join(
            f"{rcpt}: {code} {reason.decode(errors='replace')}"
            for rcpt, (code, reason) in exc.recipients.items()
        )
        raise DeliveryFailed(f"the SMTP server refused the recipients: {reasons}") from None
    except smtplib.SMTPResponseException as exc:
        reason = (
            exc.smtp_error.decode(errors="replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        raise DeliveryFailed(
            f"the SMTP server {config.host}:{config.port} said {exc.smtp_code} {reason}"
        ) from None
    except smtplib.SMTPException as exc:
        raise DeliveryFailed(
            f"SMTP delivery to {config.host}:{config.port} failed: {exc}"
        ) from None
    except (OSError, ssl.SSLError) as exc:
        raise DeliveryFailed(
            f"cannot reach the SMTP server {config.host}:{config.port}: {exc}",
            hint="check MINICRM_SMTP_HOST, _PORT and _SECURITY",
        ) from None
