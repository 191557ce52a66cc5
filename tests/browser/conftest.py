"""The real app on a localhost port, driven by Debian's Chromium through Playwright.

One server and one browser serve the whole package: the app runs with its embedded
defaults (a SQLite file, inline jobs, the built-in tracker, mail written to files) in a
background thread, seeded once with the demo catalog, a user per staff role and an item,
ticket, call import and routing rule for every page that shows one.

Every HTML page is found in ``app.url_map``; ``ARGUMENTS`` fills URL parameters from the
seeded data by name, and ``PAGES`` says who visits a page (and any extra states to visit).
A new page with a parameter neither table can fill fails the accessibility tests, named.

In CI (CI=true) a missing /usr/bin/chromium fails the tests; elsewhere they skip.
"""

from __future__ import annotations

import atexit
import io
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from pathlib import Path

import axe_playwright_python
import pytest
from flask import Flask
from werkzeug.routing import Rule
from werkzeug.serving import make_server

from tests.conftest import base_config, load_demo_catalog, migrate_fresh, unavailable
from tests.support.factories import PASSWORD, staff_user

CHROMIUM = Path("/usr/bin/chromium")
# The machine's network is closed: without these Chromium waits on connections it never gets.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).parent.parent / "artifacts"
STAFF_ROLES = ("agent", "handler", "developer", "analyst", "admin", "supplier")
LANGUAGES = ("en", "fi")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# axe-core as axe-playwright-python ships it (axe.min.js inside the wheel; nothing is
# downloaded). It is added to every page of the test browser before the page's own scripts.
AXE_SCRIPT = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text("utf-8")

# Routes that answer machines, not people: no HTML, so no accessibility check.
NOT_PAGES_BLUEPRINTS = {"api", "hooks", "open311"}
NOT_PAGES = {
    "static",
    "public.healthz",
    "public.metrics",
    "staff.call_import_progress",  # JSON
    "staff.insight_export",  # CSV
    "staff.benchmark_export",  # CSV
}


@dataclass(frozen=True)
class Visit:
    """One state of a page to check: who looks at it, and which seeded values fill it."""

    role: str | None = None  # None: a citizen, not signed in
    values: dict[str, str] = field(default_factory=dict)  # URL argument -> a name in Seeds
    query: str = ""
    name: str = ""
    status: int = 200  # e.g. 400 for a form state that shows field errors


# Who visits each page (staff pages: the role that works there) and, for some, more than
# one state. A page missing here is still visited: a citizen for public pages, an admin
# for /staff/ pages. Add an entry when a page needs another role or state.
PAGES: dict[str, tuple[Visit, ...]] = {
    "public.index": (Visit(),),
    "public.feedback": (Visit(),),
    "public.feedback_sent": (Visit(),),
    # The status page speaks its citizen's language (issue 17): each check asks for its own.
    "public.status": (
        Visit(query="lang={language}"),
        Visit(values={"token": "resolved_token"}, query="lang={language}", name="resolved"),
    ),
    "public.survey": (Visit(),),
    "public.unsubscribe": (Visit(values={"token": "unsubscribe_token"}),),
    "public.followup": (Visit(values={"token": "followup_token"}, query="answer=no"),),
    "public.survey_thanks": (Visit(), Visit(query="item={token}", name="with-status-link")),
    "staff.login": (Visit(),),
    "staff.home": (Visit("agent"),),
    "staff.new_feedback": (Visit("agent"),),
    "staff.feedback_detail": (
        Visit("handler"),
        Visit("handler", values={"public_id": "replied_public_id"}, name="mail-came-back"),
    ),
    "staff.import_calls": (Visit("agent"),),
    "staff.call_import": (
        Visit("agent"),
        Visit("agent", values={"import_id": "running_import_id"}, name="running"),
    ),
    "staff.triage": (Visit("handler"),),
    "staff.likely_duplicate_problems": (Visit("handler"),),
    "staff.department_inbox": (
        Visit("handler"),
        Visit("handler", query="status=resolved&since=2026-02-30", name="invalid", status=400),
    ),
    "staff.tickets": (Visit("developer"),),
    "staff.ticket_detail": (
        Visit("handler"),
        Visit(
            "developer",
            values={"ticket_id": "resolved_ticket_id", "key": "resolved_key"},
            name="resolved",
        ),
    ),
    "staff.routing_rules": (
        Visit("admin"),
        Visit("admin", query="try-text=pys%C3%A4k%C3%B6intitunnus&try-language=fi", name="trial"),
    ),
    "staff.routing_rule": (Visit("admin"),),
    "staff.glossary": (
        Visit("admin"),
        Visit("admin", query="try-text=Kuntaportti+ei+aukea&try-language=fi", name="trial"),
    ),
    "staff.glossary_entry": (Visit("admin"),),
    "staff.failures": (Visit("handler"),),
    "staff.insight": (Visit("analyst"),),
    "staff.insight_surveys": (Visit("analyst"),),
    "staff.supplier": (Visit("supplier"),),
    "staff.privacy": (Visit("admin"),),
    "staff.audit_log": (Visit("admin"),),
    "staff.overdue": (Visit("handler"),),
    "staff.deadlines": (Visit("admin"),),
    "staff.department_deadlines": (Visit("admin"),),
    "staff.admin": (Visit("admin"),),
    "staff.admin_users": (Visit("admin"),),
    "staff.admin_user": (Visit("admin"),),
    "staff.admin_departments": (Visit("admin"),),
    "staff.admin_department": (Visit("admin"),),
    "staff.admin_eservices": (Visit("admin"),),
    "staff.admin_eservice": (Visit("admin"),),
    "staff.admin_suppliers": (Visit("admin"),),
    "staff.admin_supplier": (Visit("admin"),),
    "staff.admin_surveys": (Visit("admin"),),
    "staff.admin_survey": (Visit("admin"),),
    "staff.benchmark": (Visit("analyst"), Visit("supplier", name="supplier")),
    "staff.benchmark_imports": (Visit("admin"),),
    "staff.admin_peers": (Visit("admin"),),
    "staff.admin_peer": (Visit("admin"),),
}

