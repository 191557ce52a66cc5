"""Signed links in citizens' e-mails, which work without an account.

The unsubscribe link carries the contact's id signed with the secret key: it can't be forged
for another contact, never shows the address, and does not expire (a citizen may find an old
e-mail and still expects it to work).
"""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from app.extensions import db
from app.models import Contact

_UNSUBSCRIBE = "civicloop-unsubscribe"


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
