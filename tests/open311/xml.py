from xml.etree import ElementTree as ET


def parse_xml(content: bytes) -> ET.Element:
    """Parse one of the platform's own Open311 answers."""
    return ET.fromstring(content)  # noqa: S314 (our own response, not untrusted input)
