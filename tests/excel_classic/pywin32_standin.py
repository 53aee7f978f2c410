"""Test-only stand-ins for pywin32, so that classic xlwings' Windows modules import on
Linux (``../shared/research/xlwings.md`` §3.5 and Appendix A).

Nothing talks to Excel: every COM call lands on a MagicMock.  The few real parts are what
xlwings' Python side needs: ``pywintypes.TimeType`` (a datetime subclass), the
``com_error``/``error`` exception classes, ``win32timezone.TimeZoneInfo.utc()`` and
plain classes for ``CDispatch``/``CoClassBaseClass``/``DispatchBaseClass``.

:func:`install` leaves the stand-ins in ``sys.modules`` and ``ctypes.windll``/``oledll``
set, which other libraries may take for Windows: use it only in a process of its own
(``tests/test_excel_classic.py`` runs ``classic_checks.py`` in one).
"""

from __future__ import annotations

import ctypes
import datetime as dt
import sys
import types
from unittest import mock

NAMES = [
    "pywintypes",
    "win32api",
    "win32con",
    "win32event",
    "win32gui",
    "win32process",
    "win32timezone",
    "pythoncom",
    "win32com",
    "win32com.client",
    "win32com.client.gencache",
    "win32com.server",
    "win32com.server.dispatcher",
    "win32com.server.policy",
    "win32com.server.util",
]


class StubModule(types.ModuleType):
    """A module whose every attribute is a MagicMock (made on first use)."""

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        value = mock.MagicMock(name=f"{self.__name__}.{name}")
        setattr(self, name, value)
        return value


class TimeType(dt.datetime):
    """Plays pywintypes.TimeType (a datetime subclass in real pywin32)."""


def install():
    """Put the stand-ins in place and import xlwings' classic modules; returns
    ``(xlwings, xlwings._xlwindows, xlwings.udfs)`` with the Excel engine registered."""
    for name in NAMES:
        sys.modules.setdefault(name, StubModule(name))
    pywintypes = sys.modules["pywintypes"]
    pywintypes.TimeType = TimeType
    pywintypes.com_error = type("com_error", (Exception,), {})
    pywintypes.error = type("error", (Exception,), {})
    sys.modules["pythoncom"].__file__ = "pythoncom-stub.so"
    client = sys.modules["win32com.client"]
    for cls in ("CDispatch", "CoClassBaseClass", "DispatchBaseClass"):
        setattr(client, cls, type(cls, (), {}))
    sys.modules["win32com"].client = client
    sys.modules["win32com"].server = sys.modules["win32com.server"]
    for sub in ("dispatcher", "policy", "util"):
        setattr(sys.modules["win32com.server"], sub, sys.modules[f"win32com.server.{sub}"])
    sys.modules["win32timezone"].TimeZoneInfo = types.SimpleNamespace(utc=lambda: dt.UTC)
    if not hasattr(ctypes, "windll"):
        ctypes.windll = mock.MagicMock(name="ctypes.windll")
    if not hasattr(ctypes, "oledll"):
        ctypes.oledll = mock.MagicMock(name="ctypes.oledll")
    real_pydll, ctypes.PyDLL = ctypes.PyDLL, mock.MagicMock(name="ctypes.PyDLL")
    try:
        import xlwings
        import xlwings._xlwindows as xlwin
        import xlwings.com_server  # call_udf imports its event loop
        import xlwings.udfs as udfs
    finally:
        ctypes.PyDLL = real_pydll
    if "excel" not in [e.name for e in xlwings.engines]:
        xlwings.engines.add(xlwings.Engine(impl=xlwin.engine))
    return xlwings, xlwin, udfs
