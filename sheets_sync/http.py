"""xl-crm's gspread HTTP client: timeouts, retries, a rate limiter, counts, clear errors.

Every gspread call goes through ``HTTPClient.request`` (research/gsheets.md §1.1), so one
subclass gives all of them:

- an ``endpoint`` that replaces Google's origins (the emulator, ``XL_CRM_SHEETS_ENDPOINT``);
- a (connect, read) timeout on every request (gspread's default is none: a silent server
  hangs the caller forever);
- the retry policy of ``sheets_sync.retries`` for calls ``sheets_sync.calls`` says are safe
  to repeat;
- the per-user rate limiter of ``sheets_sync.quota``;
- :class:`RequestStats`: requests, retries, bytes, waits (benchmarks read ``client.stats``);
- failures raised as ``xl_crm.errors.SheetsError`` subclasses (``sheets_sync.failures``).

It logs at DEBUG (each send, and each call that failed for good: the error is raised
too) and INFO (each retry) on the ``sheets_sync.http`` logger: the method id, status,
attempt and wait, never the URL's range, a body, a cell value or a token.  Neither level
is shown by default (the CLI shows them with ``XL_CRM_LOG=debug``, never under
``--quiet``).
"""

from __future__ import annotations

import json as jsonlib
import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import gspread
import requests
import tenacity
from gspread.exceptions import APIError

from sheets_sync import calls
from sheets_sync.failures import Attempted, failure
from sheets_sync.quota import Quota
from sheets_sync.retries import Retries, retrying

log = logging.getLogger("sheets_sync.http")

#: the origins gspread's URLs start with (Sheets v4; Drive v3 and the v2 upload path)
GOOGLE_ORIGINS = ("https://sheets.googleapis.com", "https://www.googleapis.com")
#: (connect, read) seconds: a connection is up in well under 10 s or not at all; 60 s
#: between bytes leaves room for a 100,000-row read
DEFAULT_TIMEOUT = (10.0, 60.0)


@dataclass
class RequestStats:
    """What a client sent and received (thread-safe; ``as_dict()`` for reports).

    ``requests``: HTTP requests sent, retries included (``reads``, ``writes``, ``drive``
    by quota, ``by_method`` by API method id, ``by_status`` by HTTP status, ``"error"``
    when no answer came); ``retries``: sends that repeated a failed one; ``bytes_sent`` /
    ``bytes_received``: request and response bodies (headers and google-auth's token
    calls not counted); ``backoff_seconds``: waited between retries;
    ``throttle_seconds``: waited in the rate limiter.  A 401 that google-auth answers by
    refreshing the token and sending again counts once.
    """

    requests: int = 0
    reads: int = 0
    writes: int = 0
    drive: int = 0
    retries: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    backoff_seconds: float = 0.0
    throttle_seconds: float = 0.0
    by_method: Counter[str] = field(default_factory=Counter)
    by_status: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def count(self, method: str, kind: str | None, status: str, sent: int, received: int) -> None:
        """Count one send of ``method`` (its quota ``kind``) answered with ``status``."""
        with self.lock:
            self.requests += 1
            if kind == "read":
                self.reads += 1
            elif kind == "write":
                self.writes += 1
            else:
                self.drive += 1
            self.by_method[method] += 1
            self.by_status[status] += 1
            self.bytes_sent += sent
            self.bytes_received += received

    def waited(self, *, backoff: float = 0.0, throttle: float = 0.0, retry: bool = False) -> None:
        """Add waiting time (seconds) and, with ``retry``, one retry."""
        with self.lock:
            self.backoff_seconds += backoff
            self.throttle_seconds += throttle
            self.retries += int(retry)

    def as_dict(self) -> dict[str, Any]:
        """The counts as plain JSON-ready data."""
        with self.lock:
            return {
                "requests": self.requests,
                "reads": self.reads,
                "writes": self.writes,
                "drive": self.drive,
                "retries": self.retries,
                "bytes_sent": self.bytes_sent,
                "bytes_received": self.bytes_received,
                "backoff_seconds": round(self.backoff_seconds, 3),
                "throttle_seconds": round(self.throttle_seconds, 3),
                "by_method": dict(self.by_method),
                "by_status": dict(self.by_status),
            }


