"""Fixtures of the grid member's workspace tests."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from incidents.models import Category


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
