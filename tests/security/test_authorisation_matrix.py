"""The authorisation matrix: every route × every role and anonymous → the expected outcome.

A route without a row here fails the suite: adding one means deciding who may use it. The
scoped roles act on records inside their scope here; test_scoping.py covers the rest.

Every POST carries a valid CSRF token, so the answer is the access decision's;
test_forms_and_sessions.py checks every form refuses a missing token.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.extensions import db
from app.models import ROLES, UploadedMedia
from app.services.links import followup_token, unsubscribe_url
from app.services.surveys import ensure_common_frame
from tests.security.conftest import act_as, form_token

ANONYMOUS = "anonymous"
ALLOWED, LOGIN, FORBIDDEN, NOT_FOUND = "allowed", "login", "forbidden", "not found"
EVERYONE = frozenset((*ROLES, ANONYMOUS))
STAFF = frozenset(ROLES) - {"integration"}
INTAKE = frozenset({"agent", "handler", "admin", "integration"})
PERSONAL = frozenset({"agent", "handler", "admin"})
READERS = frozenset({"agent", "handler", "developer", "analyst", "admin", "supplier"})
INSIGHT = frozenset({"analyst", "admin", "handler", "developer"})


@dataclass(frozen=True)
class Access:
    allowed: frozenset[str]
    denied: str = FORBIDDEN  # a signed-in role outside ``allowed``
    anonymous: str = LOGIN  # nobody signed in, no token

    def expected(self, role: str) -> str:
        if role in self.allowed:
            return ALLOWED
        return self.anonymous if role == ANONYMOUS else self.denied


def public() -> Access:
    return Access(EVERYONE)


def staff(*roles: str) -> Access:
    """A staff page: signing in first, then the role."""
    return Access(frozenset(roles) if roles else STAFF)


def token(roles: frozenset[str]) -> Access:
    """An API route: 401 without a token, 403 for a token of another role or scope."""
    return Access(roles)


MATRIX: dict[str, Access] = {
    # Citizens' pages and machine-readable public documents.
    "GET /": public(),
    "GET /feedback": public(),
    "POST /feedback": public(),
    "GET /feedback/sent/<token>": public(),
    "GET /status/<token>": public(),
    "GET /survey/<eservice>": public(),
    "POST /survey/<eservice>": public(),
    "GET /survey/<eservice>/thanks": public(),
    "GET /unsubscribe/<token>": public(),
    "GET /you-said-we-did": public(),
    "POST /unsubscribe/<token>": public(),
    # The signed follow-up link is the credential ("Did this fix it for you?").
    "GET /followup/<token>": public(),
    "POST /followup/<token>": public(),
    "GET /static/<path:filename>": public(),
    "GET /healthz": public(),
    # Counts only; METRICS_TOKEN closes it (README).
    "GET /metrics": public(),
    # The JSON API.
    "GET /api/v1/openapi.json": public(),
    "GET /api/v1/surveys/<eservice>": public(),
    "POST /api/v1/surveys/<eservice>/responses": public(),
    "POST /api/v1/feedback": token(INTAKE),
    "GET /api/v1/feedback/<public_id>": token(READERS),
    "GET /api/v1/tickets/<key>": token(READERS),
    "GET /api/v1/supplier/insight": token(frozenset({"supplier"})),
    "POST /api/v1/eservices/<code>/transactions": token(frozenset({"integration", "admin"})),
    # Needs a token scoped "benchmark", which no role gets by default (tests/integration/
    # test_benchmark.py uses one); the file's schema is public.
    "GET /api/v1/benchmark/<period>": token(frozenset()),
    "GET /api/v1/benchmark/schema.json": public(),
    # Signed by the tracker; no account opens it.
    "POST /hooks/jira": Access(frozenset(), denied=LOGIN),
    # Open311: reading is public; submitting needs an intake api_key (403, as the spec says).
    # Every resource is also under extended/ (FixMyStreet's extended statuses).
    **{
        f"{method} /open311/v2{variant}/{resource}.<any(json, xml):fmt>": access
        for variant in ("", "/extended")
        for method, resource, access in (
            ("GET", "discovery", public()),
            ("GET", "services", public()),
            ("GET", "services/<code>", public()),
            ("GET", "requests", public()),
            ("POST", "requests", Access(INTAKE, anonymous=FORBIDDEN)),
            ("GET", "requests/<public_id>", public()),
            ("GET", "tokens/<token>", public()),
            ("GET", "servicerequestupdates", public()),
            ("POST", "servicerequestupdates", Access(INTAKE, anonymous=FORBIDDEN)),
        )
    },
    "GET /open311/v2/media/<name>": public(),
    # The staff site.
    "GET /staff/login": public(),
    "POST /staff/login": public(),
    "POST /staff/logout": Access(frozenset(ROLES)),
    "GET /staff/": staff(),
    "GET /staff/feedback/new": staff(*PERSONAL),
    "POST /staff/feedback/new": staff(*PERSONAL),
    # Every staff role sees an item in its scope; only PERSONAL see its text and contact.
    "GET /staff/feedback/<public_id>": staff(),
    "POST /staff/feedback/<public_id>/route": staff("handler", "admin"),
    "POST /staff/feedback/<public_id>/link": staff("handler", "admin"),
    "POST /staff/feedback/<public_id>/reply": staff("handler", "admin"),
    "POST /staff/feedback/<public_id>/key-case": staff("handler", "admin"),
    "POST /staff/feedback/<public_id>/understanding": staff("handler", "admin"),
    "POST /staff/suggestions/<int:pair_id>/join": staff("handler", "admin"),
    "POST /staff/suggestions/<int:pair_id>/dismiss": staff("handler", "admin"),
    "GET /staff/calls/import": staff(*PERSONAL),
    "POST /staff/calls/import": staff(*PERSONAL),
    "GET /staff/calls/import/<int:import_id>": staff(*PERSONAL),
    "GET /staff/calls/import/<int:import_id>/progress": staff(*PERSONAL),
    "GET /staff/triage": staff("handler", "admin"),
    "GET /staff/inbox": staff("handler", "admin"),
    "GET /staff/tickets": staff(),
    "GET /staff/tickets/<key>": staff(),
    "GET /staff/problems/<int:ticket_id>": staff(),
    "POST /staff/tickets/<key>/status": staff("handler", "developer", "admin"),
    "POST /staff/problems/<int:ticket_id>/change": staff("handler", "developer", "admin"),
    "POST /staff/problems/<int:ticket_id>/merge": staff("handler", "admin"),
    "POST /staff/problems/<int:ticket_id>/apart": staff("handler", "admin"),
    "GET /staff/problems/duplicates": staff("handler", "admin"),
    "POST /staff/problems/<int:ticket_id>/split": staff("handler", "admin"),
    "POST /staff/problems/<int:ticket_id>/outcome": staff("handler", "admin"),
    "POST /staff/problems/<int:ticket_id>/translations": staff("handler", "developer", "admin"),
    "GET /staff/routing/rules": staff("admin"),
    "POST /staff/routing/rules": staff("admin"),
    "GET /staff/routing/rules/<int:rule_id>": staff("admin"),
    "POST /staff/routing/rules/<int:rule_id>": staff("admin"),
    "POST /staff/routing/train": staff("admin"),
    "GET /staff/grouping/glossary": staff("admin"),
    "POST /staff/grouping/glossary": staff("admin"),
    "GET /staff/grouping/glossary/<int:entry_id>": staff("admin"),
    "POST /staff/grouping/glossary/<int:entry_id>": staff("admin"),
    "GET /staff/insight": staff(*INSIGHT),
    "GET /staff/insight/surveys": staff(*INSIGHT),
    "GET /staff/insight/<chart>.csv": staff(*INSIGHT, "supplier"),
    "POST /staff/insight/alerts/acknowledge": staff("handler", "admin"),
    "GET /staff/supplier": staff("supplier"),
    "GET /staff/benchmark": staff(*INSIGHT, "supplier"),
    "GET /staff/benchmark/<measure>.csv": staff(*INSIGHT, "supplier"),
    "GET /staff/benchmark/imports": staff("admin"),
    "POST /staff/benchmark/imports": staff("admin"),
    "GET /staff/failures": staff("handler", "admin"),
    "POST /staff/failures/<kind>/<int:record_id>/retry": staff("handler", "admin"),
    "GET /staff/privacy": staff("admin"),
    "POST /staff/privacy": staff("admin"),
    "POST /staff/privacy/export": staff("admin"),
    "POST /staff/privacy/withdraw": staff("admin"),
    "POST /staff/privacy/erase": staff("admin"),
    "GET /staff/audit": staff("admin"),
    "GET /staff/overdue": staff("handler", "admin"),
    "GET /staff/deadlines": staff("admin"),
    "GET /staff/deadlines/<department>": staff("admin"),
    "POST /staff/deadlines/<department>": staff("admin"),
    "POST /staff/deadlines/<department>/eservices": staff("admin"),
    "GET /staff/admin": staff("admin"),
    "GET /staff/admin/users": staff("admin"),
    "POST /staff/admin/users": staff("admin"),
    "GET /staff/admin/users/<int:user_id>": staff("admin"),
    "POST /staff/admin/users/<int:user_id>": staff("admin"),
    "GET /staff/admin/departments": staff("admin"),
    "POST /staff/admin/departments": staff("admin"),
    "GET /staff/admin/departments/<int:department_id>": staff("admin"),
    "POST /staff/admin/departments/<int:department_id>": staff("admin"),
    "GET /staff/admin/eservices": staff("admin"),
    "POST /staff/admin/eservices": staff("admin"),
    "GET /staff/admin/eservices/<int:eservice_id>": staff("admin"),
    "POST /staff/admin/eservices/<int:eservice_id>": staff("admin"),
    "GET /staff/admin/suppliers": staff("admin"),
    "POST /staff/admin/suppliers": staff("admin"),
    "GET /staff/admin/suppliers/<int:supplier_id>": staff("admin"),
    "POST /staff/admin/suppliers/<int:supplier_id>": staff("admin"),
    "GET /staff/admin/surveys": staff("admin"),
    "POST /staff/admin/surveys": staff("admin"),
    "GET /staff/admin/surveys/<int:frame_id>": staff("admin"),
    "POST /staff/admin/surveys/<int:frame_id>": staff("admin"),
    "GET /staff/admin/peers": staff("admin"),
    "POST /staff/admin/peers": staff("admin"),
    "GET /staff/admin/peers/<int:peer_id>": staff("admin"),
    "POST /staff/admin/peers/<int:peer_id>": staff("admin"),
}


def routes(app) -> dict[str, object]:
    """Every (method, rule) the application answers, as "METHOD /rule"."""
    return {
        f"{method} {rule.rule}": rule
        for rule in app.url_map.iter_rules()
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    }


def test_every_route_has_a_decision(app):
    missing = sorted(set(routes(app)) - set(MATRIX))
    assert not missing, "routes without an access decision in MATRIX: " + ", ".join(missing)


def test_no_decision_for_a_route_that_is_gone(app):
    stale = sorted(set(MATRIX) - set(routes(app)))
    assert not stale, "MATRIX rows for routes that no longer exist: " + ", ".join(stale)


@dataclass
class Probe:
    """How to call one route: the URL's values, from the city."""

    values: dict[str, object]

    # Routes whose arguments are other records than the rest's, by path prefix.
    special: dict[str, dict[str, object]]

    def given(self, rule) -> dict:
        """The values for ``rule``'s arguments: the common ones and its prefix's own."""
        given = dict(self.values)
        for prefix, values in self.special.items():
            if rule.rule.startswith(prefix):
                given.update(values)
        return given

    def url(self, app, rule, method: str) -> str:
        given = self.given(rule)
        unknown = set(rule.arguments) - set(given)
        assert not unknown, f"{rule.rule}: give Probe.values for {sorted(unknown)}"
        values = {name: given[name] for name in rule.arguments}
        return app.url_map.bind("localhost").build(rule.endpoint, values, method=method)


