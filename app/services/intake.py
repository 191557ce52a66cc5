"""Intake: accept a feedback item once, store it before answering, queue its work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app import jobs
from app.extensions import commit_keeping_loaded, db
from app.models import Feedback, Notice, NoticeKind, User
from app.services.catalog import eservice_by_code
from app.services.contacts import record_contact
from app.services.notices import queue_notice
from app.services.privacy import redact
from app.services.rows import insert_or_find


@dataclass(frozen=True)
class ContactDetails:
    email: str | None = None
    phone: str | None = None
    name: str | None = None
    language: str | None = None
    consent: bool = False


@dataclass(frozen=True)
class Location:
    """Where the problem is, when the channel tells (Open311)."""

    latitude: float | None = None
    longitude: float | None = None
    address: str | None = None
    media_url: str | None = None
    # Open311's: every media URL sent (media_url is the first), an address id and zipcode.
    media_urls: tuple[str, ...] = ()
    address_id: str | None = None
    zipcode: str | None = None


@dataclass(frozen=True)
class Submission:
    text: str
    channel: str
    eservice: str | None = None
    language: str | None = None
    source_ref: str | None = None
    occurred_at: datetime | None = None
    contact: ContactDetails | None = None
    location: Location = Location()
    attributes: dict | None = None  # values of the e-service's Open311 attributes


@dataclass(frozen=True)
class IntakeResult:
    feedback: Feedback
    created: bool


def _existing(channel: str, source_ref: str | None) -> Feedback | None:
    if source_ref is None:
        return None
    return db.session.scalars(
        select(Feedback).where(Feedback.channel == channel, Feedback.source_ref == source_ref)
    ).first()


def submit_feedback(
    submission: Submission, agent: User | None = None, *, identified_caller: bool = False
) -> IntakeResult:
    """Store the item with its thank-you notice in one transaction, then queue the work.

    The item is committed before this returns (invariant 1); a repeated
    ``(channel, source_ref)`` returns the stored item unchanged (invariant 2). Only with
    ``identified_caller`` (a staff member on the staff site who identified the caller) is a
    known contact reused and updated; otherwise the details make a new contact record.
    """
    # A repeated (channel, source_ref), sent again or by a concurrent request, is refused
    # by its unique key: then none of this one's rows (its contact record included) are
    # kept. No look-up first: repeats are rare, and every new item would pay its round trip.
    (item, thank_you), created = insert_or_find(
        lambda: _new_item(submission, agent, identified_caller),
        lambda: _stored_before(submission),
    )
    if not created:
        return IntakeResult(item, created=False)
    work: list[tuple[str, tuple]] = [("process_feedback", (item.id,))]
    if thank_you is not None:
        work.append(("deliver_notice", (thank_you.id,)))
    # What was just written is what the answer shows: no reloading it after the commit.
    commit_keeping_loaded()
    jobs.enqueue_now(work)
    return IntakeResult(item, created=True)


def _stored_before(submission: Submission) -> tuple[Feedback, None] | None:
    existing = _existing(submission.channel, submission.source_ref)
    return None if existing is None else (existing, None)


def _new_item(
    submission: Submission, agent: User | None, identified_caller: bool
) -> tuple[Feedback, Notice | None]:
    """The item, its contact and its thank-you notice, added to the session."""
    details = submission.contact
    contact = None
    if details is not None:
        contact = record_contact(
            email=details.email,
            phone=details.phone,
            name=details.name,
            language=details.language or submission.language,
            consent=details.consent,
            channel=submission.channel,
            identified_by=agent if identified_caller else None,
        )
    eservice = None
    if submission.eservice:
        eservice = eservice_by_code(submission.eservice)
        if eservice is None:
            raise LookupError(f"no e-service {submission.eservice!r}")
    names = [contact.name] if contact is not None and contact.name else []
    item = Feedback(
        channel=submission.channel,
        source_ref=submission.source_ref,
        occurred_at=submission.occurred_at,
        text=submission.text,
        redacted_text=redact(submission.text, names),
        language=submission.language,
        eservice=eservice,
        contact=contact,
        agent_id=agent.id if agent is not None else None,
        latitude=submission.location.latitude,
        longitude=submission.location.longitude,
        address=submission.location.address,
        media_url=submission.location.media_url,
        media_urls=list(submission.location.media_urls) or None,
        address_id=submission.location.address_id,
        zipcode=submission.location.zipcode,
        attributes=submission.attributes,
    )
    # A new item owes its thank-you without looking for one already owed.
    thank_you = queue_notice(item, NoticeKind.THANK_YOU)
    db.session.add(item)
    return item, thank_you
