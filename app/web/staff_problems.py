"""The problem page: a group's linked items, its affected citizens over time, its tracker
status and what-we-changed text, and handlers' corrections of the grouping (merge, split)."""

from __future__ import annotations

from babel import Locale
from flask import abort, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange, Optional

from app.extensions import db
from app.i18n import current_language, local_date
from app.models import ProblemPair, Ticket, TicketOutcome
from app.services.access import ticket_scope, visible_feedback, visible_items, visible_ticket
from app.services.grouping import (
    GroupingError,
    dismiss_suggestion,
    join_suggestion,
    likely_duplicates,
    likely_same_problems,
    merge_candidates,
    merge_groups,
    open_suggestions,
    split_item,
    takes_items,
    tell_apart,
)
from app.services.insight import affected_over_time
from app.services.outcomes import (
    MAX_CHANGE_TEXT,
    OutcomeError,
    close_with_outcome,
    describe_change,
    translate_texts,
)
from app.services.tickets import TrackerComment, local_issue_comments
from app.services.translations import TRANSLATED_FIELDS, citizen_languages, languages_to_translate
from app.web.auth import roles_required, visible_feedback_or_404, visible_ticket_or_404
from app.web.blueprints import staff_bp
from app.web.charts import ChartData, Series, line_chart
from app.web.forms import (
    BACK_TO_DUPLICATES,
    ActionForm,
    MergeForm,
    OutcomeForm,
    WhatWeChangedForm,
)
from app.web.insight_figures import Figure
from integrations.tracker import CATEGORY_DONE, CATEGORY_IN_PROGRESS, CATEGORY_NEW

# Who corrects the grouping: the people who answer for the department's feedback.
REGROUPING_ROLES = ("handler", "admin")


# The built-in tracker's statuses by category, and how a problem closed in civicloop without
# a fix reads wherever its ticket is listed (the tracker's own status may lag or stay open).
TRACKER_STATUS_LABELS = {
    CATEGORY_NEW: _l("To do"),
    CATEGORY_IN_PROGRESS: _l("In progress"),
    CATEGORY_DONE: _l("Done"),
}
CLOSED_LABELS = {
    TicketOutcome.WONT_FIX: _l("Closed: won't fix"),
    TicketOutcome.NOT_OURS: _l("Closed: not our responsibility"),
    TicketOutcome.DUPLICATE: _l("Closed: duplicate"),
    TicketOutcome.NO_ACTION: _l("Closed: no action needed"),
}


@staff_bp.app_template_global()
def problem_name(ticket: Ticket) -> str:
    """How pages and messages name a problem group: its tracker key, else its number."""
    return ticket.key or _("problem group %(number)d", number=ticket.id)


@staff_bp.app_template_global()
def ticket_status(ticket: Ticket) -> str:
    """A ticket's status in the reader's language: a handler's closing first, then the
    built-in tracker's category; a Jira workflow's own status names stay as Jira has them."""
    if ticket.outcome in CLOSED_LABELS:
        return str(CLOSED_LABELS[ticket.outcome])
    if ticket.tracker == "local" and ticket.status_category in TRACKER_STATUS_LABELS:
        return str(TRACKER_STATUS_LABELS[ticket.status_category])
    return ticket.status or "–"


def _tracker_comments(ticket: Ticket) -> list[TrackerComment]:
    """The built-in tracker issue's comments (reopenings with the citizens' "no" answers,
    outcomes, counts): the team has no other place to read them. Jira shows its own."""
    if ticket.tracker != "local" or not ticket.key:
        return []
    return local_issue_comments(ticket.key)


_TRANSLATED_LABELS = {
    "what_we_changed": _l("What we changed"),
    "outcome_explanation": _l("Explanation for citizens"),
}


