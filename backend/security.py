"""API keys: random tokens, stored as SHA-256 with a clear prefix for lookup."""

from __future__ import annotations

import hashlib
import hmac
import secrets

TOKEN_PREFIX = "dq_"
PREFIX_LEN = 12  # "dq_" + 9 random characters, unique per key


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_prefix(token: str) -> str:
    return token[:PREFIX_LEN]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(token: str, key_hash: str) -> bool:
    return hmac.compare_digest(hash_token(token), key_hash)
