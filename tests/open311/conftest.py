import pytest
from django.test import Client

from incidents.models import Category, CategoryAttribute, Open311Client
from tests.incidents.conftest import department, handler, report  # noqa: F401


@pytest.fixture
def category(db):
    return Category.objects.get(code="garbage")


@pytest.fixture
def client():
    """A client system asking for English (the tests assert English error messages)."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def client_key(db):
    return Open311Client.objects.create(name="12345 热线系统").key


@pytest.fixture
def attribute(category):
    return CategoryAttribute.objects.create(
        category=category,
        code="size",
        description="堆放规模",
        datatype=CategoryAttribute.Datatype.SINGLE,
        required=True,
        values=[{"key": "small", "name": "少量"}, {"key": "large", "name": "大量"}],
    )


@pytest.fixture
def post_body(client_key, category, ladder):
    def _body(**overrides):
        body = {
            "api_key": client_key,
            "service_code": category.code,
            "lat": "28.005",
            "long": "121.005",
            "description": "村口垃圾堆放三天无人清理",
            "first_name": "小明",
            "last_name": "王",
            "phone": "13812345678",
        }
        body.update(overrides)
        return {key: value for key, value in body.items() if value is not None}

    return _body
