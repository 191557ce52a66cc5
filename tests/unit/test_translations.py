"""Every message of the pages is translated to fi and sv; notices also to da and nb."""

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).parents[2] / "app" / "translations"
NOTICE_TEMPLATES = Path(__file__).parents[2] / "app" / "templates" / "notices"


def catalog(language):
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=language)


def template_ids():
    with open(TRANSLATIONS / "messages.pot", "rb") as handle:
        return {message.id for message in read_po(handle) if message.id}


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_pages_are_fully_translated(language):
    translated = {m.id for m in catalog(language) if m.id and m.string and not m.fuzzy}
    assert template_ids() - translated == set()


@pytest.mark.parametrize("language", ["da", "nb"])
def test_notices_are_translated(language):
    notice_ids = {
        m.id
        for m in read_po(open(TRANSLATIONS / "messages.pot", "rb"))
        if m.id and any("notices" in path or "services/notices" in path for path, _ in m.locations)
    }
    assert notice_ids, "no notice messages found in the template"
    translated = {m.id for m in catalog(language) if m.id and m.string}
    assert notice_ids - translated == set()


def test_template_is_current():
    """messages.pot lists every message in the code (re-run pybabel extract when this fails)."""
    from babel.messages.extract import extract_from_dir

    root = Path(__file__).parents[2]
    method_map = [
        ("app/**.py", "python"),
        ("app/templates/**.html", "jinja2"),
        ("app/templates/**.txt", "jinja2"),
    ]
    found = {
        message[2] if isinstance(message[2], str) else message[2][0]
        for message in extract_from_dir(
            str(root),
            method_map,
            keywords={
                "_": None,
                "_l": None,
                "lazy_gettext": None,
                "gettext": None,
                "ngettext": (1, 2),
            },
        )
    }
    assert found - template_ids() == set()
