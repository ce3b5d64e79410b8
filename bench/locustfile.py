"""Locust load test of the platform's daily work (issue 19): run by bench/load.py.

Two kinds of simulated people, 10 to 1 (220 users: 200 grid members and 20 officials):

- ``MemberUser``, a grid member on patrol with a phone: starts a patrol of one of their
  grids, sends route points every 20 seconds as static/js/patrol.js does (JSON, the
  ``X-Outbox`` header, the CSRF token in ``X-CSRFToken``), now and then files a quick
  report of a finding from inside their grid (the form page for the CSRF token, the
  categories and the grid's outline; the "already reported nearby?" suggestions; the
  post; the case page it lands on), ends the patrol after a while (its summary page) and
  looks at the workspace between patrols.
- ``OfficialUser``, a town, county or city official at a desk: the case queue with
  filters and pages, case pages opened from it, the dashboard and its map data.

Accounts come from the JSON file named by ``LOAD_ACCOUNTS`` (bench/load.py writes it from
the seeded database): ``{"password": ..., "members": [...], "officials": [...]}``. Each
simulated member takes an account of its own, because a member has at most one running
patrol; the officials share the three official demo accounts (nothing limits an official
account's page views). Without the file, the demo accounts of README "Demo accounts" are
used, which gives only two member accounts: enough to try the file against ``make run``.

When bench/load.py sets ``LOAD_MEASURE_SECONDS``, the figures start once every user has
signed in and is at work (the statistics are reset then, and the time is written to
``LOAD_READY_FILE``), and the run ends that many seconds later: a whole town signing in
within seconds is not its working day. Without it, Locust's own options decide.

Requests are named by page (``/cases/[id]/``) so that Locust's statistics are per page.
A response that is not what a browser would get (a login that does not redirect, a form
answered with its errors) counts as a failure.
"""

import datetime
import itertools
import json
import os
import random
import re
import uuid
from html import unescape
from pathlib import Path

import gevent
from locust import HttpUser, between, task
from locust.exception import StopUser

DEMO_ACCOUNTS = {
    "password": "Demo-2026-grid",
    "members": ["demo_member", "demo_leader"],
    "officials": ["demo_town", "demo_county", "demo_city"],
}
PATROL_BATCH_SECONDS = 20  # static/js/patrol.js BATCH_MS
BATCHES_PER_PATROL = (6, 12)  # two to four minutes of route, then the patrol ends
REPORT_CHANCE = 0.15  # of a patrol step: a finding worth a case
ZERO_KEY = "00000000-0000-0000-0000-000000000000"

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CASE_LINK = re.compile(r'href="/cases/(\d+)/"')
CASE_PATH = re.compile(r"^/cases/(\d+)/$")
RUNNING_KEY = re.compile(r'id="patrol-running"[^>]*data-client-key="([0-9a-f-]*)"')
PAGE_LINK = re.compile(r"[?&]amp;page=(\d+)|[?&]page=(\d+)")


def load_accounts() -> dict:
    path = os.environ.get("LOAD_ACCOUNTS")
    if not path:
        return DEMO_ACCOUNTS
    return json.loads(Path(path).read_text())


ACCOUNTS = load_accounts()
MEASURE_SECONDS = float(os.environ.get("LOAD_MEASURE_SECONDS") or 0)
READY_FILE = os.environ.get("LOAD_READY_FILE", "")
_member_numbers = itertools.count()
_official_numbers = itertools.count()
_users_ready = itertools.count(1)


def user_ready(user: HttpUser) -> None:
    """Once the last user is at work: reset the figures and end the run MEASURE_SECONDS on."""
    runner = user.environment.runner
    if not MEASURE_SECONDS or runner is None:
        return
    if next(_users_ready) != runner.target_user_count:
        return
    runner.stats.reset_all()
    if READY_FILE:
        Path(READY_FILE).write_text(datetime.datetime.now(datetime.UTC).isoformat())
    gevent.spawn_later(MEASURE_SECONDS, runner.quit)


# --- reading pages -------------------------------------------------------------------------


def csrf_token(html: str) -> str:
    found = CSRF_INPUT.search(html)
    if found is None:
        raise ValueError("no CSRF token on the page")
    return found.group(1)


def select_options(html: str, name: str) -> list[tuple[str, str]]:
    """The (value, label) of the non-empty options of the select named ``name``."""
    found = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.DOTALL)
    if found is None:
        return []
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', found.group(1))
    return [(value, unescape(label).strip()) for value, label in options if value]


