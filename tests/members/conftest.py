"""Fixtures of the grid member's workspace tests."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from incidents.models import Category
from tests.members.redivision import overload


@pytest.fixture
def garbage(db):
    return Category.objects.get(code="garbage")


@pytest.fixture
def photo():
    """A small JPEG as a browser would upload it."""

    def _photo(name="photo.jpg"):
        buffer = io.BytesIO()
        Image.new("RGB", (32, 24), "green").save(buffer, format="JPEG")
        return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")

    return _photo


@pytest.fixture
def overloaded(cast, ladder):
    """S Town's grids A1 (100 households, overloaded), A2 and A3 (40 each): the median is
    40, the bar 60. A1's 100 households lie at fixed spots spread over the grid."""
    return overload(ladder)
