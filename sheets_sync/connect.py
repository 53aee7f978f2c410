"""``connect()``: an authorised gspread ``Client`` on xl-crm's HTTP client::

    from sheets_sync import connect

    gc = connect("service-account.json")     # None: Application Default Credentials
    sh = gc.open_by_key("1AbC...")           # shared with the key's client_email
    gc.http_client.stats.as_dict()           # {"requests": 1, "reads": 1, ...}

Credentials, quotas and retries are described in docs/sheets.md.
"""

from __future__ import annotations

import os
from typing import Any

import gspread
from google.oauth2.credentials import Credentials

from sheets_sync.credentials import SCOPES, load_credentials
from sheets_sync.http import DEFAULT_TIMEOUT, SheetsHTTPClient
from sheets_sync.quota import Quota
from sheets_sync.retries import Retries

#: environment variable naming an endpoint (the emulator's URL) used when ``connect()`` is
#: given none
ENDPOINT_ENV = "XL_CRM_SHEETS_ENDPOINT"
#: the bearer token sent to an endpoint given without credentials (the emulator accepts any)
EMULATOR_TOKEN = "xl-crm-emulator"


def connect(
    credentials: Any = None,
    *,
    endpoint: str | None = None,
    timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
    retries: Retries | int | None = None,
    quota: Quota | bool = True,
    scopes: tuple[str, ...] = SCOPES,
) -> gspread.Client:
    """An authorised gspread ``Client`` whose requests go through
    :class:`~sheets_sync.http.SheetsHTTPClient` (its counts: ``client.http_client.stats``).

    Args:
        credentials: a path to a service-account key or authorized-user JSON file, that
            JSON as a dict, google-auth ``Credentials``, or None for Application Default
            Credentials (``GOOGLE_APPLICATION_CREDENTIALS``, ``gcloud auth
            application-default login``, the Google Cloud metadata server).  With an
            endpoint and no credentials: ``GOOGLE_APPLICATION_CREDENTIALS`` when set, else
            a fixed token (the emulator takes any; a person's gcloud login is never sent
            to a stand-in).
        endpoint: base URL standing in for Google (the emulator: ``http://127.0.0.1:8765``);
            Sheets, Drive and the credentials' token endpoint (``/token``) all go there.
            Default: ``$XL_CRM_SHEETS_ENDPOINT``, else Google.
        timeout: seconds, or (connect, read) seconds, for every request.
        retries: a :class:`~sheets_sync.retries.Retries`, or how many retries after the
            first send (``0``: none); default ``Retries()`` (6 sends in 2 minutes).
        quota: the client-side rate limit: True for ``Quota()`` (50 reads and 50 writes
            a minute), a :class:`~sheets_sync.quota.Quota` (share one between clients of
            the same account), False for none.
        scopes: OAuth scopes for file and ADC credentials (Sheets and Drive by default).

    Returns: a ``gspread.Client``; nothing is sent until it is used.

    Raises: ``xl_crm.errors.CredentialsFileError`` (file missing or unreadable),
    ``CredentialsKindError`` (not a credential xl-crm can use),
    ``NoDefaultCredentialsError`` (ADC found nothing).  The client's calls raise the other
    ``SheetsError`` subclasses (docs/errors.md).
    """
    endpoint = (endpoint or os.environ.get(ENDPOINT_ENV) or "").rstrip("/") or None
    token_uri = f"{endpoint}/token" if endpoint else None
    stand_in = (
        credentials is None and endpoint and not os.environ.get("GOOGLE_APPLICATION_CREDENTIALS")
    )
    if stand_in:
        # not the gcloud ADC file: a person's refresh token is not sent to a stand-in
        credentials = Credentials(token=EMULATOR_TOKEN, token_uri=token_uri)
    loaded = load_credentials(credentials, scopes=scopes, token_uri=token_uri)
    if isinstance(retries, int):
        retries = Retries(attempts=retries + 1)
    limit = Quota() if quota is True else (quota or None)

    def http_client(auth: Any, session: Any = None) -> SheetsHTTPClient:
        return SheetsHTTPClient(
            auth,
            session,
            endpoint=endpoint,
            timeout=timeout,
            retries=retries,
            quota=limit,
            account=loaded.email,
            stand_in=bool(stand_in),
        )

    return gspread.Client(loaded.credentials, http_client=http_client)
