"""A development ticket as the API gives it."""

from marshmallow import Schema, fields


class TicketOutSchema(Schema):
    key = fields.String()
    url = fields.String()
    tracker = fields.String()
    status = fields.String()
    status_category = fields.String()
    affected_count = fields.Integer()
    summary = fields.String()
    eservice = fields.Function(lambda t: t.eservice.code if t.eservice else None)
    department = fields.Function(lambda t: t.department.code if t.department else None)
    opened_at = fields.DateTime()
    resolved_at = fields.DateTime()
    items = fields.Function(lambda t: [item.public_id for item in t.items])
