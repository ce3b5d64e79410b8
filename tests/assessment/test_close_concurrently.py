"""Two processes closing the same month at once: the unique constraint lets one through
and the other is refused, with one bulletin and one set of lines in the end."""

import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from assessment import services
from assessment.models import Bulletin, BulletinEntry
from assessment.services import assessment_month_close, assessment_scheme_current
from core.errors import ActionRefused
from tests.assessment.conftest import OCTOBER
from tests.conftest import NOW

pytestmark = pytest.mark.time_machine(NOW, tick=False)


@pytest.mark.django_db(transaction=True)
def test_two_closings_at_once_make_one_bulletin(ladder, october, monkeypatch):
    # Both closings get past the "already closed?" check before either inserts: only the
    # constraint can stop the second.
    both_counted = threading.Barrier(2, timeout=30)
    month_counts = services.month_counts

    def counted_together(**kwargs):
        counts = month_counts(**kwargs)
        both_counted.wait()
        return counts

    monkeypatch.setattr(services, "month_counts", counted_together)
    assessment_scheme_current(county=ladder.county)
    results, refusals, errors = [], [], []

    def close():
        try:
            results.append(assessment_month_close(county=ladder.county, month=OCTOBER))
        except ActionRefused as refusal:
            refusals.append(refusal.code)
        except Exception as error:  # noqa: BLE001 - reported to the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=close) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert (len(results), refusals) == (1, ["already_closed"])
    assert Bulletin.objects.get().pk == results[0].pk
    assert BulletinEntry.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_a_second_bulletin_for_a_month(ladder):
    scheme = assessment_scheme_current(county=ladder.county)
    Bulletin.objects.create(county=ladder.county, month=OCTOBER, scheme=scheme, closed_at=NOW)

    with pytest.raises(IntegrityError), transaction.atomic():
        Bulletin.objects.create(
            county=ladder.county, month=OCTOBER, scheme=scheme, closed_at=timezone.now()
        )
