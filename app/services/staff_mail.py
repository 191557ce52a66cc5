"""E-mail to the city's own people (a department's address, its head): in the city's
language, with a stable Message-ID, through the configured Mailer.

Citizens' e-mail goes through the notice outbox instead (app/services/notices.py); staff
mail is sent by scheduled checks that record what they sent and retry what they could not.
"""

from __future__ import annotations

import logging

from flask import current_app

from integrations.mailer import MailError, Message, mailer_from_config

log = logging.getLogger(__name__)


def staff_language() -> str:
    """The language staff mail is written in: the city's."""
    return current_app.config["DEFAULT_LANGUAGE"]


def staff_message(to: str, subject: str, paragraphs: list[str], key: str) -> Message:
    """A plain-text message; ``key`` names what it is about, so a resend after a lost answer
    carries the same Message-ID and can be recognised downstream."""
    domain = current_app.config["MAIL_FROM"].rpartition("@")[2] or "civicloop"
    return Message(
        to=to,
        subject=subject,
        text="\n\n".join(paragraphs),
        language=staff_language(),
        message_id=f"<{key}@{domain}>",
    )


def send_staff_mail(message: Message) -> bool:
    """Send ``message``; False (logged) when it was not accepted, for the caller to retry."""
    try:
        mailer_from_config(current_app.config).send(message)
    except MailError as error:
        log.warning("%s to %s not sent, retried later: %s", message.message_id, message.to, error)
        return False
    return True
