"""Open311 GeoReport v2: the catalog's e-services as service types, feedback items as
service requests, and their status changes as service request updates.

Only items that came in through Open311 are published. A citizen who used an Open311 app
expects the report to be public; one who phoned or filled in a form did not. What is
published is the redacted text, never the raw text, and never a contact detail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import (
    CitizenUpdate,
    DeadlineTarget,
    EService,
    Feedback,
    FeedbackEvent,
    FeedbackStatus,
    Ticket,
    TicketOutcome,
    UploadedMedia,
    User,
)
from app.models.types import utcnow
from app.services.intake import (
    ContactDetails,
    IntakeResult,
    Location,
    Submission,
    submit_feedback,
)
from app.services.open311_catalog import media_url
from app.services.privacy import redact

CHANNEL = "open311"
# The spec's response volume: "a span of 90 days or first 1000 requests, whichever is smallest".
# Beyond that a client pages on (``page``, ``page_size``).
MAX_RESULTS = 1000
MAX_WINDOW = timedelta(days=90)
# An identical request from the same key within this time is a client's retry, not news.
DUPLICATE_WINDOW = timedelta(minutes=10)


class ExtendedStatus:
    """FixMyStreet's extended statuses (mySociety's Open311 extension), for clients that
    read them at /open311/v2/extended/…; the spec's open and closed elsewhere."""

    OPEN = "OPEN"
    INVESTIGATING = "INVESTIGATING"
    IN_PROGRESS = "IN_PROGRESS"
    ACTION_SCHEDULED = "ACTION_SCHEDULED"
    INTERNAL_REFERRAL = "INTERNAL_REFERRAL"
    FIXED = "FIXED"
    NOT_COUNCILS_RESPONSIBILITY = "NOT_COUNCILS_RESPONSIBILITY"
    DUPLICATE = "DUPLICATE"
    NO_FURTHER_ACTION = "NO_FURTHER_ACTION"
    CLOSED = "CLOSED"

    ALL = (
        OPEN,
        INVESTIGATING,
        IN_PROGRESS,
        ACTION_SCHEDULED,
        INTERNAL_REFERRAL,
        FIXED,
        NOT_COUNCILS_RESPONSIBILITY,
        DUPLICATE,
        NO_FURTHER_ACTION,
        CLOSED,
    )


# How each honest outcome reads to a FixMyStreet-style client.
_OUTCOME_STATUSES = {
    TicketOutcome.FIXED: ExtendedStatus.FIXED,
    TicketOutcome.NOT_OURS: ExtendedStatus.NOT_COUNCILS_RESPONSIBILITY,
    TicketOutcome.DUPLICATE: ExtendedStatus.DUPLICATE,
    TicketOutcome.WONT_FIX: ExtendedStatus.NO_FURTHER_ACTION,
    TicketOutcome.NO_ACTION: ExtendedStatus.NO_FURTHER_ACTION,
}
_OPEN_STATUSES = {
    FeedbackStatus.RECEIVED: ExtendedStatus.OPEN,
    FeedbackStatus.TRIAGE: ExtendedStatus.OPEN,
    FeedbackStatus.FORWARDED: ExtendedStatus.INVESTIGATING,
    FeedbackStatus.IN_DEVELOPMENT: ExtendedStatus.IN_PROGRESS,
}


class Open311NotFoundError(LookupError):
    """A service or service request this endpoint does not publish."""


@dataclass(frozen=True)
class DateWindow:
    start: datetime
    end: datetime


def date_window(
    start: datetime | None, end: datetime | None, now: datetime | None = None
) -> DateWindow:
    """The spec's default: the most recent 90 days, or 90 days from or up to the one bound
    given. The caller has checked that two given bounds are in order and close enough."""
    if start is not None and end is not None:
        return DateWindow(start, end)
    if start is not None:
        return DateWindow(start, start + MAX_WINDOW)
    end = end or now or utcnow()
    return DateWindow(end - MAX_WINDOW, end)


@dataclass(frozen=True)
class NewServiceRequest:
    service_code: str
    description: str | None = None
    location: Location = Location()
    email: str | None = None
    phone: str | None = None
    name: str | None = None
    # The client's own reference for this request, so that a retry stores nothing new.
    client_ref: str | None = None
    # attribute[code] values other than client_ref, as sent (checked against the service).
    attributes: dict[str, list[str]] = field(default_factory=dict)
    uploads: tuple[UploadedMedia, ...] = ()  # photos sent with the request, checked


@dataclass(frozen=True)
class Page:
    number: int = 1
    size: int | None = None  # None: MAX_RESULTS

    def bounds(self) -> tuple[int, int]:
        size = self.size or MAX_RESULTS
        return (self.number - 1) * size, size


@dataclass(frozen=True)
class RequestQuery:
    window: DateWindow
    service_request_ids: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    page: Page = Page()


@dataclass(frozen=True)
class UpdateQuery:
    window: DateWindow
    page: Page = Page()


@dataclass(frozen=True)
class NewUpdate:
    """A citizen's comment on a request, as FixMyStreet posts it."""

    service_request_id: str
    client_update_id: str
    updated_at: datetime
    status: str
    description: str | None = None
    name: str | None = None
    media_url: str | None = None