class SheetsHTTPClient(gspread.HTTPClient):
    """gspread's HTTP client with xl-crm's timeouts, retries, rate limit and errors.

    Args: ``auth`` (google-auth credentials) and ``session`` as gspread's;
    ``endpoint``: base URL replacing Google's origins (``http://127.0.0.1:8765``), None
    for Google; ``timeout``: seconds, or (connect, read) seconds, never None; ``retries``:
    :class:`~sheets_sync.retries.Retries`; ``quota``: :class:`~sheets_sync.quota.Quota`
    (None: no client-side limit); ``account``: the service account's email, named in
    "share the sheet with" hints; ``stand_in``: True when ``auth`` is the fixed token
    ``connect()`` sends to an endpoint given without credentials (errors then talk of
    the endpoint, not of Google's sign-in).  ``stats`` counts what was sent.

    ``request`` raises ``xl_crm.errors.SheetsError`` subclasses for the failures
    ``sheets_sync.failures`` knows (403, 404, 401 after refresh, revoked tokens, quota,
    5xx, timeouts, connection errors after the retries), gspread's ``APIError`` for the
    others (a 400 for a bad range).
    """

    def __init__(
        self,
        auth: Any,
        session: Any = None,
        *,
        endpoint: str | None = None,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        retries: Retries | None = None,
        quota: Quota | None = None,
        account: str | None = None,
        stand_in: bool = False,
    ) -> None:
        super().__init__(auth, session)
        self.stand_in = stand_in
        self.endpoint = endpoint.rstrip("/") if endpoint else None
        self.retries = retries or Retries()
        self.quota = quota
        self.account = account
        self.stats = RequestStats()
        self.set_timeout(timeout)

    def set_timeout(self, timeout: float | tuple[float, float] | None) -> None:
        """Seconds, or (connect, read) seconds; None (gspread's "no timeout") keeps
        :data:`DEFAULT_TIMEOUT`, because a call without a timeout can hang forever."""
        super().set_timeout(DEFAULT_TIMEOUT if timeout is None else timeout)

    def url(self, endpoint: str) -> str:
        """``endpoint`` (a gspread URL) with Google's origin replaced by ``self.endpoint``."""
        if self.endpoint:
            for origin in GOOGLE_ORIGINS:
                if endpoint.startswith(origin):
                    return self.endpoint + endpoint[len(origin) :]
        return endpoint

    def request(
        self,
        method: str,
        endpoint: str,
        params: Any = None,
        data: Any = None,
        json: Any = None,
        files: Any = None,
        headers: Any = None,
    ) -> requests.Response:
        """Send one gspread request under the policy above; returns the response (2xx)."""
        url = self.url(endpoint)
        mid, key = calls.method_of(method, url)
        repeat = calls.repeatable(method, mid, json)
        kind = calls.quota_kind(mid)
        start = time.monotonic()
        loop = retrying(self.retries, repeat, self._before_sleep(mid))
        sends = 0
        try:
            for attempt in loop:
                with attempt:
                    sends += 1
                    return self._send(method, url, mid, kind, params, data, json, files, headers)
        except Exception as exc:
            tried = Attempted(
                mid, key, self.account, sends, time.monotonic() - start, repeat,
                endpoint=self.endpoint, stand_in=self.stand_in,
            )  # fmt: skip
            error = failure(exc, tried)
            if error is None:
                raise
            log.debug("%s failed after %d send(s): %s", mid, tried.sends, error.reason)
            raise error from exc
        raise AssertionError("unreachable: tenacity re-raises the last error")  # pragma: no cover

    def _send(
        self,
        method: str,
        url: str,
        mid: str,
        kind: str | None,
        params: Any,
        data: Any,
        json: Any,
        files: Any,
        headers: Any,
    ) -> requests.Response:
        if self.quota is not None:
            self.stats.waited(throttle=self.quota.wait(kind))
        try:
            response = self.session.request(
                method=method,
                url=url,
                json=json,
                params=params,
                data=data,
                files=files,
                headers=headers,
                timeout=self.timeout,
            )
        except Exception:
            self.stats.count(mid, kind, "error", _body_size(json, data), 0)
            raise
        body = response.request.body if response.request is not None else None
        sent = len(body) if body is not None else _body_size(json, data)
        self.stats.count(mid, kind, str(response.status_code), sent, len(response.content))
        log.debug("%s -> %s", mid, response.status_code)
        if response.ok:
            return response
        raise APIError(response)

    def _before_sleep(self, mid: str) -> Any:
        def note(state: tenacity.RetryCallState) -> None:
            wait = state.upcoming_sleep
            self.stats.waited(backoff=wait, retry=True)
            outcome = state.outcome.exception() if state.outcome is not None else None
            what = (
                outcome.response.status_code
                if isinstance(outcome, APIError)
                else type(outcome).__name__
            )
            log.info(
                "%s: %s on attempt %d; retrying in %.2f s", mid, what, state.attempt_number, wait
            )

        return note


def _body_size(json: Any, data: Any) -> int:
    """Bytes of a body that was not sent (no answer came); what requests would encode."""
    if data is not None:
        return len(data) if isinstance(data, bytes | str) else 0
    if json is None:
        return 0
    return len(jsonlib.dumps(json, allow_nan=False).encode("utf-8"))
