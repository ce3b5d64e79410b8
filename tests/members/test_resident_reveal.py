import logging

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from members.logging import PersonalDataMaskingFilter
from members.models import PersonalDataAccess
from members.services import resident_reveal

ALLOWED = ["leader", "village_staff", "town_official", "county_official", "admin"]
REFUSED = ["resident", "member", "other_member", "other_official"]


@pytest.mark.parametrize("name", ALLOWED)
def test_an_allowed_role_sees_the_value_and_the_look_is_logged(cast, name):
    actor = getattr(cast, name)

    value = resident_reveal(
        actor=actor,
        resident=cast.resident_record,
        field="id_number",
        reason="入户核实身份",
        ip_address="127.0.0.1",
    )

    assert value == "331081198001010019"
    access = PersonalDataAccess.objects.get()
    record = cast.resident_record
    assert (access.actor, access.resident, access.field, access.reason, access.grid_id) == (
        actor,
        record,
        "id_number",
        "入户核实身份",
        record.household.grid_id,
    )


@pytest.mark.parametrize("name", REFUSED)
def test_other_roles_are_refused_and_nothing_is_logged(cast, name):
    """(A grid member may reveal the phone of a household of the grid: the ID number not.)"""
    with pytest.raises(PermissionDenied):
        resident_reveal(
            actor=getattr(cast, name),
            resident=cast.resident_record,
            field="id_number",
            reason="看看",
        )

    assert not PersonalDataAccess.objects.exists()


def test_a_reveal_needs_a_reason(cast):
    with pytest.raises(ValidationError) as error:
        resident_reveal(
            actor=cast.town_official, resident=cast.resident_record, field="phone", reason="   "
        )

    assert error.value.message_dict == {"reason": ["Say why you need to see it."]}
    assert not PersonalDataAccess.objects.exists()


def test_reveals_the_phone(cast):
    value = resident_reveal(
        actor=cast.town_official, resident=cast.resident_record, field="phone", reason="回访"
    )

    assert value == "13812345678"


def test_log_lines_never_carry_a_full_id_number_or_phone(caplog):
    caplog.handler.addFilter(PersonalDataMaskingFilter())

    logging.getLogger("grid_platform.test").warning(
        "resident %s phone %s", "331081198001010019", "13812345678"
    )

    assert caplog.messages == ["resident 3310************** phone 138****5678"]


def test_every_configured_log_handler_masks_personal_data():
    # pytest adds capture handlers of its own; the platform's are plain StreamHandlers.
    ours = [h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler]

    assert ours
    assert all(
        any(isinstance(f, PersonalDataMaskingFilter) for f in handler.filters) for handler in ours
    )
