"""Consent: recorded with time and channel; a withdrawal stops notices already queued."""

from __future__ import annotations

from pathlib import Path

from app.extensions import db
from app.models import NoticeKind, NoticeState
from app.services.notices import deliver_notice, queue_notice
from app.services.subject_requests import withdraw_consent
from tests.security.conftest import submit


def sent_mail(app) -> int:
    return len(list(Path(app.config["OUTBOX_DIR"]).glob("*.eml")))


def test_consent_is_recorded_with_time_and_channel(app):
    item = submit("library-account", "c", "liisa@example.fi")
    assert item.contact.consent and item.contact.consent_at is not None
    assert item.contact.consent_channel == "api"


def test_delivery_checks_consent_again_when_the_notice_is_due(app):
    item = submit("library-account", "c", "liisa@example.fi")
    before = sent_mail(app)
    notice = queue_notice(item, NoticeKind.RESOLUTION)
    db.session.commit()
    # The citizen unsubscribes after the notice was queued, by a path that does not
    # touch the outbox: delivery must still see it.
    item.contact.consent = False
    db.session.commit()

    assert deliver_notice(notice.id) is None
    db.session.refresh(notice)
    assert notice.state == NoticeState.SUPPRESSED and notice.sent_at is None
    assert sent_mail(app) == before


def test_withdrawal_suppresses_queued_notices_at_once(app):
    item = submit("library-account", "c", "liisa@example.fi")
    before = sent_mail(app)
    notice = queue_notice(item, NoticeKind.RESOLUTION)
    db.session.commit()

    assert withdraw_consent("liisa@example.fi", None, channel="web") == 1
    assert notice.state == NoticeState.SUPPRESSED and notice.last_error == "consent withdrawn"
    assert deliver_notice(notice.id) is None
    assert sent_mail(app) == before
    # A new notice is not even queued any more.
    assert queue_notice(item, NoticeKind.UPDATE) is None


def _contact_details(**changes):
    from app.services.intake import ContactDetails

    values = {"email": "liisa@example.fi", "phone": None, "name": "Someone Else",
              "consent": False, "language": "sv"} | changes  # fmt: skip
    return ContactDetails(**values)


def test_knowing_an_e_mail_address_changes_nothing_of_its_contact(app, client):
    # Issue 16: the public form, the API and Open311 reused the contact by e-mail and
    # overwrote its consent, name and language, and attached the new item to it.
    from sqlalchemy import select

    from app.models import ConsentChange
    from app.services.intake import Submission, submit_feedback

    item = submit("library-account", "c", "liisa@example.fi")
    contact = item.contact
    stranger = submit_feedback(
        Submission(text="Lomake ei toimi.", channel="web_form", source_ref=None,
                   eservice="library-account", language="sv", contact=_contact_details())
    ).feedback  # fmt: skip
    db.session.refresh(contact)
    assert (contact.consent, contact.name, contact.language) == (True, "Liisa Virtanen", "fi")
    assert stranger.contact_id != contact.id
    changes = db.session.scalars(
        select(ConsentChange).where(ConsentChange.contact_id == contact.id)
    ).all()
    assert [(c.consent, c.source) for c in changes] == [(True, "api")]


def test_a_staff_member_who_identified_the_caller_updates_the_contact(app):
    from sqlalchemy import select

    from app.models import ConsentChange
    from app.services.intake import Submission, submit_feedback
    from tests.support.factories import staff_user

    agent = staff_user("agent")
    item = submit("library-account", "c", "liisa@example.fi")
    again = submit_feedback(
        Submission(text="Lomake ei toimi.", channel="agent_form", source_ref=None,
                   eservice="library-account", language="sv",
                   contact=_contact_details(name="Liisa Virtanen-Berg")),
        agent=agent, identified_caller=True,
    ).feedback  # fmt: skip
    assert again.contact_id == item.contact_id
    assert (again.contact.consent, again.contact.name) == (False, "Liisa Virtanen-Berg")
    changes = db.session.scalars(
        select(ConsentChange)
        .where(ConsentChange.contact_id == item.contact_id)
        .order_by(ConsentChange.id)
    ).all()
    assert [(c.consent, c.source, c.actor_id) for c in changes] == [
        (True, "api", None),
        (False, "agent_form", agent.id),
    ]
    assert all(c.changed_at is not None for c in changes)


def test_withdrawal_and_erasure_are_logged(app):
    from sqlalchemy import select

    from app.models import ConsentChange
    from app.services.subject_requests import unsubscribe

    item = submit("library-account", "c", "liisa@example.fi")
    unsubscribe(item.contact)
    sources = db.session.scalars(select(ConsentChange.source).order_by(ConsentChange.id)).all()
    assert sources == ["api", "unsubscribe link"]
