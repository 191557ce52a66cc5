"""A small city for the security tests: one account (with a token) per role, an item and
ticket inside the scoped roles' reach and another outside it."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import g

from app.extensions import db
from app.models import (
    ROLES,
    BenchmarkPeer,
    CallImport,
    Feedback,
    GlossaryEntry,
    PairState,
    ProblemPair,
    RoutingRule,
    User,
)
from app.services.accounts import create_token
from app.services.intake import ContactDetails
from tests.support.factories import eservice, staff_user, submitted
from tests.support.web import csrf_token

# The scoped accounts' reach: the handler works for culture (CUL), the supplier is fjord,
# which supplies library-account; building-permit is urban planning's and kivi's.
IN_SCOPE_ESERVICE = "library-account"
OUT_OF_SCOPE_ESERVICE = "building-permit"


@dataclass
class City:
    users: dict[str, User]
    tokens: dict[str, str]
    item: Feedback
    other_item: Feedback
    open311_item: Feedback
    call_import: CallImport
    rule: RoutingRule
    glossary_entry: GlossaryEntry
    peer: BenchmarkPeer
    suggestion: ProblemPair  # the open311 item probably reports the item's problem


def submit(eservice: str, ref: str, email: str, channel: str = "api") -> Feedback:
    return submitted(
        f"Kirjautuminen ei toimi. Soita 040 123 4567, terveisin Liisa Virtanen ({ref})",
        eservice,
        channel=channel,
        source_ref=ref,
        language="fi",
        contact=ContactDetails(
            email=email, phone="040 123 4567", name="Liisa Virtanen", consent=True
        ),
    )


@pytest.fixture
def city(app) -> City:
    users, tokens = {}, {}
    for role in ROLES:
        users[role] = staff_user(
            role,
            supplier_code="fjord" if role == "supplier" else None,
            department_codes=("CUL",) if role == "handler" else (),
        )
        tokens[role] = create_token(users[role])
    db.session.commit()
    item = submit(IN_SCOPE_ESERVICE, "in-scope", "liisa@example.fi")
    other = submit(OUT_OF_SCOPE_ESERVICE, "out-of-scope", "other@example.fi")
    open311 = submit(IN_SCOPE_ESERVICE, "open311", "app@example.fi", channel="open311")
    run = CallImport(filename="calls.csv", path="/nonexistent", mapping="generic")
    rule = RoutingRule(
        eservice=eservice("parking-permit"),
        phrases=["pysäköinti"],
    )
    entry = GlossaryEntry(part="login", language="fi", words=["Kuntaportti"])
    # A city to compare with (its key is any 32 bytes: nothing is verified here).
    peer = BenchmarkPeer(code="peer", name="Peer City", public_key="A" * 43 + "=", key_id="0" * 16)
    suggestion = ProblemPair(
        feedback_id=open311.id,
        ticket_id=item.ticket_id,
        state=PairState.SUGGESTED,
        score=0.4,
        features=[],
    )
    db.session.add_all([run, rule, entry, peer, suggestion])
    db.session.commit()
    return City(users, tokens, item, other, open311, run, rule, entry, peer, suggestion)


def act_as(client, user: User | None) -> None:
    """Sign the test client in as ``user`` (or out), as a completed sign-in would."""
    # Requests share the fixture's app context, where Flask-Login caches the current user.
    g.pop("_login_user", None)
    with client.session_transaction() as session:
        for key in [key for key in session if key != "csrf_token"]:
            del session[key]
        if user is not None:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True


def form_token(client) -> str:
    """A CSRF token of the client's session, valid whoever it then acts as."""
    return csrf_token(client.get("/staff/login").get_data(as_text=True))