def _translation_form(ticket: Ticket) -> FlaskForm | None:
    """A box per language of the problem's citizens (other than the department's) for each
    of the ticket's words for citizens; None when there is nothing to translate."""
    languages = languages_to_translate(ticket)
    fields = [name for name in TRANSLATED_FIELDS if getattr(ticket, name)]
    if not languages or not fields:
        return None

    class TranslationForm(FlaskForm):
        pass

    reader = current_language()
    for language in languages:
        name_of_language = Locale.parse(language).get_display_name(reader) or language
        for name in fields:
            label = _("%(what)s (%(language)s)", what=_TRANSLATED_LABELS[name],
                      language=name_of_language)  # fmt: skip
            existing = ((ticket.translations or {}).get(name) or {}).get(language)
            box = TextAreaField(
                label,
                validators=[Optional(), Length(max=MAX_CHANGE_TEXT)],
                default=existing,
                render_kw={"lang": language},
            )
            setattr(TranslationForm, f"{language}__{name}", box)
    return TranslationForm()


class SplitForm(FlaskForm):
    """Take one linked item (by its public id) out of the group."""

    item = HiddenField(validators=[DataRequired(), Length(max=32)])


def _growth_figure(ticket: Ticket) -> Figure | None:
    growth = affected_over_time(ticket, current_app.config["TIME_ZONE"])
    if not growth.totals:
        return None
    data = ChartData(
        categories=tuple(local_date(day) for day, _total in growth.totals),
        series=(Series(_("Affected citizens"), tuple(total for _day, total in growth.totals)),),
        keys=tuple(day.isoformat() for day, _total in growth.totals),
    )
    first, latest = local_date(growth.totals[0][0]), growth.totals[-1][1]
    by_day = growth.period == "day"
    if by_day:
        description = _(
            "A line of the number of linked items at the end of each day since %(first)s; "
            "%(count)d now.",
            first=first,
            count=latest,
        )
    else:
        description = _(
            "A line of the number of linked items at the end of each week since %(first)s; "
            "%(count)d now.",
            first=first,
            count=latest,
        )
    return Figure(
        "affected",
        _("Affected citizens over time"),
        description,
        _("Day") if by_day else _("Week starting"),
        data,
        # Whole citizens: an axis to at least 4 has whole-number steps.
        line_chart(data, maximum=max(latest, 4)),
    )


def _merge_form(ticket: Ticket, form: MergeForm | None = None) -> MergeForm:
    form = form or MergeForm()
    form.target.choices = [SelectChoice("", "—")] + [
        SelectChoice(str(other.id), f"{other.key or '#' + str(other.id)}: {other.summary[:80]}")
        for other in merge_candidates(ticket)
    ]
    return form


def _problem_page(
    ticket: Ticket,
    status: int = 200,
    *,
    change_form: WhatWeChangedForm | None = None,
    merge_form: MergeForm | None = None,
    outcome_form: OutcomeForm | None = None,
    translation_form: FlaskForm | None = None,
) -> ResponseReturnValue:
    regroup = current_user.role in REGROUPING_ROLES and takes_items(ticket)
    page = render_template(
        "staff/ticket_detail.html",
        ticket=ticket,
        items=visible_items(current_user, ticket),
        form=ActionForm(),
        change_form=change_form or WhatWeChangedForm(text=ticket.what_we_changed),
        outcome_form=outcome_form or OutcomeForm(formdata=None),
        # A refused merge shows its form with the reason, even where merging is over.
        merge_form=_merge_form(ticket, merge_form) if regroup or merge_form else None,
        split_form=SplitForm() if regroup else None,
        suggestions=open_suggestions(ticket=ticket) if regroup else [],
        same_problems=likely_same_problems(ticket) if regroup else [],
        growth=_growth_figure(ticket),
        tracker_comments=_tracker_comments(ticket),
        citizen_languages=citizen_languages(ticket),
        translation_form=translation_form or _translation_form(ticket),
    )
    return page, status


@staff_bp.get("/problems/<int:ticket_id>")
@staff_bp.get("/tickets/<key>")
@login_required
def ticket_detail(ticket_id: int | None = None, key: str | None = None) -> ResponseReturnValue:
    ticket = visible_ticket_or_404(ticket_id, key)
    return _problem_page(ticket)


