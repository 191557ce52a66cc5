"""Fetching a peer city's benchmark file from its export URL."""

from __future__ import annotations

import requests

MAX_BYTES = 5 * 1024 * 1024  # a month of a large city is some tens of kilobytes


class FetchError(Exception):
    """The peer did not give a file: unreachable, refused, or too large."""


def fetch_export(url: str, token: str | None, timeout: float) -> bytes:
    """GET ``url`` (with ``token`` as a bearer token); the body as received."""
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        with requests.get(url, headers=headers, timeout=timeout, stream=True) as response:
            if response.status_code != 200:
                raise FetchError(f"{url} answered {response.status_code}")
            body = response.raw.read(MAX_BYTES + 1, decode_content=True)
    except requests.RequestException as error:
        raise FetchError(f"{url}: {type(error).__name__}") from error
    if len(body) > MAX_BYTES:
        raise FetchError(f"{url}: larger than {MAX_BYTES} bytes")
    return body