@dataclass(frozen=True)
class StoredUpdate:
    update: CitizenUpdate
    created: bool


def open311_status(status: str) -> str:
    """Open311 knows two states: closed means resolved; everything before it is open."""
    return "closed" if status == FeedbackStatus.RESOLVED else "open"


def extended_status(status: str, ticket: Ticket | None) -> str:
    """FixMyStreet's status for an item status; a closed item's comes from how its problem
    ended, so "not our responsibility" never reads as fixed."""
    if status != FeedbackStatus.RESOLVED:
        return _OPEN_STATUSES[status]
    if ticket is None:
        return ExtendedStatus.CLOSED
    if ticket.outcome is None:
        return ExtendedStatus.FIXED  # the tracker reported the issue done
    return _OUTCOME_STATUSES[ticket.outcome]


def published_status(status: str, ticket: Ticket | None, extended: bool) -> str:
    return extended_status(status, ticket) if extended else open311_status(status)


def change_note(status: str, note: str | None, ticket: Ticket | None) -> str | None:
    """The citizen-facing words of a status change: its own note, else for a closing the
    handler's explanation of the outcome or what was changed."""
    if note or status != FeedbackStatus.RESOLVED or ticket is None:
        return note
    if ticket.outcome in TicketOutcome.HONEST:
        return ticket.outcome_explanation
    return ticket.what_we_changed


def status_notes(item: Feedback) -> str | None:
    """The citizen-facing words of the change that gave the item its current status."""
    note = item.events[-1].note if item.events else None
    return change_note(item.status, note, item.ticket)


def updated_at(item: Feedback) -> datetime:
    return item.events[-1].at if item.events else item.received_at


def active_services() -> list[EService]:
    return list(
        db.session.scalars(
            select(EService)
            .where(EService.active.is_(True))
            .options(selectinload(EService.department))
            .order_by(EService.code)
        )
    )


def service(code: str) -> EService:
    eservice = db.session.scalars(
        select(EService).where(EService.code == code, EService.active.is_(True))
    ).first()
    if eservice is None:
        raise Open311NotFoundError(f"service_code {code!r} is not a service of this endpoint.")
    return eservice


def _same(column: ColumnElement, value: object) -> ColumnElement[bool]:
    return column.is_(None) if value is None else column == value


def _resubmission(
    submitter: User, eservice: EService, text: str, where: Location
) -> Feedback | None:
    """The same request from the same key a moment ago: a client's retry without a
    ``client_ref`` (a lost answer), not a second problem."""
    return db.session.scalars(
        select(Feedback)
        .where(
            Feedback.channel == CHANNEL,
            Feedback.agent_id == submitter.id,
            Feedback.received_at >= utcnow() - DUPLICATE_WINDOW,
            Feedback.eservice_id == eservice.id,
            Feedback.text == text,
            _same(Feedback.latitude, where.latitude),
            _same(Feedback.longitude, where.longitude),
            _same(Feedback.address, where.address),
        )
        .order_by(Feedback.id)
    ).first()


def submit_service_request(
    submitter: User, request: NewServiceRequest, text: str, attributes: dict | None
) -> IntakeResult:
    """Store the request as a feedback item through intake; commits. ``text`` and
    ``attributes`` are the request's words and attribute values as checked against the
    service (app/services/open311_catalog.py).

    A repeated ``client_ref`` from the same submitter returns the stored item, and so does
    an identical request from it within DUPLICATE_WINDOW. The reference is kept per
    submitter, so two Open311 clients never share an item.
    """
    eservice = service(request.service_code)
    location = request.location
    if request.client_ref is None:
        retried = _resubmission(submitter, eservice, text, location)
        if retried is not None:
            return IntakeResult(retried, created=False)
    db.session.add_all(request.uploads)
    media_urls = (*(media_url(upload) for upload in request.uploads), *location.media_urls)
    location = Location(
        latitude=location.latitude,
        longitude=location.longitude,
        address=location.address,
        media_url=media_urls[0] if media_urls else None,
        media_urls=media_urls,
        address_id=location.address_id,
        zipcode=location.zipcode,
    )
    contact = None
    if request.email or request.phone or request.name:
        contact = ContactDetails(
            email=request.email,
            phone=request.phone,
            name=request.name,
            # Open311 has no consent field, and an address given proves nothing: the
            # contact is a new record without consent (app/services/contacts.py).
            consent=False,
        )
    source_ref = f"{submitter.id}:{request.client_ref}" if request.client_ref else None
    result = submit_feedback(
        Submission(
            text=text,
            channel=CHANNEL,
            eservice=eservice.code,
            source_ref=source_ref,
            contact=contact,
            location=location,
            attributes=attributes,
        ),
        agent=submitter,
    )
    for upload in request.uploads:
        if result.created:
            upload.feedback_id = result.feedback.id
        elif upload in db.session:
            db.session.expunge(upload)  # a retry's copy of photos already stored
    if result.created and request.uploads:
        db.session.commit()
    return result


