"""What citizens and developers are told is true (issue 17): affected citizens are people,
not items; each citizen hears once per problem and round."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import Notice, NoticeKind, Ticket
from app.models.types import utcnow
from app.services.contacts import find_contact
from app.services.outcomes import close_with_outcome
from app.services.tickets import push_affected_counts, set_local_status
from tests.support.factories import consenting, reported_problem, staff_user

TEXT = "The parking permit renewal fails at the payment step."


def report(ref: str, email: str | None = None, phone: str | None = None) -> Ticket:
    contact = consenting(email, "en", phone=phone) if email or phone else None
    return reported_problem(TEXT, "parking-permit", source_ref=ref, contact=contact)


def six_reports_by_four_citizens() -> Ticket:
    """Anna twice, Ben twice (by phone, once in international form), two anonymous."""
    tickets = {
        report("a1", email="anna@example.org").id,
        report("a2", email="anna@example.org").id,
        report("b1", phone="040 123 4567").id,
        report("b2", phone="+358 40 123 4567").id,
        report("n1").id,
        report("n2").id,
    }
    assert len(tickets) == 1, "the six reports should be one problem"
    return db.session.get(Ticket, tickets.pop())


def test_affected_citizens_counts_people_not_items(app):
    ticket = six_reports_by_four_citizens()
    db.session.expire(ticket)
    assert ticket.affected_count == 4
    ticket.count_due_at = utcnow()
    db.session.commit()
    assert push_affected_counts() == 1
    assert db.session.get(Ticket, ticket.id).count_synced == 4  # what the tracker shows


def test_a_citizen_who_reported_twice_gets_one_resolution_notice(app, smtp_server):
    app.config.update(SMTP_HOST=smtp_server.host, SMTP_PORT=smtp_server.port)
    ticket = six_reports_by_four_citizens()
    report("c1", email="cecilia@example.org")
    smtp_server.wait_for(3)  # the thank-yous: one per item with an e-mail
    thanked = len(smtp_server.messages)
    set_local_status(ticket, "done")
    set_local_status(ticket, "done")  # a replay tells nobody again
    resolutions = db.session.scalars(
        select(Notice).where(Notice.kind == NoticeKind.RESOLUTION)
    ).all()
    assert len(resolutions) == 2  # Anna once (two items), Cecilia once
    sent = smtp_server.wait_for(thanked + 2)
    assert sorted(message["To"] for message in sent[thanked:]) == [
        "anna@example.org",
        "cecilia@example.org",
    ]


def test_a_problem_closed_unfixed_tells_each_citizen_once(app):
    ticket = six_reports_by_four_citizens()
    handler = staff_user("handler")
    close_with_outcome(ticket, "wont_fix", "The payment provider is changing next year.", handler)
    count = db.session.scalar(
        select(func.count(Notice.id)).where(Notice.kind == NoticeKind.RESOLUTION)
    )
    assert count == 1  # Anna's e-mail; Ben gave only a phone


def test_the_migration_stores_existing_phone_numbers_in_e164(app):
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    downgrade(revision="0018")
    db.session.execute(
        text(
            "INSERT INTO contact (phone, language, consent, created_at) VALUES "
            "('0401234567', 'fi', false, CURRENT_TIMESTAMP), "
            "('073-123 45 67', 'sv', false, CURRENT_TIMESTAMP), "
            "('+358401234567', NULL, false, CURRENT_TIMESTAMP)"
        )
    )
    db.session.commit()
    upgrade()
    phones = db.session.scalars(text("SELECT phone FROM contact ORDER BY id")).all()
    assert phones == ["+358401234567", "+46731234567", "+358401234567"]
    assert find_contact(phone="+358 40 123 4567") is not None
