"""When and how long to wait before sending a failed Google API call again.

The policy (research/gsheets.md §4):

- retried: HTTP 408, 429, 500, 502, 503, 504, Drive's 403 rate-limit answer
  (``userRateLimitExceeded`` / ``rateLimitExceeded``), a dropped or refused connection and a
  timeout, and only for calls that are safe to repeat (``sheets_sync.calls``);
- the wait is exponential backoff with "full jitter": a random time between 0 and
  ``min(cap, base * 2**n)`` before retry n+1 (Marc Brooker, "Exponential Backoff And
  Jitter", AWS Architecture Blog, 2015,
  https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/; tenacity's
  ``wait_random_exponential``), never shorter than the answer's ``Retry-After`` (seconds,
  or an HTTP date: RFC 9110 §10.2.3); Google recommends truncated exponential backoff with
  a 32 or 64 s maximum (https://developers.google.com/sheets/api/limits);
- bounded: at most ``attempts`` sends and ``total_seconds`` from the first send; a wait
  that would end past that bound is not started, the last error is raised instead.

gspread 6.2.1's ``BackOffHTTPClient`` is not used: it retries forever, without jitter or
Retry-After, and retries appends (research/gsheets.md §1.2).  tenacity supplies the loop,
the stop rules and the jittered wait.
"""

from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass
from typing import Any

import requests
import tenacity
from google.auth.exceptions import TransportError
from gspread.exceptions import APIError

#: HTTP statuses worth another try: timeout, quota, and the server errors that pass
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
#: Drive's rate-limit reasons, sent with 403 (research/gsheets.md §4; gspread #1268)
RATE_LIMIT_REASONS = frozenset({"userRateLimitExceeded", "rateLimitExceeded"})


@dataclass(frozen=True)
class Retries:
    """How a failed call is retried.

    ``attempts``: sends at most, the first included (1: no retry); ``total_seconds``: no
    send starts later than this after the first; ``base_seconds`` and ``cap_seconds``: the
    full-jitter window of retry n is ``[0, min(cap, base * 2**(n-1))]`` seconds.  The
    defaults allow 6 sends in 2 minutes with a 32 s cap (Google's advice, above).
    """

    attempts: int = 6
    total_seconds: float = 120.0
    base_seconds: float = 1.0
    cap_seconds: float = 32.0


def retry_after(response: requests.Response | None, now: float | None = None) -> float | None:
    """Seconds the ``Retry-After`` header of ``response`` asks to wait (delay-seconds or an
    HTTP date, RFC 9110 §10.2.3), 0 for a date past; None without a usable header.
    ``now``: Unix time to count a date from (default: the clock)."""
    value = response.headers.get("Retry-After") if response is not None else None
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def is_rate_limited(error: APIError) -> bool:
    """True for 429, and for Drive's 403 whose reason says rate limit (not permission)."""
    if error.response.status_code == 429:
        return True
    if error.response.status_code != 403:
        return False
    details = error.error.get("errors") if isinstance(error.error, dict) else None
    reasons = {d.get("reason") for d in details or () if isinstance(d, dict)}
    return bool(reasons & RATE_LIMIT_REASONS)


def is_transient(exc: BaseException) -> bool:
    """True when ``exc`` may pass on another try: a retried status (above), a connection
    error or timeout of requests, or google-auth failing to reach the token endpoint."""
    if isinstance(exc, APIError):
        return exc.response.status_code in RETRY_STATUSES or is_rate_limited(exc)
    return isinstance(exc, requests.ConnectionError | requests.Timeout | TransportError)


class WaitRetryAfter(tenacity.wait.wait_base):
    """tenacity wait: full jitter (``wait_random_exponential``), but never less than the
    failed answer's ``Retry-After``."""

    def __init__(self, policy: Retries) -> None:
        self.jitter = tenacity.wait_random_exponential(
            multiplier=policy.base_seconds, max=policy.cap_seconds
        )

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        wait = self.jitter(retry_state)
        outcome = retry_state.outcome
        exc = outcome.exception() if outcome is not None else None
        if isinstance(exc, APIError):
            asked = retry_after(exc.response)
            if asked is not None:
                wait = max(wait, asked)
        return wait


def retrying(policy: Retries, repeatable: bool, before_sleep: Any = None) -> tenacity.Retrying:
    """A tenacity loop for one call: transient failures retried when ``repeatable``, the
    waits of :class:`WaitRetryAfter`, stopped by ``policy.attempts`` and
    ``policy.total_seconds``; the last error is raised as it was (``reraise``).
    ``before_sleep(retry_state)`` is called before each wait (logging, counting)."""
    return tenacity.Retrying(
        retry=tenacity.retry_if_exception(lambda exc: repeatable and is_transient(exc)),
        wait=WaitRetryAfter(policy),
        stop=(
            tenacity.stop_after_attempt(max(1, policy.attempts))
            | tenacity.stop_before_delay(policy.total_seconds)
        ),
        before_sleep=before_sleep,
        reraise=True,
    )
