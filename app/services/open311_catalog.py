"""What an Open311 request holds beyond its words: the e-service's attributes (defined by
an admin, checked here) and uploaded photos (checked, re-encoded without their metadata,
stored and served back at their ``media_url``)."""

from __future__ import annotations

import io
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import delete, select
from werkzeug.datastructures import FileStorage

from app.extensions import db
from app.models import (
    AttributeType,
    CitizenUpdate,
    EService,
    EServiceAttribute,
    Feedback,
    UploadedMedia,
)

MAX_MEDIA_BYTES = 5 * 1024 * 1024
MAX_MEDIA_FILES = 3
# Well above any phone camera's, far below what would exhaust memory when decoded.
MAX_MEDIA_PIXELS = 40_000_000
_ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_ATTRIBUTE_TEXT = 4000
MEDIA_TYPES = {"jpg": "image/jpeg", "png": "image/png"}


def _attribute_value(attribute: EServiceAttribute, values: list[str]) -> str | list[str]:
    """One attribute's value as checked against its type; raises ValueError naming why."""
    keys = {value["key"] for value in attribute.values}
    if attribute.datatype == AttributeType.MULTIVALUELIST:
        unknown = [value for value in values if value not in keys]
        if unknown:
            raise ValueError(f"Not one of {', '.join(sorted(keys))}: {', '.join(unknown)}.")
        return values
    if len(values) > 1:
        raise ValueError("Send one value.")
    (value,) = values
    if attribute.datatype == AttributeType.SINGLEVALUELIST and value not in keys:
        raise ValueError(f"Not one of {', '.join(sorted(keys))}.")
    if attribute.datatype == AttributeType.NUMBER:
        float(value)  # raises ValueError with its own words; replaced below
    if attribute.datatype == AttributeType.DATETIME:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    if len(value) > MAX_ATTRIBUTE_TEXT:
        raise ValueError(f"Longer than {MAX_ATTRIBUTE_TEXT} characters.")
    return value


_TYPE_ERRORS = {
    AttributeType.NUMBER: "Not a number.",
    AttributeType.DATETIME: "Not a W3C date-time; use e.g. 2026-01-31T12:00:00+02:00.",
}


def checked_attributes(
    defined: list[EServiceAttribute], given: dict[str, list[str]]
) -> dict[str, str | list[str]]:
    """The values of the service's attributes; codes it does not define are ignored, as the
    spec allows. Raises ValidationError with one message per bad attribute."""
    values, errors = {}, {}
    for attribute in defined:
        field = f"attribute[{attribute.code}]"
        sent = [value.strip() for value in given.get(attribute.code, []) if value.strip()]
        if not sent:
            if attribute.required:
                errors[field] = [f"Required: {attribute.description}"]
            continue
        try:
            values[attribute.code] = _attribute_value(attribute, sent)
        except ValueError as error:
            message = str(error)
            if attribute.datatype in _TYPE_ERRORS and not message.endswith("characters."):
                message = _TYPE_ERRORS[attribute.datatype]
            errors[field] = [message]
    if errors:
        raise ValidationError(errors)
    return values


def request_text(
    description: str | None,
    defined: list[EServiceAttribute],
    values: dict[str, str | list[str]],
    media_urls: tuple[str, ...],
) -> str:
    """The words stored for a request: its description, else (the spec makes it optional)
    its answers to the service's questions, else its photos' addresses."""
    if description:
        return description
    answers = [
        f"{attribute.description}: "
        + (
            ", ".join(values[attribute.code])
            if isinstance(values[attribute.code], list)
            else values[attribute.code]
        )
        for attribute in defined
        if attribute.code in values
    ]
    text = "\n".join(answers) or "\n".join(media_urls)
    if not text:
        raise ValidationError(
            "Required unless the request has attributes or media: what the problem is.",
            "description",
        )
    return text


def _reencoded(image: Image.Image) -> tuple[bytes, str]:
    """The picture only: turned upright, then saved anew, so no EXIF (place, camera,
    time), comment or other metadata of the upload survives."""
    transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    image = ImageOps.exif_transpose(image)
    output = io.BytesIO()
    if transparent:
        image.convert("RGBA").save(output, format="PNG", optimize=True)
        return output.getvalue(), "png"
    image.convert("RGB").save(output, format="JPEG", quality=85, optimize=True)
    return output.getvalue(), "jpg"


def _bad_media(message: str) -> ValidationError:
    return ValidationError(message, "media")


def checked_upload(upload: FileStorage) -> UploadedMedia:
    """An uploaded photo, checked and re-encoded, not yet stored (a retry stores nothing).
    Raises ValidationError for a file too large or not a photo."""
    data = upload.stream.read(MAX_MEDIA_BYTES + 1)
    if len(data) > MAX_MEDIA_BYTES:
        raise _bad_media(f"Must be at most {MAX_MEDIA_BYTES // (1024 * 1024)} MB.")
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in _ACCEPTED_FORMATS:
                raise _bad_media("Send a JPEG, PNG or WebP photo.")
            if image.width * image.height > MAX_MEDIA_PIXELS:
                raise _bad_media("The picture has too many pixels.")
            image.load()
            encoded, extension = _reencoded(image)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError) as error:
        raise _bad_media("Not a photo: send a JPEG, PNG or WebP photo.") from error
    media = UploadedMedia(
        token=f"{secrets.token_urlsafe(24)}.{extension}",
        content_type=MEDIA_TYPES[extension],
        data=encoded,
    )
    return media


