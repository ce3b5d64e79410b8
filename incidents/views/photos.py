"""Serving a case photo once a door has decided who may see it (staff page, tracking link)."""

from django.http import FileResponse, Http404

from incidents.models import Attachment


def photo_response(attachment: Attachment) -> FileResponse:
    """Case photos are not public media: private caching, no content sniffing."""
    try:
        image = attachment.image.open("rb")
    except (FileNotFoundError, ValueError) as error:
        raise Http404 from error
    response = FileResponse(image)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
