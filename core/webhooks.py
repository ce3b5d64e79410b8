"""Signed JSON posts to another system (a webhook), and the check of their signature.

The signature is HMAC-SHA256 over ``<timestamp>.<body>`` with a shared secret, sent as
``X-Grid-Timestamp`` (Unix seconds) and ``X-Grid-Signature: sha256=<hex>``: the receiver
recomputes it over the raw body and refuses a stale timestamp, so that a captured request
cannot be replayed later. Each attempt is signed afresh with its own timestamp; the
idempotency key (``X-Idempotency-Key``) stays the same for every attempt of one message.
"""

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any

import requests

TIMESTAMP_HEADER = "X-Grid-Timestamp"
SIGNATURE_HEADER = "X-Grid-Signature"
KEY_HEADER = "X-Idempotency-Key"


class WebhookError(Exception):
    """The post did not get a 2xx answer (refused, server error, timeout, no connection)."""


@dataclass(frozen=True)
class WebhookMessage:
    url: str
    secret: str
    payload: dict[str, Any]
    idempotency_key: str


def body_of(payload: dict[str, Any]) -> bytes:
    """The exact bytes that are signed and sent: compact UTF-8 JSON, keys sorted."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def signature_is_valid(
    secret: str, timestamp: str, body: bytes, given: str, *, now: float, tolerance: int = 300
) -> bool:
    """What a receiver checks: the signature, and a timestamp within ``tolerance`` seconds."""
    try:
        fresh = abs(now - int(timestamp)) <= tolerance
    except ValueError:
        return False
    return fresh and hmac.compare_digest(signature(secret, timestamp, body), given)


def webhook_post(message: WebhookMessage, *, timeout: float) -> int:
    """POST the signed message; the HTTP status on a 2xx answer, else WebhookError."""
    body = body_of(message.payload)
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: signature(message.secret, timestamp, body),
        KEY_HEADER: message.idempotency_key,
    }
    try:
        answer = requests.post(message.url, data=body, headers=headers, timeout=timeout)
    except requests.RequestException as error:
        raise WebhookError(f"{type(error).__name__}: {error}") from error
    if not 200 <= answer.status_code < 300:
        raise WebhookError(f"HTTP {answer.status_code}: {answer.text[:100]}")
    return answer.status_code
