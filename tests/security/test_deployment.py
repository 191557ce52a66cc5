"""Issue 16: the deployment edges: client addresses behind the TLS proxy, and no citizen
credentials in the access log."""

from __future__ import annotations

from types import SimpleNamespace

from flask import request

from app import create_app
from app.access_log import TokenMaskingLogger, mask_tokens
from tests.conftest import base_config


def _remote_addr(app, forwarded_for: str) -> str:
    seen = {}

    @app.get("/_probe_remote_addr")
    def probe() -> str:
        seen["addr"] = request.remote_addr
        return ""

    app.test_client().get(
        "/_probe_remote_addr",
        headers={"X-Forwarded-For": forwarded_for},
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    )
    return seen["addr"]


def test_behind_one_proxy_each_client_has_its_own_address(tmp_path):
    app = create_app({**base_config(tmp_path), "TRUSTED_PROXIES": 1})
    # The proxy appends the real client; what the client itself sent before it is ignored.
    assert _remote_addr(app, "6.6.6.6, 203.0.113.7") == "203.0.113.7"


def test_without_trusted_proxies_the_header_is_ignored(tmp_path):
    app = create_app({**base_config(tmp_path), "TRUSTED_PROXIES": 0})
    assert _remote_addr(app, "203.0.113.7") == "10.0.0.1"


def test_access_log_masks_status_followup_and_unsubscribe_tokens():
    logger = object.__new__(TokenMaskingLogger)  # atoms() reads no configuration
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/status/SeCrEtToKeN123",
        "PATH_INFO": "/status/SeCrEtToKeN123",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": "https://city.example/followup/eyJ.sig.nature",
    }
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    request_time = SimpleNamespace(seconds=0, microseconds=1)
    atoms = logger.atoms(response, SimpleNamespace(headers=[]), environ, request_time)
    line = " ".join(str(value) for value in atoms.values())
    assert "SeCrEtToKeN123" not in line and "eyJ" not in line
    assert "/status/[token]" in atoms["r"]
    assert mask_tokens("/open311/v2/tokens/abc.json") == "/open311/v2/tokens/[token].json"
    assert mask_tokens("/staff/inbox?page=2") == "/staff/inbox?page=2"
