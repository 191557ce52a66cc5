"""Consent: recorded with time and channel; a withdrawal stops notices already queued."""

from __future__ import annotations

from pathlib import Path

from app.extensions import db
from app.models import NoticeKind, NoticeState
from app.services.notices import deliver_notice, queue_notice
from app.services.subject_requests import withdraw_consent
from tests.security.conftest import submit


def sent_mail(app) -> int:
    return len(list(Path(app.config["OUTBOX_DIR"]).glob("*.eml")))


def test_consent_is_recorded_with_time_and_channel(app):
    item = submit("library-account", "c", "liisa@example.fi")
    assert item.contact.consent and item.contact.consent_at is not None
    assert item.contact.consent_channel == "api"


def test_delivery_checks_consent_again_when_the_notice_is_due(app):
    item = submit("library-account", "c", "liisa@example.fi")
    before = sent_mail(app)
    notice = queue_notice(item, NoticeKind.RESOLUTION)
    db.session.commit()
    # The citizen unsubscribes after the notice was queued, by a path that does not
    # touch the outbox: delivery must still see it.
    item.contact.consent = False
    db.session.commit()

    assert deliver_notice(notice.id) is None
    db.session.refresh(notice)
    assert notice.state == NoticeState.SUPPRESSED and notice.sent_at is None
    assert sent_mail(app) == before


def test_withdrawal_suppresses_queued_notices_at_once(app):
    item = submit("library-account", "c", "liisa@example.fi")
    before = sent_mail(app)
    notice = queue_notice(item, NoticeKind.RESOLUTION)
    db.session.commit()

    assert withdraw_consent("liisa@example.fi", None, channel="web") == 1
    assert notice.state == NoticeState.SUPPRESSED and notice.last_error == "consent withdrawn"
    assert deliver_notice(notice.id) is None
    assert sent_mail(app) == before
    # A new notice is not even queued any more.
    assert queue_notice(item, NoticeKind.UPDATE) is None
