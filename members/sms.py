"""Sending SMS. The gateway is a setting (``SMS_SENDER``); the default only logs.

A real gateway (a town's SMS platform or a cloud provider, see ``members/aliyun_sms.py``)
implements ``send`` and raises ``SmsError`` when a message could not be handed over, so
that delivery is retried; ``SmsRejected`` when retrying cannot help (a template the
provider refuses), so that the message is given up at once with the provider's reason.

Providers in China send approved templates only: a message carries its kind (which
template) and the template's values beside the plain text that the log and the inbox show.
Its ``idempotency_key`` is the same for every attempt at one message (a worker killed after
the gateway took it sends it again): pass it to a gateway that deduplicates (a client
token, an out-id), or keep the keys seen for a day and skip a repeat.
"""

import logging
from dataclasses import dataclass, field
from typing import ClassVar

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsError(Exception):
    """The message was not handed over; trying again later may work."""


class SmsRejected(SmsError):
    """The provider refused the message for good (template, signature, number)."""


@dataclass(frozen=True)
class SmsMessage:
    phone: str
    text: str
    kind: str = ""
    params: dict[str, str] = field(default_factory=dict)
    idempotency_key: str = ""


class SmsSender:
    def send(self, message: SmsMessage) -> None:
        raise NotImplementedError


class LoggingSmsSender(SmsSender):
    """Writes each message to the log (where phone numbers are masked)."""

    def send(self, message: SmsMessage) -> None:
        logger.info("SMS to %s: %s (%s)", message.phone, message.text, message.idempotency_key)


class CapturingSmsSender(SmsSender):
    """Keeps the messages in memory, like Django's locmem mail backend: for tests and demos."""

    outbox: ClassVar[list[SmsMessage]] = []

    def send(self, message: SmsMessage) -> None:
        self.outbox.append(message)


def sms_sender() -> SmsSender:
    return import_string(settings.SMS_SENDER)()
