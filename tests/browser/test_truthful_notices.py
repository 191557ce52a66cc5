"""What citizens and developers see is true and in the citizen's language (issue 17)."""

from __future__ import annotations

from sqlalchemy import func, select

from app.models import User
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


def _reported(site, text: str, eservice: str, language: str, email: str | None):
    """An item of a problem of its own, with a consenting contact when ``email`` is given."""
    from app.services.intake import ContactDetails, Submission, submit_feedback

    contact = ContactDetails(email=email, language=language, consent=True) if email else None
    item = submit_feedback(
        Submission(
            text=text, channel="web_form", eservice=eservice, language=language, contact=contact
        )
    ).feedback
    assert item.ticket is not None and item.ticket.key, "the item opened no ticket"
    return item


def test_a_problem_closed_unfixed_reads_closed_for_the_citizen_and_the_team(contexts, site):
    from app.extensions import db
    from app.services.outcomes import close_with_outcome

    with site.app.app_context():
        item = _reported(
            site,
            "Pysäköintitunnuksen uusiminen verkossa ei onnistu, lomake vaatii paperilomakkeen.",
            "parking-permit",
            "sv",
            "sv-citizen@example.org",
        )
        handler = db.session.scalars(select(User).where(User.role == "handler")).first()
        close_with_outcome(item.ticket, "wont_fix", "Enligt lagen krävs en underskrift.", handler)
        token, ticket_id = item.status_token, item.ticket.id
        db.session.remove()

    # The browser asks for English; the citizen wrote in Swedish: the page follows the citizen.
    page = contexts.new("en").new_page()
    page.goto(f"/status/{token}")
    assert page.locator("html").get_attribute("lang") == "sv"
    steps = page.locator("ol.progress li").all_inner_texts()
    assert len(steps) == 3 and "Avslutat" in steps[-1], steps
    assert not any("utvecklingsteamet" in step for step in steps), steps  # "being fixed"
    assert page.locator("ol.progress li[aria-current=step]").inner_text() == steps[-1]
    assert "Enligt lagen krävs en underskrift." in page.content()
    assert_accessible(page, "status page of a problem closed unfixed")

    staff = contexts.new("fi", "developer").new_page()
    staff.goto(f"/staff/problems/{ticket_id}")
    assert "Suljettu: ei korjata" in staff.locator("dl.facts").inner_text()
    assert staff.get_by_role("button", name="Aloita työ").count() == 0
    assert staff.get_by_role("button", name="Merkitse ratkaistuksi").count() == 0
    assert "Closed in civicloop as won't fix" in staff.locator(".tracker-comments").inner_text()
    assert_accessible(staff, "problem page of a problem closed unfixed")
    staff.goto("/staff/tickets")
    assert "Suljettu: ei korjata" in staff.locator("tbody").inner_text()
    assert "To do" not in staff.locator("tbody").inner_text()


def test_developers_see_why_a_problem_reopened(contexts, site):
    from app.extensions import db
    from app.services.followup import record_followup_answer
    from app.services.tickets import set_local_status

    with site.app.app_context():
        item = _reported(
            site,
            "Liikuntavuoron varaus hylkää maksun aina.",
            "sports-booking",
            "en",
            "en-citizen@example.org",
        )
        item.key_case = True  # one "no" reopens
        db.session.commit()
        set_local_status(item.ticket, "done")
        record_followup_answer(item, 1, "no", "Still refused on my bank card.")
        public_id, ticket_id = item.public_id, item.ticket.id
        db.session.remove()

    page = contexts.new("en", "developer").new_page()
    page.goto(f"/staff/problems/{ticket_id}")
    assert "Still refused on my bank card." in page.locator(".tracker-comments").inner_text()
    assert_accessible(page, "problem page of a reopened problem")

    handler = contexts.new("fi", "handler").new_page()
    handler.goto(f"/staff/feedback/{public_id}")
    answers = handler.locator("ul.followup-answers").inner_text()
    assert "Ei, sitä ei ole korjattu" in answers, answers
    assert "Still refused on my bank card." in answers, answers
    history = handler.locator("ol.history").inner_text()
    assert "followup.answered" not in history and "Asukas vastasi" in history, history
    assert "web_form" not in handler.locator("dl.facts").first.inner_text()
    assert_accessible(handler, "item page with a follow-up answer")


def test_the_status_page_speaks_the_citizens_language_and_tells_what_changed(contexts, site):
    from app.extensions import db
    from app.models import Notice, NoticeKind
    from app.services.notices import render_notice
    from app.services.outcomes import describe_change
    from app.services.tickets import set_local_status

    with site.app.app_context():
        item = _reported(
            site,
            "Kirjaston e-kirjojen laina katkeaa kesken.",
            "city-website",
            "fi",
            "fi-citizen@example.org",
        )
        developer = db.session.scalars(select(User).where(User.role == "developer")).first()
        describe_change(item.ticket, "Korjasimme lainan aikakatkaisun.", developer)
        set_local_status(item.ticket, "done")
        thank_you = db.session.scalars(
            select(Notice).where(Notice.feedback_id == item.id, Notice.kind == NoticeKind.THANK_YOU)
        ).one()
        link = next(
            line for line in render_notice(thank_you).text.splitlines() if "/status/" in line
        )
        token = item.status_token
        db.session.remove()
    assert link.endswith(f"/status/{token}?lang=fi")

    page = contexts.new("sv").new_page()  # a Swedish browser; the citizen wrote in Finnish
    page.goto(f"/status/{token}")
    assert page.locator("html").get_attribute("lang") == "fi"
    assert "Korjasimme lainan aikakatkaisun." in page.locator("main").inner_text()
    assert_accessible(page, "status page of a fixed problem")
    page.goto(f"/status/{token}?lang=sv")  # the citizen's own choice still wins
    assert page.locator("html").get_attribute("lang") == "sv"


def test_the_thank_you_pages_status_link_carries_the_language(contexts):
    page = contexts.new("sv").new_page()
    page.goto("/feedback")
    page.locator("#text").fill("Bibliotekets sida laddar inte alls på mobilen.")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/feedback/sent/**")
    link = page.locator("main a[href*='/status/']").first.get_attribute("href")
    assert link.endswith("?lang=sv"), link
