"""A logging filter that masks ID numbers and mobile numbers in every record."""

import logging

from members.personal_data import mask_text


class PersonalDataMaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg = masked
            record.args = None
        return True