# URL arguments by name -> the Seeds attribute that fills them.
ARGUMENTS = {
    "token": "token",
    "public_id": "public_id",
    "ticket_id": "ticket_id",
    "key": "key",
    "eservice": "eservice",
    "code": "eservice",
    "import_id": "import_id",
    "rule_id": "rule_id",
    "entry_id": "glossary_entry_id",
    "department": "department",
    "user_id": "handler_id",
    "department_id": "department_id",
    "eservice_id": "eservice_id",
    "supplier_id": "supplier_id",
    "frame_id": "frame_id",
    "peer_id": "peer_id",
}


@dataclass
class Seeds:
    """What the seeded database holds, for URLs and flows."""

    public_id: str = ""
    token: str = ""
    ticket_id: int = 0
    key: str = ""
    resolved_token: str = ""
    resolved_ticket_id: int = 0
    resolved_key: str = ""
    triage_public_ids: list[str] = field(default_factory=list)
    eservice: str = "library-account"
    department: str = "CUL"  # library-account's
    import_id: int = 0
    running_import_id: int = 0
    rule_id: int = 0
    glossary_entry_id: int = 0
    unsubscribe_token: str = ""
    handler_id: int = 0
    department_id: int = 0
    eservice_id: int = 0
    supplier_id: int = 0
    frame_id: int = 0
    followup_token: str = ""
    replied_public_id: str = ""  # its citizen replied, was away, then the address bounced
    peer_id: int = 0


@dataclass(frozen=True)
class PageCheck:
    """A page to check in one language, or why its URL cannot be built."""

    endpoint: str
    rule: str
    visit: Visit
    language: str
    problem: str | None = None

    @property
    def id(self) -> str:
        suffix = f"[{self.visit.name}]" if self.visit.name else ""
        return f"{self.language}:{self.rule}{suffix}"


