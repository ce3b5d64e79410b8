"""The Alibaba Cloud SMS adapter against a local fake of the provider's HTTP API: sent,
rate-limited (retried), template refused (given up with the reason), timeout (retried);
never lost silently."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import pytest

from members.aliyun_sms import AliyunSmsSender, sign
from members.models import Notification
from members.notifications import notifications_deliver, notifications_text_phone
from members.sms import SmsError, SmsMessage, SmsRejected
from tests.conftest import NOW

# Every request carries the time it was signed: the clock is the suite's, whatever the day.
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW)]

SECRET = "test-secret"
OK = {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "F6551"}
LIMITED = {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控Permits:1"}
BAD_TEMPLATE = {"Code": "isv.SMS_TEMPLATE_ILLEGAL", "Message": "模板不合法(不存在或被拉黑)"}


class FakeDysmsapi(BaseHTTPRequestHandler):
    """Checks the signature as the provider does, then answers what the test queued."""

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        params = dict(parse_qsl(self.rfile.read(length).decode()))
        self.server.requests.append(params)
        answer = self.server.answers.pop(0)
        if answer == "hang":
            self.server.release.wait(5)
            return
        signature = params.pop("Signature")
        if signature != sign(params, SECRET):
            answer = {
                "Code": "SignatureDoesNotMatch",
                "Message": "Specified signature is not matched",
            }
        body = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def provider(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeDysmsapi)
    server.requests, server.answers, server.release = [], [], threading.Event()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_SENDER = "members.aliyun_sms.AliyunSmsSender"
    settings.ALIYUN_SMS_ENDPOINT = f"http://127.0.0.1:{server.server_port}/"
    settings.ALIYUN_SMS_ACCESS_KEY_ID = "test-key"
    settings.ALIYUN_SMS_ACCESS_KEY_SECRET = SECRET
    settings.ALIYUN_SMS_SIGN_NAME = "石塘镇"
    settings.ALIYUN_SMS_TEMPLATES = {"case_closed": "SMS_100002", "default": "SMS_100003"}
    settings.ALIYUN_SMS_TIMEOUT = 0.3
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()


def closed_message():
    return SmsMessage(
        phone="13900001111",
        text="事件已办结",
        kind="case_closed",
        params={"code": "331081112-2026-00001", "link": "https://grid.example.cn/request/t/x"},
    )


def test_the_signature_matches_the_providers_documented_example():
    params = {
        "AccessKeyId": "testid",
        "Action": "DescribeRegions",
        "Format": "XML",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
        "SignatureVersion": "1.0",
        "Timestamp": "2016-02-23T12:46:24Z",
        "Version": "2014-05-26",
    }

    assert sign(params, "testsecret", "GET") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


def test_sends_the_kinds_template_with_its_values(provider):
    provider.answers.append(OK)

    AliyunSmsSender().send(closed_message())

    [sent] = provider.requests
    assert (sent["Action"], sent["PhoneNumbers"], sent["SignName"]) == (
        "SendSms",
        "13900001111",
        "石塘镇",
    )
    assert sent["TemplateCode"] == "SMS_100002"
    assert sent["Timestamp"].startswith(NOW.strftime("%Y-%m-%dT%H:%M"))
    assert json.loads(sent["TemplateParam"]) == closed_message().params


def test_other_kinds_use_the_default_template_with_the_text(provider):
    provider.answers.append(OK)

    AliyunSmsSender().send(SmsMessage(phone="13900001111", text="案件已派遣给您", kind="incident"))

    assert provider.requests[0]["TemplateCode"] == "SMS_100003"
    assert json.loads(provider.requests[0]["TemplateParam"]) == {"content": "案件已派遣给您"}


def test_flow_control_is_an_error_worth_retrying(provider):
    provider.answers.append(LIMITED)

    with pytest.raises(SmsError) as error:
        AliyunSmsSender().send(closed_message())

    assert not isinstance(error.value, SmsRejected)
    assert "isv.BUSINESS_LIMIT_CONTROL" in str(error.value)


def test_a_refused_template_is_given_up_with_the_providers_reason(provider):
    provider.answers.append(BAD_TEMPLATE)

    with pytest.raises(SmsRejected, match="isv.SMS_TEMPLATE_ILLEGAL"):
        AliyunSmsSender().send(closed_message())


def test_a_timeout_is_an_error_worth_retrying(provider):
    provider.answers.append("hang")

    with pytest.raises(SmsError, match="timed out"):
        AliyunSmsSender().send(closed_message())


def text(db_kind="case_closed"):
    return notifications_text_phone(
        phone="13900001111", kind=db_kind, title="事件已办结", params=closed_message().params
    )


def test_the_outbox_retries_a_rate_limited_text_until_it_is_sent(provider):
    provider.answers.extend([LIMITED, OK])
    note = text()

    assert notifications_deliver(ids=[note.pk]) == 0
    note.refresh_from_db()
    assert (note.sms_status, note.attempts) == ("pending", 1)
    assert note.last_error.startswith("SMS: isv.BUSINESS_LIMIT_CONTROL")
    assert note.next_attempt_at is not None

    Notification.objects.update(next_attempt_at=None)
    assert notifications_deliver(ids=[note.pk]) == 1
    note.refresh_from_db()
    assert (note.sms_status, note.attempts) == ("sent", 2)


def test_the_outbox_gives_up_a_refused_template_at_once_and_keeps_the_reason(provider):
    provider.answers.append(BAD_TEMPLATE)
    note = text()

    assert notifications_deliver(ids=[note.pk]) == 0

    note.refresh_from_db()
    assert (note.sms_status, note.attempts) == ("failed", 1)
    assert note.last_error.startswith("SMS refused: isv.SMS_TEMPLATE_ILLEGAL")


def test_a_kind_without_a_template_is_given_up_with_a_reason(provider, settings):
    settings.ALIYUN_SMS_TEMPLATES = {"case_closed": "SMS_100002"}
    note = text("case_accepted")

    notifications_deliver(ids=[note.pk])

    note.refresh_from_db()
    assert note.sms_status == "failed"
    assert "no SMS template" in note.last_error
    assert provider.requests == []
