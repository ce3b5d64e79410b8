"""Alibaba Cloud SMS (阿里云短信服务, Dysmsapi 2017-05-25): the ``SendSms`` action over its
RPC-style HTTP API, signed with signature version 1.0 (HMAC-SHA1), with plain ``requests``.

The official SDK (alibabacloud-dysmsapi20170525) pulls in a dozen Tea packages for one
call; the API is a signed query string and a JSON answer, documented at
https://help.aliyun.com/zh/sms/developer-reference/api-dysmsapi-2017-05-25-sendsms and
https://help.aliyun.com/zh/sdk/product-overview/rpc-mechanism.

Select it with ``SMS_SENDER=members.aliyun_sms.AliyunSmsSender`` and the ``ALIYUN_SMS_*``
settings. The provider sends approved templates only: ``ALIYUN_SMS_TEMPLATES`` maps a
message's kind (``case_accepted``, ``case_closed``...) to a template code, ``default`` to
the template of every other kind, which receives the text as ``${content}``.

Answers: ``OK`` is sent; throttling and flow control, a timeout, a broken connection or a
server error raise ``SmsError`` (the outbox retries with backoff); a refused template,
signature, number or parameter raises ``SmsRejected`` (given up at once, the provider's
code and message kept on the notification).
"""

import base64
import datetime
import hashlib
import hmac
import json
import uuid
from urllib.parse import quote

import requests
from django.conf import settings

from members.sms import SmsError, SmsMessage, SmsRejected, SmsSender

API_VERSION = "2017-05-25"
# Codes worth trying again later: flow control and the provider's own trouble.
RETRYABLE_CODES = frozenset(
    {
        "isv.BUSINESS_LIMIT_CONTROL",
        "isv.DAY_LIMIT_CONTROL",
        "isv.AMOUNT_NOT_ENOUGH",
        "isv.OUT_OF_SERVICE",
        "Throttling.User",
        "Throttling",
        "ServiceUnavailable",
        "InternalError",
        "SignatureNonceUsed",
    }
)
# A template variable may hold at most 35 characters (the provider's rule for 验证码-free
# notice templates); the text is cut to fit the default template.
MAX_PARAM_LENGTH = 35


def percent_encode(value: str) -> str:
    """RFC 3986 encoding as the RPC signature wants it: space as %20, ``~`` kept."""
    return quote(value, safe="~")


def sign(params: dict[str, str], secret: str, method: str = "POST") -> str:
    """Signature version 1.0: HMAC-SHA1 over the method, "/" and the sorted query."""
    canonical = "&".join(
        f"{percent_encode(key)}={percent_encode(params[key])}" for key in sorted(params)
    )
    string_to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSmsSender(SmsSender):
    def __init__(self) -> None:
        self.endpoint: str = settings.ALIYUN_SMS_ENDPOINT
        self.key_id: str = settings.ALIYUN_SMS_ACCESS_KEY_ID
        self.secret: str = settings.ALIYUN_SMS_ACCESS_KEY_SECRET
        self.sign_name: str = settings.ALIYUN_SMS_SIGN_NAME
        self.templates: dict[str, str] = dict(settings.ALIYUN_SMS_TEMPLATES)
        self.timeout: float = settings.ALIYUN_SMS_TIMEOUT

    def _template(self, message: SmsMessage) -> tuple[str, dict[str, str]]:
        if message.kind in self.templates:
            return self.templates[message.kind], dict(message.params)
        if "default" in self.templates:
            return self.templates["default"], {"content": message.text[:MAX_PARAM_LENGTH]}
        raise SmsRejected(f"no SMS template for messages of kind {message.kind!r}")

    def request_params(self, message: SmsMessage, *, now: datetime.datetime) -> dict[str, str]:
        template, values = self._template(message)
        params = {
            "AccessKeyId": self.key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "RegionId": "cn-hangzhou",
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "Timestamp": now.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": API_VERSION,
            "PhoneNumbers": message.phone,
            "SignName": self.sign_name,
            "TemplateCode": template,
            "TemplateParam": json.dumps(values, ensure_ascii=False, separators=(",", ":")),
        }
        if message.idempotency_key:
            # The provider's OutId travels back in delivery receipts: the same message's
            # repeat after a crash can be recognised there.
            params["OutId"] = message.idempotency_key[:64]
        params["Signature"] = sign(params, self.secret)
        return params

    def send(self, message: SmsMessage) -> None:
        if not (self.key_id and self.secret and self.sign_name):
            raise SmsRejected("Alibaba Cloud SMS is not configured (ALIYUN_SMS_*)")
        params = self.request_params(message, now=datetime.datetime.now(datetime.UTC))
        try:
            response = requests.post(self.endpoint, data=params, timeout=self.timeout)
        except requests.Timeout as error:
            raise SmsError(f"Alibaba Cloud SMS timed out after {self.timeout} s") from error
        except requests.RequestException as error:
            raise SmsError(f"Alibaba Cloud SMS unreachable: {error}") from error
        self._check(response)

    @staticmethod
    def _check(response: requests.Response) -> None:
        try:
            answer = response.json()
        except ValueError as error:
            raise SmsError(f"Alibaba Cloud SMS answered HTTP {response.status_code}") from error
        code = str(answer.get("Code", ""))
        if code == "OK":
            return
        reason = f"{code}: {answer.get('Message', '')}"
        if code in RETRYABLE_CODES or response.status_code >= 500:
            raise SmsError(reason)
        raise SmsRejected(reason)