def media_url(media: UploadedMedia) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL']}/open311/v2/media/{media.token}"


def uploaded_media(token: str) -> UploadedMedia | None:
    return db.session.scalars(select(UploadedMedia).where(UploadedMedia.token == token)).first()


@dataclass(frozen=True)
class AttributeDefinition:
    """An admin's definition of one attribute of an e-service."""

    code: str
    datatype: str
    description: str
    required: bool = False
    values: tuple[tuple[str, str], ...] = ()  # (key, name) of the list types' choices


_CODE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def _definition_errors(definition: AttributeDefinition) -> list[str]:
    errors = []
    if not _CODE.match(definition.code) or definition.code == "client_ref":
        errors.append(_l("Use letters, digits, '-', '_' or '.' (not client_ref)."))
    if definition.datatype not in AttributeType.ALL:
        errors.append(_l("Not an Open311 attribute type."))
    if not definition.description or len(definition.description) > 500:
        errors.append(_l("Describe the question in at most 500 characters."))
    if (definition.datatype in AttributeType.LISTS) != bool(definition.values):
        errors.append(_l("List types need choices; other types take none."))
    return errors


class AttributeDefinitionError(ValueError):
    """Bad attribute definitions: one message per bad line."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


def _line_definition(line: str) -> AttributeDefinition:
    """``code | type | question [| required [| key=Name; key=Name …]]``"""
    parts = [part.strip() for part in line.split("|")]
    if len(parts) < 3 or len(parts) > 5:
        raise ValueError(
            _l("Write code | type | question, then optionally required and the choices.")
        )
    code, datatype, description, *rest = parts
    required = bool(rest) and rest[0].lower() == "required"
    choices = (
        [choice.strip() for choice in rest[1].split(";") if choice.strip()] if len(rest) > 1 else []
    )
    values = []
    for choice in choices:
        key, _equals, name = choice.partition("=")
        values.append((key.strip(), (name or key).strip()))
    return AttributeDefinition(code, datatype.lower(), description, required, tuple(values))


def parse_attribute_lines(text: str) -> list[AttributeDefinition]:
    """An admin's attribute lines; raises AttributeDefinitionError naming each bad line."""
    definitions, errors = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            definition = _line_definition(line)
        except ValueError as error:
            errors.append(_l("Line %(number)d: %(error)s", number=number, error=error))
            continue
        problems = _definition_errors(definition)
        if any(d.code == definition.code for d in definitions):
            problems.append(_l("The same code twice."))
        errors.extend(_l("Line %(number)d: %(error)s", number=number, error=p) for p in problems)
        definitions.append(definition)
    if errors:
        raise AttributeDefinitionError([str(error) for error in errors])
    return definitions


def attribute_lines(eservice: EService) -> str:
    """The e-service's attributes as an admin writes them."""
    lines = []
    for attribute in service_attributes(eservice):
        parts = [attribute.code, attribute.datatype, attribute.description]
        choices = "; ".join(f"{v['key']}={v['name']}" for v in attribute.values)
        if attribute.required or choices:
            parts.append("required" if attribute.required else "optional")
        if choices:
            parts.append(choices)
        lines.append(" | ".join(parts))
    return "\n".join(lines)


def service_attributes(eservice: EService) -> list[EServiceAttribute]:
    if eservice.id is None:
        return []
    return list(
        db.session.scalars(
            select(EServiceAttribute)
            .where(EServiceAttribute.eservice_id == eservice.id)
            .order_by(EServiceAttribute.position, EServiceAttribute.id)
        )
    )


def replace_attributes(eservice: EService, definitions: list[AttributeDefinition]) -> None:
    """The e-service's Open311 attributes become ``definitions`` (checked by
    parse_attribute_lines); the caller commits."""
    if eservice.id is not None:
        db.session.execute(
            delete(EServiceAttribute).where(EServiceAttribute.eservice_id == eservice.id)
        )
    db.session.add_all(
        EServiceAttribute(
            eservice=eservice,
            code=definition.code,
            datatype=definition.datatype,
            required=definition.required,
            description=definition.description,
            position=position,
            values=[{"key": key, "name": name} for key, name in definition.values],
        )
        for position, definition in enumerate(definitions)
    )


def forget_request_details(item: Feedback) -> None:
    """Erasure: what an Open311 client sent beside the words, which may show or locate the
    citizen: photos, their addresses, attribute answers, address id, zipcode, updates."""
    item.media_urls = item.attributes = item.address_id = item.zipcode = None
    db.session.execute(delete(UploadedMedia).where(UploadedMedia.feedback_id == item.id))
    db.session.execute(delete(CitizenUpdate).where(CitizenUpdate.feedback_id == item.id))
