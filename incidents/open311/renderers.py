"""Open311 GeoReport v2 answers in JSON or XML, and its error list format.

The spec's XML wraps a list in a plural element of singular items
(``<services><service>...``); JSON is the bare list (or, for discovery and a service
definition, one object).
"""

import json
import re
from xml.etree import ElementTree as ET

from django.http import HttpResponse

CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}


# Characters XML 1.0 cannot carry, whatever the escaping.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _append(parent: ET.Element, name: str, value) -> None:
    element = ET.SubElement(parent, name)
    if isinstance(value, dict):
        for key, item in value.items():
            _append(element, key, item)
    elif isinstance(value, list):
        singular = name[:-1] if name.endswith("s") else "item"
        for item in value:
            _append(element, singular, item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = _NOT_XML.sub("", str(value))


def to_xml(root: str, data) -> bytes:
    """``root`` is the plural element for a list (its items take the singular name) or the
    element holding one object."""
    element = ET.Element(root)
    if isinstance(data, list):
        singular = {"service_requests": "request"}.get(root, root[:-1])
        for item in data:
            _append(element, singular, item)
    else:
        for key, value in data.items():
            _append(element, key, value)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


def respond(data, fmt: str, root: str, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        body = to_xml(root, data)
    else:
        body = json.dumps(data, ensure_ascii=False, default=str).encode()
    response = HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])
    response["Access-Control-Allow-Origin"] = "*"
    return response


def errors(fmt: str, status: int, *descriptions: str) -> HttpResponse:
    """The spec's error list: [{"code": 400, "description": "..."}, ...]."""
    items = [{"code": status, "description": str(text)} for text in descriptions]
    return respond(items, fmt, "errors", status=status)
