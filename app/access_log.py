"""Gunicorn's access log without citizens' credentials: status, follow-up and unsubscribe
links carry their token in the path (and in the Referer of the page's own requests), and a
log is read by more people, and kept longer, than the links' holders would expect."""

from __future__ import annotations

import re
from typing import Any

from gunicorn import glogging

_TOKEN_IN_PATH = re.compile(
    r"((?:/status/|/followup/|/unsubscribe/|/feedback/sent/|/open311/v2/tokens/|[?&]item=))"
    r"[^/?&\s\"]+?(?=\.(?:json|xml)\b|[/?&\s\"]|$)"
)


def mask_tokens(text: str) -> str:
    """``text`` with the token of every status, follow-up and unsubscribe link replaced."""
    return _TOKEN_IN_PATH.sub(r"\1[token]", text)


class TokenMaskingLogger(glogging.Logger):
    """Gunicorn's logger with every access-log field masked by ``mask_tokens``."""

    def atoms(self, resp: Any, req: Any, environ: dict, request_time: Any) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        return {k: mask_tokens(v) if isinstance(v, str) else v for k, v in atoms.items()}
