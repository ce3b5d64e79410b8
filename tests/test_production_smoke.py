"""The production shape, built and started as production does it, without Docker.

No Docker engine runs here, so this test does what the image does: it runs the image's
build script (scripts/build.sh: catalogues, static files with the manifest storage) with
DEBUG off, then starts the processes of docker-compose.yml, taking their commands from that
file: gunicorn with two workers, a Celery worker and exactly one beat, on PostGIS and on a
Redis of its own, with production settings (DEBUG off, keys generated for this run, behind
one TLS proxy). It talks to gunicorn as the proxy would and checks what a town would see
first: the health check, the HTTPS redirect and the security headers, hashed static files,
an Open311 request saved, an overdue case escalated by beat and the worker, and a rate
limit that two gunicorn workers share. Everything it starts is stopped at the end.
"""

import datetime
import http.client
import os
import re
import secrets
import subprocess
import sys
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
import yaml
from django.db import connection
from django.utils import timezone

from incidents.models import Category, Incident, IncidentEvent, Level, Open311Client
from tests.processes import ProcessGroup, RedisServer, free_port, port_answers, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
HOST = "localhost"
REQUESTS_PER_ADDRESS = 5  # incidents.public_views.REQUESTS_PER_IP


@pytest.fixture(scope="module")
def static_root(tmp_path_factory) -> Path:
    """The image's build step, run as the Dockerfile runs it (DEBUG off)."""
    root = tmp_path_factory.mktemp("static")
    result = subprocess.run(
        [str(ROOT / "scripts" / "build.sh")],
        cwd=ROOT,
        env=production_base_env() | {"STATIC_ROOT": str(root), "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (root / "staticfiles.json").is_file()
    return root


def production_base_env() -> dict[str, str]:
    """A clean environment: no DEBUG, no test settings; the suite's moved clock, if any."""
    env = {
        "PATH": f"{VENV_BIN}:/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
    }
    for name in ["HOME", "PYTHONPATH", "TEST_CLOCK_AT"]:
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def production_env(*, redis_url: str, static_root: Path, media_root: Path) -> dict[str, str]:
    """The settings production needs, as a .env made from .env.example would give them."""
    database = connection.settings_dict
    return production_base_env() | {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "PERSONAL_DATA_KEY": secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": HOST,
        "CSRF_TRUSTED_ORIGINS": f"https://{HOST}",
        "DATABASE_URL": (
            f"postgis://{database['USER']}@{database['HOST']}:{database['PORT']}"
            f"/{database['NAME']}"
        ),
        "REDIS_URL": redis_url,
        "CACHE_URL": redis_url.replace("/0", "/1"),
        "TRUSTED_PROXY_HOPS": "1",
        "STATIC_ROOT": str(static_root),
        "MEDIA_ROOT": str(media_root),
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "ESCALATION_SWEEP_SECONDS": "2",
        "WEB_CONCURRENCY": "2",  # as the Dockerfile sets it
    }


def test_every_setting_the_smoke_test_needs_is_in_the_example_env(tmp_path):
    example = (ROOT / ".env.example").read_text()
    process_only = set(production_base_env())
    env = production_env(redis_url="redis://r:6379/0", static_root=tmp_path, media_root=tmp_path)

    for name in set(env) - process_only:
        assert re.search(rf"^#? ?{name}=", example, re.MULTILINE), name


def compose_command(service: str) -> list[str]:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return list(compose["services"][service]["command"])


@pytest.fixture
def platform(tmp_path, static_root, ladder):
    """gunicorn, worker and beat as docker-compose.yml starts them, on a free port."""
    redis = RedisServer(tmp_path)
    redis.start()
    port = free_port()
    env = production_env(
        redis_url=redis.url, static_root=static_root, media_root=tmp_path / "media"
    )
    web = compose_command("web")
    web[web.index("--bind") + 1] = f"127.0.0.1:{port}"
    web[web.index("--access-logfile") + 1] = str(tmp_path / "access.log")
    web += ["--access-logformat", "%(p)s %(m)s %(U)s %(s)s"]
    group = ProcessGroup(tmp_path, env, ROOT)
    group.start("web", web)
    group.start("worker", compose_command("worker"))
    group.start("beat", compose_command("beat"))
    try:
        assert wait_for(lambda: port_answers(port), timeout=60), group.logs()
        yield Platform(port, tmp_path / "access.log", group)
    finally:
        group.stop()
        redis.stop()


class Platform:
    def __init__(self, port: int, access_log: Path, group: ProcessGroup):
        self.port, self.access_log, self.group = port, access_log, group

    def request(self, method, path, *, https=True, headers=None, body=None):
        """One request as the TLS proxy sends it (X-Forwarded-Proto: https), or plain."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = {"Host": HOST, **({"X-Forwarded-Proto": "https"} if https else {})}
        sent.update(headers or {})
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            return response.status, response.headers, response.read()
        finally:
            conn.close()

    def access_lines(self) -> list[str]:
        return self.access_log.read_text().splitlines() if self.access_log.exists() else []


def test_the_production_shape_serves_files_and_escalates_with_its_security_on(platform, ladder):
    category = Category.objects.get(code="garbage")
    overdue = Incident.objects.create(
        code="SMOKE-OVERDUE",
        title="占道经营",
        description="-",
        category=category,
        town=ladder.town,
        grid=ladder.a1,
        source=Incident.Source.PATROL,
        level=Level.GRID,
        handling_region=ladder.v1,
        status=Incident.Status.ACCEPTED,
        deadline=timezone.now() - datetime.timedelta(hours=1),
    )

    status, _, body = platform.request("GET", "/healthz", https=False)
    assert (status, b'"status": "ok"' in body) == (200, True), body

    status, headers, _ = platform.request("GET", "/accounts/login/", https=False)
    assert status == 301
    assert headers["Location"] == f"https://{HOST}/accounts/login/"

    status, headers, page = platform.request("GET", "/accounts/login/")
    assert status == 200, platform.group.logs()
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "; Secure" in headers["Set-Cookie"]

    stylesheet = re.search(rb'href="(/static/css/app\.[0-9a-f]{12}\.css)"', page)
    assert stylesheet, "the login page names no hashed stylesheet"
    status, headers, css = platform.request("GET", stylesheet.group(1).decode())
    assert status == 200
    assert css.startswith(b"/*") or b"{" in css
    assert "immutable" in headers["Cache-Control"]

    key = Open311Client.objects.create(name="12345 热线系统").key
    body = urllib.parse.urlencode(
        {
            "api_key": key,
            "service_code": category.code,
            "lat": "28.005",
            "long": "121.005",
            "description": "村口垃圾堆放三天无人清理",
            "first_name": "小明",
            "last_name": "王",
            "phone": "13812345678",
        }
    )
    status, _, answer = platform.request(
        "POST",
        "/open311/v2/requests.json",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body=body,
    )
    assert status == 201, answer
    code = re.search(rb'"service_request_id": ?"([^"]+)"', answer).group(1).decode()
    assert Incident.objects.filter(code=code, grid=ladder.a1).exists()

    def escalated() -> bool:
        overdue.refresh_from_db()
        return overdue.level == Level.VILLAGE

    assert wait_for(escalated, timeout=90, interval=0.5), platform.group.logs()
    assert IncidentEvent.objects.filter(incident=overdue, action="auto_escalate").count() == 1


def public_form_session(platform) -> tuple[str, str]:
    """The CSRF cookie and token of the public request form, as a browser gets them."""
    status, headers, page = platform.request("GET", "/request/")
    assert status == 200
    cookie = SimpleCookie()
    for header in headers.get_all("Set-Cookie"):
        cookie.load(header)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    return cookie["csrftoken"].value, token.decode()


def file_public_requests(platform, count: int, *, client: str, first_phone: int) -> list[int]:
    """Post ``count`` valid requests at once from one client address; their statuses.

    The proxy appends the address it saw to whatever X-Forwarded-For the client sent, so
    the entries to its left are the client's own claims: each request claims another.
    """
    csrf_cookie, token = public_form_session(platform)
    category = Category.objects.get(code="garbage")

    def post(number: int) -> int:
        body = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": token,
                "reporter_name": "王小明",
                "reporter_phone": f"139{first_phone + number:08d}",
                "category": category.pk,
                "description": "路灯不亮",
                "latitude": "28.005",
                "longitude": "121.005",
            }
        )
        status, _, _ = platform.request(
            "POST",
            "/request/",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={csrf_cookie}",
                "Origin": f"https://{HOST}",
                "X-Forwarded-For": f"198.51.100.{number}, {client}",
            },
            body=body,
        )
        return status

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(post, range(count)))


def test_two_gunicorn_workers_share_one_rate_limit_per_client_address(platform, ladder):
    """Five requests an hour from one address: the sixth is refused whichever worker
    answers. A limit counted in each worker's memory would let up to ten through."""
    for round_number in range(5):
        client = f"203.0.113.{10 + round_number}"
        before = len(platform.access_lines())
        statuses = file_public_requests(
            platform, 12, client=client, first_phone=1000 * round_number
        )
        posts = [line for line in platform.access_lines()[before:] if " POST /request/ " in line]
        workers = {line.split()[0] for line in posts}
        if len(workers) >= 2:
            break
    assert len(workers) == 2, "one gunicorn worker answered every request of five rounds"
    assert sorted(statuses) == [302] * REQUESTS_PER_ADDRESS + [429] * 7, statuses

    # The proxy's own entry names the client: another address has its own allowance,
    # while the entries to its left (the client's claims) changed nothing above.
    assert file_public_requests(platform, 1, client="203.0.113.99", first_phone=90000) == [302]
