"""Routing on the staff site: admins' keyword rules, the rule test box and retraining."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import db
from app.i18n import current_language
from app.models import RoutingRule
from app.services.routing_rules import (
    RuleError,
    create_rule,
    latest_model,
    list_rules,
    request_training,
    try_routing,
    update_rule,
)
from app.web.auth import roles_required
from app.web.blueprints import staff_bp
from app.web.forms import ActionForm, RoutingRuleForm, RoutingTrialForm, eservice_choices


def _rule_form(rule: RoutingRule | None = None) -> RoutingRuleForm:
    form = RoutingRuleForm()
    form.eservice.choices = eservice_choices(current_language())[1:]
    if rule is not None and request.method == "GET":
        form.eservice.data = rule.eservice.code
        form.language.data = rule.language or ""
        form.phrases.data = "\n".join(rule.phrases)
        form.priority.data = rule.priority
        form.active.data = rule.active
    return form


def _save(form: RoutingRuleForm, rule: RoutingRule | None) -> RoutingRule | None:
    if not form.validate_on_submit():
        return None
    try:
        if rule is None:
            return create_rule(form.draft(), current_user)
        return update_rule(rule, form.draft(), current_user)
    except RuleError as error:
        db.session.rollback()
        form.phrases.errors.append(str(error))
        return None


@staff_bp.route("/routing/rules", methods=["GET", "POST"])
@roles_required("admin")
def routing_rules() -> ResponseReturnValue:
    form = _rule_form()
    if request.method == "POST" and _save(form, None) is not None:
        flash(_("The rule is saved; it applies to the next item."), "success")
        return redirect(url_for("staff.routing_rules"))
    trial_form = RoutingTrialForm(request.args, prefix="try")
    trial = None
    if trial_form.was_sent(request.args) and trial_form.validate():
        trial = try_routing(trial_form.text.data, trial_form.language.data or None)
    status = 400 if form.errors else 200
    page = render_template(
        "staff/rules.html",
        rules=list_rules(),
        form=form,
        trial_form=trial_form,
        trial=trial,
        model=latest_model(),
        train_form=ActionForm(),
    )
    return page, status


@staff_bp.route("/routing/rules/<int:rule_id>", methods=["GET", "POST"])
@roles_required("admin")
def routing_rule(rule_id: int) -> ResponseReturnValue:
    rule = db.get_or_404(RoutingRule, rule_id)
    form = _rule_form(rule)
    if request.method == "POST" and _save(form, rule) is not None:
        flash(_("The rule is saved; it applies to the next item."), "success")
        return redirect(url_for("staff.routing_rules"))
    status = 400 if form.errors else 200
    return render_template("staff/rule_edit.html", rule=rule, form=form), status


@staff_bp.post("/routing/train")
@roles_required("admin")
def train_router() -> ResponseReturnValue:
    if ActionForm().validate_on_submit():
        request_training()
        flash(_("Retraining has started; the new models apply when it finishes."), "success")
    return redirect(url_for("staff.routing_rules"))