def select_values(html: str, name: str) -> list[str]:
    return [value for value, _label in select_options(html, name)]


def json_script(html: str, element_id: str):
    """The value Django's ``json_script`` filter put in the page."""
    found = re.search(
        rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.DOTALL
    )
    if found is None:
        raise ValueError(f"no {element_id} data on the page")
    return json.loads(unescape(found.group(1)))


def _inside(x: float, y: float, ring: list) -> bool:
    """Ray casting: whether (x, y) lies inside a linear ring of [x, y] pairs."""
    inside = False
    for (x1, y1), (x2, y2) in itertools.pairwise(ring):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def _polygons(geometry: dict) -> list[list]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiPolygon":
        return list(geometry["coordinates"])
    return []


def point_in_feature(feature: dict, rng: random.Random) -> tuple[float, float]:
    """A random (longitude, latitude) inside a grid's outline (holes left out)."""
    polygons = _polygons(feature["geometry"])
    rings = [point for polygon in polygons for point in polygon[0]]
    xs, ys = [p[0] for p in rings], [p[1] for p in rings]
    for _attempt in range(1000):
        x, y = rng.uniform(min(xs), max(xs)), rng.uniform(min(ys), max(ys))
        for polygon in polygons:
            if _inside(x, y, polygon[0]) and not any(_inside(x, y, h) for h in polygon[1:]):
                return round(x, 6), round(y, 6)
    raise ValueError("found no point inside the grid")


# --- the people ----------------------------------------------------------------------------


class PlatformUser(HttpUser):
    abstract = True
    username = ""

    def sign_in(self) -> None:
        page = self.client.get("/accounts/login/", name="/accounts/login/")
        with self.client.post(
            "/accounts/login/",
            data={
                "csrfmiddlewaretoken": csrf_token(page.text),
                "username": self.username,
                "password": ACCOUNTS["password"],
            },
            allow_redirects=False,
            name="/accounts/login/",
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"{self.username} could not sign in ({response.status_code})")
                raise StopUser

    def page(self, path: str, name: str, **kwargs) -> str:
        """GET a page a browser shows; anything but 200, or the sign-in page, is a failure."""
        with self.client.get(path, name=name, catch_response=True, **kwargs) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
                return ""
            if "/accounts/login/" in response.url:
                response.failure(f"{self.username} was sent to the sign-in page")
                return ""
            return response.text


