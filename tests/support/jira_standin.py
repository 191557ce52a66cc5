"""A stand-in Jira REST server (API v2) on localhost, for driving the real `jira` library.

It keeps issues in memory and answers in Jira's JSON shapes: server info, fields, issue
create/get/edit, JQL search (Server's /search and Cloud's /search/jql with
nextPageToken), transitions, comments. Knobs inject the faults the integration must
survive: errors with Retry-After, slow answers, a create whose answer is lost, and
Cloud's eventually consistent search.
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Flask, jsonify, request
from werkzeug.serving import make_server

from tests.support.mail import free_port

WORKFLOW = {  # status name -> category
    "To Do": "new",
    "In Progress": "indeterminate",
    "Done": "done",
}
TRANSITIONS = {  # from category -> [(id, name, to status)]
    "new": [("11", "Start progress", "In Progress"), ("31", "Resolve", "Done")],
    "indeterminate": [("21", "Stop progress", "To Do"), ("31", "Resolve", "Done")],
    "done": [("41", "Reopen", "To Do")],
}


def jira_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"


@dataclass
class StoredIssue:
    id: int
    key: str
    project: str
    summary: str
    description: str
    labels: list[str]
    status: str = "To Do"
    created: datetime = field(default_factory=lambda: datetime.now(UTC))
    updated: datetime = field(default_factory=lambda: datetime.now(UTC))
    comments: list[dict] = field(default_factory=list)

    def json(self, base: str) -> dict:
        category = WORKFLOW[self.status]
        return {
            "id": str(self.id),
            "key": self.key,
            "self": f"{base}/rest/api/2/issue/{self.id}",
            "fields": {
                "summary": self.summary,
                "description": self.description,
                "labels": list(self.labels),
                "project": {"key": self.project},
                "issuetype": {"name": "Task"},
                "status": {"name": self.status, "statusCategory": {"key": category}},
                "resolution": {"name": "Done"} if category == "done" else None,
                "created": jira_time(self.created),
                "updated": jira_time(self.updated),
            },
        }


@dataclass
class _Fault:
    status: int
    retry_after: float | None
    path_contains: str | None


class JiraStandIn:
    def __init__(self, deployment: str = "Server", time_zone: str = "UTC") -> None:
        self.deployment = deployment
        self.time_zone = time_zone
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.issues: dict[str, StoredIssue] = {}
        self.requests: list[tuple[str, str]] = []
        self._lock = threading.RLock()
        self._ids = itertools.count(10001)
        self._numbers: dict[str, itertools.count] = {}
        self._faults: list[_Fault] = []
        self._delays: list[float] = []
        self._lose_creates = 0
        self._lose_hold = 0.0
        self._search_lag = 0.0
        self._transitions = dict(TRANSITIONS)
        self._server = make_server("127.0.0.1", self.port, self._app(), threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # -- life cycle ---------------------------------------------------------------------
    def __enter__(self) -> JiraStandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()

    # -- knobs --------------------------------------------------------------------------
    def fail_next(
        self, count: int = 1, status: int = 503, retry_after: float | None = None,
        path_contains: str | None = None,
    ) -> None:  # fmt: skip
        with self._lock:
            self._faults += [_Fault(status, retry_after, path_contains)] * count

    def delay_next(self, seconds: float) -> None:
        with self._lock:
            self._delays.append(seconds)

    def lose_next_create_response(self, hold: float = 2.0) -> None:
        """The next create succeeds, but its answer comes only after ``hold`` seconds:
        a client with a shorter timeout never sees it."""
        with self._lock:
            self._lose_creates += 1
            self._lose_hold = hold

    def without_reopen(self) -> None:
        """A workflow with no way back out of "done" (some projects close for good)."""
        with self._lock:
            self._transitions = {**self._transitions, "done": []}

    def search_lag(self, seconds: float) -> None:
        """Issues younger than this are missing from search results, as on Jira Cloud."""
        self._search_lag = seconds

    # -- what a developer does in Jira --------------------------------------------------
    def set_status(self, key: str, category: str) -> StoredIssue:
        with self._lock:
            issue = self.issues[key]
            issue.status = next(name for name, cat in WORKFLOW.items() if cat == category)
            issue.updated = max(datetime.now(UTC), issue.updated + timedelta(milliseconds=1))
            return issue

    def webhook_event(self, key: str, event: str = "jira:issue_updated") -> dict:
        with self._lock:
            issue = self.issues[key]
            return {
                "timestamp": int(time.time() * 1000),
                "webhookEvent": event,
                "issue": issue.json(self.url),
                "changelog": {
                    "items": [{"field": "status", "fieldtype": "jira", "toString": issue.status}]
                },
            }

    def creates(self) -> int:
        return sum(
            1 for method, path in self.requests if (method, path) == ("POST", "/rest/api/2/issue")
        )

    # -- the REST API -------------------------------------------------------------------
    def _app(self) -> Flask:  # noqa: C901  (one small handler per endpoint)
        app = Flask("jira-standin")

        def error(status: int, message: str):
            return jsonify(errorMessages=[message], errors={}), status

        def issue_or_404(key: str) -> StoredIssue | None:
            issue = self.issues.get(key)
            if issue is None:  # Jira also finds issues by numeric id
                issue = next((i for i in self.issues.values() if str(i.id) == key), None)
            return issue

        @app.before_request
        def faults():
            with self._lock:
                self.requests.append((request.method, request.path))
                delay = self._delays.pop(0) if self._delays else 0
                fault = next(
                    (f for f in self._faults
                     if f.path_contains is None or f.path_contains in request.path),
                    None,
                )  # fmt: skip
                if fault is not None:
                    self._faults.remove(fault)
            if delay:
                time.sleep(delay)
            if fault is not None:
                headers = {"Retry-After": str(int(fault.retry_after))} if fault.retry_after else {}
                return jsonify(errorMessages=["stand-in fault"], errors={}), fault.status, headers
            return None

        @app.get("/rest/api/2/serverInfo")
        def server_info():
            return jsonify(baseUrl=self.url, version="9.12.0", versionNumbers=[9, 12, 0],
                           deploymentType=self.deployment, buildNumber=912000,
                           serverTitle="stand-in")  # fmt: skip

        @app.get("/rest/api/2/myself")
        def myself():
            return jsonify(name="civicloop", accountId="civicloop", timeZone=self.time_zone)

        @app.get("/rest/api/2/field")
        def fields():
            names = ["summary", "description", "labels", "status", "updated", "created",
                     "resolution", "project", "issuetype"]  # fmt: skip
            return jsonify([{"id": n, "key": n, "name": n.title(), "custom": False} for n in names])

        @app.post("/rest/api/2/issue")
        def create():
            body = request.get_json(silent=True) or {}
            values = body.get("fields") or {}
            project = (values.get("project") or {}).get("key")
            if not project or not values.get("summary") or not values.get("issuetype"):
                return jsonify(errorMessages=[], errors={"summary": "required"}), 400
            with self._lock:
                number = next(self._numbers.setdefault(project, itertools.count(1)))
                issue = StoredIssue(
                    id=next(self._ids), key=f"{project}-{number}", project=project,
                    summary=values["summary"], description=values.get("description") or "",
                    labels=list(values.get("labels") or []),
                )  # fmt: skip
                self.issues[issue.key] = issue
                lose = self._lose_creates > 0
                if lose:
                    self._lose_creates -= 1
            if lose:
                time.sleep(self._lose_hold)
            created = {"id": str(issue.id), "key": issue.key,
                       "self": f"{self.url}/rest/api/2/issue/{issue.id}"}  # fmt: skip
            return jsonify(created), 201

        @app.get("/rest/api/2/issue/<key>")
        def get_issue(key):
            issue = issue_or_404(key)
            if issue is None:
                return error(404, "Issue does not exist or you do not have permission to see it.")
            return jsonify(issue.json(self.url))

        @app.put("/rest/api/2/issue/<key>")
        def edit_issue(key):
            issue = issue_or_404(key)
            if issue is None:
                return error(404, "Issue does not exist.")
            values = (request.get_json(silent=True) or {}).get("fields") or {}
            with self._lock:
                for name in ("summary", "description", "labels"):
                    if name in values:
                        setattr(issue, name, values[name])
                issue.updated = datetime.now(UTC)
            return "", 204

        @app.get("/rest/api/2/issue/<key>/transitions")
        def transitions(key):
            issue = issue_or_404(key)
            if issue is None:
                return error(404, "Issue does not exist.")
            options = self._transitions[WORKFLOW[issue.status]]
            return jsonify(transitions=[
                {"id": tid, "name": name,
                 "to": {"name": to, "statusCategory": {"key": WORKFLOW[to]}}}
                for tid, name, to in options
            ])  # fmt: skip

        @app.post("/rest/api/2/issue/<key>/transitions")
        def transition(key):
            issue = issue_or_404(key)
            if issue is None:
                return error(404, "Issue does not exist.")
            wanted = str(((request.get_json(silent=True) or {}).get("transition") or {}).get("id"))
            options = {tid: to for tid, _, to in self._transitions[WORKFLOW[issue.status]]}
            if wanted not in options:
                return error(400, f"Transition id '{wanted}' is not valid for this issue.")
            self.set_status(issue.key, WORKFLOW[options[wanted]])
            return "", 204

        @app.route("/rest/api/2/issue/<key>/comment", methods=["GET", "POST"])
        def comments(key):
            issue = issue_or_404(key)
            if issue is None:
                return error(404, "Issue does not exist.")
            if request.method == "GET":
                return jsonify(comments=issue.comments, total=len(issue.comments))
            with self._lock:
                comment = {"id": str(next(self._ids)),
                           "body": (request.get_json(silent=True) or {}).get("body", ""),
                           "created": jira_time(datetime.now(UTC))}  # fmt: skip
                issue.comments.append(comment)
                issue.updated = datetime.now(UTC)
            return jsonify(comment), 201

        @app.get("/rest/api/2/search")
        def search_server():
            if self.deployment == "Cloud":
                return error(410, "The requested API has been removed. Use /rest/api/2/search/jql.")
            found = self._matching(request.args.get("jql", ""))
            start = int(request.args.get("startAt", 0))
            size = int(request.args.get("maxResults", 50) or 50)
            page = found[start : start + size]
            return jsonify(startAt=start, maxResults=size, total=len(found),
                           issues=[i.json(self.url) for i in page])  # fmt: skip

        @app.route("/rest/api/2/search/jql", methods=["GET", "POST"])
        def search_cloud():
            if self.deployment != "Cloud":
                return error(404, "Not found")
            args = request.get_json(silent=True) if request.method == "POST" else request.args
            found = self._matching(args.get("jql", ""))
            start = int(args.get("nextPageToken") or 0)
            size = min(int(args.get("maxResults", 50) or 50), 50)
            page = found[start : start + size]
            more = start + size < len(found)
            body = {"issues": [i.json(self.url) for i in page], "isLast": not more}
            if more:
                body["nextPageToken"] = str(start + size)
            return jsonify(body)

        return app

    # -- JQL, the small part civicloop uses ---------------------------------------------
    def _matching(self, jql: str) -> list[StoredIssue]:
        query, _, order = re.sub(r"\s+ORDER\s+BY\s+", "\x00", jql, flags=re.I).partition("\x00")
        clauses = [c.strip() for c in re.split(r"\s+AND\s+", query, flags=re.I) if c.strip()]
        now = datetime.now(UTC)
        with self._lock:
            found = [i for i in self.issues.values()
                     if (now - i.created).total_seconds() >= self._search_lag
                     and all(self._clause(c, i) for c in clauses)]  # fmt: skip
        field_name = (order or "created").split()[0].lower()
        found.sort(key=lambda i: (getattr(i, field_name, i.created), i.id))
        if order and order.split()[-1].upper() == "DESC":
            found.reverse()
        return found

    def _clause(self, clause: str, issue: StoredIssue) -> bool:
        match = re.fullmatch(r'(\w+)\s*(=|>=|<=)\s*"?([^"]*)"?', clause)
        if match is None:
            raise ValueError(f"stand-in JQL cannot read {clause!r}")
        name, operator, value = match.groups()
        if name == "labels":
            return value in issue.labels
        if name == "project":
            return issue.project == value
        if name in ("updated", "created"):
            zone = ZoneInfo(self.time_zone)
            moment = datetime.strptime(value, "%Y/%m/%d %H:%M").replace(tzinfo=zone)
            stamp = getattr(issue, name)
            return stamp >= moment if operator == ">=" else stamp <= moment
        raise ValueError(f"stand-in JQL has no field {name!r}")
