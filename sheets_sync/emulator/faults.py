"""Fault injection, quotas, tokens, edits by "another user" and the request log.

All of it is driven over HTTP under ``/_emulator/`` (see docs/sheets-emulator.md) so tests in
any language can use it:

- ``POST /_emulator/faults`` ``{"faults": [rule, ...]}``: each rule answers the next
  ``times`` (default 1) matching requests (``match``: a substring of the path, ``method``)
  with ``status`` (429 / 500 / 503 / 401 / ...; ``retryAfter`` seconds adds a Retry-After
  header; ``html: true`` answers a non-JSON body as proxies do), or sleeps ``hangSeconds``
  first (a hang, for timeouts), or, on ``/token``, ``invalidGrant: true``.
- ``POST /_emulator/tokens`` ``{"revoke": true}`` revokes every token issued (API calls get
  401, ``/token`` answers ``invalid_grant``); ``{"expiresIn": 60}`` sets new tokens' life.
- ``POST /_emulator/quota`` ``{"readsPerMinute": 60, "writesPerMinute": 60}`` (null: off);
  ``POST /_emulator/clock`` ``{"advance": 60}`` moves the quota clock on.
- ``POST /_emulator/edits`` ``{"spreadsheetId", "range", "values", "afterRequests": n}``:
  another user's write, applied after our next ``n`` API requests (0: now).
- ``GET /_emulator/requests`` the log; ``POST /_emulator/reset`` forgets everything.

Quotas follow https://developers.google.com/sheets/api/limits: 60 read and 60 write requests
per minute per user; a 429 ``RESOURCE_EXHAUSTED`` "Quota exceeded for quota metric 'Read
requests' and limit 'Read requests per minute per user' ...".
"""

from __future__ import annotations

import itertools
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from sheets_sync.emulator.errors import ApiError

#: API calls that count as reads (everything else under /v4 is a write); Drive has its own quota
READ_METHODS = {
    "sheets.spreadsheets.get",
    "sheets.spreadsheets.getByDataFilter",
    "sheets.spreadsheets.values.get",
    "sheets.spreadsheets.values.batchGet",
    "sheets.spreadsheets.values.batchGetByDataFilter",
    "sheets.spreadsheets.developerMetadata.get",
    "sheets.spreadsheets.developerMetadata.search",
}


@dataclass
class Fault:
    """One fault rule (see the module docstring)."""

    status: int | None = None
    match: str = ""
    method: str | None = None
    times: int = 1
    retry_after: float | None = None
    html: bool = False
    hang_seconds: float = 0.0
    invalid_grant: bool = False

    def applies(self, http_method: str, path: str) -> bool:
        """True when this rule is for a request ``http_method path``."""
        if self.times <= 0 or (self.method and self.method.upper() != http_method):
            return False
        if self.match:
            return self.match in path
        return not path.startswith("/token")


@dataclass
class Token:
    """An access token the emulator issued: whose it is and when it stops working."""

    user: str
    expires: float


