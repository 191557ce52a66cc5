"""What people do on the site, in a real browser; screenshots of the main pages are kept
under tests/artifacts/ (UPDATE_SCREENSHOTS=1 also refreshes the README's agent form)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PASSWORD, PageProblems, assert_accessible

README_SCREENSHOT = Path(__file__).parent.parent.parent / "docs" / "screenshots" / "agent-form.png"


def focused(page: Page) -> str:
    """The focused element, as ``tag#id.class`` (enough to tell the fields apart)."""
    return page.evaluate(
        """() => {
            const e = document.activeElement;
            return e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
                + (e.className ? "." + String(e.className).split(" ").join(".") : "");
        }"""
    )


# The focused element's ring: an outline at least 2px wide (WCAG 2.4.7 focus visible).
FOCUS_RING = """() => {
    const style = getComputedStyle(document.activeElement);
    return style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
}"""


def tab_to(page: Page, expected: str) -> None:
    """One press of Tab must land on ``expected`` (the tab order follows the form), and
    show where it is."""
    page.keyboard.press("Tab")
    assert focused(page) == expected, f"Tab went to {focused(page)}, not {expected}"
    assert page.evaluate(FOCUS_RING), f"{expected} shows no focus ring"


def tab_until(page: Page, expected: str, presses: int = 12) -> None:
    for _ in range(presses):
        page.keyboard.press("Tab")
        if focused(page) == expected:
            return
    raise AssertionError(f"{presses} presses of Tab never reached {expected}")


def screenshot(page: Page, artifacts: Path, name: str) -> Path:
    path = artifacts / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def test_agent_signs_in_and_records_a_call_with_the_keyboard_only(contexts, artifacts):
    context = contexts.new("en")
    page = context.new_page()
    problems = PageProblems(page)
    page.goto("/staff/login")
    tab_until(page, "input#email")  # past the skip link, the header's links
    page.keyboard.type("agent@example.org")
    tab_to(page, "input#password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/staff/feedback/new")

    tab_to(page, "a.skip-link")
    page.keyboard.press("Enter")
    assert focused(page) == "main#main"
    tab_to(page, "input#phone")
    page.keyboard.type("+358 40 123 4567")
    tab_to(page, "input#email")
    page.keyboard.type("caller@example.org")
    tab_to(page, "button.secondary")  # Find returning caller
    tab_to(page, "input#name")
    page.keyboard.type("Maija Meikäläinen")
    tab_to(page, "select#language")
    page.keyboard.type("suomi")
    tab_to(page, "input#consent")
    page.keyboard.press("Space")
    tab_to(page, "select#eservice")
    page.keyboard.type("Library")
    tab_to(page, "textarea#text")
    page.keyboard.type("The library app logs me out when I renew a loan.")
    tab_to(page, "input#call_ref")
    page.keyboard.type("call-browser-1")
    tab_to(page, "button")  # Save feedback
    assert page.locator("#language").input_value() == "fi"
    assert page.locator("#eservice").input_value() == "library-account"
    assert page.locator("#consent").is_checked()
    path = screenshot(page, artifacts, "agent-form")
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        README_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, README_SCREENSHOT)

    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/staff/feedback/[^/]+$"))
    expect(page.locator(".notice-success")).to_have_text("Feedback recorded.")
    expect(page.locator("main")).to_contain_text("Library online account")
    screenshot(page, artifacts, "agent-feedback-recorded")
    assert_accessible(page, "the recorded item")
    assert not problems.messages, "\n".join(problems.messages)
    context.close()


def test_handler_reroutes_an_item_from_the_triage_queue(site, contexts, artifacts):
    public_id = site.seeds.triage_public_ids[-1]
    context = contexts.new("en", "handler")
    page = context.new_page()
    page.goto("/staff/triage")
    item = page.locator("section.triage-item").filter(has_text="Lomake jumittuu lopussa")
    expect(item).to_have_count(1)
    screenshot(page, artifacts, "triage")

    item.get_by_label("E-service").select_option(label="Resident parking permit")
    item.get_by_role("button", name="Route", exact=True).click()
    page.wait_for_url("**/staff/triage")
    expect(page.locator(".notice-success")).to_contain_text("Routed to")
    expect(page.locator("main")).not_to_contain_text("Lomake jumittuu lopussa")

    from app.extensions import db
    from app.models import Feedback

    with site.app.app_context():
        routed = db.session.query(Feedback).filter_by(public_id=public_id).one()
        assert (routed.status, routed.eservice.code, routed.routing_method) == (
            "forwarded",
            "parking-permit",
            "handler",
        )
        key = routed.ticket.key
        db.session.remove()

    page.goto(f"/staff/feedback/{public_id}")
    page.get_by_role("link", name=key).click()
    expect(page.locator("h1")).to_have_text(key)
    expect(page.locator("main")).to_contain_text("Lomake jumittuu lopussa")
    screenshot(page, artifacts, "ticket")
    context.close()


