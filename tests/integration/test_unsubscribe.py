"""The unsubscribe link in every notice: one click withdraws consent, queued notices too."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Contact, Feedback, Notice, NoticeKind, NoticeState
from app.services.notices import deliver_notice, queue_notice, render_notice
from tests.support.factories import stored_item

LANGUAGES = {
    "fi": "Voit lopettaa palautettasi koskevat sähköpostit:",
    "sv": "Så slutar du få e-post om din respons:",
    "en": "To stop e-mails about your feedback:",
    "da": "Sådan stopper du e-mails om din henvendelse:",
    "nb": "Slik stopper du e-poster om tilbakemeldingen din:",
}


def consenting_item(language: str = "fi") -> Feedback:
    item = stored_item(contact=Contact(email="liisa@example.fi", language=language, consent=True))
    db.session.commit()
    return item


def link_of(notice: Notice) -> str:
    header = dict(render_notice(notice).headers)["List-Unsubscribe"]
    assert header.startswith("<http://civicloop.test/unsubscribe/") and header.endswith(">")
    return header[1:-1].removeprefix("http://civicloop.test")


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_notice_carries_the_link_and_the_one_click_header(app, language):
    item = consenting_item(language)
    for kind in (NoticeKind.THANK_YOU, NoticeKind.RESOLUTION):
        notice = queue_notice(item, kind)
        db.session.commit()
        message = render_notice(notice)
        headers = dict(message.headers)
        assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        url = headers["List-Unsubscribe"][1:-1]
        assert LANGUAGES[language] in message.text and url in message.text
        assert f'<a href="{url}">' in message.html


def test_the_page_asks_first_and_the_button_stops_every_e_mail(app, client):
    item = consenting_item()
    thanks = queue_notice(item, NoticeKind.THANK_YOU)
    resolution = queue_notice(item, NoticeKind.RESOLUTION)  # queued, not yet sent
    db.session.commit()
    path = link_of(thanks)

    page = client.get(path, headers={"Accept-Language": "en"})
    assert page.status_code == 200 and b"Stop the e-mails" in page.data
    db.session.refresh(item.contact)
    assert item.contact.consent  # looking is not unsubscribing

    # The page's own button and a mail client's one-click POST are the same request:
    # neither carries a CSRF token, the signed link is the authority.
    done = client.post(path, headers={"Accept-Language": "en"})
    assert done.status_code == 200 and b"no more e-mails" in done.data
    contact = db.session.get(Contact, item.contact_id)
    db.session.refresh(contact)
    assert (contact.consent, contact.consent_withdrawn_channel) == (False, "unsubscribe link")
    assert deliver_notice(resolution.id) is None
    db.session.refresh(resolution)
    assert resolution.state == NoticeState.SUPPRESSED
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions == ["subject.consent_withdrawn"]

    assert client.post(path).status_code == 200  # a second click changes nothing
    assert db.session.scalars(select(AuditEvent.action)).all() == actions


def test_a_forged_or_mangled_link_changes_nothing(app, client):
    item = consenting_item()
    notice = queue_notice(item, NoticeKind.THANK_YOU)
    db.session.flush()  # a notice is rendered once stored: its reply address names its id
    path = link_of(notice)
    token = path.rsplit("/", 1)[1]
    signature = token.split(".", 1)[1]
    other = base64.urlsafe_b64encode(b"999").decode().rstrip("=") + "." + signature
    for bad in (other, token[:-2], "not-a-token"):  # another contact's id; cut; nonsense
        assert client.post(f"/unsubscribe/{bad}").status_code == 404
    db.session.refresh(item.contact)
    assert item.contact.consent
