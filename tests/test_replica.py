"""Reads that may lag on a real streaming replica; writes and the writer's pages on the primary.

The set-up makes a PostgreSQL 15 primary and a hot standby with PostgreSQL's own tools
(``initdb``, ``pg_basebackup -R``) on free ports, copies the test database into the
primary, and starts the platform with gunicorn on both (``DATABASE_URL`` and
``DATABASE_REPLICA_URL``). With the standby's replay paused, an official rejects a case:
the write succeeds (a hot standby would refuse it), the official's dashboard counts it at
once (the primary), a county official's dashboard does not yet (the replica). Once replay
resumes and the standby has caught up, both agree with the primary.
"""

import csv
import datetime
import http.client
import io
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from core import replica
from incidents.models import Category, Incident, Level
from tests.processes import ProcessGroup, free_port, port_answers, wait_for

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")

pytestmark = pytest.mark.slow
CODE = "REPLICA-1"
STATUS_OF_THE_CASE = "SELECT status FROM incidents_incident WHERE code = 'REPLICA-1'"


# --- the router on its own ---------------------------------------------------------------


def test_without_a_replica_every_read_and_write_stays_on_the_default():
    router = replica.ReplicaRouter()
    assert not replica.replica_configured()
    with replica.reads_may_lag():
        assert router.db_for_read(Incident) is None
    assert router.db_for_write(Incident) == "default"


def test_with_a_replica_only_reads_that_may_lag_go_to_it(monkeypatch):
    monkeypatch.setattr(replica, "replica_configured", lambda: True)
    router = replica.ReplicaRouter()

    assert router.db_for_read(Incident) is None
    with replica.reads_may_lag():
        assert router.db_for_read(Incident) == "replica"
        assert router.db_for_write(Incident) == "default"
    assert router.db_for_read(Incident) is None
    assert router.allow_migrate("default", "incidents") is True
    assert router.allow_migrate("replica", "incidents") is False


# --- a real primary and hot standby ------------------------------------------------------


class Cluster:
    """A PostgreSQL 15 cluster of our own, run as the postgres user when we are root."""

    def __init__(self, directory: Path, port: int):
        self.directory, self.port = directory, port

    @staticmethod
    def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs)

    def pg_ctl(self, *args: str) -> None:
        log = self.directory.parent / f"{self.directory.name}.log"
        self.run([str(PG_BIN / "pg_ctl"), "-D", str(self.directory), "-l", str(log), *args])

    def sql(self, statement: str, database: str = "postgres") -> str:
        return self.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                database,
                "-Atc",
                statement,
            ]
        ).stdout.strip()


@pytest.fixture(scope="module")
def cluster_root():
    # Not under var/: the postgres user must reach the directory, and a clone under /root
    # (CI) is closed to it.
    root = Path(tempfile.mkdtemp(prefix="grid-replica-"))
    if os.geteuid() == 0:
        postgres = pwd.getpwnam("postgres")
        os.chown(root, postgres.pw_uid, postgres.pw_gid)
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def pair(cluster_root):
    """A primary holding a copy of the test database, and its hot standby, both running."""
    primary = Cluster(cluster_root / "primary", free_port())
    standby = Cluster(cluster_root / "standby", free_port())
    Cluster.run(
        [
            str(PG_BIN / "initdb"),
            "--no-sync",
            "-D",
            str(primary.directory),
            "-U",
            "postgres",
            "-A",
            "trust",
        ]
    )
    with (primary.directory / "postgresql.conf").open("a") as conf:
        conf.write(
            f"port = {primary.port}\nlisten_addresses = '127.0.0.1'\nwal_level = replica\n"
            "max_wal_senders = 4\nhot_standby = on\nfsync = off\n"
            "unix_socket_directories = ''\n"
        )
    with (primary.directory / "pg_hba.conf").open("a") as hba:
        hba.write("host replication postgres 127.0.0.1/32 trust\n")
    primary.pg_ctl("start", "-w")
    try:
        yield primary, standby
    finally:
        for cluster in (standby, primary):
            if (cluster.directory / "postmaster.pid").exists():
                cluster.pg_ctl("stop", "-m", "immediate", "-w")
        shutil.rmtree(primary.directory, ignore_errors=True)
        shutil.rmtree(standby.directory, ignore_errors=True)


