"""Data-subject requests (GDPR articles 15, 17 and 21): find everything held about a person
by e-mail address or phone number, export it, erase it, or stop contacting them.

Erasure removes the person, not the feedback: the contact's details are blanked, the texts
keep only their redacted wording, queued notices are suppressed, and every count, sentiment,
routing decision and ticket link stays, so statistics do not change. Each request is
audited with ids and counts only: the audit log never repeats what was erased.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, or_, select

from app.extensions import db
from app.models import (
    Contact,
    Feedback,
    FollowupAnswer,
    InboundKind,
    InboundMessage,
    ItemEmbedding,
    Notice,
    NoticeState,
    SurveyResponse,
    User,
)
from app.models.types import utcnow
from app.services.audit import record
from app.services.contacts import (
    change_consent,
    normalise_email,
    normalise_phone,
    phone_spellings,
)
from app.services.notices import status_url
from app.services.open311_catalog import forget_request_details
from app.services.privacy import redact

# Shortest phone number worth a search: fewer digits would match strangers.
_MIN_PHONE_DIGITS = 6
UNSUBSCRIBE_CHANNEL = "unsubscribe link"


class SubjectQueryError(ValueError):
    pass


@dataclass(frozen=True)
class SubjectQuery:
    email: str | None = None
    phone: str | None = None

    @property
    def kind(self) -> str:
        return "email" if self.email else "phone"

    @property
    def value(self) -> str:
        return self.email or self.phone or ""


def parse_query(text: str) -> SubjectQuery:
    """An e-mail address or a phone number, normalised as contacts are stored."""
    text = (text or "").strip()
    if "@" in text:
        email = normalise_email(text)
        local, _, domain = (email or "").partition("@")
        if not local or "." not in domain:
            raise SubjectQueryError("Not an e-mail address.")
        return SubjectQuery(email=email)
    phone = normalise_phone(text)
    if not phone or len(phone.lstrip("+")) < _MIN_PHONE_DIGITS or not _phone_like(text):
        raise SubjectQueryError("Give an e-mail address or a phone number.")
    return SubjectQuery(phone=phone)


def _phone_like(text: str) -> bool:
    return all(char.isdigit() or char in "+ -()./" for char in text)


@dataclass
class SubjectRecord:
    """What civicloop holds about one person."""

    query: SubjectQuery
    contacts: list[Contact] = field(default_factory=list)
    # Items the person gave their contact details with.
    items: list[Feedback] = field(default_factory=list)
    # Items of others (or anonymous ones) whose text names the address or number.
    mentions: list[Feedback] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    survey_responses: list[SurveyResponse] = field(default_factory=list)
    followup_answers: list[FollowupAnswer] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.contacts or self.mentions)

    def counts(self) -> dict[str, int]:
        return {
            "contacts": len(self.contacts),
            "items": len(self.items),
            "mentions": len(self.mentions),
            "notices": len(self.notices),
            "survey_responses": len(self.survey_responses),
        }


def _collect(query: SubjectQuery) -> SubjectRecord:
    found = SubjectRecord(query)
    if query.email:
        match = func.lower(Contact.email) == query.email
    else:
        match = Contact.phone == query.phone
    found.contacts = list(
        db.session.scalars(select(Contact).where(match, Contact.erased_at.is_(None)))
    )
    contact_ids = [contact.id for contact in found.contacts]
    if contact_ids:
        found.items = list(
            db.session.scalars(
                select(Feedback).where(Feedback.contact_id.in_(contact_ids)).order_by(Feedback.id)
            )
        )
    # A text search finds the address or number as written; a phone number written with
    # other spacing than the query is found only through the contact it was given with.
    needles = phone_spellings(query.phone) if query.phone else {query.value}
    mention = or_(*(Feedback.text.icontains(needle, autoescape=True) for needle in needles))
    own = {item.id for item in found.items}
    found.mentions = [
        item
        for item in db.session.scalars(select(Feedback).where(mention).order_by(Feedback.id))
        if item.id not in own
    ]
    item_ids = [item.id for item in found.items]
    if item_ids:
        found.notices = list(
            db.session.scalars(select(Notice).where(Notice.feedback_id.in_(item_ids)))
        )
        found.followup_answers = list(
            db.session.scalars(
                select(FollowupAnswer)
                .where(FollowupAnswer.feedback_id.in_(item_ids))
                .order_by(FollowupAnswer.id)
            )
        )
    all_ids = item_ids + [item.id for item in found.mentions]
    if all_ids:
        found.survey_responses = list(
            db.session.scalars(
                select(SurveyResponse).where(SurveyResponse.feedback_id.in_(all_ids))
            )
        )
    return found


def find_subject(text: str, actor: User | None) -> SubjectRecord:
    """Everything held about the person with this e-mail address or phone number. Audited."""
    query = parse_query(text)
    found = _collect(query)
    _audit(actor, "subject.found", found)
    db.session.commit()
    return found


def export_subject(text: str, actor: User | None) -> dict:
    """The person's data as a JSON-ready mapping (GDPR art. 15 and 20). Audited."""
    query = parse_query(text)
    found = _collect(query)
    document = {
        "query": {query.kind: query.value},
        "exported_at": utcnow().isoformat(),
        "contacts": [_contact_document(contact) for contact in found.contacts],
        "feedback": [_item_document(item) for item in found.items],
        "mentioned_in": [_item_document(item) for item in found.mentions],
        "notices": [_notice_document(notice) for notice in found.notices],
        "survey_responses": [
            {"received_at": _iso(r.received_at), "eservice": r.eservice.code, "answers": r.answers}
            for r in found.survey_responses
        ],
        # "Did this fix it for you?" answers; their comments were stored redacted.
        "followup_answers": [
            {
                "item": a.feedback.public_id,
                "round": a.round,
                "answer": a.answer,
                "comment": a.comment,
                "answered_at": _iso(a.answered_at),
            }
            for a in found.followup_answers
        ],
        # Their answers to notices by e-mail (app/services/inbound_mail.py).
        "email_replies": _email_reply_documents(found.items),
    }
    _audit(actor, "subject.exported", found)
    db.session.commit()
    return document


