from django.urls import reverse

from tests.conftest import PASSWORD

CHANGE = reverse("password_change")


def test_anonymous_users_are_sent_to_log_in(client):
    assert client.get(CHANGE).url.startswith(reverse("login"))


def test_a_member_changes_their_password(client, cast):
    client.force_login(cast.member)

    response = client.post(
        CHANGE,
        {
            "old_password": PASSWORD,
            "new_password1": "Grid-Patrol-2026-new",
            "new_password2": "Grid-Patrol-2026-new",
        },
    )

    assert response.url == reverse("password_change_done")
    cast.member.refresh_from_db()
    assert cast.member.check_password("Grid-Patrol-2026-new")
    assert client.get(reverse("password_change_done")).status_code == 200


def test_a_wrong_old_password_is_a_field_error(client, cast):
    client.force_login(cast.member)

    response = client.post(
        CHANGE,
        {
            "old_password": "wrong",
            "new_password1": "Abc-12345678",
            "new_password2": "Abc-12345678",
        },
    )

    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors
    assert 'for="id_old_password"' in response.content.decode()
    cast.member.refresh_from_db()
    assert cast.member.check_password(PASSWORD)
