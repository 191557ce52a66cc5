"""The department inbox, and the item page with what a handler does there: link the item to
a ticket and reply to its citizen."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.validators import ValidationError

from app.i18n import current_language, item_language
from app.models import (
    CHANNELS,
    Feedback,
    FeedbackStatus,
    InboundKind,
    NoticeKind,
    NoticeState,
    User,
)
from app.services.access import record_personal_data_read, sees_personal_data
from app.services.catalog import eservice_names
from app.services.followup import followup_answers, mark_key_case
from app.services.grouping import GroupingError, link_to_ticket, open_suggestions
from app.services.history import item_history
from app.services.inbox import InboxFilter, inbox
from app.services.insight import SENTIMENTS
from app.services.labels import LabelError, correct_understanding
from app.services.notices import followup_choices
from app.services.replies import ReplyError, reply_blocker, reply_to_citizen
from app.services.survey_figures import visible_eservices
from app.web.auth import roles_required, visible_feedback_or_404
from app.web.blueprints import staff_bp
from app.web.forms import (
    KIND_LABELS,
    SENTIMENT_LABELS,
    ActionForm,
    FilterDateField,
    LinkTicketForm,
    ReplyForm,
    UnderstandingForm,
)
from app.web.insight_figures import CHANNEL_LABELS

# Who works an item: routes it, links it to a ticket, answers its citizen.
CASEWORK_ROLES = ("handler", "admin")

STATUS_LABELS = {
    FeedbackStatus.RECEIVED: _l("Received"),
    FeedbackStatus.TRIAGE: _l("In triage"),
    FeedbackStatus.FORWARDED: _l("Forwarded"),
    FeedbackStatus.IN_DEVELOPMENT: _l("In development"),
    FeedbackStatus.RESOLVED: _l("Resolved"),
}
# The item's history in words; an action or kind missing here is shown by its name.
NOTICE_LABELS = {
    NoticeKind.THANK_YOU: _l("Thank-you e-mail"),
    NoticeKind.RESOLUTION: _l("Resolution e-mail"),
    NoticeKind.UPDATE: _l("Update e-mail"),
    NoticeKind.REPLY: _l("Reply to the citizen"),
}
NOTICE_STATES = {
    NoticeState.PENDING: _l("waiting to be sent"),
    NoticeState.SENT: _l("sent"),
    NoticeState.FAILED: _l("could not be sent"),
    NoticeState.SUPPRESSED: _l("not sent: no consent or address any more"),
}
INBOUND_LABELS = {
    InboundKind.REPLY: _l("Reply from the citizen by e-mail"),
    InboundKind.AUTO_REPLY: _l("Automatic reply (out of office or similar; not stored)"),
    InboundKind.BOUNCE: _l("E-mail bounced"),
}
ACTION_LABELS = {
    "feedback.rerouted": _l("Re-routed"),
    "feedback.linked": _l("Linked to a ticket"),
    "feedback.split": _l("Split out of its group"),
    "feedback.made_actionable": _l("Made actionable"),
    "feedback.retried": _l("Processing retried"),
    "feedback.replied": _l("Reply written"),
    "feedback.key_case_marked": _l("Marked as a key case"),
    "feedback.key_case_unmarked": _l("Unmarked as a key case"),
    "followup.answered": _l("The citizen answered “Did this fix it for you?”"),
    "followup.answer_replaced": _l(
        "The citizen changed their answer to “Did this fix it for you?”"
    ),
    "feedback.understanding_corrected": _l("Kind and sentiment corrected"),
    "feedback.suggestion_joined": _l("Joined a suggested problem group"),
    "feedback.suggestion_dismissed": _l("A suggested problem group dismissed"),
}


@staff_bp.app_template_global()
def channel_label(code: str) -> str:
    """A channel in the reader's language, wherever staff pages name one."""
    return str(CHANNEL_LABELS.get(code, code))


@staff_bp.app_template_global()
def item_status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


class InboxFilterForm(FlaskForm):
    """The inbox's filters: a GET form that changes nothing, so no CSRF token."""

    class Meta:
        csrf = False

    eservice = SelectField(_l("E-service"), choices=[], default="")
    channel = SelectField(_l("Channel"), choices=[], default="")
    sentiment = SelectField(_l("Sentiment"), choices=[], default="")
    status = SelectField(_l("Status"), choices=[], default="")
    since = FilterDateField(_l("Received from"))
    until = FilterDateField(_l("Received until"))

    def __init__(self, viewer: User) -> None:
        super().__init__(request.args)
        visible = visible_eservices(viewer)
        self.eservice.choices = [
            ("", _("All e-services")),
            *((code, name) for code, name in eservice_names(current_language()) if code in visible),
        ]
        self.channel.choices = [
            ("", _("All channels")),
            *((channel, CHANNEL_LABELS[channel]) for channel in CHANNELS),
        ]
        self.sentiment.choices = [
            ("", _("Any sentiment")),
            *((sentiment, SENTIMENT_LABELS[sentiment]) for sentiment in SENTIMENTS),
        ]
        self.status.choices = [("", _("Open (not resolved)")), *STATUS_LABELS.items()]

    def validate_until(self, field: DateField) -> None:
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_("The end date must not be before the start date."))

    def inbox_filter(self) -> InboxFilter:
        return InboxFilter(
            current_app.config["TIME_ZONE"],
            eservice=self.eservice.data or None,
            channel=self.channel.data or None,
            sentiment=self.sentiment.data or None,
            status=self.status.data or None,
            first=self.since.data,
            last=self.until.data,
        )

    def query(self, page: int) -> dict[str, str]:
        """The same filters on another page of the results, as URL parameters."""
        chosen = {name: value for name, value in request.args.items() if value and name in self}
        return {**chosen, "page": str(page)}