@cache
def live_app() -> Flask:
    """The app the tests serve (its url_map also decides which pages are checked)."""
    from app import create_app

    folder = Path(tempfile.mkdtemp(prefix="civicloop-browser-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    config = {
        **base_config(folder),
        "PUBLIC_BASE_URL": "http://127.0.0.1",
        # Every test signs in and posts from 127.0.0.1; the limits are tested elsewhere.
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "PUBLIC_RATE_LIMIT": "1000 per minute",
    }
    return create_app(config)


def is_page(rule: Rule) -> bool:
    if "GET" not in (rule.methods or ()):
        return False
    return rule.endpoint not in NOT_PAGES and rule.endpoint.split(".")[0] not in (
        NOT_PAGES_BLUEPRINTS
    )


def page_rules(app: Flask) -> list[Rule]:
    return sorted((rule for rule in app.url_map.iter_rules() if is_page(rule)), key=str)


def _default_visit(rule: Rule) -> Visit:
    return Visit("admin") if rule.rule.startswith("/staff/") else Visit()


def page_checks(app: Flask, languages: tuple[str, ...] = LANGUAGES) -> list[PageCheck]:
    """Every state of every HTML page in every language; the URL is built later from seeds."""
    checks = []
    for rule in page_rules(app):
        for visit in PAGES.get(rule.endpoint, (_default_visit(rule),)):
            missing = sorted(
                name
                for name in rule.arguments
                if name not in visit.values and name not in ARGUMENTS
            )
            problem = None
            if missing:
                problem = (
                    f"{rule.endpoint} ({rule.rule}) has URL parameter(s) {', '.join(missing)} "
                    "that the browser tests cannot fill: add them to ARGUMENTS (or the page "
                    "to PAGES) in tests/browser/conftest.py, seeding what they point at"
                )
            for language in languages:
                checks.append(PageCheck(rule.endpoint, rule.rule, visit, language, problem))
    return checks


def build_path(app: Flask, check: PageCheck, seeds: Seeds) -> str:
    rule = next(rule for rule in app.url_map.iter_rules() if rule.rule == check.rule)
    values = {
        name: getattr(seeds, check.visit.values.get(name) or ARGUMENTS[name])
        for name in rule.arguments
    }
    built = rule.build(values, append_unknown=False)
    assert built is not None, f"cannot build {rule.rule} from {values}"
    path = built[1]
    if check.visit.query:
        path += "?" + check.visit.query.format(language=check.language, **vars(seeds))
    return path


# --- the seeded database ----------------------------------------------------------------


def _into_triage(item) -> None:
    """The router may learn to place this text; the triage page needs it unplaced."""
    from app.models import FeedbackStatus

    item.status = FeedbackStatus.TRIAGE
    item.eservice = item.department = item.ticket = None


def _seed_mail_that_came_back() -> str:
    """An item whose citizen answered its thank-you, then was away, then whose address
    bounced: the item page's history and contact show all three. Its public id."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Notice
    from app.services.inbound_mail import receive
    from app.services.reply_address import reply_address
    from tests.support.inbound import dsn, reply, submitted_by_anna

    item = submitted_by_anna("Päiväkotihakemuksen maksu veloitettiin kahdesti.", "web_form")
    notice = db.session.scalars(select(Notice).where(Notice.feedback_id == item.id)).one()
    address = reply_address(notice.id)
    receive(reply(address, "Maksu näkyy yhä tililläni kahdesti."))
    receive(reply(address, "Olen lomalla.", subject="Poissa toimistolta"))
    receive(dsn(reply(address, "x", headers={"Reply-To": address})))
    return item.public_id


def _seed_peers() -> int:
    """Two cities' figures of last month (one named, one anonymised) and a failed fetch,
    for the comparison and import pages; the named city's id."""
    from datetime import date

    from app.extensions import db
    from app.models import BenchmarkFigure, BenchmarkImport, BenchmarkPeer
    from app.services.benchmark.export import previous_month

    period = previous_month(date.today())
    peers = []
    for code, name, named, satisfaction in (
        ("bryggen", "Bryggen kommune", True, 3.8),
        ("fjordby", "Fjordby Kommune", False, 4.2),
    ):
        peer = BenchmarkPeer(
            code=code, name=name, public_key="A" * 43 + "=", key_id=code[0] * 16, active=True
        )
        taken = BenchmarkImport(
            source="upload", peer=peer, period=period, accepted=True, service_types=1, named=named
        )
        cell = {
            "survey": {
                "means": {"satisfaction": satisfaction, "ease": 3.9, "understood": 4.4},
                "task_done_share": 0.8,
                "help_available_share": 0.6,
            },
            "items": {"negative_share": 0.35},
            "resolution": {"median_hours": 30.0, "p90_hours": 200.0},
        }
        figure = BenchmarkFigure(
            peer=peer, period=period, service_type="daycare-application", source=taken, figures=cell
        )
        db.session.add_all([peer, taken, figure])
        peers.append(peer)
    db.session.add(
        BenchmarkImport(
            source="fetch",
            peer=peers[1],
            period=period,
            accepted=False,
            reason="Fetching the file failed: https://fjordby.example/benchmark answered 503",
        )
    )
    db.session.commit()
    return peers[0].id


def seed(app: Flask) -> Seeds:
    from sqlalchemy import select

    from app.extensions import db
    from app.models import CallImport, Feedback, ImportState
    from app.services.call_import import start_import
    from app.services.glossary import GlossaryDraft, save_entry
    from app.services.grouping import likely_same_problems, suggest_for_triage
    from app.services.intake import ContactDetails, Submission, submit_feedback
    from app.services.links import followup_token, unsubscribe_url
    from app.services.routing_rules import RuleDraft, create_rule
    from app.services.surveys import ensure_common_frame, record_response
    from app.services.tickets import set_local_status

    seeds = Seeds()
    with app.app_context():
        migrate_fresh(app)
        load_demo_catalog(app)
        users = {
            role: staff_user(role, supplier_code="nordlys" if role == "supplier" else None)
            for role in STAFF_ROLES
        }

        forwarded = submit_feedback(
            Submission(
                text="Päiväkotihakemuksen liite ei lataudu, sivu kaatuu.",
                channel="agent_form",
                eservice="daycare-application",
                language="fi",
                contact=ContactDetails(email="caller@example.org", language="fi", consent=True),
            ),
            agent=users["agent"],
        ).feedback
        # The same problem told in Swedish, kept apart by joining: the problem page offers
        # its group as probably the same problem (checked by axe too).
        joining, app.config["GROUPING_THRESHOLD"] = app.config["GROUPING_THRESHOLD"], 1.01
        submit_feedback(
            Submission(
                text="Bilagan till daghemsansökan laddas inte upp, sidan kraschar.",
                channel="web_form",
                eservice="daycare-application",
                language="sv",
            )
        )
        app.config["GROUPING_THRESHOLD"] = joining
        resolved = submit_feedback(
            Submission(
                text="The library account page does not load.",
                channel="web_form",
                eservice="library-account",
                language="en",
            )
        ).feedback
        assert resolved.ticket is not None, (
            f"the inline pipeline left the item {resolved.status} without a ticket"
        )
        set_local_status(resolved.ticket, "done")
        # The overdue page's two lists: an item and its problem group from long ago.
        overdue = submit_feedback(
            Submission(
                text="Koulukuljetushakemus ei tallennu, lomake antaa virheen.",
                channel="api",
                eservice="school-transport",
                language="fi",
            )
        ).feedback
        assert overdue.ticket is not None, f"the overdue item is {overdue.status}, ungrouped"
        overdue.received_at -= timedelta(days=40)
        overdue.ticket.created_at -= timedelta(days=40)
        for text in ("Sivu kaatuu kun maksan", "Lomake jumittuu lopussa, en pääse eteenpäin"):
            item = submit_feedback(Submission(text=text, channel="api", language="fi")).feedback
            if item.status != "triage":
                _into_triage(item)
            seeds.triage_public_ids.append(item.public_id)
        db.session.commit()
        # The triage page offers them the open problems they may report (checked by axe too).
        assert suggest_for_triage() > 0, "no problem group is suggested for the triage seeds"
        for number, (eservice, satisfaction) in enumerate(
            [("daycare-application", 2), ("daycare-application", 4), ("library-account", 5)]
        ):
            answers = {"satisfaction": satisfaction, "ease": 3, "task_done": "yes"}
            record_response(eservice, answers, "fi", client_ref=f"seed-{number}")

        export = (
            "call_id,started_at,notes,eservice\n"
            "c-1,2026-03-02 09:15,Hakemus ei lähde,daycare-application\n"
            "c-2,not a time,Lomake ei aukea,daycare-application\n"
        )
        done = start_import(io.BytesIO(export.encode()), "calls.csv", "generic", users["agent"])
        running = CallImport(
            filename="big-export.csv",
            path=str(Path(app.instance_path) / "missing.csv"),
            mapping="generic",
            state=ImportState.RUNNING,
            rows=1200,
            stored=1100,
            created_by=users["agent"].id,
        )
        db.session.add(running)
        rule = create_rule(
            RuleDraft("parking-permit", "fi", ("pysäköintitunnus", "asukaspysäköinti")),
            users["admin"],
        )
        entry = save_entry(None, GlossaryDraft("login", "fi", ("Kuntaport",)), users["admin"])
        db.session.commit()
        seeds.replied_public_id = _seed_mail_that_came_back()

        forwarded = db.session.scalars(select(Feedback).where(Feedback.id == forwarded.id)).one()
        assert forwarded.ticket is not None and forwarded.ticket.key, "the ticket was not opened"
        assert likely_same_problems(forwarded.ticket), "no group is offered as the same problem"
        seeds.public_id, seeds.token = forwarded.public_id, forwarded.status_token
        seeds.unsubscribe_token = unsubscribe_url(forwarded.contact).rsplit("/", 1)[1]
        seeds.ticket_id, seeds.key = forwarded.ticket.id, forwarded.ticket.key
        resolved = db.session.get(Feedback, resolved.id)
        seeds.resolved_token = resolved.status_token
        seeds.followup_token = followup_token(resolved, resolved.ticket.round)
        seeds.resolved_ticket_id, seeds.resolved_key = resolved.ticket.id, resolved.ticket.key
        seeds.import_id, seeds.running_import_id = done.id, running.id
        seeds.rule_id, seeds.glossary_entry_id = rule.id, entry.id
        seeds.handler_id = users["handler"].id
        daycare = forwarded.eservice
        seeds.eservice_id, seeds.department_id = daycare.id, daycare.department_id
        seeds.supplier_id = daycare.supplier_id
        seeds.frame_id = ensure_common_frame().id
        seeds.peer_id = _seed_peers()
        db.session.remove()
    return seeds


# --- the server and the browser ---------------------------------------------------------


@dataclass
class Site:
    app: Flask
    base_url: str
    seeds: Seeds


@pytest.fixture(scope="package")
def site() -> Iterator[Site]:
    app = live_app()
    seeds = seed(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="civicloop-live", daemon=True)
    thread.start()
    try:
        yield Site(app, f"http://127.0.0.1:{server.server_port}", seeds)
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="package")
def browser():
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is missing (make test installs Debian's chromium with apt-get)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


class Contexts:
    """Browser contexts per (role, language), made once: staff sign in once per role."""

    def __init__(self, browser, site: Site) -> None:
        self.browser, self.site = browser, site
        self._states: dict[str, dict] = {}
        self._contexts: dict[tuple[str | None, str], object] = {}
        self._pages: dict[tuple[str | None, str], tuple] = {}

    def new(self, language: str = "en", role: str | None = None, viewport: dict | None = None):
        """A fresh context (cookies of its own); signed in as ``role`` when one is given."""
        context = self.browser.new_context(
            base_url=self.site.base_url,
            locale=language,
            viewport=viewport or {"width": 1280, "height": 900},
            storage_state=self._state(role) if role else None,
        )
        context.set_default_timeout(10_000)
        context.add_init_script(script=AXE_SCRIPT)
        return context

    def shared(self, role: str | None, language: str):
        key = (role, language)
        if key not in self._contexts:
            self._contexts[key] = self.new(language, role)
        return self._contexts[key]

    def shared_page(self, role: str | None, language: str):
        """One tab per shared context, reused from test to test; its problems start empty."""
        key = (role, language)
        if key not in self._pages:
            page = self.shared(role, language).new_page()
            self._pages[key] = (page, PageProblems(page))
        page, problems = self._pages[key]
        problems.messages.clear()
        return page, problems

    def _state(self, role: str) -> dict:
        if role not in self._states:
            context = self.new(role=None)
            page = context.new_page()
            sign_in(page, role)
            self._states[role] = context.storage_state()
            context.close()
        return self._states[role]

    def close(self) -> None:
        for context in self._contexts.values():
            context.close()


def sign_in(page, role: str) -> None:
    page.goto("/staff/login")
    page.locator("#email").fill(f"{role}@example.org")
    page.locator("#password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/staff/(?!login)"))


