"""Open311 GeoReport v2: the catalog's e-services as service types, feedback items as
service requests, and their status changes as service request updates.

Only items that came in through Open311 are published. A citizen who used an Open311 app
expects the report to be public; one who phoned or filled in a form did not. What is
published is the redacted text, never the raw text, and never a contact detail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import EService, Feedback, FeedbackEvent, FeedbackStatus, User
from app.models.types import utcnow
from app.services.intake import (
    ContactDetails,
    IntakeResult,
    Location,
    Submission,
    submit_feedback,
)

CHANNEL = "open311"
# The spec's response volume: "a span of 90 days or first 1000 requests, whichever is smallest".
MAX_RESULTS = 1000
MAX_WINDOW = timedelta(days=90)


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
    description: str
    location: Location = Location()
    email: str | None = None
    phone: str | None = None
    name: str | None = None
    # The client's own reference for this request, so that a retry stores nothing new.
    client_ref: str | None = None


@dataclass(frozen=True)
class RequestQuery:
    window: DateWindow
    service_request_ids: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()


def open311_status(status: str) -> str:
    """Open311 knows two states: closed means resolved; everything before it is open."""
    return "closed" if status == FeedbackStatus.RESOLVED else "open"


def status_notes(item: Feedback) -> str | None:
    """The public note of the change that gave the item its current status."""
    return item.events[-1].note if item.events else None


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


def submit_service_request(submitter: User, request: NewServiceRequest) -> IntakeResult:
    """Store the request as a feedback item through intake; commits.

    A repeated ``client_ref`` from the same submitter returns the stored item. The
    reference is kept per submitter, so two Open311 clients never share an item.
    """
    eservice = service(request.service_code)
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
    return submit_feedback(
        Submission(
            text=request.description,
            channel=CHANNEL,
            eservice=eservice.code,
            source_ref=source_ref,
            contact=contact,
            location=request.location,
        ),
        agent=submitter,
    )


def _published() -> Select:
    return (
        select(Feedback)
        .where(Feedback.channel == CHANNEL)
        .options(
            selectinload(Feedback.events),
            selectinload(Feedback.eservice),
            selectinload(Feedback.department),
        )
    )


def find_service_requests(query: RequestQuery) -> list[Feedback]:
    """The published requests matching the spec's filters, newest first, at most 1000.
    Given ids override every other filter, as the spec says."""
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
    return list(db.session.scalars(statement.limit(MAX_RESULTS)))


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


def request_updates(window: DateWindow) -> list[FeedbackEvent]:
    """Status changes of published requests in time order, at most 1000, so a client can
    read on from the last ``updated_datetime`` it saw."""
    return list(
        db.session.scalars(
            select(FeedbackEvent)
            .join(FeedbackEvent.feedback)
            .where(
                Feedback.channel == CHANNEL,
                FeedbackEvent.at >= window.start,
                FeedbackEvent.at <= window.end,
            )
            .options(selectinload(FeedbackEvent.feedback))
            .order_by(FeedbackEvent.at, FeedbackEvent.id)
            .limit(MAX_RESULTS)
        )
    )
