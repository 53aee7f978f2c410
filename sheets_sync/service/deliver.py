"""Delivering a run's reports (docs/service.md, "Reports and delivery"): a copy into a
folder, a JSON summary POSTed to a webhook.  No e-mail server needed.

- ``folder``: each report file is copied through a temporary name in that folder and a
  rename (:func:`sheets_sync.service.reports.write_atomic`), so whoever watches the folder
  never reads half a file;
- ``webhook``: :func:`post_summary` POSTs :func:`summary` with ``requests``: a timeout per
  attempt, and bounded retries (urllib3's ``Retry``: connection errors, 429 and 5xx, with
  a short backoff; ``Retry-After`` honoured).

A failure is returned as text (what failed, the error's class, the host or folder; never
the URL's path or query, which may hold a token) and recorded in the run's
``delivery_error``; the run's outcome stays ``succeeded``: the reports exist in the report
folder, only a copy is missing.  It never stops other jobs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sheets_sync.service.jobs import Deliver
from sheets_sync.service.reports import write_atomic

__all__ = ["deliver", "post_summary", "summary"]


def summary(job: str, result: Any, run_time: str) -> dict[str, Any]:
    """The webhook's JSON body for ``job``'s run (``result``: its
    :class:`sheets_sync.service.runner.RunResult`; ``run_time`` ISO 8601 UTC): job,
    run_time, outcome, findings by rule, errors, warnings, score (0-100), report and
    report_json (paths).  Counts and paths only, never a cell value."""
    return {
        "job": job,
        "run_time": run_time,
        "outcome": result.outcome,
        "findings": result.findings,
        "errors": result.errors,
        "warnings": result.warnings,
        "score": result.score,
        "report": result.report,
        "report_json": result.report_json,
    }


def post_summary(url: str, body: dict[str, Any], *, timeout: float, retries: int) -> None:
    """POST ``body`` as JSON to ``url``, waiting up to ``timeout`` seconds per attempt and
    trying again up to ``retries`` times after a connection error, 429 or 5xx.  Raises
    ``requests.RequestException`` when the last attempt fails or the answer is an HTTP
    error."""
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    retry = Retry(
        total=retries,
        backoff_factor=0.2,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=frozenset({"POST"}),
        raise_on_status=False,
    )
    with requests.Session() as session:
        adapter = HTTPAdapter(max_retries=retry)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        answer = session.post(url, json=body, timeout=timeout)
        answer.raise_for_status()


def deliver(spec: Deliver, files: list[Path], body: dict[str, Any]) -> str | None:
    """Deliver a run: copy ``files`` into ``spec.folder`` (created when missing) and POST
    ``body`` to ``spec.webhook``, each when set.  Returns None when all went, else what
    failed (``folder: PermissionError: /srv/share``; ``webhook: HTTPError 503 at
    hooks.example``), both when both failed.  Never raises for a delivery failure."""
    import requests

    failed = []
    if spec.folder is not None:
        try:
            spec.folder.mkdir(parents=True, exist_ok=True)
            for path in files:
                write_atomic(spec.folder / path.name, path.read_bytes())
        except OSError as exc:
            failed.append(f"folder: {type(exc).__name__}: {spec.folder}")
    if spec.webhook is not None:
        host = urlsplit(spec.webhook).netloc.rsplit("@", 1)[-1]
        try:
            post_summary(spec.webhook, body, timeout=spec.timeout, retries=spec.retries)
        except requests.HTTPError as exc:
            failed.append(f"webhook: HTTPError {exc.response.status_code} at {host}")
        except requests.RequestException as exc:
            failed.append(f"webhook: {type(exc).__name__} at {host}")
    return "; ".join(failed) or None