class MemberUser(PlatformUser):
    """A grid member on patrol: route points every 20 s, a quick report now and then."""

    weight = 10
    wait_time = between(PATROL_BATCH_SECONDS - 5, PATROL_BATCH_SECONDS + 5)

    def on_start(self) -> None:
        members = ACCOUNTS["members"]
        self.username = members[next(_member_numbers) % len(members)]
        self.rng = random.Random(self.username)  # noqa: S311 - simulated behaviour
        self.patrol_key: str | None = None
        self.sent = 0
        self.batches_left = 0
        self.sign_in()
        # A patrol left running by an earlier run (or a crashed phone) is ended first.
        html = self.page("/members/patrol/", "/members/patrol/")
        found = RUNNING_KEY.search(html)
        if found and found.group(1):
            self.patrol_key = found.group(1)
            self.stop_patrol(html)
        user_ready(self)

    @task
    def patrol_step(self) -> None:
        if self.patrol_key is None:
            self.page("/members/workspace/", "/members/workspace/")
            self.start_patrol()
        elif self.batches_left <= 0:
            self.stop_patrol(self.page("/members/patrol/", "/members/patrol/"))
        else:
            self.send_points()
            if self.rng.random() < REPORT_CHANCE:
                self.quick_report()

    def start_patrol(self) -> None:
        html = self.page("/members/patrol/", "/members/patrol/")
        options = select_options(html, "grid")
        value, label = self.rng.choice(options)
        features = json_script(html, "patrol-grids")["features"]
        named = [f for f in features if label.startswith(f"{f['properties']['name']} ")]
        self.grid = named[0] if named else self.rng.choice(features)
        key = str(uuid.uuid4())
        with self.client.post(
            "/members/patrol/start/",
            data={
                "csrfmiddlewaretoken": csrf_token(html),
                "grid": value,
                "notes": "",
                "client_key": key,
            },
            allow_redirects=False,
            name="/members/patrol/start/",
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"patrol not started ({response.status_code})")
                return
        self.csrf = csrf_token(html)
        self.patrol_key, self.sent = key, 0
        self.batches_left = self.rng.randint(*BATCHES_PER_PATROL)

    def send_points(self) -> None:
        count = self.rng.randint(3, 6)
        points = [list(point_in_feature(self.grid, self.rng)) for _ in range(count)]
        with self.client.post(
            f"/members/patrol/{self.patrol_key}/points/",
            data=json.dumps({"first_index": self.sent, "points": points}),
            headers={
                "Content-Type": "application/json",
                "X-Outbox": "1",
                "X-CSRFToken": self.csrf,
                "Accept": "application/json",
            },
            name="/members/patrol/[key]/points/",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"points refused ({response.status_code}): {response.text[:200]}")
                return
            self.sent = response.json()["stored"]
        self.batches_left -= 1

    def stop_patrol(self, html: str) -> None:
        key, self.patrol_key = self.patrol_key, None
        if not html:
            return
        with self.client.post(
            f"/members/patrol/{key}/stop/",
            data={
                "csrfmiddlewaretoken": csrf_token(html),
                "notes": "巡查正常",
                "findings": "",
            },
            allow_redirects=False,
            name="/members/patrol/[key]/stop/",
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"patrol not stopped ({response.status_code})")
                return
        self.page(f"/members/patrol/{key}/", "/members/patrol/[key]/")

    def quick_report(self) -> None:
        """The report form, its suggestions, the post, and the case page it lands on."""
        html = self.page("/cases/report/", "/cases/report/")
        if not html:
            return
        category = self.rng.choice(select_values(html, "category"))
        feature = self.rng.choice(json_script(html, "report-grids")["features"])
        longitude, latitude = point_in_feature(feature, self.rng)
        place = {"category": category, "latitude": latitude, "longitude": longitude}
        htmx = {"HX-Request": "true"}
        self.page("/cases/suggest/", "/cases/suggest/", params=place, headers=htmx)
        with self.client.post(
            "/cases/report/",
            data={
                "csrfmiddlewaretoken": csrf_token(html),
                **place,
                "description": "巡查发现：路边垃圾堆放，需要清理",
                "title": "",
                "urgency": "ordinary",
                "address": "",
                "grid": "",
                "client_key": str(uuid.uuid4()),
                "patrol": self.patrol_key or "",
            },
            allow_redirects=False,
            name="/cases/report/",
            catch_response=True,
        ) as response:
            location = response.headers.get("Location", "")
            if response.status_code != 302 or not CASE_PATH.match(location):
                response.failure(f"report refused ({response.status_code})")
                return
        self.page(location, "/cases/[id]/")


class OfficialUser(PlatformUser):
    """An official at a desk: the queue, the cases in it, the dashboard."""

    weight = 1
    wait_time = between(5, 15)

    def on_start(self) -> None:
        officials = ACCOUNTS["officials"]
        self.username = officials[next(_official_numbers) % len(officials)]
        self.rng = random.Random(f"{self.username}/{next(_official_numbers)}")  # noqa: S311
        self.sign_in()
        html = self.page("/cases/", "/cases/")
        self.filters = {
            "category": select_values(html, "category"),
            "village": select_values(html, "village"),
            "status": select_values(html, "status"),
            "level": select_values(html, "level"),
        }
        self.cases = [int(pk) for pk in CASE_LINK.findall(html)]
        user_ready(self)

    @task(4)
    def queue(self) -> None:
        params: dict[str, str] = {"open": "on"} if self.rng.random() < 0.5 else {}
        for name, values in self.filters.items():
            if values and self.rng.random() < 0.25:
                params[name] = self.rng.choice(values)
        if self.rng.random() < 0.3:
            params["sort"] = "newest"
        html = self.page("/cases/", "/cases/", params=params)
        pages = [int(a or b) for a, b in PAGE_LINK.findall(html)]
        if pages and self.rng.random() < 0.5:
            params["page"] = str(self.rng.randint(2, max(pages)) if max(pages) > 1 else 1)
            html = self.page("/cases/", "/cases/?page=", params=params) or html
        found = [int(pk) for pk in CASE_LINK.findall(html)]
        if found:
            self.cases = found

    @task(4)
    def case_page(self) -> None:
        if self.cases:
            pk = self.rng.choice(self.cases)
            self.page(f"/cases/{pk}/", "/cases/[id]/ (official)")

    @task(2)
    def dashboard(self) -> None:
        if self.page("/dashboard/", "/dashboard/"):
            self.page("/dashboard/map/", "/dashboard/map/")
