"""Open311's own records: citizens' updates sent by a client, uploaded media, and the
attributes an admin defines for an e-service's service definition."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.catalog import EService
from app.models.feedback import Feedback
from app.models.types import UTCDateTime, utcnow


class CitizenUpdate(db.Model):
    """A citizen's comment on a request, posted by an Open311 client (FixMyStreet's
    ``POST servicerequestupdates``). Only the redacted words are kept."""

    __tablename__ = "open311_update"
    __table_args__ = (
        UniqueConstraint("submitter_id", "client_update_id", name="uq_open311_update_client"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id"), index=True)
    submitter_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    # The client's own id of the update: a repeat returns the stored one.
    client_update_id: Mapped[str] = mapped_column(String(150))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # as the client says
    status: Mapped[str | None] = mapped_column(String(40))  # the client's view of the status
    redacted_text: Mapped[str | None] = mapped_column(Text)
    media_url: Mapped[str | None] = mapped_column(String(1000))

    feedback: Mapped[Feedback] = relationship()


class UploadedMedia(db.Model):
    """A photo uploaded with a request, re-encoded without its metadata; served back at
    its ``media_url`` by the token."""

    __tablename__ = "open311_media"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(32))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    feedback_id: Mapped[int | None] = mapped_column(ForeignKey("feedback.id"), index=True)


class AttributeType:
    """The GeoReport v2 attribute datatypes."""

    STRING = "string"
    NUMBER = "number"
    DATETIME = "datetime"
    TEXT = "text"
    SINGLEVALUELIST = "singlevaluelist"
    MULTIVALUELIST = "multivaluelist"

    ALL = (STRING, NUMBER, DATETIME, TEXT, SINGLEVALUELIST, MULTIVALUELIST)
    LISTS = (SINGLEVALUELIST, MULTIVALUELIST)


class EServiceAttribute(db.Model):
    """A question an Open311 client asks the citizen for this e-service."""

    __tablename__ = "eservice_attribute"
    __table_args__ = (UniqueConstraint("eservice_id", "code", name="uq_eservice_attribute_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    eservice_id: Mapped[int] = mapped_column(ForeignKey("eservice.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    datatype: Mapped[str] = mapped_column(String(16))
    required: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    description: Mapped[str] = mapped_column(String(500))
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # For the list types: [{"key": ..., "name": ...}, ...].
    values: Mapped[list] = mapped_column(JSON, default=list)

    eservice: Mapped[EService] = relationship()
