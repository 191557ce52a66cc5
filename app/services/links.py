"""Signed links in citizens' e-mails, which work without an account.

The unsubscribe link carries the contact's id signed with the secret key: it can't be forged
for another contact, never shows the address, and does not expire (a citizen may find an old
e-mail and still expects it to work).

The follow-up link ("Did this fix it for you?") carries the item's id and the resolution
round it asks about, and expires after FOLLOWUP_LINK_MAX_AGE_DAYS: an answer months later
says little about that fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from app.extensions import db
from app.models import Contact, Feedback

_UNSUBSCRIBE = "civicloop-unsubscribe"
_FOLLOWUP = "civicloop-followup"


def _serializer(salt: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=salt)


def unsubscribe_url(contact: Contact) -> str:
    # From PUBLIC_BASE_URL, not url_for: notices are rendered in workers, outside requests.
    token = _serializer(_UNSUBSCRIBE).dumps(contact.id)
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/unsubscribe/{token}"


def contact_for_unsubscribe(token: str) -> Contact | None:
    """The contact the link was made for, or None for a forged or mangled link."""
    try:
        contact_id = _serializer(_UNSUBSCRIBE).loads(token)
    except BadSignature:
        return None
    return db.session.get(Contact, contact_id) if isinstance(contact_id, int) else None


def _followup_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_FOLLOWUP)


def followup_token(item: Feedback, round_: int) -> str:
    """The credential of an answer about ``item``'s resolution round ``round_``."""
    return _followup_serializer().dumps([item.id, round_])


def followup_url(item: Feedback, round_: int, answer: str | None = None, language: str = "") -> str:
    """The answer page for ``item``'s resolution round ``round_``; ``answer`` preselects a
    choice (one link per choice in the e-mail), ``language`` the page's language."""
    token = followup_token(item, round_)
    query = {name: value for name, value in (("answer", answer), ("lang", language)) if value}
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return f"{base}/followup/{token}" + (f"?{urlencode(query)}" if query else "")


@dataclass(frozen=True)
class FollowupLink:
    """What a follow-up link opens: the item and round, or why it opens nothing."""

    item: Feedback | None = None
    round: int = 0
    expired: bool = False


def followup_for_link(token: str) -> FollowupLink:
    """The item and round the link was made for; an empty answer for a forged, mangled or
    expired link (``expired`` tells the last apart, so the page can say so)."""
    max_age = current_app.config["FOLLOWUP_LINK_MAX_AGE_DAYS"] * 24 * 3600
    try:
        value = _followup_serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        return FollowupLink(expired=True)
    except BadSignature:
        return FollowupLink()
    if not (isinstance(value, list) and len(value) == 2 and all(type(v) is int for v in value)):
        return FollowupLink()
    item = db.session.get(Feedback, value[0])
    return FollowupLink(item, value[1]) if item is not None else FollowupLink()
