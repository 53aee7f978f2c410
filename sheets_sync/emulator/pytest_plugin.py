"""pytest fixtures for the emulator, for this project's tests and for users' own.

Enable with ``pytest -p sheets_sync.emulator.pytest_plugin`` or
``pytest_plugins = ["sheets_sync.emulator.pytest_plugin"]`` in a conftest.py:

- ``sheets_emulator``: a fresh ``Emulator`` on a free 127.0.0.1 port for each test;
- ``sheets_client``: an authorised gspread ``Client`` for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sheets_sync.emulator.client import client
from sheets_sync.emulator.server import Emulator


@pytest.fixture
def sheets_emulator() -> Iterator[Emulator]:
    """A running emulator on a free port, stopped after the test."""
    with Emulator() as emulator:
        yield emulator


@pytest.fixture
def sheets_client(sheets_emulator: Emulator) -> Any:
    """A gspread Client for ``sheets_emulator`` (5 s timeouts)."""
    return client(sheets_emulator.url, timeout=5)
