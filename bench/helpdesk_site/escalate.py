"""Time django-helpdesk's ``escalate_tickets`` on a sample of tickets due for escalation.

Run by bench/escalation.py with the interpreter of bench/.helpdesk-venv, from bench/:

    .helpdesk-venv/bin/python -m helpdesk_site.escalate --sample 2000

It creates its database if missing, migrates, replaces every ticket with ``--sample`` open
tickets that are ten days old in a queue that escalates after one day (each ticket has a
submitter and an owner with an e-mail address, so each escalation mails both), then times
the management command alone, inside this process, after Django has started. The last
line printed is JSON: escalated tickets, seconds, queries, e-mails.
"""

import argparse
import datetime
import json
import os
import sys
import time
from urllib.parse import urlsplit

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/gp_helpdesk"


def ensure_database(url: str) -> None:
    import psycopg2
    from psycopg2 import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    connection = psycopg2.connect(
        dbname="postgres",
        user=parts.username or "",
        password=parts.password or "",
        host=parts.hostname or "",
        port=parts.port or 5432,
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    connection.close()


def build(sample: int) -> None:
    from django.contrib.auth.models import Permission, User
    from django.db import connection
    from django.utils import timezone
    from helpdesk.models import Queue, Ticket

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE helpdesk_ticket, helpdesk_queue RESTART IDENTITY CASCADE")
    # Saving a queue creates its access permission; the truncated queue left it behind.
    Permission.objects.filter(codename="queue_access_bench").delete()
    owner, _created = User.objects.get_or_create(
        username="bench-owner", defaults={"email": "owner@example.com", "is_staff": True}
    )
    queue = Queue.objects.create(
        title="Bench",
        slug="bench",
        email_address="queue@example.com",
        escalate_days=1,
    )
    Ticket.objects.bulk_create(
        (
            Ticket(
                title=f"Ticket {i}",
                queue=queue,
                submitter_email=f"resident{i}@example.com",
                assigned_to=owner,
                status=Ticket.OPEN_STATUS,
                priority=3,
                description="-",
            )
            for i in range(sample)
        ),
        batch_size=1000,
    )
    # bulk_create stamps ``created`` now (auto_now_add): age the tickets afterwards.
    Ticket.objects.update(created=timezone.now() - datetime.timedelta(days=10))
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=2000)
    args = parser.parse_args()
    url = os.environ.setdefault("HELPDESK_DATABASE_URL", DEFAULT_URL)
    os.environ["DJANGO_SETTINGS_MODULE"] = "helpdesk_site.settings"
    ensure_database(url)

    import django

    django.setup()
    from django.core import mail
    from django.core.management import call_command
    from django.db import connection
    from helpdesk.models import FollowUp, Ticket

    call_command("migrate", verbosity=0, interactive=False)
    build(args.sample)

    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    mail.outbox = []
    with connection.execute_wrapper(count):
        started = time.perf_counter()
        call_command("escalate_tickets")
        seconds = time.perf_counter() - started

    escalated = FollowUp.objects.filter(title="Ticket Escalated").count()
    lowered = Ticket.objects.filter(priority=2, last_escalation__isnull=False).count()
    if escalated != args.sample or lowered != args.sample:
        print(
            f"helpdesk: expected {args.sample} escalations, found {escalated} follow-ups "
            f"and {lowered} tickets lowered",
            file=sys.stderr,
        )
        return 1
    print(
        json.dumps(
            {
                "escalated": escalated,
                "seconds": seconds,
                "queries": queries,
                "emails": len(mail.outbox),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
