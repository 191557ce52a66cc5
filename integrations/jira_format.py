"""How Jira writes things, shared by the tracker and the webhook (no `jira` import here)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

# Jira renders descriptions and comments as wiki markup: in citizens' words, "[text|url]"
# would be a link, "!url!" an image fetched by every reader's browser, "{html}" or "{code}"
# a macro, "[~name]" a mention that notifies someone, "*", "_", "^", "~", "+", "??", "|"
# formatting and tables. Each such character is escaped with a backslash (and a backslash
# itself written as an entity, since "\\" is Jira's line break). "-" is left alone: the
# descriptions' own lists use it, and text never starts a line there.
_MARKUP = re.compile(r"[\\\[\]{}|!*_^~+?#]")


def escape_markup(text: str) -> str:
    """``text`` as Jira wiki markup that renders as the text itself."""
    return _MARKUP.sub(lambda m: "&#92;" if m.group() == "\\" else "\\" + m.group(), text)


def parse_jira_time(value: str | None) -> datetime | None:
    """Jira writes times like 2026-11-22T18:49:33.000+0000; None when absent or unreadable."""
    if not value:
        return None
    for pattern in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return datetime.strptime(value, pattern).astimezone(UTC)
        except ValueError:
            continue
    return None