@dataclass(frozen=True)
class ErasureReport:
    contacts: int
    items: int
    notices_suppressed: int


def erase_subject(text: str, actor: User | None) -> ErasureReport:
    """Erase the person (GDPR art. 17) without changing any statistic. Audited."""
    query = parse_query(text)
    found = _collect(query)
    names = [contact.name for contact in found.contacts if contact.name]
    suppressed = suppress_pending_notices(found.items, "erased at the citizen's request")
    for item in found.items:
        anonymise_item(item, names)
        # Where a problem is can be where the citizen lives; the photo can show them.
        item.address = item.media_url = item.latitude = item.longitude = None
        forget_request_details(item)
    for item in found.mentions:
        anonymise_item(item, names, extra=[query.value])
    for contact in found.contacts:
        erase_contact(contact)
    _audit(actor, "subject.erased", found, notices_suppressed=suppressed)
    db.session.commit()
    return ErasureReport(len(found.contacts), len(found.items) + len(found.mentions), suppressed)


def withdraw_consent(text: str, actor: User | None, channel: str = "staff") -> int:
    """Stop every follow-up to this person now, queued notices included (GDPR art. 7(3)).
    Returns how many queued notices were suppressed. Audited."""
    query = parse_query(text)
    found = _collect(query)
    suppressed = suppress_pending_notices(found.items, "consent withdrawn")
    for contact in found.contacts:
        change_consent(contact, False, channel, actor)
    _audit(actor, "subject.consent_withdrawn", found, notices_suppressed=suppressed)
    db.session.commit()
    return suppressed


def unsubscribe(contact: Contact) -> None:
    """The unsubscribe link in a notice was used: withdraw consent now, queued notices
    included. A second click changes nothing."""
    if contact.consent and contact.email and contact.erased_at is None:
        withdraw_consent(contact.email, None, channel=UNSUBSCRIBE_CHANNEL)


# --- the steps, shared with retention ----------------------------------------------------


def suppress_pending_notices(items: Iterable[Feedback], reason: str) -> int:
    """Mark the items' queued notices suppressed, locking them first.

    Delivery locks its notice and then the contact; taking the notices here before the
    contact is touched keeps that order, so a delivery in progress finishes first and one
    that has not started finds its notice suppressed.
    """
    item_ids = [item.id for item in items]
    if not item_ids:
        return 0
    pending = db.session.scalars(
        select(Notice)
        .where(Notice.feedback_id.in_(item_ids), Notice.state == NoticeState.PENDING)
        .order_by(Notice.id)
        .with_for_update()
    ).all()
    for notice in pending:
        notice.state = NoticeState.SUPPRESSED
        notice.next_attempt_at = None
        notice.last_error = reason
    db.session.flush()
    return len(pending)


