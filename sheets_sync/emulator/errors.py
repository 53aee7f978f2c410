"""Errors in Google's JSON shape.

Google APIs answer errors as ``{"error": {"code", "message", "status", "details"?}}``
(https://cloud.google.com/apis/design/errors#http_mapping); gspread reads ``error.code``
from that body, not the HTTP status, so a wrong shape breaks its retry logic
(research/gsheets.md §1.1).  Drive errors also carry ``errors: [{domain, reason, message}]``.
"""

from __future__ import annotations

from typing import Any

#: HTTP status -> the canonical status name Google puts in ``error.status``
STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    408: "DEADLINE_EXCEEDED",
    409: "ALREADY_EXISTS",
    413: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
}


class ApiError(Exception):
    """An error the emulator answers with: ``code`` (HTTP status), ``message``, ``status``
    (Google's name for the code), optional ``details`` and Drive-style ``errors``, and
    ``headers`` to add (``Retry-After``)."""

    def __init__(
        self,
        code: int,
        message: str,
        *,
        status: str | None = None,
        details: list[dict[str, Any]] | None = None,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status or STATUS_NAMES.get(code, "UNKNOWN")
        self.details = details
        self.errors = errors
        self.headers = headers or {}

    @classmethod
    def bad_request(cls, message: str) -> ApiError:
        """A 400 INVALID_ARGUMENT with ``message``."""
        return cls(400, message)

    @classmethod
    def not_found(cls, message: str = "Requested entity was not found.") -> ApiError:
        """A 404 NOT_FOUND (the API's wording by default)."""
        return cls(404, message)

    def body(self) -> dict[str, Any]:
        """The JSON body: ``{"error": {"code", "message", "status", ...}}``."""
        error: dict[str, Any] = {"code": self.code, "message": self.message, "status": self.status}
        if self.errors is not None:
            error["errors"] = self.errors
        if self.details is not None:
            error["details"] = self.details
        return {"error": error}
