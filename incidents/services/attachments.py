"""Photos of cases: images only, checked by content, re-encoded without metadata."""

import io
import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from incidents import permissions
from incidents.models import Attachment, Incident
from members.models import User

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}


def photo_reencode(upload: File) -> tuple[ContentFile, int, int]:
    """Decode the upload as an image and write a fresh JPEG: EXIF (GPS) does not survive."""
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            {
                "image": _("A photo may be at most %(mb)d MB.")
                % {"mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)}
            }
        )
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise ValidationError({"image": _("Only photos (JPEG, PNG, WebP) are accepted.")})
            if probe.width * probe.height > settings.ATTACHMENT_MAX_PIXELS:
                raise ValidationError({"image": _("This image is too large.")})
            probe.load()
            image = ImageOps.exif_transpose(probe).convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise ValidationError({"image": _("This file is not a readable image.")}) from error
    image.thumbnail((settings.ATTACHMENT_MAX_SIDE, settings.ATTACHMENT_MAX_SIDE))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85, optimize=True)
    return ContentFile(buffer.getvalue()), *image.size


@transaction.atomic
def attachment_add(*, actor: User, incident: Incident, upload: File, kind: str) -> Attachment:
    """A photo added to an existing case by its reporter, its handler or its verifiers."""
    signed_in = getattr(actor, "is_authenticated", False)
    allowed = signed_in and (
        incident.reporter_id == actor.pk
        or permissions.can_handle(actor, incident)
        or permissions.can_verify(actor, incident)
    )
    if not allowed:
        raise PermissionDenied(_("You may not add photos to this case."))
    return attachment_save(incident=incident, upload=upload, kind=kind, uploaded_by=actor)


def attachment_save(
    *, incident: Incident, upload: File, kind: str, uploaded_by: User | None = None
) -> Attachment:
    """Store a photo once the caller has established the right to (no check here)."""
    if kind not in Attachment.Kind.values:
        raise ValidationError({"kind": _("Unknown kind of photo.")})
    content, width, height = photo_reencode(upload)
    attachment = Attachment(
        incident=incident,
        kind=kind,
        width=width,
        height=height,
        uploaded_by=uploaded_by if getattr(uploaded_by, "is_authenticated", False) else None,
    )
    attachment.image.save(f"{uuid.uuid4().hex}.jpg", content, save=False)
    attachment.save()
    return attachment
