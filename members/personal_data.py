"""Encryption, lookup hashes and masks for residents' personal data (PIPL).

Two keys are derived from ``settings.PERSONAL_DATA_KEY`` with HKDF: one encrypts (Fernet:
AES-128-CBC with HMAC-SHA256), the other keys the lookup hash (HMAC-SHA256), so that the
hash of an ID number can be compared without being reversible by anyone without the key.
"""

import base64
import datetime
import hashlib
import hmac
import re
from functools import cache

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ID_NUMBER_PATTERN = re.compile(r"^\d{17}[\dX]$")
PHONE_PATTERN = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"


@cache
def _derived_key(purpose: bytes, secret: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
        secret.encode()
    )


def _fernet() -> Fernet:
    key = _derived_key(b"grid-platform personal data encryption", settings.PERSONAL_DATA_KEY)
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode() if value else ""


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode() if token else ""


def lookup_hash(value: str) -> str:
    key = _derived_key(b"grid-platform personal data lookup", settings.PERSONAL_DATA_KEY)
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def id_number_check_char(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def normalise_id_number(value: str) -> str:
    """Return the canonical 18-character resident ID number, or raise ValidationError."""
    number = value.strip().replace(" ", "").upper()
    if not ID_NUMBER_PATTERN.match(number):
        raise ValidationError(_("An ID number has 17 digits and a final digit or X."))
    if id_number_check_char(number[:17]) != number[17]:
        raise ValidationError(_("This ID number's check digit is wrong; please check it."))
    return number


def normalise_phone(value: str) -> str:
    phone = value.strip().replace(" ", "")
    if not PHONE_PATTERN.match(phone):
        raise ValidationError(_("Enter an 11-digit mobile number or a landline with area code."))
    return phone


def mask_id_number(number: str) -> str:
    """3310**************: the province and city stay; the county, the birth date, the
    sequence (whose parity is the gender) and the check digit go. Shown with the gender and
    an age band, this leaves millions of numbers (tests/members/test_id_masking.py): a
    masked number that kept its last four digits and a birth date shown beside it left one.
    """
    return f"{number[:4]}{'*' * (len(number) - 4)}" if number else ""


AGE_BAND_YEARS = 10


def age_band(birth_date: datetime.date | None, today: datetime.date) -> str:
    """ "30–39 years": what someone who may not reveal the ID number learns of the birth date."""
    if birth_date is None:
        return ""
    age = (
        today.year
        - birth_date.year
        - ((today.month, today.day) < (birth_date.month, birth_date.day))
    )
    low = max(age, 0) // AGE_BAND_YEARS * AGE_BAND_YEARS
    return _("%(low)d–%(high)d years") % {"low": low, "high": low + AGE_BAND_YEARS - 1}


def mask_phone(phone: str) -> str:
    """138****5678."""
    if not phone:
        return ""
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"


# Anything in free text that looks like an ID number or a mobile number, also when written
# with spaces, dots or hyphens between its groups (138-1202-0330, 138 1202 0330) or after
# the country code (+86 138..., 008613812020330).
_SEP = r"[\s.\-\u00a0]?"
_ID_IN_TEXT = re.compile(rf"(?<!\d)(\d{{4}})\d{{2}}{_SEP}\d{{8}}{_SEP}\d{{3}}[\dXx](?![\dXx])")
_MOBILE_IN_TEXT = re.compile(rf"(?:(?<=86)|(?<!\d))(1[3-9]\d){_SEP}\d{{4}}{_SEP}(\d{{4}})(?!\d)")


def mask_text(text: str) -> str:
    text = _ID_IN_TEXT.sub(r"\1**************", text)
    return _MOBILE_IN_TEXT.sub(r"\1****\2", text)
