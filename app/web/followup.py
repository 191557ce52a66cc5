"""The answer page of "Did this fix it for you?", opened from the e-mail's signed links or
the status page.

A GET only shows the question with the clicked answer chosen, because mail scanners open
links on their own; the citizen's POST records it. No CSRF token: the signed link is the
credential (as on the unsubscribe page), and all it can do is answer for the one item and
resolution round it was made for.
"""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import force_locale

from app.extensions import csrf
from app.i18n import citizen_language
from app.models import FollowupAnswerValue
from app.services.followup import record_followup_answer
from app.services.links import followup_for_link
from app.web.blueprints import public_bp
from app.web.forms import FollowupForm


@public_bp.route("/followup/<token>", methods=["GET", "POST"])
@csrf.exempt
def followup(token: str) -> ResponseReturnValue:
    link = followup_for_link(token)
    item = link.item
    language = citizen_language()
    with force_locale(language):
        if item is None:
            page = render_template("public/followup_refused.html", expired=link.expired)
            return page, 410 if link.expired else 404
        form = FollowupForm()
        if request.method == "GET" and request.args.get("answer") in FollowupAnswerValue.ALL:
            form.answer.data = request.args["answer"]
        if form.validate_on_submit():
            answer = record_followup_answer(item, link.round, form.answer.data, form.comment.data)
            return render_template("public/followup_thanks.html", answer=answer, item=item)
        page = render_template(
            "public/followup.html", form=form, token=token, item=item, language=language
        )
        return page, 422 if form.errors else 200