@staff_bp.get("/inbox")
@roles_required(*CASEWORK_ROLES)
def department_inbox() -> ResponseReturnValue:
    form = InboxFilterForm(current_user)
    if not form.validate():
        return render_template("staff/inbox.html", form=form, result=None), 400
    # A page number is navigation, not a filter: out of range, the nearest page is shown.
    result = inbox(current_user, form.inbox_filter(), request.args.get("page", 1, type=int))
    return render_template(
        "staff/inbox.html",
        form=form,
        result=result,
        status_labels=STATUS_LABELS,
        channel_labels=CHANNEL_LABELS,
        sentiment_labels=SENTIMENT_LABELS,
    )


def _item_page(
    item: Feedback,
    status: int = 200,
    *,
    link_form: LinkTicketForm | None = None,
    reply_form: ReplyForm | None = None,
    understanding_form: UnderstandingForm | None = None,
) -> ResponseReturnValue:
    personal = sees_personal_data(current_user)
    if personal:
        record_personal_data_read(current_user, item)
    casework = current_user.role in CASEWORK_ROLES
    page = render_template(
        "staff/feedback_detail.html",
        item=item,
        personal=personal,
        history=item_history(item),
        status_labels=STATUS_LABELS,
        notice_labels=NOTICE_LABELS,
        notice_states=NOTICE_STATES,
        action_labels=ACTION_LABELS,
        inbound_labels=INBOUND_LABELS,
        followup_answers=followup_answers(item),
        answer_labels=dict(followup_choices()),
        link_form=(link_form or LinkTicketForm()) if casework else None,
        reply_form=(reply_form or ReplyForm(item_language(item))) if casework else None,
        understanding_form=(
            understanding_form or UnderstandingForm(kind=item.kind, sentiment=item.sentiment)
        )
        if casework
        else None,
        kind_labels=KIND_LABELS,
        sentiment_labels=SENTIMENT_LABELS,
        suggestions=open_suggestions(item=item) if casework else [],
        reply_blocker=reply_blocker(item),
        form=ActionForm(),
    )
    return page, status


@staff_bp.get("/feedback/<public_id>")
@login_required
def feedback_detail(public_id: str) -> ResponseReturnValue:
    item = visible_feedback_or_404(public_id)
    return _item_page(item)


@staff_bp.post("/feedback/<public_id>/key-case")
@roles_required(*CASEWORK_ROLES)
def mark_feedback_key_case(public_id: str) -> ResponseReturnValue:
    """Mark (or unmark) an item whose one "no" to the follow-up reopens its problem."""
    item = visible_feedback_or_404(public_id)
    choice = request.form.get("key_case")
    if not ActionForm().validate_on_submit() or choice not in ("1", "0"):
        abort(400)
    mark_key_case(item, choice == "1", current_user)
    flash(_("Saved."), "success")
    return redirect(url_for("staff.feedback_detail", public_id=public_id))


@staff_bp.post("/feedback/<public_id>/link")
@roles_required(*CASEWORK_ROLES)
def link_item(public_id: str) -> ResponseReturnValue:
    item = visible_feedback_or_404(public_id)
    form = LinkTicketForm()
    if not form.validate_on_submit():
        return _item_page(item, 400, link_form=form)
    try:
        ticket = link_to_ticket(item, form.key.data, current_user)
    except GroupingError as error:
        form.key.errors.append(str(error))
        return _item_page(item, 400, link_form=form)
    flash(_("Linked to %(key)s.", key=ticket.key), "success")
    return redirect(url_for("staff.feedback_detail", public_id=item.public_id))


@staff_bp.post("/feedback/<public_id>/understanding")
@roles_required(*CASEWORK_ROLES)
def correct_item_understanding(public_id: str) -> ResponseReturnValue:
    """A handler corrects the item's kind and sentiment (a labelled item for training)."""
    item = visible_feedback_or_404(public_id)
    form = UnderstandingForm()
    if not form.validate_on_submit():
        return _item_page(item, 400, understanding_form=form)
    try:
        correct_understanding(item, form.kind.data, form.sentiment.data, current_user)
    except LabelError as error:
        form.kind.errors.append(str(error))
        return _item_page(item, 400, understanding_form=form)
    flash(_("Saved: the models learn from it at their next training."), "success")
    return redirect(url_for("staff.feedback_detail", public_id=item.public_id))


@staff_bp.post("/feedback/<public_id>/reply")
@roles_required(*CASEWORK_ROLES)
def reply_item(public_id: str) -> ResponseReturnValue:
    item = visible_feedback_or_404(public_id)
    form = ReplyForm(item_language(item))
    if not form.validate_on_submit():
        return _item_page(item, 400, reply_form=form)
    try:
        reply_to_citizen(item, form.text.data, current_user, form.language.data)
    except ReplyError as error:
        form.text.errors.append(str(error))
        return _item_page(item, 400, reply_form=form)
    flash(_("Reply sent to the citizen's outbox: it goes out by e-mail shortly."), "success")
    return redirect(url_for("staff.feedback_detail", public_id=item.public_id))