@staff_bp.post("/problems/<int:ticket_id>/change")
@roles_required("handler", "developer", "admin")
def describe_ticket_change(ticket_id: int) -> ResponseReturnValue:
    ticket = visible_ticket_or_404(ticket_id)
    form = WhatWeChangedForm()
    if not form.validate_on_submit():
        return _problem_page(ticket, 400, change_form=form)
    describe_change(ticket, form.text.data or "", current_user)
    flash(_("Saved: citizens will read this when the problem is resolved."), "success")
    return redirect(url_for("staff.ticket_detail", ticket_id=ticket.id))


@staff_bp.post("/problems/<int:ticket_id>/translations")
@roles_required("handler", "developer", "admin")
def translate_ticket_texts(ticket_id: int) -> ResponseReturnValue:
    """The team's words for citizens in the other languages of the problem's citizens."""
    ticket = visible_ticket_or_404(ticket_id)
    form = _translation_form(ticket) or abort(400)
    if not form.validate_on_submit():
        return _problem_page(ticket, 400, translation_form=form)
    texts: dict[str, dict[str, str]] = {}
    for name, field in form._fields.items():
        if "__" in name:
            language, text_field = name.split("__", 1)
            texts.setdefault(language, {})[text_field] = field.data or ""
    translate_texts(ticket, texts, current_user)
    flash(_("Translations saved."), "success")
    return redirect(url_for("staff.ticket_detail", ticket_id=ticket.id))


@staff_bp.post("/problems/<int:ticket_id>/outcome")
@roles_required("handler", "admin")
def close_ticket(ticket_id: int) -> ResponseReturnValue:
    """Close a problem that was not fixed, with the outcome and its reason for citizens."""
    ticket = visible_ticket_or_404(ticket_id)
    form = OutcomeForm()
    if form.validate_on_submit():
        duplicate_of = None
        if form.duplicate_of.data:
            duplicate_of = visible_ticket(current_user, ticket_id=form.duplicate_of.data)
        try:
            close_with_outcome(
                ticket,
                form.outcome.data,
                form.explanation.data,
                current_user,
                responsible_body=form.responsible_body.data,
                duplicate_of=duplicate_of,
            )
        except OutcomeError as error:
            form[error.field].errors = [*form[error.field].errors, str(error)]
        else:
            flash(_("The problem is closed; its citizens are told why."), "success")
            return redirect(url_for("staff.ticket_detail", ticket_id=ticket.id))
    return _problem_page(ticket, 422, outcome_form=form)


@staff_bp.post("/problems/<int:ticket_id>/merge")
@roles_required(*REGROUPING_ROLES)
def merge_problem(ticket_id: int) -> ResponseReturnValue:
    ticket = visible_ticket_or_404(ticket_id)
    form = _merge_form(ticket, MergeForm())
    if not form.validate_on_submit():
        return _problem_page(ticket, 400, merge_form=form)
    # Out of the handler's scope reads as unknown, as everywhere on the staff site.
    target = visible_ticket(current_user, **form.chosen())
    if target is None:
        form.reference.errors.append(_("No problem group %(name)s.", name=form.reference.data))
        return _problem_page(ticket, 400, merge_form=form)
    moved = ticket.affected_count
    try:
        merge_groups(ticket, target, current_user)
    except GroupingError as error:
        field = form.reference if form.reference.data else form.target
        field.errors.append(str(error))
        return _problem_page(ticket, 400, merge_form=form)
    flash(
        _("Merged: %(count)d items moved into %(name)s.", count=moved, name=problem_name(target)),
        "success",
    )
    return _back(form.back.data, target)


@staff_bp.post("/problems/<int:ticket_id>/split")
@roles_required(*REGROUPING_ROLES)
def split_problem_item(ticket_id: int) -> ResponseReturnValue:
    ticket = visible_ticket_or_404(ticket_id)
    form = SplitForm()
    item = visible_feedback(current_user, form.item.data) if form.validate_on_submit() else None
    if item is None or item.ticket_id != ticket.id:
        flash(_("That item is not in this group."), "error")
        return _problem_page(ticket, 400)
    try:
        group = split_item(item, current_user)
    except GroupingError as error:
        flash(str(error), "error")
        return _problem_page(ticket, 400)
    flash(_("The item now has a group of its own (number %(number)d).", number=group.id), "success")
    return redirect(url_for("staff.ticket_detail", ticket_id=ticket.id))


