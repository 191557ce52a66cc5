"""axe-core finds no WCAG 2.1 A/AA violation on any page, in every page language.

The pages come from the app's url_map (see conftest.py), so a page added later is checked
without anyone remembering to list it; one whose URL cannot be filled fails, named.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import (
    PAGES,
    assert_accessible,
    build_path,
    live_app,
    page_checks,
    page_rules,
)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "check" in metafunc.fixturenames:
        checks = page_checks(live_app())
        metafunc.parametrize("check", checks, ids=[check.id for check in checks])


def test_page_passes_axe(check, site, contexts):
    assert check.problem is None, check.problem
    path = build_path(site.app, check, site.seeds)
    page, problems = contexts.shared_page(check.visit.role, check.language)
    response = page.goto(path)
    assert response is not None and response.status == check.visit.status, (
        f"{path}: HTTP {response and response.status} for {check.visit.role or 'a citizen'}; "
        "if another role works on this page, say so in PAGES in tests/browser/conftest.py"
    )
    assert "/staff/login" not in page.url or check.endpoint == "staff.login", (
        f"{path} sent {check.visit.role} to sign in"
    )
    content_type = response.headers.get("content-type", "")
    assert content_type.startswith("text/html"), (
        f"{check.endpoint} ({check.rule}) answers {content_type}, not a page: add it to "
        "NOT_PAGES in tests/browser/conftest.py"
    )
    assert page.locator("html").get_attribute("lang") == check.language
    assert_accessible(page, f"{path} ({check.language}, {check.visit.role or 'citizen'})")
    assert not problems.messages, "\n".join(problems.messages)


def test_a_new_page_is_checked_or_named():
    """A page nobody listed is visited all the same; one whose URL cannot be built fails."""
    from flask import Flask

    app = Flask(__name__)
    app.add_url_rule("/staff/reports", "staff.reports", lambda: "")
    app.add_url_rule("/staff/reports/<int:report_id>", "staff.report", lambda report_id: "")
    app.add_url_rule("/api/v1/reports", "api.reports", lambda: "")
    checks = {check.endpoint: check for check in page_checks(app)}
    assert checks["staff.reports"].visit.role == "admin" and checks["staff.reports"].problem is None
    assert "staff.report (/staff/reports/<int:report_id>)" in checks["staff.report"].problem
    assert "report_id" in checks["staff.report"].problem
    assert "api.reports" not in checks and "static" not in checks


def test_the_page_table_names_only_pages_that_exist():
    endpoints = {rule.endpoint for rule in page_rules(live_app())}
    stale = sorted(set(PAGES) - endpoints)
    assert not stale, f"PAGES in tests/browser/conftest.py names pages that are gone: {stale}"


# The error states share their markup across languages: Finnish (the longest) checks them.
@pytest.mark.parametrize("language", ["fi"])
def test_error_pages_pass_axe(site, contexts, language):
    page, _ = contexts.shared_page(None, language)
    assert page.goto("/status/no-such-token").status == 404
    assert_accessible(page, f"the 404 page ({language})")
    page, _ = contexts.shared_page("agent", language)
    assert page.goto("/staff/triage").status == 403
    assert_accessible(page, f"the 403 page ({language})")


@pytest.mark.parametrize("language", ["fi"])
def test_forms_with_errors_pass_axe(site, contexts, language):
    """Every form sent empty shows its error summary and field errors, accessibly."""
    forms = {
        None: ["/feedback", f"/survey/{site.seeds.eservice}"],
        "agent": ["/staff/feedback/new", "/staff/calls/import"],
        "admin": [
            "/staff/routing/rules",
            f"/staff/routing/rules/{site.seeds.rule_id}",
            "/staff/grouping/glossary",
        ],
    }
    for role, paths in forms.items():
        page, _ = contexts.shared_page(role, language)
        for path in paths:
            page.goto(path)
            form = page.locator(
                "main form[method=post]:has(textarea, input[type=text], input[type=file])"
            ).first
            for field in form.locator("textarea, input[type=email], input[type=text]").all():
                field.fill("")
            with page.expect_navigation():
                form.locator("button[type=submit]").last.click()
            assert page.locator(".error-summary").is_visible(), f"{path}: no error summary"
            assert_accessible(page, f"{path} with errors ({language}, {role or 'citizen'})")
    login = contexts.new(language).new_page()
    login.goto("/staff/login")
    login.locator("#email").fill("nobody@example.org")
    login.locator("#password").fill("wrong")
    with login.expect_navigation():
        login.locator("main form button[type=submit]").click()
    assert login.locator(".error-summary").is_visible()
    assert_accessible(login, f"sign-in with a wrong password ({language})")
    login.context.close()


# Content wider than the viewport, outside data tables (which may scroll: WCAG 1.4.10).
OVERFLOW = """() => [...document.body.querySelectorAll("*")]
    .filter(e => !e.closest("table") && e.getBoundingClientRect().right > innerWidth + 1)
    .map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : ""))"""


def test_main_pages_reflow_at_320_css_pixels(site, contexts):
    """WCAG 1.4.10: at 320 px (400 % zoom of 1280) nothing needs scrolling sideways."""
    seeds = site.seeds
    pages = {
        None: ["/", "/feedback", f"/status/{seeds.token}", f"/survey/{seeds.eservice}"],
        "agent": ["/staff/feedback/new", "/staff/calls/import"],
        "handler": ["/staff/triage", f"/staff/tickets/{seeds.key}"],
        "admin": ["/staff/routing/rules"],
    }
    for role, paths in pages.items():
        context = contexts.new("fi", role, viewport={"width": 320, "height": 640})
        page = context.new_page()
        for path in paths:
            page.goto(path)
            assert page.evaluate(OVERFLOW) == [], f"{path} does not fit 320 px"
        context.close()
