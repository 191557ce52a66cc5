"""A development ticket as the API gives it."""

from marshmallow import Schema, fields


class TicketOutSchema(Schema):
    key = fields.String(allow_none=True)
    url = fields.String(allow_none=True)
    tracker = fields.String()
    status = fields.String(allow_none=True)
    status_category = fields.String(allow_none=True)
    affected_count = fields.Integer()
    summary = fields.String()
    eservice = fields.Function(lambda t: t.eservice.code if t.eservice else None)
    department = fields.Function(lambda t: t.department.code if t.department else None)
    opened_at = fields.DateTime(allow_none=True)
    resolved_at = fields.DateTime(allow_none=True)
    items = fields.Function(lambda t: [item.public_id for item in t.items])
