"""What citizens and developers see is true and in the citizen's language (issue 17)."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.browser.conftest import assert_accessible


def test_back_and_send_again_on_the_public_form_stores_one_item(contexts, site):
    from app.extensions import db
    from app.models import Feedback

    text = "Kirjaston varauslista ei aukea, sivu jää tyhjäksi (back test)."
    page = contexts.new("fi").new_page()
    page.goto("/feedback")
    page.locator("#text").fill(text)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/feedback/sent/**")
    page.go_back()
    page.wait_for_url("**/feedback")
    if not page.locator("#text").input_value():
        page.locator("#text").fill(text)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/feedback/sent/**")
    assert_accessible(page)
    with site.app.app_context():
        stored = db.session.scalar(select(func.count(Feedback.id)).where(Feedback.text == text))
        db.session.remove()
    assert stored == 1