def _back(back: str | None, ticket: Ticket) -> ResponseReturnValue:
    """After a merge or a telling apart: the list of likely duplicates it was asked from,
    else the problem page of ``ticket``."""
    if back == BACK_TO_DUPLICATES:
        return redirect(url_for("staff.likely_duplicate_problems"))
    return redirect(url_for("staff.ticket_detail", ticket_id=ticket.id))


@staff_bp.get("/problems/duplicates")
@roles_required(*REGROUPING_ROLES)
def likely_duplicate_problems() -> ResponseReturnValue:
    """Pairs of open problem groups that probably report one problem, to merge or tell apart
    in one sitting."""
    return render_template(
        "staff/duplicates.html",
        duplicates=likely_duplicates(ticket_scope(current_user)),
        form=ActionForm(),
        back=BACK_TO_DUPLICATES,
    )


class TellApartForm(FlaskForm):
    """The group suggested as probably the same problem, by number."""

    other = IntegerField(validators=[DataRequired(), NumberRange(min=1, max=2**31 - 1)])
    back = HiddenField(validators=[Optional(), AnyOf((BACK_TO_DUPLICATES,))])


@staff_bp.post("/problems/<int:ticket_id>/apart")
@roles_required(*REGROUPING_ROLES)
def tell_problems_apart(ticket_id: int) -> ResponseReturnValue:
    """The group and a group suggested as probably the same report different problems."""
    ticket = visible_ticket_or_404(ticket_id)
    form = TellApartForm()
    valid = form.validate_on_submit()
    other = visible_ticket(current_user, ticket_id=form.other.data) if valid else None
    if other is None:
        flash(_("No such problem group."), "error")
        return _problem_page(ticket, 400)
    try:
        tell_apart(ticket, other, current_user)
    except GroupingError as error:
        flash(str(error), "error")
        return _problem_page(ticket, 400)
    flash(
        _(
            "Told apart: %(other)s and %(name)s are not suggested as one problem again.",
            other=problem_name(other),
            name=problem_name(ticket),
        ),
        "success",
    )
    return _back(form.back.data, ticket)


class SuggestionForm(FlaskForm):
    """Join or dismiss a suggestion; ``back``: the page it was decided on."""

    back = HiddenField(validators=[DataRequired(), AnyOf(("item", "problem", "triage"))])


def _decide_suggestion(pair_id: int, join: bool) -> ResponseReturnValue:
    pair = db.session.get(ProblemPair, pair_id) or abort(404)
    # Both the item and the group must be the handler's to judge them.
    item = visible_feedback_or_404(pair.feedback.public_id)
    visible_ticket_or_404(pair.ticket_id)
    form = SuggestionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        if join:
            join_suggestion(pair, current_user)
        else:
            dismiss_suggestion(pair, current_user)
    except GroupingError as error:
        flash(str(error), "error")
    else:
        name = problem_name(pair.ticket)
        if join:
            flash(_("The item joined %(name)s.", name=name), "success")
        else:
            flash(_("Dismissed: the item is not about %(name)s.", name=name), "success")
    if form.back.data == "item":
        return redirect(url_for("staff.feedback_detail", public_id=item.public_id))
    if form.back.data == "triage":
        return redirect(url_for("staff.triage"))
    return redirect(url_for("staff.ticket_detail", ticket_id=pair.ticket_id))


@staff_bp.post("/suggestions/<int:pair_id>/join")
@roles_required(*REGROUPING_ROLES)
def join_suggested_problem(pair_id: int) -> ResponseReturnValue:
    """The item reports the suggested group's problem: it joins that group."""
    return _decide_suggestion(pair_id, join=True)


@staff_bp.post("/suggestions/<int:pair_id>/dismiss")
@roles_required(*REGROUPING_ROLES)
def dismiss_suggested_problem(pair_id: int) -> ResponseReturnValue:
    """The item reports another problem than the suggested group's."""
    return _decide_suggestion(pair_id, join=False)
