"""The call import's reasons (a row rejected, an import failed) in the reader's language.

The reader (integrations/call_logs) has no Flask and writes its reasons in English, as the
command line prints them and as earlier imports stored them; the staff pages translate them
here, by their shape. A reason of no known shape is shown as it is.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

_REASONS = [
    (r"the export has no column (?P<columns>.+)", _l("The export has no column %(columns)s.")),
    (
        r"the export has columns the mapping does not know: (?P<columns>.+) "
        r"\(map them, or list them under ignore_columns\)",
        _l(
            "The export has columns the mapping does not know: %(columns)s (map them, or "
            "list them under ignore_columns)."
        ),
    ),
    (r"undecodable bytes", _l("undecodable bytes")),
    (r"not valid JSON \((?P<error>.+)\)", _l("not valid JSON (%(error)s)")),
    (r"not a JSON object", _l("not a JSON object")),
    (
        r"unknown column \((?P<count>\d+) values beyond the header\)",
        _l("unknown column (%(count)s values beyond the header)"),
    ),
    (r"unknown column (?P<column>.+)", _l("unknown column %(column)s")),
    (r"missing call id", _l("missing call id")),
    (r"call id longer than 200 characters", _l("call id longer than 200 characters")),
    (r"empty notes", _l("empty notes")),
    (
        r"over-long text \((?P<length>\d+) characters, at most (?P<limit>\d+)\)",
        _l("over-long text (%(length)s characters, at most %(limit)s)"),
    ),
    (r"bad date (?P<value>.+)", _l("bad date %(value)s")),
    (r"missing date", _l("missing date")),
    (r"bad e-mail address (?P<value>.+)", _l("bad e-mail address %(value)s")),
    (r"unknown e-service (?P<value>.+)", _l("unknown e-service %(value)s")),
    (
        r"not a call-log export: (?P<file>.+) \(expected (?P<expected>.+)\)",
        _l("Not a call-log export: %(file)s (expected %(expected)s)."),
    ),
]
_PATTERNS = [(re.compile(pattern + r"\Z"), message) for pattern, message in _REASONS]


def translated_reason(reason: str | None) -> str:
    """``reason`` in the current language, when it has a known shape."""
    for pattern, message in _PATTERNS:
        match = pattern.match(reason or "")
        if match:
            return str(message) % match.groupdict()
    return reason or ""
