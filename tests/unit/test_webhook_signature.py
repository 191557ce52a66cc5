import hashlib
import hmac

import pytest

from app.services.webhooks import WebhookSignatureError, verify_signature


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_a_correct_signature_passes():
    verify_signature("s3cret", b'{"a":1}', sign("s3cret", b'{"a":1}'))


@pytest.mark.parametrize(
    ("secret", "header"),
    [
        ("s3cret", None),
        ("s3cret", "sha1=abc"),
        ("s3cret", sign("other", b'{"a":1}')),
        ("s3cret", sign("s3cret", b'{"a":2}')),
        (None, sign("s3cret", b'{"a":1}')),
    ],
)
def test_anything_else_is_refused(secret, header):
    with pytest.raises(WebhookSignatureError):
        verify_signature(secret, b'{"a":1}', header)
