"""A local emulator of the Google Sheets API v4 and the Drive v3 calls gspread makes.

Start one with ``xl-crm sheets emulator --port 8765`` or in Python::

    from sheets_sync.emulator import Emulator, client

    with Emulator() as emu:                 # a free port on 127.0.0.1
        gc = client(emu.url)                # an authorised gspread Client, no credentials
        sh = gc.create("Customers")
        sh.sheet1.update([["id", "name"], ["0042", "Li"]], "A1")

Tests can use the ``sheets_emulator`` pytest fixture (``pytest -p
sheets_sync.emulator.pytest_plugin``).  See docs/sheets-emulator.md.  Needs the ``sheets``
extra (gspread, google-auth, google-api-python-client).
"""

from __future__ import annotations

from sheets_sync.emulator.client import EmulatorHTTPClient, client, credentials
from sheets_sync.emulator.errors import ApiError
from sheets_sync.emulator.server import Emulator

__all__ = ["ApiError", "Emulator", "EmulatorHTTPClient", "client", "credentials"]
