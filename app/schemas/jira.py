"""The parts of a Jira webhook delivery that civicloop reads."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate

from integrations.jira_format import parse_jira_time
from integrations.tracker import STATUS_CATEGORIES, TrackerIssue

EVENTS = ("jira:issue_created", "jira:issue_updated", "jira:issue_deleted")


class _Loose(Schema):
    class Meta:
        unknown = EXCLUDE


class _Category(_Loose):
    key = fields.String(required=True, validate=validate.OneOf(STATUS_CATEGORIES))


class _Status(_Loose):
    name = fields.String(required=True)
    statusCategory = fields.Nested(_Category, required=True)  # noqa: N815  (Jira's name)


class _Resolution(_Loose):
    name = fields.String()


class _Fields(_Loose):
    status = fields.Nested(_Status, load_default=None)
    labels = fields.List(fields.String(), load_default=list)
    updated = fields.String(load_default=None)
    resolution = fields.Nested(_Resolution, load_default=None, allow_none=True)


class _Issue(_Loose):
    key = fields.String(required=True, validate=validate.Length(min=1, max=64))
    fields = fields.Nested(_Fields, load_default=dict)


class JiraWebhookSchema(_Loose):
    webhookEvent = fields.String(required=True, validate=validate.OneOf(EVENTS))  # noqa: N815
    timestamp = fields.Integer(load_default=None)
    issue = fields.Nested(_Issue, required=True)

    @post_load
    def _event(self, data: dict, **_: object) -> dict:
        issue, issue_fields = data["issue"], data["issue"].get("fields") or {}
        status = issue_fields.get("status")
        if data["webhookEvent"] != "jira:issue_deleted" and status is None:
            raise ValidationError("Missing status.", "issue")
        base = (current_app.config.get("JIRA_URL") or "").rstrip("/")
        tracker_issue = TrackerIssue(
            key=issue["key"],
            url=f"{base}/browse/{issue['key']}",
            status=status["name"] if status else "",
            status_category=status["statusCategory"]["key"] if status else "",
            labels=tuple(issue_fields.get("labels") or ()),
            updated_at=_jira_time(issue_fields.get("updated")),
            resolution=(issue_fields.get("resolution") or {}).get("name"),
        )
        return {"event": data["webhookEvent"], "issue": tracker_issue}


def _jira_time(value: str | None) -> datetime | None:
    parsed = parse_jira_time(value)
    if value and parsed is None:
        raise ValidationError(f"Not a Jira time: {value!r}.", "issue")
    return parsed
