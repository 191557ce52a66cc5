"""Who may open a staff page: the role a view needs, declared on the route, and the loaders
of "the item (or problem) this user may see, or 404" (the staff site's answer to a bearer
token's ``token_required`` in app/api/auth.py)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from app.models import Feedback, Ticket
from app.services.access import visible_feedback, visible_ticket


def roles_required(*roles: str) -> Callable:
    """The view needs a signed-in account (else the sign-in page) of one of ``roles``
    (else 403), checked before the view loads anything."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args: object, **kwargs: object) -> object:
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return login_required(guarded)

    return decorator


def visible_feedback_or_404(public_id: str) -> Feedback:
    """The signed-in user's item ``public_id``; out of their scope reads as not found, so an
    id cannot be probed for existence (app/services/access.py)."""
    return visible_feedback(current_user, public_id) or abort(404)


def visible_ticket_or_404(ticket_id: int | None = None, key: str | None = None) -> Ticket:
    """The signed-in user's problem, by number or tracker key; out of scope reads as not
    found, as for items."""
    return visible_ticket(current_user, ticket_id=ticket_id, key=key) or abort(404)