@dataclass
class Controls:
    """The emulator's test-side state: faults, tokens, quotas, scheduled edits, the log."""

    clock: Any = time.monotonic
    faults: list[Fault] = field(default_factory=list)
    tokens: dict[str, Token] = field(default_factory=dict)
    revoked: bool = False
    expires_in: int = 3600
    reads_per_minute: int | None = 60
    writes_per_minute: int | None = 60
    clock_offset: float = 0.0
    started: float | None = None
    used: dict[tuple[str, str, int], int] = field(default_factory=dict)
    edits: list[dict[str, Any]] = field(default_factory=list)
    log: list[dict[str, Any]] = field(default_factory=list)
    counter: Any = field(default_factory=itertools.count)

    def now(self) -> float:
        """The quota and token clock: seconds since the emulator started (or was reset),
        plus any ``advance``; quota minutes count from that start, so a test that makes
        its calls within a minute of it never sees the window turn."""
        if self.started is None:
            self.started = self.clock()
        return self.clock() - self.started + self.clock_offset

    def add_faults(self, rules: list[dict[str, Any]]) -> None:
        """Add fault rules given as JSON objects."""
        for rule in rules:
            self.faults.append(
                Fault(
                    status=rule.get("status"),
                    match=rule.get("match", ""),
                    method=rule.get("method"),
                    times=int(rule.get("times", 1)),
                    retry_after=rule.get("retryAfter"),
                    html=bool(rule.get("html")),
                    hang_seconds=float(rule.get("hangSeconds", 0)),
                    invalid_grant=bool(rule.get("invalidGrant")),
                )
            )

    def take_fault(self, http_method: str, path: str) -> Fault | None:
        """The first rule matching the request, its count used up by one."""
        for rule in self.faults:
            if rule.applies(http_method, path):
                rule.times -= 1
                return rule
        return None

    def issue(self, user: str) -> dict[str, Any]:
        """A token reply for ``user``: ``access_token``, ``expires_in``, ``token_type``."""
        token = "emu-" + secrets.token_urlsafe(16)
        self.tokens[token] = Token(user, self.now() + self.expires_in)
        return {"access_token": token, "expires_in": self.expires_in, "token_type": "Bearer"}

    def user_of(self, header: str | None) -> str:
        """Who an ``Authorization`` header speaks for; ApiError 401 when it is missing, or
        names a revoked or expired token."""
        if not header or not header.startswith("Bearer ") or not header[7:].strip():
            raise ApiError(
                401,
                "Request is missing required authentication credential. Expected OAuth 2 "
                "access token, login cookie or other valid authentication credential.",
            )
        token = header[7:].strip()
        issued = self.tokens.get(token)
        if self.revoked or (issued is not None and issued.expires <= self.now()):
            raise ApiError(
                401,
                "Request had invalid authentication credentials. Expected OAuth 2 access "
                "token, login cookie or other valid authentication credential.",
            )
        return issued.user if issued else f"token:{token[:12]}"

    def charge(self, user: str, method_id: str) -> None:
        """Count one request against ``user``'s per-minute quota; ApiError 429 past it."""
        if not method_id.startswith("sheets."):
            return
        kind = "Read" if method_id in READ_METHODS else "Write"
        limit = self.reads_per_minute if kind == "Read" else self.writes_per_minute
        if limit is None:
            return
        key = (user, kind, int(self.now() // 60))
        if self.used.get(key, 0) >= limit:
            raise ApiError(
                429,
                f"Quota exceeded for quota metric '{kind} requests' and limit '{kind} requests "
                "per minute per user' of service 'sheets.googleapis.com' for consumer "
                "'project_number:0'.",
                details=[
                    {
                        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                        "reason": "RATE_LIMIT_EXCEEDED",
                        "domain": "googleapis.com",
                        "metadata": {
                            "quota_metric": f"sheets.googleapis.com/{kind.lower()}_requests",
                            "quota_limit_value": str(limit),
                            "service": "sheets.googleapis.com",
                        },
                    }
                ],
            )
        self.used[key] = self.used.get(key, 0) + 1

    def due_edits(self) -> list[dict[str, Any]]:
        """Called after each API request: every scheduled edit counts it; the edits whose
        count is reached (``afterRequests`` requests made since they were posted) are due
        now and removed from the queue."""
        for edit in self.edits:
            edit["afterRequests"] = edit.get("afterRequests", 0) - 1
        due = [e for e in self.edits if e["afterRequests"] <= 0]
        self.edits = [e for e in self.edits if e["afterRequests"] > 0]
        return due

    def reset(self) -> None:
        """Forget faults, tokens, quota use, scheduled edits and the log; quotas back to 60/60."""
        fresh = Controls(clock=self.clock)
        for name in (
            "faults",
            "tokens",
            "revoked",
            "expires_in",
            "reads_per_minute",
            "writes_per_minute",
            "clock_offset",
            "started",
            "used",
            "edits",
            "log",
        ):
            setattr(self, name, getattr(fresh, name))
