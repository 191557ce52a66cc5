"""Ed25519 signatures of benchmark documents: a detached signature over the document's
canonical JSON, in an envelope that names the key by its id."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALGORITHM = "Ed25519"


class SigningKeyError(ValueError):
    """A key that cannot be read or used."""


def canonical(document: dict) -> bytes:
    """The bytes signed: keys sorted, no spaces, UTF-8 (numbers as Python writes them)."""
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def raw_public_key(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public_key: bytes) -> str:
    """How files name a key: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(public_key).hexdigest()[:16]


def public_key_from_text(text: str) -> bytes:
    """A raw public key from its base64 (as ``benchmark keygen`` prints it)."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as error:
        raise SigningKeyError("Not base64.") from error
    if len(raw) != 32:
        raise SigningKeyError("An Ed25519 public key is 32 bytes (44 characters of base64).")
    return raw


def generate_key(path: Path) -> bytes:
    """Write a new private key to ``path`` (readable by its owner only); its public key."""
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)
    return raw_public_key(private.public_key())


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError as error:
        raise SigningKeyError(
            f"No signing key at {path}: make one with `benchmark keygen`."
        ) from error
    except ValueError as error:
        raise SigningKeyError(f"{path} is not a PEM private key.") from error
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{path} is not an Ed25519 key.")
    return key


def sign(document: dict, private: Ed25519PrivateKey) -> dict:
    """The envelope: the document and its detached signature."""
    return {
        "document": document,
        "signature": {
            "algorithm": ALGORITHM,
            "key_id": key_id(raw_public_key(private.public_key())),
            "value": base64.b64encode(private.sign(canonical(document))).decode("ascii"),
        },
    }


def verifies(document: dict, signature: str, public_key: bytes) -> bool:
    """Whether ``signature`` (base64) is ``public_key``'s over the document."""
    try:
        raw = base64.b64decode(signature, validate=True)
        Ed25519PublicKey.from_public_bytes(public_key).verify(raw, canonical(document))
    except (binascii.Error, ValueError, InvalidSignature):
        return False
    return True