def anonymise_item(item: Feedback, names: Iterable[str], extra: Iterable[str] = ()) -> None:
    """Keep only the redacted wording of the item's text (and of its survey answers);
    ``extra`` are further strings to blank, such as the address a mention was found by."""
    names = list(names)
    if item.contact is not None and item.contact.name:
        names.append(item.contact.name)
    # The redacted copy was made at intake with the names the agent entered, which may be
    # gone since; redacting it again adds what later names or rules catch.
    source = item.redacted_text if item.redacted_text is not None else item.text
    anonymous = _blank(redact(source, names), extra)
    item.text = item.redacted_text = anonymous
    # The vector was computed from the old wording; grouping recomputes it when needed.
    # Deleted by a statement, not through the relationship: the statement runs after the
    # item's own UPDATE has waited for any worker holding it, so a vector that worker was
    # writing is deleted too (the relationship would delete only the rows it saw before).
    db.session.execute(delete(ItemEmbedding).where(ItemEmbedding.feedback_id == item.id))
    db.session.expire(item, ["embedding"])
    # The citizen's e-mailed replies go the same way as the text they answer.
    replies = db.session.scalars(
        select(InboundMessage).where(
            InboundMessage.feedback_id == item.id, InboundMessage.text.is_not(None)
        )
    )
    for reply in replies:
        reply.text = reply.redacted_text = _blank(redact(reply.redacted_text or "", names), extra)
    responses = db.session.scalars(
        select(SurveyResponse).where(SurveyResponse.feedback_id == item.id)
    )
    for response in responses:
        response.answers = {
            key: _blank(redact(value, names), extra) if isinstance(value, str) else value
            for key, value in response.answers.items()
        }


def _blank(text: str, values: Iterable[str]) -> str:
    for value in values:
        if value:
            text = re.sub(re.escape(value), "[redacted]", text, flags=re.IGNORECASE)
    return text


def erase_contact(contact: Contact) -> None:
    """Blank the contact's details; the row stays (without them) so items keep their link
    and the record of consent given and withdrawn stays as evidence of lawful contact."""
    contact.email = contact.phone = contact.name = contact.language = None
    change_consent(contact, False, "erasure")
    contact.erased_at = utcnow()


def _audit(actor: User | None, action: str, found: SubjectRecord, **extra: object) -> None:
    subject = found.contacts[0] if len(found.contacts) == 1 else "subject"
    record(
        actor,
        action,
        subject,
        query_kind=found.query.kind,
        contact_ids=[contact.id for contact in found.contacts],
        item_ids=[item.id for item in found.items + found.mentions],
        **found.counts(),
        **extra,
    )


# --- export documents ---------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _contact_document(contact: Contact) -> dict:
    return {
        "email": contact.email,
        "phone": contact.phone,
        "name": contact.name,
        "language": contact.language,
        "consent": contact.consent,
        "consent_given_at": _iso(contact.consent_at),
        "consent_channel": contact.consent_channel,
        "consent_withdrawn_at": _iso(contact.consent_withdrawn_at),
        "created_at": _iso(contact.created_at),
        "undeliverable_since": _iso(contact.undeliverable_at),
        "undeliverable_reason": contact.undeliverable_reason,
    }


def _email_reply_documents(items: list[Feedback]) -> list[dict]:
    replies = db.session.scalars(
        select(InboundMessage)
        .where(
            InboundMessage.feedback_id.in_([item.id for item in items]),
            InboundMessage.kind == InboundKind.REPLY,
        )
        .order_by(InboundMessage.id)
    )
    return [
        {
            "item": reply.feedback.public_id,
            "received_at": _iso(reply.received_at),
            "text": reply.text,
        }
        for reply in replies
    ]


def _item_document(item: Feedback) -> dict:
    return {
        "id": item.public_id,
        "received_at": _iso(item.received_at),
        "channel": item.channel,
        "text": item.text,
        "language": item.language,
        "status": item.status,
        "status_url": status_url(item),
        "eservice": item.eservice.code if item.eservice else None,
        "department": item.department.code if item.department else None,
        "address": item.address,
        "latitude": item.latitude,
        "longitude": item.longitude,
        "media_url": item.media_url,
        "resolved_at": _iso(item.resolved_at),
    }


def _notice_document(notice: Notice) -> dict:
    return {
        "item": notice.feedback.public_id,
        "kind": notice.kind,
        "language": notice.language,
        "state": notice.state,
        "sent_at": _iso(notice.sent_at),
    }
