"""The domain error every app's services raise for a step the record's state does not allow.

Services raise Django's ValidationError for bad input and PermissionDenied for a caller who
may not act; ``ActionRefused`` is the third kind: the input is fine and the caller may act,
but not now (a case already closed, an extension already decided). Pages show its message;
the API answers 409 (core.api.exception_handler).
"""


class ActionRefused(Exception):
    """A step the record's state does not allow; ``code`` names the reason for the API."""

    def __init__(self, message: str, code: str = "refused"):
        super().__init__(message)
        self.message = message
        self.code = code
