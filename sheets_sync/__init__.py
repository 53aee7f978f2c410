"""Google Sheets for xl-crm: ``connect()`` (an authorised gspread client with timeouts,
retries, a rate limiter and clear errors; docs/sheets.md), a Google Sheet as a Book
(``sheets_sync.book``, docs/google-sheets.md) and the local Sheets API emulator
(``sheets_sync.emulator``, docs/sheets-emulator.md); the sync engine next.

Needs the ``sheets`` extra: ``pip install 'xl-crm[sheets]'``.
"""

from __future__ import annotations

from sheets_sync.connect import connect
from sheets_sync.quota import Quota
from sheets_sync.retries import Retries

__all__ = ["Quota", "Retries", "connect"]
