"""Sending SMS. The gateway is a setting (``SMS_SENDER``); the default only logs.

A real gateway (a town's SMS platform or a cloud provider) implements ``send`` and raises
``SmsError`` when a message could not be handed over, so that delivery is retried.
``idempotency_key`` is the same for every attempt at one message (a worker killed after
the gateway took it sends it again): pass it to a gateway that deduplicates (a client
token, an out-id), or keep the keys seen for a day and skip a repeat.
"""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsError(Exception):
    pass


class SmsSender:
    def send(self, phone: str, text: str, *, idempotency_key: str) -> None:
        raise NotImplementedError


class LoggingSmsSender(SmsSender):
    """Writes each message to the log (where phone numbers are masked)."""

    def send(self, phone: str, text: str, *, idempotency_key: str) -> None:
        logger.info("SMS to %s: %s (%s)", phone, text, idempotency_key)


def sms_sender() -> SmsSender:
    return import_string(settings.SMS_SENDER)()
