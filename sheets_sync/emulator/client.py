"""Point gspread at the emulator: an ``HTTPClient`` that rewrites Google's origins.

gspread's URLs are absolute and copied into its modules at import time, so patching
``gspread.urls`` does nothing; its documented ``http_client`` hook is the way in
(research/gsheets.md §1.3).  Every request goes through ``HTTPClient.request``, where
``https://sheets.googleapis.com`` and ``https://www.googleapis.com`` become the emulator's
base URL; authentication stays google-auth's ``AuthorizedSession``, as in production.
"""

from __future__ import annotations

from typing import Any

import gspread
from google.oauth2.credentials import Credentials

#: the origins gspread talks to (Sheets v4; Drive v3 and the v2 upload path)
ORIGINS = ("https://sheets.googleapis.com", "https://www.googleapis.com")


class EmulatorHTTPClient(gspread.HTTPClient):
    """A gspread HTTP client whose requests go to ``base_url`` instead of Google.

    Args: ``auth`` (google-auth credentials), ``session`` (as gspread's), ``base_url``
    (``http://127.0.0.1:PORT``), ``timeout`` (seconds or a (connect, read) pair; gspread's
    default is none, which hangs forever on a silent server).
    """

    def __init__(self, auth: Any, session: Any = None, *, base_url: str, timeout: Any = 30) -> None:
        super().__init__(auth, session)
        self.base_url = base_url.rstrip("/")
        self.set_timeout(timeout)

    def request(self, method: str, endpoint: str, *args: Any, **kwargs: Any) -> Any:
        """gspread's request, sent to the emulator."""
        for origin in ORIGINS:
            if endpoint.startswith(origin):
                endpoint = self.base_url + endpoint[len(origin) :]
                break
        return super().request(method, endpoint, *args, **kwargs)


def credentials(base_url: str | None = None, token: str = "emulator") -> Credentials:
    """OAuth user credentials for the emulator: a fixed bearer ``token`` that never
    expires, its ``token_uri`` the emulator's ``/token`` when ``base_url`` is given."""
    token_uri = f"{base_url.rstrip('/')}/token" if base_url else None
    if token_uri:
        return Credentials(token=token, token_uri=token_uri)
    return Credentials(token=token)


def client(base_url: str, auth: Any = None, *, timeout: Any = 30) -> gspread.Client:
    """An authorised gspread ``Client`` talking to the emulator at ``base_url``.

    ``auth`` defaults to ``credentials(base_url)`` (no real credentials needed); pass
    service-account or user credentials whose ``token_uri`` is ``base_url + "/token"`` to
    exercise token refresh.  ``timeout``: seconds, or (connect, read).
    """
    auth = auth if auth is not None else credentials(base_url)
    return gspread.Client(
        auth,
        http_client=lambda a, session=None: EmulatorHTTPClient(
            a, session, base_url=base_url, timeout=timeout
        ),
    )
