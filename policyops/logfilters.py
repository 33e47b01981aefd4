"""Logging filters named in settings.LOGGING."""
import logging


class RefusalOneLine(logging.Filter):
    """Keep a 403's or 400's log record to its one line ("Forbidden (Permission denied): /path").

    Django logs every PermissionDenied and BadRequest (policyops.middleware's refusal of a
    NUL character) with its traceback, which buries real errors under routine refusals; the
    traceback says nothing the path does not.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) in (400, 403):
            record.exc_info = None
            record.exc_text = None
        return True