def copy_test_database(primary: Cluster, name: str) -> None:
    """The test database as it is now, into the primary (pg_dump | psql)."""
    source = connection.settings_dict
    primary.sql(f'CREATE DATABASE "{name}"')
    dump = subprocess.run(
        [
            "pg_dump",
            "-h",
            source["HOST"] or "127.0.0.1",
            "-p",
            str(source["PORT"] or 5432),
            "-U",
            source["USER"] or "postgres",
            "--no-owner",
            "--no-privileges",
            source["NAME"],
        ],
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(
        [
            "psql",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            "127.0.0.1",
            "-p",
            str(primary.port),
            "-U",
            "postgres",
            "-d",
            name,
        ],
        input=dump,
        check=True,
        capture_output=True,
    )


def start_standby(primary: Cluster, standby: Cluster) -> None:
    Cluster.run(
        [
            str(PG_BIN / "pg_basebackup"),
            "-h",
            "127.0.0.1",
            "-p",
            str(primary.port),
            "-U",
            "postgres",
            "-D",
            str(standby.directory),
            "-R",
            "-X",
            "stream",
            "--checkpoint=fast",  # a spread checkpoint waits minutes for nothing
            "--no-sync",
        ]
    )
    with (standby.directory / "postgresql.conf").open("a") as conf:
        conf.write(f"port = {standby.port}\n")
    standby.pg_ctl("start", "-w")


def caught_up(primary: Cluster, standby: Cluster) -> bool:
    target = primary.sql("SELECT pg_current_wal_lsn()")
    return standby.sql(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn") == "t"


class Browser:
    """One person's cookies against the platform on ``port``."""

    def __init__(self, port: int, session_key: str):
        self.port = port
        self.cookies = {"sessionid": session_key, "csrftoken": "r" * 32}

    def request(self, method: str, path: str, body: str = "") -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        headers = {
            "Cookie": cookie,
            "X-CSRFToken": self.cookies["csrftoken"],
            "Content-Type": "application/json",
            "Accept-Language": "en",
        }
        try:
            conn.request(method, path, body=body.encode() or None, headers=headers)
            response = conn.getresponse()
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name] = rest.split(";", 1)[0]
            return response.status, response.read().decode()
        finally:
            conn.close()

    def open_now(self) -> int:
        status, body = self.request("GET", "/dashboard/export/")
        assert status == 200, body[:500]
        for section, _item, measure, value in csv.reader(io.StringIO(body.lstrip("\ufeff"))):
            if (section, measure) == ("Summary", "Open now"):
                return int(value)
        raise AssertionError(body[:500])


def session_of(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


@pytest.mark.django_db(transaction=True)
def test_lagging_reads_come_from_the_replica_and_the_writer_reads_the_primary(
    pair, tmp_path, ladder, cast
):
    primary, standby = pair
    case = Incident.objects.create(
        code=CODE,
        title="占道经营",
        description="-",
        category=Category.objects.get(code="garbage"),
        town=ladder.town,
        grid=ladder.a1,
        source=Incident.Source.PATROL,
        level=Level.TOWN,
        handling_region=ladder.town,
        status=Incident.Status.REPORTED,
        deadline=timezone.now() + datetime.timedelta(days=3),
    )
    official = session_of(cast.town_official)
    county = session_of(cast.county_official)
    name = "grid_replica"
    copy_test_database(primary, name)
    start_standby(primary, standby)

    port = free_port()
    env = {
        "PATH": f"{VENV_BIN}:/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "DEBUG": "true",
        "DATABASE_URL": f"postgis://postgres@127.0.0.1:{primary.port}/{name}",
        "DATABASE_REPLICA_URL": f"postgis://postgres@127.0.0.1:{standby.port}/{name}",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
        "REPLICA_PIN_SECONDS": "60",
    }
    for variable in ["HOME", "PYTHONPATH", "TEST_CLOCK_AT", "PERSONAL_DATA_KEY", "SECRET_KEY"]:
        if variable in os.environ:
            env[variable] = os.environ[variable]
    group = ProcessGroup(tmp_path, env, ROOT)
    group.start(
        "web",
        [str(VENV_BIN / "gunicorn"), "grid_platform.wsgi", "--bind", f"127.0.0.1:{port}"],
    )
    try:
        assert wait_for(lambda: port_answers(port), timeout=60), group.logs()
        writer, reader = Browser(port, official), Browser(port, county)
        assert writer.open_now() == reader.open_now() == 1

        standby.sql("SELECT pg_wal_replay_pause()")
        status, body = writer.request(
            "POST",
            f"/api/cases/{case.pk}/reject/",
            '{"reason": "不属于受理范围", "reason_code": "out-of-scope"}',
        )
        assert status == 200, body[:500]  # a hot standby would have refused the write
        assert replica.PIN_COOKIE in writer.cookies

        assert writer.open_now() == 0  # the primary, for the one who just wrote
        assert reader.open_now() == 1  # the replica, paused before the write

        standby.sql("SELECT pg_wal_replay_resume()")
        assert wait_for(lambda: caught_up(primary, standby), timeout=30)
        assert reader.open_now() == 0
        assert standby.sql(STATUS_OF_THE_CASE, name) == primary.sql(STATUS_OF_THE_CASE, name)
    finally:
        group.stop()
