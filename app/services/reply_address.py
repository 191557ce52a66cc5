"""The address a citizen's reply goes to: the reply mailbox with a token naming the notice.

``reply+<token>@city.example`` (sub-addressing, which mail servers deliver to the
``reply@city.example`` mailbox). The token is the notice's id under a keyed permutation,
followed by a MAC, in lower-case base32 (mail systems may fold the case of a local part):
it names the notice, and through it the item, without telling anyone which number it has,
and a token not made here is recognised as such.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

from flask import current_app

_ROUNDS = 4
_MAC_BYTES = 8
TOKEN_PATTERN = re.compile(r"\+([a-z2-7]{26})@", re.IGNORECASE)


def _key(purpose: bytes) -> bytes:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, b"civicloop reply address " + purpose, hashlib.sha256).digest()


def _round(key: bytes, number: int, half: bytes) -> bytes:
    return hmac.new(key, bytes([number]) + half, hashlib.sha256).digest()[:4]


def _xor(left: bytes, right: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(left, right, strict=True))


def _permute(block: bytes, *, inverse: bool = False) -> bytes:
    """A Feistel network over 64 bits with HMAC rounds: a keyed permutation of notice ids."""
    key = _key(b"permutation")
    left, right = block[:4], block[4:]
    rounds = range(_ROUNDS - 1, -1, -1) if inverse else range(_ROUNDS)
    for number in rounds:
        if inverse:
            left, right = _xor(right, _round(key, number, left)), left
        else:
            left, right = right, _xor(left, _round(key, number, right))
    return left + right


def notice_token(notice_id: int) -> str:
    sealed = _permute(notice_id.to_bytes(8, "big"))
    mac = hmac.new(_key(b"mac"), sealed, hashlib.sha256).digest()[:_MAC_BYTES]
    return base64.b32encode(sealed + mac).decode().rstrip("=").lower()


def token_notice_id(token: str) -> int | None:
    """The notice id a token names, or None for a token not made with this key."""
    try:
        raw = base64.b32decode(token.upper() + "======")
    except ValueError:
        return None
    sealed, mac = raw[:8], raw[8:]
    expected = hmac.new(_key(b"mac"), sealed, hashlib.sha256).digest()[:_MAC_BYTES]
    if len(raw) != 8 + _MAC_BYTES or not hmac.compare_digest(mac, expected):
        return None
    return int.from_bytes(_permute(sealed, inverse=True), "big")


def reply_mailbox() -> str:
    """MAIL_REPLY_ADDRESS, or MAIL_FROM when the replies come to the sender's mailbox."""
    config = current_app.config
    return config.get("MAIL_REPLY_ADDRESS") or config["MAIL_FROM"]


def reply_address(notice_id: int) -> str:
    local, _, domain = reply_mailbox().rpartition("@")
    return f"{local}+{notice_token(notice_id)}@{domain}"


def notice_ids_in(text: str) -> list[int]:
    """The notices named by valid reply tokens anywhere in ``text`` (addresses, headers of a
    returned message), in order, without repeats; forged or foreign tokens are left out."""
    found: list[int] = []
    for match in TOKEN_PATTERN.finditer(text):
        notice_id = token_notice_id(match.group(1))
        if notice_id is not None and notice_id not in found:
            found.append(notice_id)
    return found