def test_handler_finds_a_citizens_e_mailed_reply_and_its_bounce(site, contexts, artifacts):
    page = contexts.new("en", "handler").new_page()
    page.goto("/staff/inbox")
    row = page.locator("tbody tr").filter(has_text="New reply from the citizen")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Päiväkotihakemuksen maksu veloitettiin kahdesti.")
    row.get_by_role("link").click()
    page.wait_for_url(f"**/staff/feedback/{site.seeds.replied_public_id}")
    history = page.locator("ol.history")
    expect(history).to_contain_text(
        "Reply from the citizen by e-mail: Maksu näkyy yhä tililläni kahdesti."
    )
    expect(history).to_contain_text("Automatic reply (out of office or similar; not stored)")
    expect(history).not_to_contain_text("Olen lomalla")
    expect(history).to_contain_text("E-mail bounced (5.1.1")
    expect(page.locator("main")).to_contain_text("Undeliverable since")
    expect(page.locator("main")).to_contain_text("address bounced, so no reply can be sent")
    expect(page.get_by_role("button", name="Send reply")).to_have_count(0)
    screenshot(page, artifacts, "item-with-reply-and-bounce")
    page.context.close()


def test_citizen_corrects_an_error_then_follows_the_status_link(contexts, artifacts):
    page = contexts.new("en").new_page()
    problems = PageProblems(page)
    page.goto("/feedback")
    screenshot(page, artifacts, "public-form")
    page.get_by_label("Your e-mail (optional)").fill("citizen@example.org")
    page.get_by_label("Tell me by e-mail what happens to my feedback").check()
    page.get_by_role("button", name="Send feedback").click()

    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    link = summary.get_by_role("link")
    expect(link).to_have_attribute("href", "#text")
    expect(page.locator("#text")).to_have_attribute("aria-invalid", "true")
    screenshot(page, artifacts, "public-form-error")
    page.keyboard.press("Tab")
    expect(link).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#text")).to_be_focused()

    page.keyboard.type("Maksaminen kaatuu pysäköintisovelluksessa joka kerta.")
    expect(page.get_by_label("Your e-mail (optional)")).to_have_value("citizen@example.org")
    page.get_by_role("button", name="Send feedback").click()
    page.wait_for_url("**/feedback/sent/*")
    expect(page.locator("h1")).to_have_text("Thank you for your feedback.")
    page.locator("main a[href*='/status/']").click()
    page.wait_for_url("**/status/*")
    expect(page.locator("h1")).to_have_text("Status of your feedback")
    expect(page.locator(".progress [aria-current=step]")).to_have_count(1)
    screenshot(page, artifacts, "status")
    assert not problems.messages, "\n".join(problems.messages)
    page.context.close()


@pytest.mark.parametrize("language", ["fi"])
def test_citizen_answers_the_survey(site, contexts, artifacts, language):
    page = contexts.new(language).new_page()
    page.goto(f"/survey/{site.seeds.eservice}?ref=browser-survey-1")
    screenshot(page, artifacts, "survey")
    groups = page.locator("main form fieldset")
    for index in range(groups.count()):
        groups.nth(index).locator("input[type=radio]").first.check()
    page.locator("main form textarea").fill("Lainojen uusiminen onnistui helposti.")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**/survey/{site.seeds.eservice}/thanks*")
    expect(page.locator("main a[href*='/status/']")).to_have_count(1)
    screenshot(page, artifacts, "survey-thanks")
    page.context.close()


def test_analyst_opens_insight_and_exports_a_chart_as_csv(contexts, artifacts):
    page = contexts.new("en", "analyst").new_page()
    page.goto("/staff/insight")
    expect(page.locator("svg.chart").first).to_be_visible()
    screenshot(page, artifacts, "insight")
    export = page.locator("main a[href*='.csv']").first
    with page.expect_download() as download:
        export.click()
    assert download.value.suggested_filename.endswith(".csv")
    page.context.close()


def test_analyst_compares_with_other_cities_and_reads_the_numbers(contexts, artifacts):
    page = contexts.new("en", "analyst").new_page()
    page.goto("/staff/benchmark")
    chart = page.locator("#satisfaction-heading ~ svg.chart")
    expect(chart).to_be_visible()
    expect(page.locator(".benchmark-cities")).to_contain_text("Bryggen kommune")
    expect(page.locator(".benchmark-cities")).to_contain_text("City A")
    expect(page.locator("main")).not_to_contain_text("Fjordby")  # it chose anonymity
    details = page.locator("section[aria-labelledby='satisfaction-heading'] details")
    details.locator("summary").click()
    row = details.locator("tbody tr").first
    expect(row).to_contain_text("Daycare application")
    expect(row).to_contain_text("4.0")  # the median of 3.8 and 4.2
    assert_accessible(page, "benchmark with a table open")
    screenshot(page, artifacts, "benchmark")
    with page.expect_download() as download:
        page.locator("section[aria-labelledby='satisfaction-heading'] a[href*='.csv']").click()
    assert download.value.suggested_filename.startswith("benchmark_satisfaction_")
    page.context.close()
