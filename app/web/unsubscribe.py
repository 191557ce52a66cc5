"""The unsubscribe link of citizens' notices: a page with one button, and the one-click
POST that mail clients send on their own (RFC 8058)."""

from __future__ import annotations

from flask import abort, render_template, request
from flask.typing import ResponseReturnValue

from app.extensions import csrf
from app.services.links import contact_for_unsubscribe
from app.services.subject_requests import unsubscribe as withdraw
from app.web.blueprints import public_bp


# No CSRF token: a mail client's one-click POST carries none. The signed link is what
# authorises it, and all it can do is stop e-mails to the contact it was made for.
@public_bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str) -> ResponseReturnValue:
    contact = contact_for_unsubscribe(token)
    if contact is None:
        abort(404)
    if request.method == "POST":
        withdraw(contact)
    subscribed = contact.consent and contact.erased_at is None
    return render_template("public/unsubscribe.html", token=token, subscribed=subscribed)
