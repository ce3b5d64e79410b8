"""API keys for client systems are issued in the admin."""

import pytest

from incidents.models import Open311Client
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def test_adding_a_client_in_the_admin_generates_its_key(client):
    admin = make_user("root", None)
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)

    response = client.post(
        "/admin/incidents/open311client/add/", {"name": "市民热线", "is_active": "on"}
    )

    assert response.status_code == 302
    issued = Open311Client.objects.get()
    assert len(issued.key) >= 40
    assert issued.name == "市民热线"


def test_each_client_gets_its_own_key(db):
    first = Open311Client.objects.create(name="a")
    second = Open311Client.objects.create(name="b")

    assert first.key != second.key
