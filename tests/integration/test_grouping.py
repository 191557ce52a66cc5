"""One ticket per problem: reports in several languages join one group, whose ticket opens when
the group is actionable and whose count reaches the tracker, throttled."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    AuditEvent,
    Feedback,
    FeedbackStatus,
    LocalIssue,
    RoutingMethod,
    Ticket,
    TicketState,
)
from app.models.types import utcnow
from app.services.grouping import dismiss_suggestion, open_suggestions, suggest_for_triage
from app.services.history import change_status
from app.services.tickets import push_affected_counts
from app.services.understanding import likely_eservices
from tests.conftest import real_app_for
from tests.support.factories import bearer, submitted, user_with_token
from tests.support.jira_standin import JiraStandIn
from tests.support.web import csrf_token, sign_in_as
from tests.support.worker import WorkerProcess, wait_until

# One problem (the map of the building permit application stays blank), as citizens tell it.
MAP_BLANK = [
    ("fi", "Rakennuslupahakemuksen kartta ei lataudu, näkyy vain harmaa ruutu."),
    ("sv", "Kartan i bygglovsansökan laddar inte, bara en grå ruta."),
    ("en", "The map in the building permit application never loads, just a grey box."),
    ("nb", "Kartet i byggesøknaden vises ikke, det er bare grått."),
]
PAID_TWICE = ("en", "The building permit fee was charged twice from my card, please refund.")
PRAISE = ("fi", "Kiitos, rakennuslupahakemus oli selkeä ja nopea täyttää!")
OUTAGE = ("fi", "Rakennuslupapalvelu on kokonaan alhaalla, kukaan ei pääse sisään tänään.")
MAP_QUESTION = ("sv", "Varför visar kartan i bygglovsansökan bara en grå ruta? Den laddar aldrig.")
OTHER_QUESTION = ("en", "How do I add a second applicant to my building permit application?")


@pytest.fixture
def token(app) -> str:
    return user_with_token()[1]


def post(client, token: str, language: str, text: str, **extra) -> dict:
    response = client.post(
        "/api/v1/feedback",
        json={"text": text, "eservice": "building-permit", "language": language, **extra},
        headers=bearer(token),
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def tickets() -> list[Ticket]:
    return list(db.session.scalars(select(Ticket).order_by(Ticket.id)))


def test_reports_in_several_languages_make_one_ticket_whose_count_rises(app, client, token):
    counts = []
    for language, text in MAP_BLANK:
        post(client, token, language, text)
        (ticket,) = tickets()
        counts.append(ticket.affected_count)
    assert counts == [1, 2, 3, 4]
    assert ticket.key == "URB-1" and ticket.state == TicketState.OPEN
    statuses = db.session.scalars(select(Feedback.status)).all()
    assert statuses == ["forwarded"] * 4

    # Another problem of the same e-service gets its own ticket.
    other = post(client, token, *PAID_TWICE)
    assert other["ticket"]["key"] == "URB-2"
    assert [t.affected_count for t in tickets()] == [4, 1]


def test_praise_and_questions_open_no_ticket(app, client, token):
    item = post(client, token, *PRAISE)
    assert item["ticket"] is None and item["status"] == "forwarded"
    assert tickets() == []


@pytest.fixture
def kinds(monkeypatch) -> dict[str, str]:
    """Analysis gives the texts put in here the kinds put with them: its kind model is not
    under test here."""
    from app.services import routing

    forced: dict[str, str] = {}
    understand = routing.understand_feedback

    def understand_feedback(item, threshold=None):
        analysis = understand(item, threshold)
        item.kind = forced.get(item.redacted_text, item.kind)
        return analysis

    monkeypatch.setattr(routing, "understand_feedback", understand_feedback)
    return forced


@pytest.fixture
def outage_kind(kinds) -> None:
    kinds[OUTAGE[1]] = "outage"


def test_an_outage_opens_its_ticket_at_once_when_others_wait(app, client, token, outage_kind):
    app.config["TICKET_MIN_ITEMS"] = 2
    post(client, token, *MAP_BLANK[0])
    (held,) = tickets()
    assert held.state == TicketState.HELD and held.key is None
    assert db.session.scalar(select(func.count(LocalIssue.id))) == 0

    outage = post(client, token, *OUTAGE)
    assert outage["ticket"]["key"] == "URB-1"

    post(client, token, *MAP_BLANK[1])  # the second report: the group is worth a ticket now
    assert held.state == TicketState.OPEN and held.key == "URB-2"


def test_a_question_joins_the_open_problem_it_reports_but_starts_none(app, client, token, kinds):
    kinds[MAP_QUESTION[1]] = kinds[OTHER_QUESTION[1]] = "question"
    assert post(client, token, *OTHER_QUESTION)["ticket"] is None
    for language, text in MAP_BLANK[:2]:
        post(client, token, language, text)
    (ticket,) = tickets()

    assert post(client, token, *MAP_QUESTION)["ticket"]["key"] == ticket.key
    assert ticket.affected_count == 3
    assert post(client, token, *OTHER_QUESTION)["ticket"] is None
    assert tickets() == [ticket]


@pytest.fixture
def unsure(monkeypatch) -> set[str]:
    """Routing leaves the texts put in here to triage: its rules and models are not under test
    here, only what grouping does with an item they could not route."""
    from app.services import processing

    texts: set[str] = set()
    route = processing.route_feedback

    def route_feedback(item):
        decision = route(item)
        if item.redacted_text in texts:
            item.department = item.eservice = None
            item.routing_method = RoutingMethod.TRIAGE
            change_status(item, FeedbackStatus.TRIAGE)
        return decision

    monkeypatch.setattr(processing, "route_feedback", route_feedback)
    return texts


def test_an_item_too_unsure_to_route_joins_a_known_problem_of_its_likeliest_department(
    app, client, token, unsure
):
    for language, text in MAP_BLANK[:3]:
        post(client, token, language, text)
    (ticket,) = tickets()
    unsure.update((MAP_BLANK[3][1], PAID_TWICE[1]))

    joined = post(client, token, *MAP_BLANK[3], eservice=None)
    assert joined["ticket"]["key"] == ticket.key and ticket.affected_count == 4
    assert (joined["department"], joined["eservice"], joined["status"]) == (
        "URB",
        "building-permit",
        "forwarded",
    )
    assert joined["routing"]["method"] == "problem"

    other = post(client, token, *PAID_TWICE, eservice=None)
    assert other["ticket"] is None and other["status"] == "triage"
    assert other["department"] is None and other["routing"]["method"] == "triage"
    assert tickets() == [ticket]


def test_an_unsure_item_short_of_joining_is_suggested_its_problem_in_triage_and_joined_by_a_click(
    app, client, token, unsure
):
    app.config["TRIAGE_JOINING_THRESHOLD"] = 1.01  # no item joins by itself: a handler decides
    for language, text in MAP_BLANK[:3]:
        post(client, token, language, text)
    (ticket,) = tickets()
    unsure.add(MAP_BLANK[3][1])
    waiting = post(client, token, *MAP_BLANK[3], eservice=None)
    assert (waiting["ticket"], waiting["status"], waiting["department"]) == (None, "triage", None)
    item = db.session.scalars(select(Feedback).filter_by(public_id=waiting["id"])).one()
    (suggestion,) = open_suggestions(item=item)
    assert suggestion.ticket is ticket and suggestion.score > 0.5

    sign_in_as(client, "handler")
    page = client.get("/staff/triage").get_data(as_text=True)
    assert f">{ticket.key}</a>" in page and f"/staff/suggestions/{suggestion.id}/join" in page
    joined = client.post(
        f"/staff/suggestions/{suggestion.id}/join",
        data={"back": "triage", "csrf_token": csrf_token(page)},
    )
    assert joined.status_code == 302 and joined.location.endswith("/staff/triage")

    db.session.expire_all()
    # Routed where the problem is handled, as the handler's decision (it teaches the router).
    assert (item.ticket, item.status, item.department.code, item.eservice.code) == (
        ticket,
        "forwarded",
        "URB",
        "building-permit",
    )
    assert item.routing_method == RoutingMethod.HANDLER and ticket.affected_count == 4
    (event,) = db.session.scalars(select(AuditEvent).filter_by(action="feedback.suggestion_joined"))
    assert event.detail["routed_to"] == "URB" and event.detail["after"]["key"] == ticket.key
    assert MAP_BLANK[3][1] not in client.get("/staff/triage").get_data(as_text=True)


def test_a_report_in_triage_before_its_problem_formed_is_offered_it_once_it_has(
    app, client, token, unsure, handler
):
    unsure.add(MAP_BLANK[3][1])
    waiting = post(client, token, *MAP_BLANK[3], eservice=None)
    item = db.session.scalars(select(Feedback).filter_by(public_id=waiting["id"])).one()
    assert open_suggestions(item=item) == [] and suggest_for_triage() == 0

    for language, text in MAP_BLANK[:3]:
        post(client, token, language, text)
    (ticket,) = tickets()
    assert suggest_for_triage() == 1
    (suggestion,) = open_suggestions(item=item)
    assert suggestion.ticket is ticket and item.status == "triage"
    assert suggest_for_triage() == 0  # once

    dismiss_suggestion(suggestion, handler)
    assert suggest_for_triage() == 0 and open_suggestions(item=item) == []  # a judgement stands


@pytest.fixture
def guessed(monkeypatch) -> dict[str, tuple[float, list[tuple[str, float]]]]:
    """The models route each text put in here, by their e-service model, to the first of the
    e-services put with it, as sure as the number put with them, and find those e-services
    the likeliest, with those probabilities: routing is not under test here, only what
    grouping does with an item routed unsurely."""
    from app.models import EService
    from app.services import grouping, processing

    guesses: dict[str, tuple[float, list[tuple[str, float]]]] = {}
    route = processing.route_feedback

    def route_feedback(item):
        decision = route(item)
        if item.redacted_text in guesses:
            confidence, likely = guesses[item.redacted_text]
            item.eservice = db.session.scalars(select(EService).filter_by(code=likely[0][0])).one()
            item.department = item.eservice.department
            item.routing_method, item.routing_confidence = RoutingMethod.MODEL, confidence
        return decision

    def likely_eservices(item, count=3):
        _, likely = guesses[item.redacted_text]
        return [
            (db.session.scalars(select(EService).filter_by(code=code)).one(), probability)
            for code, probability in likely[:count]
        ]

    monkeypatch.setattr(processing, "route_feedback", route_feedback)
    monkeypatch.setattr(grouping, "likely_eservices", likely_eservices)
    return guesses


def test_the_likely_eservices_are_the_models_own_most_likely_first(app):
    item = submitted(MAP_BLANK[1][1], language="sv")
    likely = likely_eservices(item)
    assert [eservice.code for eservice, _ in likely][:1] == ["building-permit"]
    probabilities = [probability for _, probability in likely]
    assert len(likely) == 3 and probabilities == sorted(probabilities, reverse=True)
    assert 0 < sum(probabilities) <= 1


def test_an_unsurely_routed_item_joins_the_problem_it_reports_in_another_likely_eservice(
    app, client, token, guessed
):
    for language, text in MAP_BLANK[:3]:
        post(client, token, language, text)
    (ticket,) = tickets()
    guessed[MAP_BLANK[3][1]] = (0.4, [("street-maintenance", 0.4), ("building-permit", 0.35)])

    joined = post(client, token, *MAP_BLANK[3], eservice=None)
    assert joined["ticket"]["key"] == ticket.key and ticket.affected_count == 4
    assert (joined["eservice"], joined["routing"]["method"]) == ("building-permit", "problem")
    assert tickets() == [ticket]


@pytest.mark.parametrize(
    "confidence, likely",
    [
        # The problem's e-service is far less likely than the one routed to: a look-alike.
        (0.4, [("street-maintenance", 0.4), ("building-permit", 0.1)]),
        # Routed surely: the models' routing stands.
        (0.7, [("street-maintenance", 0.7), ("building-permit", 0.65)]),
    ],
)
def test_an_item_stays_where_it_was_routed_unless_unsure_and_the_problem_likely_there(
    app, client, token, guessed, confidence, likely
):
    for language, text in MAP_BLANK[:3]:
        post(client, token, language, text)
    (ticket,) = tickets()
    guessed[MAP_BLANK[3][1]] = (confidence, likely)

    alone = post(client, token, *MAP_BLANK[3], eservice=None)
    assert alone["eservice"] == "street-maintenance" and alone["routing"]["method"] == "model"
    assert alone["ticket"]["key"] != ticket.key and ticket.affected_count == 3


@pytest.fixture
def jira(app):
    with JiraStandIn() as standin:
        app.config.update(JIRA_URL=standin.url, JIRA_USER="u", JIRA_API_TOKEN="t", JIRA_TIMEOUT=2)
        yield standin


def count_comments(jira: JiraStandIn, key: str) -> list[str]:
    return [c["body"] for c in jira.issues[key].comments]


def test_the_count_reaches_jira_once_per_window(app, client, token, jira):
    for language, text in MAP_BLANK[:3]:
        post(client, token, language, text)
    (issue,) = jira.issues.values()
    assert jira.creates() == 1 and "Affected citizens: 1" in issue.description
    (ticket,) = tickets()
    assert (ticket.count_synced, ticket.affected_count) == (1, 3)

    # Inside the throttle window nothing is sent, however many items join.
    assert push_affected_counts() == 0 and count_comments(jira, issue.key) == []

    ticket.count_due_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    jira.fail_next(status=429, retry_after=120, path_contains="/comment")
    assert push_affected_counts() == 0
    assert ticket.count_due_at > utcnow() + timedelta(seconds=100)  # as long as Jira asks

    ticket.count_due_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert push_affected_counts() == 1
    assert count_comments(jira, issue.key) == ["Affected citizens: 3"]
    assert push_affected_counts() == 0  # nothing new: no call

    post(client, token, *MAP_BLANK[3])
    assert ticket.count_due_at is not None and push_affected_counts() == 0  # not due yet
    app.config["TRACKER_COUNT_SYNC_SECONDS"] = 0
    post(client, token, *PAID_TWICE)  # another ticket's count is unchanged: nothing to send
    ticket.count_due_at = utcnow()
    db.session.commit()
    assert push_affected_counts() == 1
    assert count_comments(jira, issue.key) == ["Affected citizens: 3", "Affected citizens: 4"]
    assert jira.creates() == 2


def test_a_lone_report_is_gathered_when_its_problem_group_grows_and_its_issue_closed(
    app, client, token, jira
):
    from app.models import AuditEvent

    threshold = app.config["GROUPING_THRESHOLD"]
    app.config["GROUPING_THRESHOLD"] = 1.01  # the first two reports each start a group
    post(client, token, *MAP_BLANK[0])
    post(client, token, *MAP_BLANK[1])
    assert [t.key for t in tickets()] == ["URB-1", "URB-2"]
    app.config["GROUPING_THRESHOLD"] = threshold

    joined = post(client, token, *MAP_BLANK[2])["ticket"]["key"]
    (kept,) = [t for t in tickets() if t.key == joined]
    (gathered,) = [t for t in tickets() if t.key != joined]
    assert kept.affected_count == 3 and kept.profile_members == 3
    assert gathered.state == TicketState.MERGED and gathered.merged_into is kept
    assert gathered.affected_count == 0 and gathered.centroid == b""
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.actor_id, event.subject_id) == (
        "problem_group.gathered",
        None,
        gathered.id,
    )

    # The next count push closes the emptied group's issue as a duplicate, naming the other.
    for ticket in (kept, gathered):
        ticket.count_due_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert push_affected_counts() == 2
    assert jira.issues[gathered.key].status == "Done"
    (comment,) = count_comments(jira, gathered.key)
    assert joined in comment and "duplicate" in comment
    assert count_comments(jira, joined) == ["Affected citizens: 3"]
    assert push_affected_counts() == 0 and jira.issues[joined].status == "To Do"


def test_gathering_asks_its_own_threshold_not_the_joining_one(app, client, token):
    joining = app.config["GROUPING_THRESHOLD"]
    app.config["GROUPING_THRESHOLD"] = 1.01  # the first two reports each start a group
    post(client, token, *MAP_BLANK[0])
    post(client, token, *MAP_BLANK[1])
    app.config.update(GROUPING_THRESHOLD=joining, GATHERING_THRESHOLD=1.01)

    joined = post(client, token, *MAP_BLANK[2])["ticket"]["key"]
    assert sorted((t.key, t.state, t.profile_members) for t in tickets()) == sorted(
        (key, TicketState.OPEN, 2 if key == joined else 1) for key in ("URB-1", "URB-2")
    )


def test_a_report_a_handler_split_out_is_not_gathered_back(app, client, token, handler):
    from app.services.grouping import split_item

    for language, text in MAP_BLANK[:3]:
        post(client, token, language, text)
    (group,) = tickets()
    item = db.session.scalars(select(Feedback).order_by(Feedback.id)).first()
    alone = split_item(item, handler)
    post(client, token, *MAP_BLANK[3])
    assert item.ticket is alone and alone.state == TicketState.OPEN
    assert group.affected_count == 3


@pytest.mark.postgres
@pytest.mark.redis
def test_a_real_worker_groups_languages_into_one_jira_issue(real_config, tmp_path):
    """PostgreSQL, Redis, a real worker process (the embedding model preloaded before its
    first job) and the stand-in Jira driven through the `jira` library."""
    with JiraStandIn() as jira:
        config = {**real_config, "JIRA_URL": jira.url, "JIRA_USER": "civicloop",
                  "JIRA_API_TOKEN": "api-token", "JIRA_TIMEOUT": 5,
                  "TRACKER_COUNT_SYNC_SECONDS": 0}  # fmt: skip
        app = real_app_for(config)
        with app.app_context(), WorkerProcess(config, "--no-cron", log=tmp_path / "w.log") as w:
            client = app.test_client()
            _, token = user_with_token()
            for language, text in MAP_BLANK[:3]:
                post(client, token, language, text)

            def grouped() -> int:
                db.session.rollback()  # see what the worker committed
                return db.session.scalar(
                    select(func.count(Feedback.id)).where(Feedback.ticket_id.is_not(None))
                )

            def opened() -> bool:
                db.session.rollback()
                return bool(db.session.scalar(select(Ticket.key)))

            wait_until(lambda: grouped() == 3, timeout=60, what="three grouped items", worker=w)
            wait_until(opened, what="the ticket opened in Jira", worker=w)
            (ticket,) = tickets()
            (issue,) = jira.issues.values()
            assert ticket.affected_count == 3 and jira.creates() == 1
            push_affected_counts()
            # Opened before or after the last report joined: either way Jira shows 3 now.
            shown = [issue.description.splitlines()[0], *count_comments(jira, issue.key)]
            assert shown[-1] == "Affected citizens: 3"
            db.session.remove()