def _published() -> Select:
    return (
        select(Feedback)
        .where(Feedback.channel == CHANNEL)
        .options(
            selectinload(Feedback.events),
            selectinload(Feedback.eservice),
            selectinload(Feedback.department),
            selectinload(Feedback.ticket),
        )
    )


def find_service_requests(query: RequestQuery) -> list[Feedback]:
    """The published requests matching the spec's filters, newest first, a page of at most
    1000. Given ids override every other filter, as the spec says."""
    statement = _published()
    if query.service_request_ids:
        statement = statement.where(Feedback.public_id.in_(query.service_request_ids))
    else:
        statement = statement.where(
            Feedback.received_at >= query.window.start, Feedback.received_at <= query.window.end
        )
        if query.service_codes:
            statement = statement.where(
                Feedback.eservice.has(EService.code.in_(query.service_codes))
            )
        if set(query.statuses) == {"open"}:
            statement = statement.where(Feedback.status != FeedbackStatus.RESOLVED)
        elif set(query.statuses) == {"closed"}:
            statement = statement.where(Feedback.status == FeedbackStatus.RESOLVED)
    statement = statement.order_by(Feedback.received_at.desc(), Feedback.id.desc())
    offset, size = query.page.bounds()
    return list(db.session.scalars(statement.offset(offset).limit(size)))


def service_request(public_id: str) -> Feedback:
    item = db.session.scalars(_published().where(Feedback.public_id == public_id)).first()
    if item is None:
        raise Open311NotFoundError(f"service_request_id {public_id!r} was not found.")
    return item


def service_request_for_token(token: str) -> Feedback:
    """Our requests are created at once, so a token is only ever the item's status token."""
    item = db.session.scalars(_published().where(Feedback.status_token == token)).first()
    if item is None:
        raise Open311NotFoundError("token was not found.")
    return item


def request_updates(query: UpdateQuery) -> list[FeedbackEvent]:
    """Status changes of published requests in time order, a page of at most 1000, so a
    client can read on from the last ``updated_datetime`` it saw."""
    window = query.window
    offset, size = query.page.bounds()
    return list(
        db.session.scalars(
            select(FeedbackEvent)
            .join(FeedbackEvent.feedback)
            .where(
                Feedback.channel == CHANNEL,
                FeedbackEvent.at >= window.start,
                FeedbackEvent.at <= window.end,
            )
            .options(selectinload(FeedbackEvent.feedback).selectinload(Feedback.ticket))
            .order_by(FeedbackEvent.at, FeedbackEvent.id)
            .offset(offset)
            .limit(size)
        )
    )


def _stored_update(submitter: User, client_update_id: str) -> CitizenUpdate | None:
    return db.session.scalars(
        select(CitizenUpdate).where(
            CitizenUpdate.submitter_id == submitter.id,
            CitizenUpdate.client_update_id == client_update_id,
        )
    ).first()


def add_citizen_update(submitter: User, new: NewUpdate) -> StoredUpdate:
    """Keep a citizen's comment on a published request, redacted; commits. The client's
    ``update_id`` is its reference: a repeat returns the stored update. The citizen's
    status is kept as they gave it: it changes nothing, the item's handlers decide."""
    existing = _stored_update(submitter, new.client_update_id)
    if existing is not None:
        return StoredUpdate(existing, created=False)
    item = service_request(new.service_request_id)
    names = [new.name] if new.name else []
    update = CitizenUpdate(
        feedback=item,
        submitter_id=submitter.id,
        client_update_id=new.client_update_id,
        updated_at=new.updated_at,
        status=new.status,
        redacted_text=redact(new.description, names) if new.description else None,
        media_url=new.media_url,
    )
    db.session.add(update)
    try:
        db.session.commit()
    except IntegrityError:
        # The same update_id was stored by a concurrent retry first.
        db.session.rollback()
        existing = _stored_update(submitter, new.client_update_id)
        if existing is None:
            raise
        return StoredUpdate(existing, created=False)
    return StoredUpdate(update, created=True)


def resolution_days() -> dict[tuple[int, int | None], int]:
    """Resolution targets set per department (e-service None) and per e-service."""
    rows = db.session.scalars(
        select(DeadlineTarget).where(DeadlineTarget.resolution_days.is_not(None))
    )
    return {(row.department_id, row.eservice_id): row.resolution_days for row in rows}


def expected_at(item: Feedback, targets: dict[tuple[int, int | None], int]) -> datetime | None:
    """When the department means to have an open item's problem resolved: its problem
    group's (else its own) start plus the department's resolution target."""
    if item.status == FeedbackStatus.RESOLVED or item.department_id is None:
        return None
    ticket = item.ticket
    department_id = ticket.department_id if ticket and ticket.department_id else item.department_id
    eservice_id = ticket.eservice_id if ticket else item.eservice_id
    days = targets.get(
        (department_id, eservice_id),
        targets.get((department_id, None), current_app.config["DEADLINE_RESOLUTION_DAYS"]),
    )
    start = ticket.created_at if ticket else item.received_at
    return start + timedelta(days=days)
