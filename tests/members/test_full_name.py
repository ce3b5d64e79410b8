"""Names as their owners write them: a Chinese name family name first, without a space."""

from members.models import User


def test_a_chinese_name_reads_family_name_first():
    assert User(first_name="娥敏", last_name="赵").get_full_name() == "赵娥敏"


def test_a_latin_name_keeps_the_given_name_first():
    assert User(first_name="Ada", last_name="Lovelace").get_full_name() == "Ada Lovelace"


def test_the_account_shows_the_chinese_name_with_its_username():
    assert str(User(username="zhaoem", first_name="娥敏", last_name="赵")) == "赵娥敏 (zhaoem)"
