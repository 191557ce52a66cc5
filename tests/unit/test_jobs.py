"""Jobs are declared where they are defined, and a name no job declares is refused when it
is queued, not merely logged when it would have run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import workers.jobs
from app import create_app
from app.jobs import DECLARED, UnknownJobError, declared, enqueue, enqueue_now, job, withdraw
from tests.conftest import base_config
from workers.schedule import SCHEDULE

ROOT = Path(__file__).resolve().parents[2]


def test_every_periodic_job_is_declared_on_the_queue_it_is_scheduled_on():
    for dotted_name, queue, _every in SCHEDULE:
        declaration = declared(dotted_name.rpartition(".")[2])
        assert (declaration.path, declaration.queue) == (dotted_name, queue)


def test_every_job_body_is_declared_by_its_own_name():
    assert {name: entry.body for name, entry in DECLARED.items()} == {
        name: getattr(workers.jobs, name) for name in DECLARED
    }
    assert declared("run_call_import").timeout == 4 * 3600
    assert declared("open_ticket").queue == "tracker"


def test_every_job_the_code_queues_is_declared():
    queued = {
        name
        for path in [*ROOT.glob("app/**/*.py"), *ROOT.glob("workers/*.py")]
        for name in re.findall(r'enqueue\(\s*"(\w+)"', path.read_text())
    }
    assert queued
    assert queued <= DECLARED.keys()


def test_a_misspelt_job_is_refused(tmp_path):
    app = create_app(base_config(tmp_path))
    with app.app_context():
        with pytest.raises(UnknownJobError, match="proces_feedback"):
            enqueue("proces_feedback", 1)
        with pytest.raises(UnknownJobError, match="deliver_notices"):
            enqueue_now([("process_feedback", (1,)), ("deliver_notices", (2,))])


def test_a_job_goes_to_a_known_queue():
    with pytest.raises(ValueError, match="emails"):
        job("emails")


def test_only_a_keyed_job_can_be_withdrawn(tmp_path):
    assert declared("process_feedback").queued_id((42,)) == "process_feedback-42"
    assert declared("open_ticket").queued_id((42,)) is None  # RQ's own id
    app = create_app(base_config(tmp_path))
    with app.app_context():
        withdraw("process_feedback", [(42,)])  # no Redis: nothing queued to take back
        with pytest.raises(ValueError, match="open_ticket"):
            withdraw("open_ticket", [(42,)])