@pytest.fixture(scope="package")
def contexts(browser, site) -> Iterator[Contexts]:
    made = Contexts(browser, site)
    yield made
    made.close()


@pytest.fixture(scope="package")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


class PageProblems:
    """Script errors, Content-Security-Policy refusals and failed loads a page reports."""

    IGNORED = ("/favicon.ico",)  # the browser asks for one; civicloop has none

    def __init__(self, page) -> None:
        self.messages: list[str] = []
        page.on("pageerror", lambda error: self.messages.append(f"page error: {error}"))
        page.on("console", self._console)
        page.on("response", self._response)

    def _console(self, message) -> None:
        # A failed load is reported (with its URL) by _response.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.messages.append(f"console: {message.text}")

    def _response(self, response) -> None:
        request = response.request
        if response.status >= 400 and not request.is_navigation_request():
            if not response.url.endswith(self.IGNORED):
                self.messages.append(f"{request.method} {response.url}: HTTP {response.status}")


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT)
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    return page.evaluate("options => axe.run(document, options)", options)["violations"]


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {', '.join(map(str, node['target']))}: {node['failureSummary']}")
    return "\n".join(lines)


# WCAG 2.1 still has 4.1.1 Parsing (axe-core retired its duplicate-id rules with WCAG 2.2).
DUPLICATE_IDS = """() => {
    const seen = new Map();
    for (const element of document.querySelectorAll("[id]")) {
        seen.set(element.id, (seen.get(element.id) || 0) + 1);
    }
    return [...seen].filter(([, count]) => count > 1).map(([id]) => id);
}"""


def assert_accessible(page, what: str = "") -> None:
    violations = axe_violations(page)
    assert not violations, f"axe on {what or page.url}:\n{describe(violations)}"
    duplicates = page.evaluate(DUPLICATE_IDS)
    assert not duplicates, f"{what or page.url}: ids used more than once (4.1.1): {duplicates}"