def outcome(response) -> str:
    assert response.status_code < 500, f"{response.status_code}: {response.get_data()[:300]}"
    # Sent to sign in with the way back (signing out also ends on the sign-in page).
    location = response.headers.get("Location", "")
    to_login = response.status_code == 302 and "/staff/login?next=" in location
    if response.status_code == 401 or to_login:
        return LOGIN
    if response.status_code == 403:
        return FORBIDDEN
    if response.status_code == 404:
        return NOT_FOUND
    return ALLOWED


def uploaded_photo() -> UploadedMedia:
    media = UploadedMedia(token="probe.jpg", content_type="image/jpeg", data=b"\xff\xd8\xff\xd9")
    db.session.add(media)
    db.session.commit()
    return media


def route_values(city) -> Probe:
    """Values for every URL argument, naming records the scoped roles may see."""
    item = city.item
    return Probe(
        values={
            "public_id": item.public_id,
            "token": item.status_token,
            "key": item.ticket.key,
            "ticket_id": item.ticket.id,
            "eservice": item.eservice.code,
            "code": item.eservice.code,
            "department": item.department.code,
            "import_id": city.call_import.id,
            "rule_id": city.rule.id,
            "entry_id": city.glossary_entry.id,
            "kind": "notice",
            "record_id": item.id,
            "chart": "summary",
            "fmt": "json",
            "filename": "style.css",
            "user_id": city.users["agent"].id,
            "department_id": item.department.id,
            "eservice_id": item.eservice.id,
            "supplier_id": item.eservice.supplier.id,
            "frame_id": ensure_common_frame().id,
            "period": "2026-11",
            "measure": "satisfaction",
            "peer_id": city.peer.id,
            "pair_id": city.suggestion.id,
        },
        special={
            # Open311 publishes only the requests made through it.
            "/open311": {
                "public_id": city.open311_item.public_id,
                "token": city.open311_item.status_token,
                "name": uploaded_photo().token,
            },
            # An unsubscribe link is signed for one contact.
            "/unsubscribe": {
                "token": unsubscribe_url(city.item.contact).rsplit("/", 1)[1],
            },
            # A follow-up link is signed for one item and resolution round.
            "/followup": {"token": followup_token(city.item, 1)},
        },
    )


def test_matrix(app, client, city):
    """Every role and anonymous against every route; all mismatches are listed at once."""
    item = city.item
    probe = route_values(city)
    token = form_token(client)
    wrong = []
    for role in (*ROLES, ANONYMOUS):
        user = city.users.get(role)
        headers = {"Authorization": f"Bearer {city.tokens[role]}"} if user else {}
        for name, rule in sorted(routes(app).items()):
            method = name.split()[0]
            act_as(client, user)  # again each time: a POST to /staff/logout signs out
            form = {"csrf_token": token}
            if rule.rule.startswith("/open311"):
                form = {"service_code": item.eservice.code, "api_key": city.tokens.get(role, "")}
            response = client.open(
                probe.url(app, rule, method), method=method, headers=headers, data=form
            )
            access = MATRIX.get(name)
            got, expected = outcome(response), access.expected(role) if access else "a decision"
            if got != expected:
                wrong.append(
                    f"as {role}, {name}: expected {expected}, got {got} ({response.status_code})"
                )
    assert not wrong, "\n".join(wrong)
